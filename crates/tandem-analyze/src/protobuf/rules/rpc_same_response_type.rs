//! RPC_SAME_RESPONSE_TYPE
//!
//! ## What it does
//! Checks that rpcs are have the same response type.
//!
//! ## Why it breaks consumers
//! Clients receive a message they cannot decode as the expected type.
//!
//! ## Example
//! `returns (PayResponse)` became `returns (Payment)`.

use super::prelude::*;

const WHY: &str = "Clients receive a message they cannot decode as the expected type.";

rule!(
    "RPC_SAME_RESPONSE_TYPE",
    [CSR, FILE, PACKAGE, WIRE_JSON, WIRE],
    "Checks that rpcs are have the same response type.",
    Check::Method(check)
);

fn check(out: &mut Out, svc: &Service, prev: &Method, cur: &Method) {
    if prev.output != cur.output {
        let s = service_name(svc, out.cur);
        let path = sub(&cur.path, &[tag::METHOD_OUTPUT]);
        out.at_first(
            svc.file,
            &[&path, &cur.path],
            format!(
                "RPC \"{}\" on service \"{s}\" changed response type from \"{}\" to \"{}\".",
                cur.name, prev.output, cur.output
            ),
        );
    }
}
