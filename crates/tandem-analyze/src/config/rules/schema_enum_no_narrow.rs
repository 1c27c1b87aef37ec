//! SCHEMA_ENUM_NO_NARROW
//!
//! ## What it does
//! Checks that the `enum` (or `const`) of a JSON Schema property keeps every value it allowed,
//! and that a property without one does not gain one. Adding values passes.
//!
//! ## Why it breaks consumers
//! Documents using a removed value no longer validate, and code generated from the enum loses
//! the constant its callers use.
//!
//! ## Example
//! `"level": {"enum": ["debug", "info", "warn"]}` became `{"enum": ["info", "warn"]}`: "Value
//! "debug" was removed from the enum of property "level"."

use super::super::schema::{shown, Schema};
use super::Out;

super::rule!(
    "SCHEMA_ENUM_NO_NARROW",
    Breaking,
    "Checks that a JSON Schema property's enum keeps every value it allowed.",
    "Documents using a removed value stop validating, and generated enums lose a constant.",
    super::Check::Schema(check)
);

fn check(out: &mut Out, prev: &Schema, cur: &Schema) {
    for (path, p) in &prev.props {
        let Some(c) = cur.props.get(path) else { continue };
        let Some(now) = &c.enum_values else { continue };
        let Some(before) = &p.enum_values else {
            out.at(c.line, format!("Property \"{}\" was restricted to an enum it did not have.", shown(path)));
            continue;
        };
        let removed: Vec<String> = before.iter().filter(|v| !now.contains(v)).map(|v| v.to_string()).collect();
        match removed.as_slice() {
            [] => {}
            [one] => out.at(c.line, format!("Value {one} was removed from the enum of property \"{}\".", shown(path))),
            many => out.at(
                c.line,
                format!("Values {} were removed from the enum of property \"{}\".", many.join(", "), shown(path)),
            ),
        }
    }
}
