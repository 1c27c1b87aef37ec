//! FIELD_NO_DELETE
//!
//! ## What it does
//! Checks that fields are not deleted from a given message.
//!
//! ## Why it breaks consumers
//! Consumers' code that sets or reads the field no longer compiles, and its number may be reused with another type.
//!
//! ## Example
//! `string email = 2;` was removed from `message User`.

use super::prelude::*;

const WHY: &str =
    "Consumers' code that sets or reads the field no longer compiles, and its number may be reused with another type.";

rule!(
    "FIELD_NO_DELETE",
    [CSR, FILE, PACKAGE],
    "Checks that fields are not deleted from a given message.",
    Check::Message(check)
);

fn check(out: &mut Out, prev: &Message, cur: &Message) {
    for f in &prev.fields {
        if cur.field(f.number).is_some() {
            continue;
        }
        if false {
            continue;
        }
        let m = short_name(&cur.full_name);
        at_message(
            out,
            cur,
            format!(
                "Previously present field \"{}\" with name \"{}\" on message \"{m}\" was deleted.",
                f.number, f.name
            ),
        );
    }
}
