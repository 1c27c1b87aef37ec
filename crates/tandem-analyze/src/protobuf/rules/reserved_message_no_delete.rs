//! RESERVED_MESSAGE_NO_DELETE
//!
//! ## What it does
//! Checks that reserved ranges and names are not deleted from a given message.
//!
//! ## Why it breaks consumers
//! Un-reserving a number or name allows it to be reused with another meaning.
//!
//! ## Example
//! `reserved 2, 15 to 20;` became `reserved 2;`.

use super::prelude::*;

const WHY: &str = "Un-reserving a number or name allows it to be reused with another meaning.";

rule!(
    "RESERVED_MESSAGE_NO_DELETE",
    [CSR, FILE, PACKAGE, WIRE_JSON, WIRE],
    "Checks that reserved ranges and names are not deleted from a given message.",
    Check::Message(check)
);

fn check(out: &mut Out, prev: &Message, cur: &Message) {
    let name = short_name(&cur.full_name);
    for r in prev.reserved_ranges.iter() {
        if !cur.reserved_ranges.covers(r) {
            let text = range_missing(
                "reserved range",
                &format!("message \"{name}\""),
                r,
                &cur.reserved_ranges,
                true,
                (message_max(prev), message_max(cur)),
            );
            out.at(cur.file, &cur.path, text);
        }
    }
    for n in prev.reserved_names.iter() {
        if !cur.reserved_names.contains(n) {
            out.at(
                cur.file,
                &cur.path,
                format!("Previously present reserved name \"{n}\" on message \"{name}\" was deleted."),
            );
        }
    }
}
