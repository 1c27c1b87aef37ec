//! ENUM_VALUE_NO_DELETE
//!
//! ## What it does
//! Checks that enum values are not deleted from a given enum.
//!
//! ## Why it breaks consumers
//! Generated constants disappear, and old data carrying the value becomes unknown.
//!
//! ## Example
//! `STATUS_PAID = 2;` was removed from `enum Status`.

use super::prelude::*;

const WHY: &str = "Generated constants disappear, and old data carrying the value becomes unknown.";

rule!(
    "ENUM_VALUE_NO_DELETE",
    [CSR, FILE, PACKAGE],
    "Checks that enum values are not deleted from a given enum.",
    Check::Enum(check)
);

fn check(out: &mut Out, prev: &Enum, cur: &Enum) {
    let e = short_name(&cur.full_name);
    let mut seen = std::collections::HashSet::new();
    for v in &prev.values {
        if cur.has_number(v.number) || !seen.insert(v.number) {
            continue;
        }
        if false {
            continue;
        }
        out.at(
            cur.file,
            &cur.path,
            format!("Previously present enum value \"{}\" on enum \"{e}\" was deleted.", v.number),
        );
    }
}
