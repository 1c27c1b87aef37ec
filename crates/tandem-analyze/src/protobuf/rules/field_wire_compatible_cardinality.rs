//! FIELD_WIRE_COMPATIBLE_CARDINALITY
//!
//! ## What it does
//! Checks that fields have wire-compatible cardinalities in a given message.
//!
//! ## Why it breaks consumers
//! Repeated numeric fields and singular ones are encoded differently; old data is misread.
//!
//! ## Example
//! `int32 count = 4;` became `repeated int32 count = 4;`.

use super::prelude::*;

const WHY: &str = "Repeated numeric fields and singular ones are encoded differently; old data is misread.";

rule!(
    "FIELD_WIRE_COMPATIBLE_CARDINALITY",
    [WIRE],
    "Checks that fields have wire-compatible cardinalities in a given message.",
    Check::Field(check)
);

fn class(c: &str) -> &str {
    match c {
        "repeated" | "map" => "repeated",
        "required" => "required",
        _ => "singular",
    }
}

fn check(out: &mut Out, msg: Option<&Message>, prev: &Field, cur: &Field) {
    let (a, b) = (cardinality(out.prev, prev), cardinality(out.cur, cur));
    // buf makes no exception for length-delimited types (string, bytes, messages)
    if class(a) != class(b) {
        let d = field_desc(out.cur, msg, cur);
        at_field(out, cur, &[], format!("{d} changed cardinality from \"{a}\" to \"{b}\"."));
    }
}
