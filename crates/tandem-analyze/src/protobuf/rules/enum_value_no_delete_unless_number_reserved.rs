//! ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED
//!
//! ## What it does
//! Checks that enum values are not deleted from a given enum unless the number is reserved.
//!
//! ## Why it breaks consumers
//! An unreserved number can be reused with another meaning, which corrupts data on the wire.
//!
//! ## Example
//! `STATUS_PAID = 2;` removed without `reserved 2;`.

use super::prelude::*;

const WHY: &str = "An unreserved number can be reused with another meaning, which corrupts data on the wire.";

rule!(
    "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED",
    [CSR, WIRE_JSON, WIRE],
    "Checks that enum values are not deleted from a given enum unless the number is reserved.",
    Check::Enum(check)
);

fn check(out: &mut Out, prev: &Enum, cur: &Enum) {
    let e = short_name(&cur.full_name);
    let mut seen = std::collections::HashSet::new();
    for v in &prev.values {
        if cur.has_number(v.number) || !seen.insert(v.number) {
            continue;
        }
        if cur.reserved_ranges.contains(v.number) {
            continue;
        }
        out.at(
            cur.file,
            &cur.path,
            format!(
                "Previously present enum value \"{}\" on enum \"{e}\" was deleted without reserving the number \"{}\".",
                v.number, v.number
            ),
        );
    }
}
