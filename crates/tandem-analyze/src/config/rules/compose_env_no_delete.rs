//! COMPOSE_ENV_NO_DELETE
//!
//! ## What it does
//! Checks that no `environment` variable of a docker-compose service (list or map form) is
//! deleted. Only services present in both revisions are compared; a variable paired with an
//! added one by the rename heuristic is reported by `COMPOSE_ENV_NO_RENAME` instead.
//!
//! ## Why it breaks consumers
//! The container no longer receives the variable: the service falls back to a default or
//! fails at start, and overrides that set it are silently ignored.
//!
//! ## Example
//! `- DB_POOL_SIZE=10` was removed from service `api`: "Previously present environment variable
//! "DB_POOL_SIZE" was deleted from service "api"."

use super::super::compose::Compose;
use super::super::renames;
use super::Out;

super::rule!(
    "COMPOSE_ENV_NO_DELETE",
    Breaking,
    "Checks that no environment variable of a docker-compose service is deleted.",
    "The container no longer receives the variable: it falls back to a default or fails at start.",
    super::Check::Compose(check)
);

fn check(out: &mut Out, prev: &Compose, cur: &Compose) {
    for (name, p) in &prev.services {
        let Some(c) = cur.services.get(name) else { continue };
        for k in renames::changes(&p.env, &c.env).deleted {
            out.at(
                c.line,
                format!("Previously present environment variable \"{}\" was deleted from service \"{name}\".", k.name),
            );
        }
    }
}
