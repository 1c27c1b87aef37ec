//! RESPONSE_PROPERTY_NO_DELETE
//!
//! ## What it does
//! Checks that response properties are not deleted, in nested objects, array items and `allOf`
//! members too. `writeOnly` properties are skipped (they never appear in responses).
//!
//! ## Why it breaks consumers
//! Clients read the property; it is now missing, which fails deserialization into required
//! fields or leaves the client with an unexpected null.
//!
//! ## Example
//! `email` was removed from `User`, returned by `GET /users/{id}`.

use super::prelude::*;

rule!(
    "RESPONSE_PROPERTY_NO_DELETE",
    Breaking,
    "Checks that properties are not deleted from responses.",
    "Clients read the property; its absence fails deserialization or leaves them with an unexpected null.",
    Check::Response(check)
);

fn check(out: &mut Out, op: &Op, pair: &SchemaPair) {
    for (name, s) in &pair.prev.properties {
        if pair.cur.properties.contains_key(name) || View::of(out.prev, s).write_only {
            continue;
        }
        let what = pair.child_subject(op, name);
        out.at(pair.cur.node, format!("Previously present {what} was deleted."));
    }
}
