//! FIELD_SAME_JAVA_UTF8_VALIDATION
//!
//! ## What it does
//! Checks that fields have the same Java string UTF8 validation, based on java_string_check_utf8 file option or (pb.java).utf8_validation feature.
//!
//! ## Why it breaks consumers
//! Java consumers start (or stop) rejecting strings that are not valid UTF-8.
//!
//! ## Example
//! `option java_string_check_utf8 = true;` was added to a file with string fields.

use super::prelude::*;

const WHY: &str = "Java consumers start (or stop) rejecting strings that are not valid UTF-8.";

rule!("FIELD_SAME_JAVA_UTF8_VALIDATION", [FILE, PACKAGE], "Checks that fields have the same Java string UTF8 validation, based on java_string_check_utf8 file option or (pb.java).utf8_validation feature.", Check::Field(check));

fn java_check(module: &Module, f: &Field) -> bool {
    let option = module.files[f.file].proto.options.as_ref().and_then(|o| o.java_string_check_utf8).unwrap_or(false);
    option || utf8_verified(module, f)
}

fn check(out: &mut Out, msg: Option<&Message>, prev: &Field, cur: &Field) {
    if prev.ty != Type::String || cur.ty != Type::String {
        return;
    }
    let (a, b) = (java_check(out.prev, prev), java_check(out.cur, cur));
    if a != b {
        let d = field_desc(out.cur, msg, cur);
        let name = |v: bool| if v { "VERIFY" } else { "NONE" };
        // buf points at the file option that changed the validation
        out.at_first(
            cur.file,
            &[&[tag::FILE_OPTIONS, 27], &cur.path],
            format!("{d} changed Java string UTF8 validation from \"{}\" to \"{}\".", name(a), name(b)),
        );
    }
}
