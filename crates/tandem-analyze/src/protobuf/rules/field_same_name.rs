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
    if prev.name != cur.name {
        // buf names a renamed field by number alone
        let d = match msg {
            Some(m) => format!("Field \"{}\" on message \"{}\"", cur.number, short_name(&m.full_name)),
            None => field_desc(out.cur, msg, cur),
        };
        at_field(out, cur, &[tag::FIELD_NAME], format!("{d} changed name from \"{}\" to \"{}\".", prev.name, cur.name));
    }
}
