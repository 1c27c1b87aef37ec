//! FIELD_SAME_UTF8_VALIDATION
//!
//! ## What it does
//! Checks that string fields have the same UTF8 validation mode.
//!
//! ## Why it breaks consumers
//! Parsers start (or stop) rejecting strings that are not valid UTF-8, so data accepted before is refused.
//!
//! ## Example
//! A string field moves from a proto2 file (no validation) to proto3 (validated).

use super::prelude::*;

const WHY: &str =
    "Parsers start (or stop) rejecting strings that are not valid UTF-8, so data accepted before is refused.";

rule!(
    "FIELD_SAME_UTF8_VALIDATION",
    [FILE, PACKAGE],
    "Checks that string fields have the same UTF8 validation mode.",
    Check::Field(check)
);

fn check(out: &mut Out, msg: Option<&Message>, prev: &Field, cur: &Field) {
    if prev.ty != Type::String || cur.ty != Type::String {
        return;
    }
    let (a, b) = (utf8_verified(out.prev, prev), utf8_verified(out.cur, cur));
    if a != b {
        let d = field_desc(out.cur, msg, cur);
        let name = |v: bool| if v { "VERIFY" } else { "NONE" };
        at_field(out, cur, &[], format!("{d} changed UTF8 validation from {} to {}.", name(a), name(b)));
    }
}
