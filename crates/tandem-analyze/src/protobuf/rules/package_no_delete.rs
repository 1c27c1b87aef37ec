//! PACKAGE_NO_DELETE
//!
//! ## What it does
//! Checks that packages are not deleted.
//!
//! ## Why it breaks consumers
//! Everything in the package disappears for consumers at once.
//!
//! ## Example
//! All files of package `acme.billing.v1` were deleted.

use super::prelude::*;

const WHY: &str = "Everything in the package disappears for consumers at once.";

rule!("PACKAGE_NO_DELETE", [PACKAGE], "Checks that packages are not deleted.", Check::Module(check));

fn check(out: &mut Out) {
    let current = out.cur.packages();
    let mut reported = std::collections::HashSet::new();
    let prev = out.prev;
    for f in &prev.files {
        if !current.contains(f.package.as_str()) && reported.insert(f.package.as_str()) {
            let path = f.path.clone();
            out.at_path(&path, format!("Previously present package \"{}\" was deleted.", f.package));
        }
    }
}
