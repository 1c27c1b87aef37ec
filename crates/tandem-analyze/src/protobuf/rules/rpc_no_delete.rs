//! RPC_NO_DELETE
//!
//! ## What it does
//! Checks that rpcs are not deleted from a given service.
//!
//! ## Why it breaks consumers
//! Clients calling the RPC get UNIMPLEMENTED; generated client stubs lose the method.
//!
//! ## Example
//! `rpc Refund(RefundRequest) returns (RefundResponse);` was removed.

use super::prelude::*;

const WHY: &str = "Clients calling the RPC get UNIMPLEMENTED; generated client stubs lose the method.";

rule!(
    "RPC_NO_DELETE",
    [FILE, PACKAGE],
    "Checks that rpcs are not deleted from a given service.",
    Check::Service(check)
);

fn check(out: &mut Out, prev: &Service, cur: &Service) {
    let s = service_name(cur, out.cur);
    for m in &prev.methods {
        if cur.method(&m.name).is_none() {
            out.at(
                cur.file,
                &cur.path,
                format!("Previously present RPC \"{}\" on service \"{s}\" was deleted.", m.name),
            );
        }
    }
}
