//! PACKAGE_EXTENSION_NO_DELETE
//!
//! ## What it does
//! Checks that extensions are not deleted from a given package.
//!
//! ## Why it breaks consumers
//! Like EXTENSION_NO_DELETE, but an extension may move between files of its package.
//!
//! ## Example
//! Extension `acme.v1.sensitive` is in no file of `acme.v1` any more.

use super::prelude::*;

const WHY: &str = "Like EXTENSION_NO_DELETE, but an extension may move between files of its package.";

rule!(
    "PACKAGE_EXTENSION_NO_DELETE",
    [PACKAGE],
    "Checks that extensions are not deleted from a given package.",
    Check::Module(check)
);

fn check(out: &mut Out) {
    let current = out.cur.packages();
    let names: std::collections::HashSet<String> =
        out.cur.extensions.iter().map(|x| extension_full_name(x, out.cur)).collect();
    let with_extensions: std::collections::HashSet<&str> =
        out.cur.extensions.iter().map(|c| out.cur.files[c.file].package.as_str()).collect();
    for x in &out.prev.extensions {
        let package = out.prev.files[x.file].package.clone();
        if !current.contains(package.as_str()) {
            continue;
        }
        let full = extension_full_name(x, out.prev);
        if names.contains(&full) {
            continue;
        }
        if !with_extensions.contains(package.as_str()) {
            continue; // buf compares nothing when the package has no extension left
        }
        let name = nested_name(&full, &package);
        let text = format!("Previously present extension \"{name}\" was deleted from package \"{package}\".");
        let file_name = out.prev.files[x.file].name.clone();
        match out.cur.file_by_name.get(&file_name).copied() {
            Some(fi) => at_parent_or_file(out, fi, &full, &package, text),
            None => {
                let path = out.prev.files[x.file].path.clone();
                out.at_path(&path, text);
            }
        }
    }
}
