//! EXTENSION_MESSAGE_NO_DELETE
//!
//! ## What it does
//! Checks that extension ranges are not deleted from a given message.
//!
//! ## Why it breaks consumers
//! Extensions declared by consumers in the removed range no longer compile.
//!
//! ## Example
//! `extensions 100 to 199;` was removed.

use super::prelude::*;

const WHY: &str = "Extensions declared by consumers in the removed range no longer compile.";

rule!(
    "EXTENSION_MESSAGE_NO_DELETE",
    [CSR, FILE, PACKAGE],
    "Checks that extension ranges are not deleted from a given message.",
    Check::Message(check)
);

fn check(out: &mut Out, prev: &Message, cur: &Message) {
    for r in prev.extension_ranges.iter() {
        if !cur.extension_ranges.covers(r) {
            let m = short_name(&cur.full_name);
            let text = range_missing(
                "extension range",
                &format!("message \"{m}\""),
                r,
                &cur.extension_ranges,
                true,
                (message_max(prev), message_max(cur)),
            );
            at_message(out, cur, text);
        }
    }
}
