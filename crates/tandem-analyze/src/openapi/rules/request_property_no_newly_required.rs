//! REQUEST_PROPERTY_NO_NEWLY_REQUIRED
//!
//! ## What it does
//! Checks that request body properties do not become required: an optional property listed in
//! `required`, or a new property that is required. Nested objects, array items and `allOf`
//! members are followed; `readOnly` properties are skipped (clients never send them).
//!
//! ## Why it breaks consumers
//! Existing clients do not send the property, so their requests fail validation.
//!
//! ## Example
//! `required: [name]` became `required: [name, email]` in the `POST /users` body.

use super::prelude::*;

rule!(
    "REQUEST_PROPERTY_NO_NEWLY_REQUIRED",
    Breaking,
    "Checks that request body properties do not become required and that no required property is added.",
    "Existing clients do not send the property, so their requests fail validation.",
    Check::Request(check)
);

fn check(out: &mut Out, op: &Op, pair: &SchemaPair) {
    if !matches!(pair.origin, Origin::Body { .. }) {
        return;
    }
    for name in pair.cur.required.difference(&pair.prev.required) {
        let prop = pair.cur.properties.get(name);
        let read_only = prop.is_some_and(|s| View::of(out.cur, s).read_only);
        if read_only {
            continue;
        }
        let at = prop.copied().unwrap_or(pair.cur.node);
        let what = pair.child_subject(op, name);
        if pair.prev.properties.contains_key(name) {
            out.at(at, format!("{} became required.", capitalize(&what)));
        } else {
            out.at(
                at,
                format!("New required property \"{}\" was added to {}.", pair.child_label(name), pair.whole(op)),
            );
        }
    }
}
