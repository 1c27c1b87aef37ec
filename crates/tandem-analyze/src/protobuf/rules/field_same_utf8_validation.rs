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
    let (a, b) = (utf8_validation(prev), utf8_validation(cur));
    if a != b {
        let d = field_desc(out.cur, msg, cur);
        let feature = feature_path(&cur.path, tag::FIELD_OPTIONS, UTF8_VALIDATION);
        out.at_first(cur.file, &[&feature, &cur.path], format!("{d} changed UTF8 validation from {a} to {b}."));
    }
}
