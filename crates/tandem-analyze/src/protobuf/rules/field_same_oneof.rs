//! FIELD_SAME_ONEOF
//!
//! ## What it does
//! Checks that fields have the same oneofs in a given message.
//!
//! ## Why it breaks consumers
//! Moving a field into or out of a oneof changes generated code and the meaning of setting it (it may clear other fields).
//!
//! ## Example
//! `string card = 5;` moved into `oneof payment`.

use super::prelude::*;

const WHY: &str = "Moving a field into or out of a oneof changes generated code and the meaning of setting it (it may clear other fields).";

rule!(
    "FIELD_SAME_ONEOF",
    [CSR, FILE, PACKAGE, WIRE_JSON, WIRE],
    "Checks that fields have the same oneofs in a given message.",
    Check::Field(check)
);

fn check(out: &mut Out, msg: Option<&Message>, prev: &Field, cur: &Field) {
    let d = field_desc(out.cur, msg, cur);
    let text = match (&prev.oneof, &cur.oneof) {
        // buf 1.75 prints a stray "q" here (a doubled `%q` in its format string); its users'
        // logs carry it, so ours do too.
        (Some(a), Some(b)) if a != b => format!("{d}q moved from oneof \"{a}\" to oneof \"{b}\"."),
        (None, Some(_)) => format!("{d} moved from outside to inside a oneof."),
        (Some(_), None) => format!("{d} moved from inside to outside a oneof."),
        _ => return,
    };
    at_field(out, cur, &[], text);
}
