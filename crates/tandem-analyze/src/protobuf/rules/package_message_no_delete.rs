//! PACKAGE_MESSAGE_NO_DELETE
//!
//! ## What it does
//! Checks that messages are not deleted from a given package.
//!
//! ## Why it breaks consumers
//! Like MESSAGE_NO_DELETE, but a message may move between files of its package.
//!
//! ## Example
//! `acme.v1.Invoice` is in no file of `acme.v1` any more.

use super::prelude::*;

const WHY: &str = "Like MESSAGE_NO_DELETE, but a message may move between files of its package.";

rule!(
    "PACKAGE_MESSAGE_NO_DELETE",
    [PACKAGE],
    "Checks that messages are not deleted from a given package.",
    Check::Module(check)
);

fn check(out: &mut Out) {
    let current = out.cur.packages();
    let with_messages: std::collections::HashSet<&str> =
        out.cur.messages.iter().map(|c| out.cur.files[c.file].package.as_str()).collect();
    for e in &out.prev.messages {
        let package = &out.prev.files[e.file].package;
        if !current.contains(package.as_str()) {
            continue; // the whole package is gone: PACKAGE_NO_DELETE says so
        }
        if out.cur.message(&e.full_name).is_some() {
            continue;
        }
        if !with_messages.contains(package.as_str()) {
            continue; // buf compares nothing when the package has no message left
        }
        let name = nested_name(&e.full_name, package);
        let text = format!("Previously present message \"{name}\" was deleted from package \"{package}\".");
        let file_name = out.prev.files[e.file].name.clone();
        match out.cur.file_by_name.get(&file_name).copied() {
            Some(fi) => at_parent_in_package_or_file(out, fi, &e.full_name, package, text),
            None => {
                let path = out.prev.files[e.file].path.clone();
                out.at_path(&path, text);
            }
        }
    }
}

/// buf looks for the innermost enclosing message still in the package, in any of its files
/// (a parent that moved to another file is reported there), else reports at the file (1:1).
fn at_parent_in_package_or_file(out: &mut Out, file: usize, full_name: &str, package: &str, text: String) {
    let mut scope = full_name;
    while let Some((parent, _)) = scope.rsplit_once('.') {
        if parent == package || parent.len() < package.len() {
            break;
        }
        if let Some(m) = out.cur.message(parent) {
            let (fi, path) = (m.file, m.path.clone());
            return out.at(fi, &path, text);
        }
        scope = parent;
    }
    out.at_file(file, text)
}
