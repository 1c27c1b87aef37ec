//! FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED
//!
//! ## What it does
//! Checks that fields are not deleted from a given message unless the number is reserved.
//!
//! ## Why it breaks consumers
//! A deleted field whose number is not reserved can be re-added with another type, which corrupts data on the wire.
//!
//! ## Example
//! `string email = 2;` removed without `reserved 2;`.

use super::prelude::*;

const WHY: &str =
    "A deleted field whose number is not reserved can be re-added with another type, which corrupts data on the wire.";

rule!(
    "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
    [CSR, WIRE_JSON, WIRE],
    "Checks that fields are not deleted from a given message unless the number is reserved.",
    Check::Message(check)
);

fn check(out: &mut Out, prev: &Message, cur: &Message) {
    for f in &prev.fields {
        if cur.field(f.number).is_some() {
            continue;
        }
        if cur.reserved_ranges.contains(f.number) {
            continue;
        }
        let m = short_name(&cur.full_name);
        at_message(
            out,
            cur,
            format!("Previously present field \"{}\" with name \"{}\" on message \"{m}\" was deleted without reserving the number \"{}\".", f.number, f.name, f.number),
        );
    }
}
