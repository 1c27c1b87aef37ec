//! ENV_KEY_NO_DELETE
//!
//! ## What it does
//! Checks that no key of an `.env.example` / `.env.sample` file is deleted. A deleted key that
//! the rename heuristic pairs with an added one is reported by `ENV_KEY_NO_RENAME` instead.
//!
//! ## Why it breaks consumers
//! The example documents what deployments set; a key that disappears from it usually means the
//! application stopped reading it, and every deployment still setting it is silently ignored
//! (or depends on behaviour that is gone).
//!
//! ## Example
//! `REDIS_URL=redis://localhost:6379` was removed: "Previously present key "REDIS_URL" was
//! deleted."

use super::super::env::EnvFile;
use super::super::renames;
use super::Out;

super::rule!(
    "ENV_KEY_NO_DELETE",
    Breaking,
    "Checks that no key of an .env.example file is deleted (renames are ENV_KEY_NO_RENAME).",
    "Deployments still setting the key are silently ignored, or rely on behaviour that is gone.",
    super::Check::Env(check)
);

fn check(out: &mut Out, prev: &EnvFile, cur: &EnvFile) {
    for k in renames::changes(&prev.keys, &cur.keys).deleted {
        out.at(1, format!("Previously present key \"{}\" (line {}) was deleted.", k.name, k.line));
    }
}
