//! ENV_KEY_NO_RENAME
//!
//! ## What it does
//! Checks that no key of an `.env.example` / `.env.sample` file is renamed: a removed key and
//! an added key paired by the same distinctive value or a similar name (see
//! `config/renames.rs` for the heuristic) are one rename finding rather than a delete.
//!
//! ## Why it breaks consumers
//! Every deployment sets the old name; after the rename the application reads a variable none
//! of them sets.
//!
//! ## Example
//! `REDIS_HOST=cache` became `REDIS_HOSTNAME=cache`: "Key "REDIS_HOST" was renamed to
//! "REDIS_HOSTNAME" (same value)."

use super::super::env::EnvFile;
use super::super::renames;
use super::Out;

super::rule!(
    "ENV_KEY_NO_RENAME",
    Breaking,
    "Checks that no key of an .env.example file is renamed (same value or similar name).",
    "Deployments set the old name; the application now reads a variable none of them sets.",
    super::Check::Env(check)
);

fn check(out: &mut Out, prev: &EnvFile, cur: &EnvFile) {
    for r in renames::changes(&prev.keys, &cur.keys).renamed {
        let why = r.evidence.describe();
        out.at(r.to.line, format!("Key \"{}\" was renamed to \"{}\" ({why}).", r.from.name, r.to.name));
    }
}
