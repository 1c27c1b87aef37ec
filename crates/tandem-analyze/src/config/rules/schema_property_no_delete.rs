//! SCHEMA_PROPERTY_NO_DELETE
//!
//! ## What it does
//! Checks that no property of a JSON Schema, at any depth (through `properties`, `items` and
//! local `$ref`s), is deleted. Only the topmost deleted property is reported, not its children.
//!
//! ## Why it breaks consumers
//! Documents that set the property no longer validate when `additionalProperties` is false,
//! and code generated from the schema loses the field its callers read or write.
//!
//! ## Example
//! `"street": {"type": "string"}` was removed from `address.properties`: "Previously present
//! property "address.street" was deleted."

use super::super::schema::{shown, Schema};
use super::Out;

super::rule!(
    "SCHEMA_PROPERTY_NO_DELETE",
    Breaking,
    "Checks that no property of a JSON Schema is deleted, at any depth.",
    "Documents setting the property stop validating, and code generated from the schema loses the field.",
    super::Check::Schema(check)
);

fn check(out: &mut Out, prev: &Schema, cur: &Schema) {
    for path in prev.props.keys() {
        let parent_deleted =
            (1..path.len()).any(|n| prev.props.contains_key(&path[..n]) && !cur.props.contains_key(&path[..n]));
        if cur.props.contains_key(path) || parent_deleted || path.last().is_some_and(|p| p == "[]") {
            continue;
        }
        out.at(cur.parent_line(path), format!("Previously present property \"{}\" was deleted.", shown(path)));
    }
}
