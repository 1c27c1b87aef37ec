//! REQUEST_PROPERTY_SAME_TYPE
//!
//! ## What it does
//! Checks that request body schemas, and each of their properties, keep accepting the values
//! they accepted: the new type must accept every value of the old one (integer → number and
//! adding "null" widen, and are allowed), and a `format` must not change to another. Types in
//! OpenAPI 3.1 arrays (`[string, "null"]`), 3.0 `nullable`, `allOf` (merged) and `oneOf`/`anyOf`
//! (the union of their alternatives' types) are understood. Unconstrained types are not compared.
//!
//! ## Why it breaks consumers
//! Clients keep sending values of the old type, which now fail validation.
//!
//! ## Example
//! `age: {type: string}` became `age: {type: integer}` in the `POST /users` body.

use super::prelude::*;

rule!(
    "REQUEST_PROPERTY_SAME_TYPE",
    Breaking,
    "Checks that request body properties are not retyped to a type that rejects values they accepted.",
    "Clients keep sending values of the old type, which now fail validation.",
    Check::Request(check)
);

fn check(out: &mut Out, op: &Op, pair: &SchemaPair) {
    if !matches!(pair.origin, Origin::Body { .. }) || !type_breaks(Flow::Request, pair.prev, pair.cur) {
        return;
    }
    let (Some(a), Some(b)) = (pair.prev.type_name(), pair.cur.type_name()) else { return };
    let what = pair.subject(op);
    out.at(pair.cur.node, format!("Type of {what} changed from \"{a}\" to \"{b}\"."));
}
