//! SECURITY_NO_TIGHTEN
//!
//! ## What it does
//! Checks that an operation's effective security requirements (its own `security`, else the
//! document's) accept every client they accepted. Requirements are alternatives, each a set of
//! schemes (with OAuth scopes) that must all be satisfied; a previous alternative is still
//! honoured when some current alternative asks for a subset of its schemes and scopes. So
//! security added where there was none, a new scheme required alongside, a scheme replaced,
//! and scopes added are all reported; adding an alternative or dropping a scope is not.
//!
//! ## Why it breaks consumers
//! Clients that authenticated as before (or not at all) now get 401 or 403.
//!
//! ## Example
//! `security: [{oauth: [read]}]` became `security: [{oauth: [read, write]}]` on `GET /users`.

use super::prelude::*;
use crate::openapi::spec::Requirement;

rule!(
    "SECURITY_NO_TIGHTEN",
    Breaking,
    "Checks that security requirements are not added or tightened (new schemes, replaced schemes, added scopes).",
    "Clients that authenticated as before (or anonymously) now get 401 or 403.",
    Check::Operation(check)
);

fn check(out: &mut Out, prev: &Op, cur: &Op) {
    // No requirement at all means anonymous access: one empty alternative.
    let anonymous = vec![Requirement::new()];
    let p = if prev.security.is_empty() { &anonymous } else { &prev.security };
    let c = if cur.security.is_empty() { &anonymous } else { &cur.security };
    for alt in p {
        if c.iter().any(|req| honours(req, alt)) {
            continue;
        }
        let was = if alt.is_empty() { "no authentication".to_string() } else { describe(alt) };
        let now: Vec<String> = c.iter().map(describe).collect();
        out.at(
            cur.security_node,
            format!("Security of \"{}\" was tightened: clients using {was} now need {}.", cur.name(), now.join(" or ")),
        );
    }
}

/// Whether a client satisfying `had` also satisfies `req`.
fn honours(req: &Requirement, had: &Requirement) -> bool {
    req.iter().all(|(scheme, scopes)| had.get(scheme).is_some_and(|h| scopes.is_subset(h)))
}

/// `"oauth" [read, write] and "api_key"`.
fn describe(req: &Requirement) -> String {
    if req.is_empty() {
        return "no authentication".into();
    }
    let parts: Vec<String> = req
        .iter()
        .map(|(scheme, scopes)| {
            if scopes.is_empty() {
                format!("\"{scheme}\"")
            } else {
                format!("\"{scheme}\" [{}]", scopes.iter().cloned().collect::<Vec<_>>().join(", "))
            }
        })
        .collect();
    parts.join(" and ")
}
