//! PARAMETER_NO_DELETE
//!
//! ## What it does
//! Checks that no parameter is deleted from an operation. A parameter that only moved to
//! another location is PARAMETER_SAME_LOCATION's.
//!
//! Severity: breaking when the parameter was required, a warning when it was optional.
//!
//! ## Why it breaks consumers
//! Clients keep sending the parameter. Strict servers reject unknown parameters; lenient ones
//! silently ignore it, so the request no longer means what the client intends (a filter or a
//! tenant header that is dropped returns other data). A required parameter carried meaning
//! every client relied on; an optional one only affects the clients that used it, and many
//! servers ignore unknown query parameters, hence the warning.
//!
//! ## Example
//! `- {name: status, in: query}` was removed from `GET /orders`.

use super::prelude::*;

rule!(
    "PARAMETER_NO_DELETE",
    Breaking,
    "Checks that parameters are not deleted (breaking when the parameter was required, a warning when optional).",
    "Clients keep sending the parameter: strict servers reject it, lenient ones ignore it and the request silently changes meaning.",
    Check::Operation(check)
);

fn check(out: &mut Out, prev: &Op, cur: &Op) {
    for p in &prev.params {
        if cur.params.iter().any(|c| c.key == p.key) || relocated(prev, cur, p).is_some() {
            continue;
        }
        let severity = if p.required { Severity::Breaking } else { Severity::Warning };
        let kind = if p.required { "required" } else { "optional" };
        out.at_with(
            cur.node,
            severity,
            format!("Previously present {kind} parameter {} of \"{}\" was deleted.", p.describe(), cur.name()),
        );
    }
}
