//! ONEOF_NO_DELETE
//!
//! ## What it does
//! Checks that oneofs are not deleted from a given message.
//!
//! ## Why it breaks consumers
//! Generated code for the oneof (case enums, accessors) disappears.
//!
//! ## Example
//! `oneof payment { ... }` was removed from `message Invoice`.

use super::prelude::*;

const WHY: &str = "Generated code for the oneof (case enums, accessors) disappears.";

rule!(
    "ONEOF_NO_DELETE",
    [CSR, FILE, PACKAGE],
    "Checks that oneofs are not deleted from a given message.",
    Check::Message(check)
);

fn check(out: &mut Out, prev: &Message, cur: &Message) {
    for o in prev.oneofs.iter() {
        if !cur.oneofs.contains(o) {
            let m = short_name(&cur.full_name);
            at_message(out, cur, format!("Previously present oneof \"{o}\" on message \"{m}\" was deleted."));
        }
    }
}
