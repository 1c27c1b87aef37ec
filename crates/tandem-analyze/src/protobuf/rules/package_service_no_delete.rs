//! PACKAGE_SERVICE_NO_DELETE
//!
//! ## What it does
//! Checks that services are not deleted from a given package.
//!
//! ## Why it breaks consumers
//! Like SERVICE_NO_DELETE, but a service may move between files of its package.
//!
//! ## Example
//! `acme.v1.BillingService` is in no file of `acme.v1` any more.

use super::prelude::*;

const WHY: &str = "Like SERVICE_NO_DELETE, but a service may move between files of its package.";

rule!(
    "PACKAGE_SERVICE_NO_DELETE",
    [PACKAGE],
    "Checks that services are not deleted from a given package.",
    Check::Module(check)
);

fn check(out: &mut Out) {
    let current = out.cur.packages();
    for e in &out.prev.services {
        let package = &out.prev.files[e.file].package;
        if !current.contains(package.as_str()) {
            continue; // the whole package is gone: PACKAGE_NO_DELETE says so
        }
        if out.cur.service_by_name.contains_key(&e.full_name) {
            continue;
        }
        let name = nested_name(&e.full_name, package);
        let text = format!("Previously present service \"{name}\" was deleted from package \"{package}\".");
        let file_name = out.prev.files[e.file].name.clone();
        match out.cur.file_by_name.get(&file_name).copied() {
            Some(fi) => at_parent_or_file(out, fi, &e.full_name, package, text),
            None => {
                let path = out.prev.files[e.file].path.clone();
                out.at_path(&path, text);
            }
        }
    }
}
