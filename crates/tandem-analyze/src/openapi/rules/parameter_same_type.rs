//! PARAMETER_SAME_TYPE
//!
//! ## What it does
//! Checks that parameters keep accepting the values they accepted: the new type (JSON type,
//! OpenAPI 3.1 type arrays including "null", 3.0 `nullable`) must accept every value of the
//! old one, and a `format` must not change to another. Widening (integer → number, adding
//! "null") is allowed. A parameter whose type is unconstrained on either side is not compared.
//!
//! ## Why it breaks consumers
//! Clients keep sending values of the old type, which the server now rejects or misreads.
//!
//! ## Example
//! `id` in path changed from `type: integer` to `type: string, format: uuid`.

use super::prelude::*;

rule!(
    "PARAMETER_SAME_TYPE",
    Breaking,
    "Checks that parameters are not retyped to a type that rejects values they accepted.",
    "Clients keep sending values of the old type, which the server now rejects or misreads.",
    Check::Request(check)
);

fn check(out: &mut Out, op: &Op, pair: &SchemaPair) {
    if !matches!(pair.origin, Origin::Parameter(_)) || !pair.label.is_empty() {
        return;
    }
    if !type_breaks(Flow::Request, pair.prev, pair.cur) {
        return;
    }
    let (Some(a), Some(b)) = (pair.prev.type_name(), pair.cur.type_name()) else { return };
    let what = pair.subject(op);
    out.at(pair.cur.node, format!("Type of {what} changed from \"{a}\" to \"{b}\"."));
}
