//! EXTENSION_NO_DELETE
//!
//! ## What it does
//! Checks that extensions are not deleted from a given file.
//!
//! ## Why it breaks consumers
//! Consumers that set or read the extension no longer compile, and its values become unknown fields.
//!
//! ## Example
//! `extend google.protobuf.FieldOptions { string sensitive = 50000; }` was removed.

use super::prelude::*;

const WHY: &str = "Consumers that set or read the extension no longer compile, and its values become unknown fields.";

rule!("EXTENSION_NO_DELETE", [FILE], "Checks that extensions are not deleted from a given file.", Check::File(check));

fn check(out: &mut Out, prev: &File, cur: &File) {
    let fi = out.cur.file_by_name[&cur.name];
    let current: std::collections::HashSet<String> =
        cur.extensions.iter().map(|&j| extension_full_name(&out.cur.extensions[j], out.cur)).collect();
    for &i in &prev.extensions {
        let name = extension_full_name(&out.prev.extensions[i], out.prev);
        if !current.contains(&name) {
            let shown = nested_name(&name, &prev.package);
            let text = format!("Previously present extension \"{shown}\" was deleted from file.");
            at_parent_or_file(out, fi, &name, &prev.package, text);
        }
    }
}
