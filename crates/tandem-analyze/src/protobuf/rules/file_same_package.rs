//! FILE_SAME_PACKAGE
//!
//! ## What it does
//! Checks that files have the same package.
//!
//! ## Why it breaks consumers
//! Every fully-qualified name in the file changes: references, type URLs and RPC paths break.
//!
//! ## Example
//! `package acme.v1;` became `package acme.v2;`.

use super::prelude::*;

const WHY: &str = "Every fully-qualified name in the file changes: references, type URLs and RPC paths break.";

rule!(
    "FILE_SAME_PACKAGE",
    [CSR, FILE, PACKAGE, WIRE_JSON, WIRE],
    "Checks that files have the same package.",
    Check::File(check)
);

fn check(out: &mut Out, prev: &File, cur: &File) {
    if prev.package != cur.package {
        let fi = out.cur.file_by_name[&cur.name];
        out.at_first(
            fi,
            &[&[tag::FILE_PACKAGE]],
            format!("File package changed from \"{}\" to \"{}\".", prev.package, cur.package),
        );
    }
}
