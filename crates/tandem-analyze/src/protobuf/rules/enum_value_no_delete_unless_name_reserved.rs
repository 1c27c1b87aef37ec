//! ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED
//!
//! ## What it does
//! Checks that enum values are not deleted from a given enum unless the name is reserved.
//!
//! ## Why it breaks consumers
//! An unreserved name can be reused for another number, which breaks JSON consumers that use names.
//!
//! ## Example
//! `STATUS_PAID = 2;` removed without `reserved "STATUS_PAID";`.

use super::prelude::*;

const WHY: &str = "An unreserved name can be reused for another number, which breaks JSON consumers that use names.";

rule!(
    "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED",
    [CSR, WIRE_JSON],
    "Checks that enum values are not deleted from a given enum unless the name is reserved.",
    Check::Enum(check)
);

fn check(out: &mut Out, prev: &Enum, cur: &Enum) {
    let e = short_name(&cur.full_name);
    let mut seen = std::collections::HashSet::new();
    for v in &prev.values {
        if cur.has_number(v.number) || !seen.insert(v.number) {
            continue;
        }
        // every name the number had (aliases), sorted: all must be reserved
        let mut names: Vec<&str> =
            prev.values.iter().filter(|w| w.number == v.number).map(|w| w.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        if names.iter().all(|n| cur.reserved_names.contains(n)) {
            continue;
        }
        let plural = if names.len() > 1 { "s" } else { "" };
        let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
        out.at(
            cur.file,
            &cur.path,
            format!(
                "Previously present enum value \"{}\" on enum \"{e}\" was deleted without reserving the name{plural} {}.",
                v.number,
                quoted.join(", ")
            ),
        );
    }
}
