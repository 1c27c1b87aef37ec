//! FIELD_NO_DELETE_UNLESS_NAME_RESERVED
//!
//! ## What it does
//! Checks that fields are not deleted from a given message unless the name is reserved.
//!
//! ## Why it breaks consumers
//! A deleted field whose name is not reserved can be re-added with another meaning, which breaks JSON consumers that use the name.
//!
//! ## Example
//! `string email = 2;` removed without `reserved "email";`.

use super::prelude::*;

const WHY: &str = "A deleted field whose name is not reserved can be re-added with another meaning, which breaks JSON consumers that use the name.";

rule!(
    "FIELD_NO_DELETE_UNLESS_NAME_RESERVED",
    [CSR, WIRE_JSON],
    "Checks that fields are not deleted from a given message unless the name is reserved.",
    Check::Message(check)
);

fn check(out: &mut Out, prev: &Message, cur: &Message) {
    for f in &prev.fields {
        if cur.field(f.number).is_some() {
            continue;
        }
        if cur.reserved_names.contains(&f.name) {
            continue;
        }
        let m = short_name(&cur.full_name);
        at_message(
            out,
            cur,
            format!("Previously present field \"{}\" with name \"{}\" on message \"{m}\" was deleted without reserving the name \"{}\".", f.number, f.name, f.name),
        );
    }
}
