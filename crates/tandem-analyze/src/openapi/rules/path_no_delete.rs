//! PATH_NO_DELETE
//!
//! ## What it does
//! Checks that no path is deleted. A deleted path is reported once, naming its operations,
//! rather than once per operation (OPERATION_NO_DELETE covers operations removed from a path
//! that remains). Path templates are compared with parameter names ignored: `/users/{id}` and
//! `/users/{userId}` are the same path.
//!
//! ## Why it breaks consumers
//! Every request a client sends to that path now gets 404.
//!
//! ## Example
//! `/users/{id}` with `get` and `delete` was removed from `paths`.

use super::prelude::*;

rule!(
    "PATH_NO_DELETE",
    Breaking,
    "Checks that paths are not deleted.",
    "Every request clients send to a deleted path fails with 404.",
    Check::Spec(check)
);

fn check(out: &mut Out, prev: &Spec, cur: &Spec) {
    for (key, p) in &prev.paths {
        if cur.paths.contains_key(key) {
            continue;
        }
        let ops: Vec<String> = p.ops.iter().map(|o| o.method.to_ascii_uppercase()).collect();
        let with = if ops.is_empty() { String::new() } else { format!(", with its operations {}", ops.join(", ")) };
        out.at(
            cur.doc.root.get("paths").unwrap_or(&cur.doc.root),
            format!("Previously present path \"{}\" was deleted{with}.", p.template),
        );
    }
}
