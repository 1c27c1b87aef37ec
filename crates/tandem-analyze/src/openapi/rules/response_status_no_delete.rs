//! RESPONSE_STATUS_NO_DELETE
//!
//! ## What it does
//! Checks that response status codes are not removed from operations. A code now covered by
//! a range (`200` replaced by `2XX`) is not removed.
//!
//! Severity: breaking for informational, success and redirect codes (1XX–3XX), a warning for
//! error codes and `default`: clients are written for the success response they get, while a
//! removed error code mostly leaves dead error handling behind (or is now reported as another
//! error the client handles generically).
//!
//! ## Why it breaks consumers
//! Clients coded for the removed response (its status check, its body type) no longer get it.
//!
//! ## Example
//! `201:` was replaced by `200:` on `POST /users`.

use super::prelude::*;

rule!(
    "RESPONSE_STATUS_NO_DELETE",
    Breaking,
    "Checks that response status codes are not removed (breaking for 1XX-3XX, a warning for error codes and default).",
    "Clients coded for the removed response (its status check, its body) no longer get it.",
    Check::Operation(check)
);

fn check(out: &mut Out, prev: &Op, cur: &Op) {
    for status in prev.responses.keys() {
        if cur.responses.contains_key(status) {
            continue;
        }
        let range = status.get(..1).map(|d| format!("{d}XX"));
        if range.is_some_and(|r| status.len() == 3 && cur.responses.contains_key(&r)) {
            continue;
        }
        let severity =
            if matches!(status.as_bytes().first(), Some(b'1'..=b'3')) { Severity::Breaking } else { Severity::Warning };
        out.at_with(
            cur.node.get("responses").unwrap_or(cur.node),
            severity,
            format!("Previously present response \"{status}\" of \"{}\" was deleted.", cur.name()),
        );
    }
}
