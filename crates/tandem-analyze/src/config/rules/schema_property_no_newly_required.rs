//! SCHEMA_PROPERTY_NO_NEWLY_REQUIRED
//!
//! ## What it does
//! Checks that no property becomes required in an object that already existed: an existing
//! property added to `required`, or a new property added as required. A required property of
//! a newly added object passes (documents without the object still validate).
//!
//! ## Why it breaks consumers
//! Every existing document that omits the property stops validating.
//!
//! ## Example
//! `"required": ["name"]` became `["name", "email"]`: "Property "email" became required."

use super::super::schema::{shown, Schema};
use super::Out;

super::rule!(
    "SCHEMA_PROPERTY_NO_NEWLY_REQUIRED",
    Breaking,
    "Checks that no property of an existing JSON Schema object becomes required.",
    "Existing documents that omit the property stop validating.",
    super::Check::Schema(check)
);

fn check(out: &mut Out, prev: &Schema, cur: &Schema) {
    for (path, c) in &cur.props {
        let parent = &path[..path.len() - 1];
        if !c.required || !prev.objects.contains_key(parent) {
            continue;
        }
        match prev.props.get(path) {
            Some(p) if p.required => {}
            Some(_) => out.at(c.line, format!("Property \"{}\" became required.", shown(path))),
            None => out.at(c.line, format!("Property \"{}\" was added as required.", shown(path))),
        }
    }
}
