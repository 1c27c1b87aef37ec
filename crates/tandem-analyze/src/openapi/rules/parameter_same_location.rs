//! PARAMETER_SAME_LOCATION
//!
//! ## What it does
//! Checks that parameters do not move between locations (query, path, header, cookie): a
//! parameter missing from its old location while one of the same name appears in another.
//!
//! ## Why it breaks consumers
//! Clients keep sending the value where it was; the server now looks for it elsewhere and
//! either rejects the request (required) or ignores the value (optional).
//!
//! ## Example
//! `api_key` moved from `in: query` to `in: header` on `GET /users`.

use super::prelude::*;

rule!(
    "PARAMETER_SAME_LOCATION",
    Breaking,
    "Checks that parameters do not move between query, path, header and cookie.",
    "Clients keep sending the value where it was, and the server now looks for it elsewhere.",
    Check::Operation(check)
);

fn check(out: &mut Out, prev: &Op, cur: &Op) {
    for p in &prev.params {
        let Some(c) = relocated(prev, cur, p) else { continue };
        out.at(
            c.node,
            format!(
                "Parameter \"{}\" of \"{}\" moved from {} to {}.",
                c.name,
                cur.name(),
                p.location.as_str(),
                c.location.as_str()
            ),
        );
    }
}
