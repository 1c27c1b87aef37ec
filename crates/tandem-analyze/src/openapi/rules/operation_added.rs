//! OPERATION_ADDED
//!
//! ## What it does
//! Reports operations that are new in the current revision (on a new or an existing path).
//! Informational: nothing breaks.
//!
//! ## Why it breaks consumers
//! It does not; consumers may want to know about new endpoints they can use, and providers
//! that the new operation is now part of the contract.
//!
//! ## Example
//! `post:` was added to `/users`.

use super::prelude::*;

rule!(
    "OPERATION_ADDED",
    Info,
    "Reports operations added to the document.",
    "Not breaking: a new operation is new surface that consumers can start to use and the provider must now keep.",
    Check::Spec(check)
);

fn check(out: &mut Out, prev: &Spec, cur: &Spec) {
    for (key, op) in cur.operations() {
        if prev.operation(key, op.method).is_none() {
            out.at(op.node, format!("Operation \"{}\" was added.", op.name()));
        }
    }
}
