//! RPC_SAME_REQUEST_TYPE
//!
//! ## What it does
//! Checks that rpcs are have the same request type.
//!
//! ## Why it breaks consumers
//! Clients send a message the server no longer expects.
//!
//! ## Example
//! `rpc Pay(PayRequest)` became `rpc Pay(PaymentRequest)`.

use super::prelude::*;

const WHY: &str = "Clients send a message the server no longer expects.";

rule!(
    "RPC_SAME_REQUEST_TYPE",
    [CSR, FILE, PACKAGE, WIRE_JSON, WIRE],
    "Checks that rpcs are have the same request type.",
    Check::Method(check)
);

fn check(out: &mut Out, svc: &Service, prev: &Method, cur: &Method) {
    if prev.input != cur.input {
        let s = service_name(svc, out.cur);
        let path = sub(&cur.path, &[tag::METHOD_INPUT]);
        out.at_first(
            svc.file,
            &[&path, &cur.path],
            format!(
                "RPC \"{}\" on service \"{s}\" changed request type from \"{}\" to \"{}\".",
                cur.name, prev.input, cur.input
            ),
        );
    }
}
