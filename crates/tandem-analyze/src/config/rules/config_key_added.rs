//! CONFIG_KEY_ADDED
//!
//! ## What it does
//! Reports key paths added to a declared config file (only the topmost added key). Info only.
//!
//! ## Why it breaks consumers
//! It does not by itself; it is worth knowing because deployments that override the file may
//! need to set the new key, and older readers ignore it.
//!
//! ## Example
//! `server.tls` was added: "Key "server.tls" was added."

use super::super::tree::{dotted, Tree};
use super::Out;

super::rule!(
    "CONFIG_KEY_ADDED",
    Info,
    "Reports keys added to a declared config file.",
    "Not breaking: deployments overriding the file may need to set the new key; older readers ignore it.",
    super::Check::Document(check)
);

fn check(out: &mut Out, prev: &Tree, cur: &Tree) {
    for (path, c) in &cur.keys {
        let parent_added = (1..path.len()).any(|n| !prev.keys.contains_key(&path[..n]));
        if prev.keys.contains_key(path) || parent_added {
            continue;
        }
        out.at(c.line, format!("Key \"{}\" was added.", dotted(path)));
    }
}
