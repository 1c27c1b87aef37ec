//! ENUM_SAME_JSON_FORMAT
//!
//! ## What it does
//! Checks that enums have the same JSON format support.
//!
//! ## Why it breaks consumers
//! Consumers that exchange the enum as JSON fail when its JSON support changes.
//!
//! ## Example
//! An editions file sets `option features.json_format = LEGACY_BEST_EFFORT;` on an enum.

use super::prelude::*;

const WHY: &str = "Consumers that exchange the enum as JSON fail when its JSON support changes.";

rule!(
    "ENUM_SAME_JSON_FORMAT",
    [CSR, FILE, PACKAGE, WIRE_JSON],
    "Checks that enums have the same JSON format support.",
    Check::Enum(check)
);

fn check(out: &mut Out, prev: &Enum, cur: &Enum) {
    let (a, b) = (enum_json_format(out.prev, prev), enum_json_format(out.cur, cur));
    if a != b {
        let e = enum_name(cur, out.cur);
        out.at(cur.file, &cur.path, format!("Enum \"{e}\" changed JSON format support from \"{a}\" to \"{b}\"."));
    }
}
