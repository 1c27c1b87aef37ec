//! RESPONSE_ENUM_NO_ADD
//!
//! ## What it does
//! Checks that enums clients receive (in responses) gain no value, and that a response enum is
//! not dropped altogether (any value may then come back).
//!
//! Severity: warning. Issue 4 words this as "enum values removed from a response"; that
//! direction is harmless (clients just never see the value again) — what breaks a client is a
//! value it has never seen. Whether it breaks depends on the client: exhaustive `switch`es and
//! generated enums in strict languages fail on it, tolerant readers do not. Its mirror is
//! REQUEST_ENUM_NO_DELETE.
//!
//! ## Why it breaks consumers
//! Clients that map the enum exhaustively (generated Java/Kotlin/Swift/TypeScript enums, a
//! `match` without a fallback) fail to deserialize or mishandle the new value.
//!
//! ## Example
//! `status: {enum: [active, pending]}` became `enum: [active, pending, archived]` in the 200
//! response of `GET /orders/{id}`.

use super::prelude::*;

rule!(
    "RESPONSE_ENUM_NO_ADD",
    Warning,
    "Checks that values are not added to enums in responses.",
    "Clients that map the enum exhaustively (generated enums, switches without a default) fail on a value they have never seen.",
    Check::Response(check)
);

fn check(out: &mut Out, op: &Op, pair: &SchemaPair) {
    let what = pair.subject(op);
    match (&pair.prev.enumeration, &pair.cur.enumeration) {
        (Some(p), Some(c)) => {
            let added: Vec<_> = c.iter().filter(|v| !p.contains(v)).collect();
            if !added.is_empty() {
                out.at(pair.cur.node, format!("{} added to the enum of {what}.", values_were(&added)));
            }
        }
        (Some(p), None) => out
            .at(pair.cur.node, format!("The enum of {what} was removed; it was restricted to the values {}.", list(p))),
        _ => {}
    }
}
