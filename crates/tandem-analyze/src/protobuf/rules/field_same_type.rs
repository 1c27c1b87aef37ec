//! FIELD_SAME_TYPE
//!
//! ## What it does
//! Checks that fields have the same types in a given message.
//!
//! ## Why it breaks consumers
//! Generated code changes type, and data written with the old type is misread.
//!
//! ## Example
//! `int32 amount = 3;` became `string amount = 3;`.

use super::prelude::*;

const WHY: &str = "Generated code changes type, and data written with the old type is misread.";

rule!(
    "FIELD_SAME_TYPE",
    [CSR, FILE, PACKAGE],
    "Checks that fields have the same types in a given message.",
    Check::Field(check)
);

fn check(out: &mut Out, msg: Option<&Message>, prev: &Field, cur: &Field) {
    // a group and a message of the same name differ in kind (buf compares kinds first)
    if prev.ty != cur.ty || type_str(prev) != type_str(cur) {
        let (a, b) = wire_type_strs(prev, cur);
        let d = field_desc(out.cur, msg, cur);
        at_field(out, cur, type_parts(cur), format!("{d} changed type from \"{a}\" to \"{b}\"."));
    }
}
