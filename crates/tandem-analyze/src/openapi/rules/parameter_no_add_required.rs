//! PARAMETER_NO_ADD_REQUIRED
//!
//! ## What it does
//! Checks that operations gain no required parameter: neither a new parameter that is
//! required, nor an optional parameter that became required. Parameters are paired by location
//! and name (header names case-insensitively, path parameters by position in the template).
//! A parameter that only moved is PARAMETER_SAME_LOCATION's.
//!
//! ## Why it breaks consumers
//! Existing clients do not send the parameter, so their requests are now rejected.
//!
//! ## Example
//! `- {name: tenant, in: header, required: true}` was added to `GET /users`.

use super::prelude::*;

rule!(
    "PARAMETER_NO_ADD_REQUIRED",
    Breaking,
    "Checks that no required parameter is added and that optional parameters do not become required.",
    "Existing clients do not send the parameter, so the server now rejects their requests.",
    Check::Operation(check)
);

fn check(out: &mut Out, prev: &Op, cur: &Op) {
    for c in &cur.params {
        if !c.required {
            continue;
        }
        match prev.params.iter().find(|p| p.key == c.key) {
            Some(p) if !p.required => {
                out.at(c.node, format!("Parameter {} of \"{}\" became required.", c.describe(), cur.name()))
            }
            Some(_) => {}
            None if relocated(cur, prev, c).is_some() => {}
            None => out.at(c.node, format!("New required parameter {} was added to \"{}\".", c.describe(), cur.name())),
        }
    }
}
