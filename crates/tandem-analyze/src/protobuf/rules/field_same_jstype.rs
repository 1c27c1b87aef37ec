//! FIELD_SAME_JSTYPE
//!
//! ## What it does
//! Checks that fields have the same value for the jstype option.
//!
//! ## Why it breaks consumers
//! JavaScript code generated for 64-bit fields switches between numbers and strings.
//!
//! ## Example
//! `int64 id = 1 [jstype = JS_STRING];` was added.

use super::prelude::*;

const WHY: &str = "JavaScript code generated for 64-bit fields switches between numbers and strings.";

rule!(
    "FIELD_SAME_JSTYPE",
    [FILE, PACKAGE],
    "Checks that fields have the same value for the jstype option.",
    Check::Field(check)
);

fn get(f: &Field) -> String {
    match f.proto.options.as_ref() {
        Some(o) => o.jstype().as_str_name().to_string(),
        None => "JS_NORMAL".to_string(),
    }
}

fn check(out: &mut Out, msg: Option<&Message>, prev: &Field, cur: &Field) {
    let (a, b) = (get(prev), get(cur));
    if a != b {
        let d = field_desc(out.cur, msg, cur);
        let path = sub(&cur.path, &[tag::FIELD_OPTIONS, 6]);
        out.at_first(cur.file, &[&path, &cur.path], format!("{d} changed option \"jstype\" from \"{a}\" to \"{b}\"."));
    }
}
