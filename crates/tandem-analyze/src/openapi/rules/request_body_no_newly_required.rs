//! REQUEST_BODY_NO_NEWLY_REQUIRED
//!
//! ## What it does
//! Checks that a request body does not become required: an optional body made required, or a
//! required body added to an operation that had none.
//!
//! ## Why it breaks consumers
//! Clients that send no body are now rejected.
//!
//! ## Example
//! `requestBody: {required: true, …}` was added to `POST /users/{id}/activate`.

use super::prelude::*;

rule!(
    "REQUEST_BODY_NO_NEWLY_REQUIRED",
    Breaking,
    "Checks that request bodies do not become required.",
    "Clients that send no body are now rejected.",
    Check::Operation(check)
);

fn check(out: &mut Out, prev: &Op, cur: &Op) {
    let Some(c) = cur.body.as_ref().filter(|b| b.required) else { return };
    match &prev.body {
        Some(p) if p.required => {}
        Some(_) => out.at(c.node, format!("Request body of \"{}\" became required.", cur.name())),
        None => out.at(c.node, format!("A required request body was added to \"{}\".", cur.name())),
    }
}
