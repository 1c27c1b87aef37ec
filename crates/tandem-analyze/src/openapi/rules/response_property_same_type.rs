//! RESPONSE_PROPERTY_SAME_TYPE
//!
//! ## What it does
//! Checks that response schemas, and each of their properties, only return values clients
//! already expect: the old type must accept every value of the new one (number → integer and
//! dropping "null" narrow, and are allowed), and a `format` must not change to another.
//!
//! ## Why it breaks consumers
//! Clients deserialize the response into the old type; a value of another type (a string where
//! a number was, a null where none could be) fails to parse or crashes the code using it.
//!
//! ## Example
//! `id: {type: integer}` became `id: {type: string}` in the 200 response of `GET /users/{id}`.

use super::prelude::*;

rule!(
    "RESPONSE_PROPERTY_SAME_TYPE",
    Breaking,
    "Checks that response properties are not retyped to a type whose values clients do not expect.",
    "Clients deserialize responses into the old type; values of another type fail to parse or crash the code using them.",
    Check::Response(check)
);

fn check(out: &mut Out, op: &Op, pair: &SchemaPair) {
    if !type_breaks(Flow::Response, pair.prev, pair.cur) {
        return;
    }
    let (Some(a), Some(b)) = (pair.prev.type_name(), pair.cur.type_name()) else { return };
    let what = pair.subject(op);
    out.at(pair.cur.node, format!("Type of {what} changed from \"{a}\" to \"{b}\"."));
}
