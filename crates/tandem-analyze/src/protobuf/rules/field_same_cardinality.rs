//! FIELD_SAME_CARDINALITY
//!
//! ## What it does
//! Checks that fields have the same cardinalities in a given message.
//!
//! ## Why it breaks consumers
//! Generated code changes shape (a list becomes a value, presence tracking appears or disappears).
//!
//! ## Example
//! `string tag = 4;` became `repeated string tag = 4;`.

use super::prelude::*;

const WHY: &str = "Generated code changes shape (a list becomes a value, presence tracking appears or disappears).";

rule!(
    "FIELD_SAME_CARDINALITY",
    [FILE, PACKAGE],
    "Checks that fields have the same cardinalities in a given message.",
    Check::Field(check)
);

fn check(out: &mut Out, msg: Option<&Message>, prev: &Field, cur: &Field) {
    let (a, b) = (cardinality(out.prev, prev), cardinality(out.cur, cur));
    if a != b {
        let d = field_desc(out.cur, msg, cur);
        at_field(out, cur, &[], format!("{d} changed cardinality from \"{a}\" to \"{b}\"."));
    }
}
