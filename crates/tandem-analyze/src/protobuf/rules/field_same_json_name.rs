//! FIELD_SAME_JSON_NAME
//!
//! ## What it does
//! Checks that fields have the same value for the json_name option.
//!
//! ## Why it breaks consumers
//! JSON payloads use the field's JSON name; changing it breaks JSON consumers.
//!
//! ## Example
//! `[json_name = "mail"]` was added to `string email = 2;`.

use super::prelude::*;

const WHY: &str = "JSON payloads use the field's JSON name; changing it breaks JSON consumers.";

rule!(
    "FIELD_SAME_JSON_NAME",
    [CSR, FILE, PACKAGE, WIRE_JSON],
    "Checks that fields have the same value for the json_name option.",
    Check::Field(check)
);

fn check(out: &mut Out, msg: Option<&Message>, prev: &Field, cur: &Field) {
    if prev.json_name != cur.json_name {
        let d = field_desc(out.cur, msg, cur);
        at_field(
            out,
            cur,
            &[tag::FIELD_JSON_NAME],
            format!("{d} changed option \"json_name\" from \"{}\" to \"{}\".", prev.json_name, cur.json_name),
        );
    }
}
