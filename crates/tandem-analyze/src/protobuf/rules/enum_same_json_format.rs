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
    // only losing full JSON support breaks
    if a == "ALLOW" && b != "ALLOW" {
        let e = short_name(&cur.full_name);
        let feature = feature_path(&cur.path, tag::ENUM_OPTIONS, JSON_FORMAT);
        out.at_first(
            cur.file,
            &[&feature, &cur.path],
            format!("Enum \"{e}\" JSON format support changed from {a} to {b}."),
        );
    }
}
