//! MESSAGE_NO_REMOVE_STANDARD_DESCRIPTOR_ACCESSOR
//!
//! ## What it does
//! Checks that messages do not change the no_standard_descriptor_accessor option from false or unset to true.
//!
//! ## Why it breaks consumers
//! Generated code loses the `descriptor()` accessor that consumers may call.
//!
//! ## Example
//! `option no_standard_descriptor_accessor = true;` was added to a message.

use super::prelude::*;

const WHY: &str = "Generated code loses the `descriptor()` accessor that consumers may call.";

rule!(
    "MESSAGE_NO_REMOVE_STANDARD_DESCRIPTOR_ACCESSOR",
    [CSR, FILE, PACKAGE],
    "Checks that messages do not change the no_standard_descriptor_accessor option from false or unset to true.",
    Check::Message(check)
);

fn check(out: &mut Out, prev: &Message, cur: &Message) {
    let get = |m: &Message| m.proto.options.as_ref().and_then(|o| o.no_standard_descriptor_accessor).unwrap_or(false);
    if !get(prev) && get(cur) {
        let path = sub(&cur.path, &[tag::MSG_OPTIONS, 2]);
        out.at_first(
            cur.file,
            &[&path, &cur.path],
            "Message option \"no_standard_descriptor_accessor\" changed from \"false\" to \"true\".".into(),
        );
    }
}
