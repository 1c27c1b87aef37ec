//! FIELD_SAME_CPP_STRING_TYPE
//!
//! ## What it does
//! Checks that fields have the same C++ string type, based on ctype field option or (pb.cpp).string_type feature.
//!
//! ## Why it breaks consumers
//! C++ code generated for the field changes type (string, cord, string_piece).
//!
//! ## Example
//! `bytes data = 2 [ctype = CORD];` was added.

use super::prelude::*;

const WHY: &str = "C++ code generated for the field changes type (string, cord, string_piece).";

rule!(
    "FIELD_SAME_CPP_STRING_TYPE",
    [FILE, PACKAGE],
    "Checks that fields have the same C++ string type, based on ctype field option or (pb.cpp).string_type feature.",
    Check::Field(check)
);

fn get(f: &Field) -> String {
    match f.proto.options.as_ref() {
        Some(o) => o.ctype().as_str_name().to_string(),
        None => "STRING".to_string(),
    }
}

fn check(out: &mut Out, msg: Option<&Message>, prev: &Field, cur: &Field) {
    if !(matches!(cur.ty, Type::String | Type::Bytes)) {
        return;
    }
    let (a, b) = (get(prev), get(cur));
    if a != b {
        let d = field_desc(out.cur, msg, cur);
        let path = sub(&cur.path, &[tag::FIELD_OPTIONS, 1]);
        out.at_first(cur.file, &[&path, &cur.path], format!("{d} changed C++ string type from \"{a}\" to \"{b}\"."));
    }
}
