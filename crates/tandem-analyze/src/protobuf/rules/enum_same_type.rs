//! ENUM_SAME_TYPE
//!
//! ## What it does
//! Checks that enums have the same type (open vs closed).
//!
//! ## Why it breaks consumers
//! Open enums keep unknown values, closed ones move them to unknown fields: consumers see different data.
//!
//! ## Example
//! An editions file sets `option features.enum_type = CLOSED;` on an enum.

use super::prelude::*;

const WHY: &str =
    "Open enums keep unknown values, closed ones move them to unknown fields: consumers see different data.";

rule!("ENUM_SAME_TYPE", [FILE, PACKAGE], "Checks that enums have the same type (open vs closed).", Check::Enum(check));

fn check(out: &mut Out, prev: &Enum, cur: &Enum) {
    let (a, b) = (enum_type(out.prev, prev), enum_type(out.cur, cur));
    if a != b {
        let e = short_name(&cur.full_name);
        let feature = feature_path(&cur.path, tag::ENUM_OPTIONS, ENUM_TYPE);
        out.at_first(cur.file, &[&feature, &cur.path], format!("Enum \"{e}\" changed from {a} to {b}."));
    }
}
