//! COMPOSE_ENV_NO_RENAME
//!
//! ## What it does
//! Checks that no `environment` variable of a docker-compose service is renamed: a removed
//! and an added variable of the same service paired by the same distinctive value or a similar
//! name (see `config/renames.rs`) are one rename finding rather than a delete.
//!
//! ## Why it breaks consumers
//! Overrides (`docker-compose.override.yml`, `.env`, CI) still set the old name, and the image
//! may still read it: the value silently stops arriving.
//!
//! ## Example
//! `- DATABASE_URL=postgres://db/app` became `- DB_URL=postgres://db/app` in service `api`:
//! "Environment variable "DATABASE_URL" of service "api" was renamed to "DB_URL" (same value)."

use super::super::compose::Compose;
use super::super::renames;
use super::Out;

super::rule!(
    "COMPOSE_ENV_NO_RENAME",
    Breaking,
    "Checks that no environment variable of a docker-compose service is renamed (same value or similar name).",
    "Overrides still set the old name, and the image may still read it: the value stops arriving.",
    super::Check::Compose(check)
);

fn check(out: &mut Out, prev: &Compose, cur: &Compose) {
    for (name, p) in &prev.services {
        let Some(c) = cur.services.get(name) else { continue };
        for r in renames::changes(&p.env, &c.env).renamed {
            let why = r.evidence.describe();
            out.at(
                r.to.line,
                format!(
                    "Environment variable \"{}\" of service \"{name}\" was renamed to \"{}\" ({why}).",
                    r.from.name, r.to.name
                ),
            );
        }
    }
}
