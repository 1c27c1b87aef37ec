//! PACKAGE_ENUM_NO_DELETE
//!
//! ## What it does
//! Checks that enums are not deleted from a given package.
//!
//! ## Why it breaks consumers
//! Like ENUM_NO_DELETE, but an enum may move between files of its package.
//!
//! ## Example
//! `acme.v1.Status` is in no file of `acme.v1` any more.

use super::prelude::*;

const WHY: &str = "Like ENUM_NO_DELETE, but an enum may move between files of its package.";

rule!(
    "PACKAGE_ENUM_NO_DELETE",
    [PACKAGE],
    "Checks that enums are not deleted from a given package.",
    Check::Module(check)
);

fn check(out: &mut Out) {
    let current = out.cur.packages();
    let with_enums: std::collections::HashSet<&str> =
        out.cur.enums.iter().map(|c| out.cur.files[c.file].package.as_str()).collect();
    for e in &out.prev.enums {
        let package = &out.prev.files[e.file].package;
        if !current.contains(package.as_str()) {
            continue; // the whole package is gone: PACKAGE_NO_DELETE says so
        }
        if out.cur.enum_(&e.full_name).is_some() {
            continue;
        }
        if !with_enums.contains(package.as_str()) {
            continue; // buf compares nothing when the package has no enum left
        }
        let name = nested_name(&e.full_name, package);
        let text = format!("Previously present enum \"{name}\" was deleted from package \"{package}\".");
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
