//! MESSAGE_SAME_JSON_FORMAT
//!
//! ## What it does
//! Checks that messages have the same JSON format support.
//!
//! ## Why it breaks consumers
//! Consumers that exchange the message as JSON fail when its JSON support changes.
//!
//! ## Example
//! An editions file sets `option features.json_format = LEGACY_BEST_EFFORT;` on a message.

use super::prelude::*;

const WHY: &str = "Consumers that exchange the message as JSON fail when its JSON support changes.";

rule!(
    "MESSAGE_SAME_JSON_FORMAT",
    [CSR, FILE, PACKAGE, WIRE_JSON],
    "Checks that messages have the same JSON format support.",
    Check::Message(check)
);

fn check(out: &mut Out, prev: &Message, cur: &Message) {
    let (a, b) = (message_json_format(out.prev, prev), message_json_format(out.cur, cur));
    // only losing full JSON support breaks
    if a == "ALLOW" && b != "ALLOW" {
        let m = short_name(&cur.full_name);
        let feature = feature_path(&cur.path, tag::MSG_OPTIONS, JSON_FORMAT);
        out.at_first(
            cur.file,
            &[&feature, &cur.path],
            format!("Message \"{m}\" JSON format support changed from {a} to {b}."),
        );
    }
}
