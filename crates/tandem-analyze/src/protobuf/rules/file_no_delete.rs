//! FILE_NO_DELETE
//!
//! ## What it does
//! Checks that files are not deleted.
//!
//! ## Why it breaks consumers
//! Every import of the file in a consumer stops compiling, and generated code disappears.
//!
//! ## Example
//! `acme/v1/billing.proto` existed before and is gone now.

use super::prelude::*;

const WHY: &str = "Every import of the file in a consumer stops compiling, and generated code disappears.";

rule!("FILE_NO_DELETE", [CSR, FILE], "Checks that files are not deleted.", Check::Module(check));

fn check(out: &mut Out) {
    for f in &out.prev.files {
        if out.cur.file(&f.name).is_none() {
            let path = f.path.clone();
            out.at_path(&path, format!("Previously present file \"{}\" was deleted.", f.name));
        }
    }
}
