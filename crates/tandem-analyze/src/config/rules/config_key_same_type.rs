//! CONFIG_KEY_SAME_TYPE
//!
//! ## What it does
//! Checks that a key of a declared config file keeps the kind of its value: string, number
//! (integers and floats alike), boolean, datetime, list or mapping. A change to or from `null`
//! passes: it sets or unsets a value rather than changing its type.
//!
//! ## Why it breaks consumers
//! A program deserializing the file into typed settings fails, or reads the value differently
//! (`port: 8080` → `port: "8080"`). A warning: many readers coerce scalars.
//!
//! ## Example
//! `server.port: 8080` became `server.port: "8080"`: "Key "server.port" changed type from
//! number to string."

use super::super::tree::{dotted, Kind, Tree};
use super::Out;

super::rule!(
    "CONFIG_KEY_SAME_TYPE",
    Warning,
    "Checks that a key of a declared config file keeps the type of its value.",
    "Typed readers fail to deserialize the file, or read the value differently.",
    super::Check::Document(check)
);

fn check(out: &mut Out, prev: &Tree, cur: &Tree) {
    for (path, p) in &prev.keys {
        let Some(c) = cur.keys.get(path) else { continue };
        if p.kind != c.kind && p.kind != Kind::Null && c.kind != Kind::Null {
            out.at(c.line, format!("Key \"{}\" changed type from {} to {}.", dotted(path), p.kind, c.kind));
        }
    }
}
