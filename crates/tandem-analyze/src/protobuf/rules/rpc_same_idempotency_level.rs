//! RPC_SAME_IDEMPOTENCY_LEVEL
//!
//! ## What it does
//! Checks that rpcs have the same value for the idempotency_level option.
//!
//! ## Why it breaks consumers
//! Clients that retry or use GET for no-side-effect methods change behaviour.
//!
//! ## Example
//! `option idempotency_level = NO_SIDE_EFFECTS;` was added to an RPC.

use super::prelude::*;

const WHY: &str = "Clients that retry or use GET for no-side-effect methods change behaviour.";

rule!(
    "RPC_SAME_IDEMPOTENCY_LEVEL",
    [CSR, FILE, PACKAGE, WIRE_JSON, WIRE],
    "Checks that rpcs have the same value for the idempotency_level option.",
    Check::Method(check)
);

fn level(m: &Method) -> String {
    m.proto
        .options
        .as_ref()
        .map(|o| o.idempotency_level().as_str_name().to_string())
        .unwrap_or_else(|| "IDEMPOTENCY_UNKNOWN".into())
}

fn check(out: &mut Out, svc: &Service, prev: &Method, cur: &Method) {
    let (a, b) = (level(prev), level(cur));
    if a != b {
        let s = service_name(svc, out.cur);
        let path = sub(&cur.path, &[tag::METHOD_OPTIONS, 34]);
        // a removed option has no location: buf reports it at the file (1:1)
        out.at_first(
            svc.file,
            &[&path],
            format!(
                "RPC \"{}\" on service \"{s}\" changed option \"idempotency_level\" from \"{a}\" to \"{b}\".",
                cur.name
            ),
        );
    }
}
