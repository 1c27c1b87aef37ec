//! ENUM_NO_DELETE
//!
//! ## What it does
//! Checks that enums are not deleted from a given file.
//!
//! ## Why it breaks consumers
//! Generated enum types disappear from consumers' code.
//!
//! ## Example
//! `enum Status` was removed from `billing.proto`.

use super::prelude::*;

const WHY: &str = "Generated enum types disappear from consumers' code.";

rule!("ENUM_NO_DELETE", [CSR, FILE], "Checks that enums are not deleted from a given file.", Check::File(check));

fn check(out: &mut Out, prev: &File, cur: &File) {
    let fi = out.cur.file_by_name[&cur.name];
    for &i in &prev.enums {
        let e = &out.prev.enums[i];
        let still = out.cur.enum_(&e.full_name).is_some_and(|c| c.file == fi);
        if !still {
            let name = enum_name(e, out.prev);
            at_parent_or_file(
                out,
                fi,
                &e.full_name,
                &cur.package,
                format!("Previously present enum \"{name}\" was deleted from file."),
            );
        }
    }
}
