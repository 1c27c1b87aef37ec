//! SCHEMA_PROPERTY_SAME_TYPE
//!
//! ## What it does
//! Checks that the `type` of a JSON Schema property still allows every type it allowed before.
//! Widening (`"string"` → `["string", "null"]`, `integer` → `number`, dropping `type`) passes;
//! replacing or narrowing (`integer` → `string`, adding a `type` where there was none) does not.
//!
//! ## Why it breaks consumers
//! Documents holding a value of the previous type no longer validate, and generated code
//! changes the field's type under its callers.
//!
//! ## Example
//! `"port": {"type": "integer"}` became `{"type": "string"}`: "Property "port" changed type
//! from integer to string."

use super::super::schema::{shown, Schema};
use super::Out;
use std::collections::BTreeSet;

super::rule!(
    "SCHEMA_PROPERTY_SAME_TYPE",
    Breaking,
    "Checks that a JSON Schema property's type still allows every type it allowed before.",
    "Documents with a value of the previous type stop validating, and generated code changes type.",
    super::Check::Schema(check)
);

fn show(types: &BTreeSet<String>) -> String {
    if types.is_empty() {
        return "any".to_string();
    }
    types.iter().cloned().collect::<Vec<_>>().join(" or ")
}

fn check(out: &mut Out, prev: &Schema, cur: &Schema) {
    for (path, p) in &prev.props {
        let Some(c) = cur.props.get(path) else { continue };
        if c.types.is_empty() {
            continue;
        }
        let allowed = |t: &String| c.types.contains(t) || (t == "integer" && c.types.contains("number"));
        if p.types.is_empty() || !p.types.iter().all(allowed) {
            let message =
                format!("Property \"{}\" changed type from {} to {}.", shown(path), show(&p.types), show(&c.types));
            out.at(c.line, message);
        }
    }
}
