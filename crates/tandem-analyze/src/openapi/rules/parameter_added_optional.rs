//! PARAMETER_ADDED_OPTIONAL
//!
//! ## What it does
//! Reports new optional parameters. Informational: nothing breaks.
//!
//! ## Why it breaks consumers
//! It does not: clients that do not send the parameter keep working. Consumers may want to use
//! it, and the provider must now keep accepting it.
//!
//! ## Example
//! `- {name: limit, in: query}` was added to `GET /users`.

use super::prelude::*;

rule!(
    "PARAMETER_ADDED_OPTIONAL",
    Info,
    "Reports optional parameters added to operations.",
    "Not breaking: clients that do not send the new parameter keep working.",
    Check::Operation(check)
);

fn check(out: &mut Out, prev: &Op, cur: &Op) {
    for c in &cur.params {
        if c.required || prev.params.iter().any(|p| p.key == c.key) || relocated(cur, prev, c).is_some() {
            continue;
        }
        out.at(c.node, format!("Optional parameter {} was added to \"{}\".", c.describe(), cur.name()));
    }
}
