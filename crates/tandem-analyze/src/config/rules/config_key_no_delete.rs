//! CONFIG_KEY_NO_DELETE
//!
//! ## What it does
//! Checks that no key path of a declared config file (YAML, TOML or JSON declared as a
//! `config` contract in tandem.toml) is deleted, at any depth. Only the topmost deleted key is
//! reported; keys inside list items are not tracked.
//!
//! ## Why it breaks consumers
//! Programs that read the key get nothing (or fail to deserialize), and deployments that
//! override it lose their setting.
//!
//! ## Example
//! `server.tls.cert` was removed from `config/app.yaml`: "Previously present key
//! "server.tls.cert" was deleted."

use super::super::tree::{dotted, Tree};
use super::Out;

super::rule!(
    "CONFIG_KEY_NO_DELETE",
    Breaking,
    "Checks that no key path of a declared config file is deleted.",
    "Programs reading the key get nothing or fail to deserialize; overrides of it are lost.",
    super::Check::Document(check)
);

fn check(out: &mut Out, prev: &Tree, cur: &Tree) {
    for path in prev.keys.keys() {
        let parent_deleted = (1..path.len()).any(|n| !cur.keys.contains_key(&path[..n]));
        if cur.keys.contains_key(path) || parent_deleted {
            continue;
        }
        out.at(cur.line_near(path), format!("Previously present key \"{}\" was deleted.", dotted(path)));
    }
}
