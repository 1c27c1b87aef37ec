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

/// Java's UTF-8 validation as buf resolves it: the `java_string_check_utf8` file option when
/// set (or the file is not an editions file), else the `(pb.java).utf8_validation` feature;
/// VERIFY wins over the field's `utf8_validation`, which is the answer otherwise.
fn java_check(module: &Module, f: &Field) -> &'static str {
    let file = &module.files[f.file];
    let option = file.proto.options.as_ref().and_then(|o| o.java_string_check_utf8);
    let verify = if !matches!(file.syntax, Syntax::Editions(_)) || option.is_some() {
        option.unwrap_or(false)
    } else {
        f.features.get(JAVA_UTF8_VALIDATION) == "VERIFY"
    };
    if verify {
        "VERIFY"
    } else {
        utf8_validation(f)
    }
}

fn check(out: &mut Out, msg: Option<&Message>, prev: &Field, cur: &Field) {
    if prev.ty != Type::String || cur.ty != Type::String {
        return;
    }
    let (a, b) = (java_check(out.prev, prev), java_check(out.cur, cur));
    if a != b {
        let d = field_desc(out.cur, msg, cur);
        let feature = feature_path(&cur.path, tag::FIELD_OPTIONS, JAVA_UTF8_VALIDATION);
        // buf points at the file option that changed the validation, else the feature
        out.at_first(
            cur.file,
            &[&[tag::FILE_OPTIONS, 27], &feature, &cur.path],
            format!("{d} changed Java string UTF8 validation from \"{a}\" to \"{b}\"."),
        );
    }
}
