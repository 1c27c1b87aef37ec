//! ENUM_VALUE_SAME_NAME
//!
//! ## What it does
//! Checks that enum values have the same name.
//!
//! ## Why it breaks consumers
//! Generated constants are renamed and JSON uses value names, so consumers' code and JSON break.
//!
//! ## Example
//! `STATUS_PAID = 2;` became `STATUS_SETTLED = 2;`.

use super::prelude::*;

const WHY: &str = "Generated constants are renamed and JSON uses value names, so consumers' code and JSON break.";

rule!(
    "ENUM_VALUE_SAME_NAME",
    [CSR, FILE, PACKAGE, WIRE_JSON],
    "Checks that enum values have the same name.",
    Check::Enum(check)
);

fn check(out: &mut Out, prev: &Enum, cur: &Enum) {
    let e = short_name(&cur.full_name);
    let mut seen = std::collections::HashSet::new();
    for v in &cur.values {
        if !seen.insert(v.number) {
            continue;
        }
        let mut before: Vec<&str> = prev.values_numbered(v.number).map(|p| p.name.as_str()).collect();
        if before.is_empty() {
            continue;
        }
        let mut after: Vec<&str> = cur.values_numbered(v.number).map(|c| c.name.as_str()).collect();
        if before.iter().all(|b| after.contains(b)) {
            continue;
        }
        // buf lists the names sorted
        before.sort_unstable();
        after.sort_unstable();
        let (a, b) = (before.join("\", \""), after.join("\", \""));
        // "names" when both sides have aliases; one finding on each current value of the number
        let s = if before.len() > 1 && after.len() > 1 { "s" } else { "" };
        for c in cur.values_numbered(v.number) {
            let path = sub(&c.path, &[tag::ENUM_VALUE_NUMBER]);
            out.at_first(
                cur.file,
                &[&path, &c.path],
                format!("Enum value \"{}\" on enum \"{e}\" changed name{s} from \"{a}\" to \"{b}\".", v.number),
            );
        }
    }
}
