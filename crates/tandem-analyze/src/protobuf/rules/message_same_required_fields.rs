//! MESSAGE_SAME_REQUIRED_FIELDS
//!
//! ## What it does
//! Checks that messages have no added or deleted required fields.
//!
//! ## Why it breaks consumers
//! Old readers reject messages without a required field they expect; new readers reject old messages that lack a newly required field.
//!
//! ## Example
//! `required string id = 1;` was added to a proto2 message.

use super::prelude::*;

const WHY: &str = "Old readers reject messages without a required field they expect; new readers reject old messages that lack a newly required field.";

/// buf's explanation, appended to each of this rule's messages.
const WHY_REQUIRED: &str = "Required fields must always be sent, so if one side does not know about the required field, this will result in a breakage.";

rule!(
    "MESSAGE_SAME_REQUIRED_FIELDS",
    [CSR, FILE, PACKAGE, WIRE_JSON, WIRE],
    "Checks that messages have no added or deleted required fields.",
    Check::Message(check)
);

fn check(out: &mut Out, prev: &Message, cur: &Message) {
    let required = |module: &Module, m: &Message| -> Vec<(i32, String)> {
        m.fields
            .iter()
            // the proto2 `required` label only: buf 1.75 does not count an editions field
            // with `features.field_presence = LEGACY_REQUIRED`
            .filter(|f| f.label == Label::Required && !matches!(module.files[f.file].syntax, Syntax::Editions(_)))
            .map(|f| (f.number, f.name.clone()))
            .collect()
    };
    let (before, after) = (required(out.prev, prev), required(out.cur, cur));
    let m = short_name(&cur.full_name);
    let numbers = |list: &[(i32, String)]| -> std::collections::HashSet<i32> { list.iter().map(|(n, _)| *n).collect() };
    let (had, has) = (numbers(&before), numbers(&after));
    for (n, _) in &before {
        if !has.contains(n) {
            at_message(out, cur, format!("Message \"{m}\" had required field \"{n}\" deleted. {WHY_REQUIRED}"));
        }
    }
    for (n, _) in &after {
        if !had.contains(n) {
            if let Some(f) = cur.field(*n) {
                at_field(out, f, &[], format!("Message \"{m}\" had required field \"{n}\" added. {WHY_REQUIRED}"));
            }
        }
    }
}
