//! RPC_SAME_SERVER_STREAMING
//!
//! ## What it does
//! Checks that rpcs have the same server streaming value.
//!
//! ## Why it breaks consumers
//! Clients and servers disagree on whether the response is a stream; calls fail.
//!
//! ## Example
//! `returns (Transcript)` became `returns (stream Transcript)`.

use super::prelude::*;

const WHY: &str = "Clients and servers disagree on whether the response is a stream; calls fail.";

rule!(
    "RPC_SAME_SERVER_STREAMING",
    [CSR, FILE, PACKAGE, WIRE_JSON, WIRE],
    "Checks that rpcs have the same server streaming value.",
    Check::Method(check)
);

fn check(out: &mut Out, svc: &Service, prev: &Method, cur: &Method) {
    if prev.server_streaming != cur.server_streaming {
        let s = service_name(svc, out.cur);
        let (a, b) = if cur.server_streaming {
            ("server unary", "server streaming")
        } else {
            ("server streaming", "server unary")
        };
        out.at(svc.file, &cur.path, format!("RPC \"{}\" on service \"{s}\" changed from {a} to {b}.", cur.name));
    }
}
