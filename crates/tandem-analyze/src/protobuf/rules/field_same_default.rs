//! FIELD_SAME_DEFAULT
//!
//! ## What it does
//! Checks that fields have the same default value, if a default is specified.
//!
//! ## Why it breaks consumers
//! Readers of data that omits the field see a different value.
//!
//! ## Example
//! `optional int32 retries = 6 [default = 3];` became `[default = 5]`.

use super::prelude::*;

const WHY: &str = "Readers of data that omits the field see a different value.";

rule!(
    "FIELD_SAME_DEFAULT",
    [CSR, FILE, PACKAGE, WIRE_JSON, WIRE],
    "Checks that fields have the same default value, if a default is specified.",
    Check::Field(check)
);

fn check(out: &mut Out, msg: Option<&Message>, prev: &Field, cur: &Field) {
    if prev.ty != cur.ty || prev.label == Label::Repeated || cur.label == Label::Repeated {
        return; // type and cardinality changes are other rules' business
    }
    if matches!(cur.ty, Type::Message | Type::Group) {
        return;
    }
    if prev.default != cur.default {
        let d = field_desc(out.cur, msg, cur);
        let show = |d: &Option<String>| d.clone().unwrap_or_default();
        at_field(
            out,
            cur,
            &[tag::FIELD_DEFAULT],
            format!("{d} changed default value from \"{}\" to \"{}\".", show(&prev.default), show(&cur.default)),
        );
    }
}
