//! FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY
//!
//! ## What it does
//! Checks that fields have wire and JSON compatible cardinalities in a given message.
//!
//! ## Why it breaks consumers
//! JSON encodes repeated fields as arrays and singular ones as values; old JSON is rejected.
//!
//! ## Example
//! `string tag = 4;` became `repeated string tag = 4;`.

use super::prelude::*;

const WHY: &str = "JSON encodes repeated fields as arrays and singular ones as values; old JSON is rejected.";

rule!(
    "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY",
    [CSR, WIRE_JSON],
    "Checks that fields have wire and JSON compatible cardinalities in a given message.",
    Check::Field(check)
);

fn class(c: &str) -> &str {
    match c {
        "optional with explicit presence" | "optional with implicit presence" => "singular",
        other => other,
    }
}

fn check(out: &mut Out, msg: Option<&Message>, prev: &Field, cur: &Field) {
    let (a, b) = (cardinality(out.prev, prev), cardinality(out.cur, cur));
    if class(a) != class(b) {
        let d = field_desc(out.cur, msg, cur);
        at_field(out, cur, &[], format!("{d} changed cardinality from \"{a}\" to \"{b}\"."));
    }
}
