//! RESERVED_ENUM_NO_DELETE
//!
//! ## What it does
//! Checks that reserved ranges and names are not deleted from a given enum.
//!
//! ## Why it breaks consumers
//! Un-reserving a value number or name allows it to be reused with another meaning.
//!
//! ## Example
//! `reserved 3;` was removed from `enum Status`.

use super::prelude::*;

const WHY: &str = "Un-reserving a value number or name allows it to be reused with another meaning.";

rule!(
    "RESERVED_ENUM_NO_DELETE",
    [CSR, FILE, PACKAGE, WIRE_JSON, WIRE],
    "Checks that reserved ranges and names are not deleted from a given enum.",
    Check::Enum(check)
);

fn check(out: &mut Out, prev: &Enum, cur: &Enum) {
    let name = short_name(&cur.full_name);
    for r in prev.reserved_ranges.iter() {
        if !cur.reserved_ranges.covers(r) {
            let text = range_missing(
                "reserved range",
                &format!("enum \"{name}\""),
                r,
                &cur.reserved_ranges,
                false,
                (ENUM_MAX, ENUM_MAX),
            );
            out.at(cur.file, &cur.path, text);
        }
    }
    for n in prev.reserved_names.iter() {
        if !cur.reserved_names.contains(n) {
            out.at(
                cur.file,
                &cur.path,
                format!("Previously present reserved name \"{n}\" on enum \"{name}\" was deleted."),
            );
        }
    }
}
