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

/// The C++ string type as buf resolves it: (type, whether it is a STRING_PIECE). The `ctype`
/// option counts before edition 2024, else the `(pb.cpp).string_type` feature (its edition's
/// default when not set: STRING, or VIEW from 2024).
fn get(module: &Module, f: &Field) -> (&'static str, bool) {
    let before_2024 = !matches!(module.files[f.file].syntax, Syntax::Editions(y) if y >= 2024);
    if before_2024 {
        if let Some(c) = f.proto.options.as_ref().and_then(|o| o.ctype) {
            return match c {
                1 => ("CORD", false),
                2 => ("STRING", true),
                _ => ("STRING", false),
            };
        }
    }
    (f.features.get(CPP_STRING_TYPE), false)
}

fn check(out: &mut Out, msg: Option<&Message>, prev: &Field, cur: &Field) {
    let in_map_entry = |module: &Module, f: &Field| module.message(&f.parent).is_some_and(|m| m.is_map_entry);
    if in_map_entry(out.prev, prev) && in_map_entry(out.cur, cur) {
        // map entries cannot set a string type
        return;
    }
    let string_or_bytes = |f: &Field| matches!(f.ty, Type::String | Type::Bytes);
    if !string_or_bytes(prev) || !string_or_bytes(cur) {
        return;
    }
    let ((a, a_piece), (b, b_piece)) = (get(out.prev, prev), get(out.cur, cur));
    // moving from STRING_PIECE to STRING does not break
    if (a != b || a_piece != b_piece) && !(a_piece && b == "STRING") {
        let name = |t: &'static str, piece: bool| if piece { "STRING_PIECE" } else { t };
        let d = field_desc(out.cur, msg, cur);
        let ctype = sub(&cur.path, &[tag::FIELD_OPTIONS, 1]);
        let feature = feature_path(&cur.path, tag::FIELD_OPTIONS, CPP_STRING_TYPE);
        out.at_first(
            cur.file,
            &[&ctype, &feature, &cur.path],
            format!("{d} changed C++ string type from \"{}\" to \"{}\".", name(a, a_piece), name(b, b_piece)),
        );
    }
}
