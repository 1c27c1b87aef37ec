//! OPERATION_NO_DELETE
//!
//! ## What it does
//! Checks that no operation (a method on a path) is deleted from a path that still exists.
//! Deleted paths are reported by PATH_NO_DELETE instead.
//!
//! ## Why it breaks consumers
//! Clients calling the operation now get 404 or 405.
//!
//! ## Example
//! `delete:` was removed from `/users/{id}`, whose `get:` remains.

use super::prelude::*;

rule!(
    "OPERATION_NO_DELETE",
    Breaking,
    "Checks that operations are not deleted from paths that remain.",
    "Clients calling a deleted operation get 404 or 405 instead of the response they were written for.",
    Check::Spec(check)
);

fn check(out: &mut Out, prev: &Spec, cur: &Spec) {
    for (key, p) in &prev.paths {
        let Some(c) = cur.paths.get(key) else { continue };
        for op in &p.ops {
            if c.ops.iter().any(|o| o.method == op.method) {
                continue;
            }
            out.at(c.node, format!("Previously present operation \"{}\" was deleted.", op.name()));
        }
    }
}
