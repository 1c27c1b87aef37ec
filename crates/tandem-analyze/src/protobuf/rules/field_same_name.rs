//! FIELD_SAME_NAME
//!
//! ## What it does
//! Checks that fields have the same names in a given message.
//!
//! ## Why it breaks consumers
//! Generated accessors are renamed and JSON uses the new name, so consumers' code and JSON payloads break.
//!
//! ## Example
//! `string email = 2;` became `string mail = 2;`.

use super::prelude::*;

const WHY: &str =
    "Generated accessors are renamed and JSON uses the new name, so consumers' code and JSON payloads break.";

rule!(
    "FIELD_SAME_NAME",
    [CSR, FILE, PACKAGE, WIRE_JSON],
    "Checks that fields have the same names in a given message.",
    Check::Field(check)
);

fn check(out: &mut Out, msg: Option<&Message>, prev: &Field, cur: &Field) {
    // buf names a renamed field by number alone; an extension by its full name, so one that
    // moves to another scope is renamed too
    let (d, a, b) = match msg {
        Some(m) => (
            format!("Field \"{}\" on message \"{}\"", cur.number, short_name(&m.full_name)),
            prev.name.clone(),
            cur.name.clone(),
        ),
        None => (
            format!("Extension \"{}\" on message \"{}\"", cur.number, cur.extendee.clone().unwrap_or_default()),
            extension_full_name(prev, out.prev),
            extension_full_name(cur, out.cur),
        ),
    };
    if a != b {
        at_field(out, cur, &[tag::FIELD_NAME], format!("{d} changed name from \"{a}\" to \"{b}\"."));
    }
}
