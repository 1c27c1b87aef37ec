//! RPC_SAME_CLIENT_STREAMING
//!
//! ## What it does
//! Checks that rpcs have the same client streaming value.
//!
//! ## Why it breaks consumers
//! Clients and servers disagree on whether the request is a stream; calls fail.
//!
//! ## Example
//! `rpc Upload(Chunk)` became `rpc Upload(stream Chunk)`.

use super::prelude::*;

const WHY: &str = "Clients and servers disagree on whether the request is a stream; calls fail.";

rule!(
    "RPC_SAME_CLIENT_STREAMING",
    [CSR, FILE, PACKAGE, WIRE_JSON, WIRE],
    "Checks that rpcs have the same client streaming value.",
    Check::Method(check)
);

fn check(out: &mut Out, svc: &Service, prev: &Method, cur: &Method) {
    if prev.client_streaming != cur.client_streaming {
        let s = service_name(svc, out.cur);
        let (a, b) = if cur.client_streaming {
            ("client unary", "client streaming")
        } else {
            ("client streaming", "client unary")
        };
        out.at(svc.file, &cur.path, format!("RPC \"{}\" on service \"{s}\" changed from {a} to {b}.", cur.name));
    }
}
