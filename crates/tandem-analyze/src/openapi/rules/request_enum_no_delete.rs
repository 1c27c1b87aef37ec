//! REQUEST_ENUM_NO_DELETE
//!
//! ## What it does
//! Checks that enums clients send (in request bodies and parameters) keep every value: no
//! value is removed, and a value that was free does not become restricted to an enum.
//!
//! Issue 4 words this as "enum values … added to a request"; that direction is harmless (the
//! server accepts more) — what breaks a client sending a value is the server no longer
//! accepting it, so this rule checks removals. Its mirror is RESPONSE_ENUM_NO_ADD.
//!
//! ## Why it breaks consumers
//! Clients keep sending the removed value, which the server now rejects.
//!
//! ## Example
//! `status: {enum: [active, pending]}` became `enum: [active]` in the `POST /orders` body.

use super::prelude::*;

rule!(
    "REQUEST_ENUM_NO_DELETE",
    Breaking,
    "Checks that values are not removed from enums in requests (bodies and parameters).",
    "Clients keep sending the removed value, which the server now rejects.",
    Check::Request(check)
);

fn check(out: &mut Out, op: &Op, pair: &SchemaPair) {
    let what = pair.subject(op);
    match (&pair.prev.enumeration, &pair.cur.enumeration) {
        (Some(p), Some(c)) => {
            let removed: Vec<_> = p.iter().filter(|v| !c.contains(v)).collect();
            if !removed.is_empty() {
                out.at(pair.cur.node, format!("{} removed from the enum of {what}.", values_were(&removed)));
            }
        }
        (None, Some(c)) if pair.prev.types.is_some() => {
            out.at(pair.cur.node, format!("{} became restricted to the values {}.", capitalize(&what), list(c)));
        }
        _ => {}
    }
}
