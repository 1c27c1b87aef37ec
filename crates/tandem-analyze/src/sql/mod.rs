//! SQL migrations: the breaking and risky schema changes that migration files added in the
//! range make (dropped or renamed tables and columns, changed types, new NOT NULLs, indexes
//! built without CONCURRENTLY…). Rules that squawk also has carry squawk's rule name.
//!
//! Migrations are append-only: a migration added in the range (no previous side) is analysed
//! statement by statement; an existing migration that was edited is analysed too and also
//! reported as `MIGRATION_NO_EDIT`, since databases that already ran it never see the edit.
//! Statements that do not parse are `SQL_PARSE` findings and the rest of the file is still
//! analysed; the SQL statements inside a PostgreSQL `DO` block are checked by the same rules at
//! their line in the file. Statements are parsed, checked and dropped one at a time, so memory
//! does not grow with the file; a file over 32 MiB or a statement over 4 MiB is a `SQL_PARSE`
//! finding naming the limit. The dialect is `DetectOptions::sql_dialect` (PostgreSQL unless it
//! says `mysql` or `sqlite`). `DetectOptions::sql_transaction` says whether the migration tool
//! runs each file as one transaction (`per_file`, squawk's `--assume-in-transaction`): then, as
//! inside an explicit `BEGIN` … `COMMIT`, indexes and constraints on a table created earlier in
//! the transaction block nobody, and validating a constraint added `NOT VALID` in the same
//! transaction is flagged.
//!
//! ```
//! use tandem_analyze::detect::{DetectOptions, FilePair};
//!
//! let d = tandem_analyze::sql::detector().unwrap();
//! assert!(d.claims("db/migrations/002_drop_email.sql", None, None));
//! let pair = FilePair {
//!     path: "db/migrations/002_drop_email.sql",
//!     prev: None,
//!     cur: Some(b"ALTER TABLE users DROP COLUMN email;"),
//! };
//! let findings = d.compare(&pair, &DetectOptions::default());
//! assert_eq!(findings[0].rule, "ban-drop-column");
//! ```

mod parse;
mod rules;

use crate::detect::{finding, DetectOptions, Detector, FilePair, RuleInfo};
use parse::{Dialect, Item};
use rules::{Check, Cx};
use tandem_model::{ContractKind, Finding};

/// The SQL migration detector.
pub fn detector() -> Option<&'static dyn Detector> {
    Some(&SqlDetector)
}

struct SqlDetector;

impl Detector for SqlDetector {
    fn kind(&self) -> &'static str {
        "sql"
    }

    fn claims(&self, path: &str, declared: Option<ContractKind>, _cur: Option<&[u8]>) -> bool {
        match declared {
            Some(kind) => kind == ContractKind::Sql,
            None => is_migration_path(path),
        }
    }

    fn compare(&self, pair: &FilePair, opts: &DetectOptions) -> Vec<Finding> {
        let Some(cur) = pair.cur else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if let Some(prev) = pair.prev {
            if prev == cur {
                return out;
            }
            let line = first_changed_line(prev, cur);
            out.push(finding(
                &rules::migration_no_edit::RULE.info,
                pair.path,
                line,
                1,
                format!(
                    "Previously present migration \"{}\" was edited (first change at line {line}); databases that already applied it will not run the change.",
                    pair.path
                ),
            ));
        }
        let dialect = Dialect::parse(opts.sql_dialect.as_deref());
        let mut cx = Cx::new(dialect, opts.sql_transaction);
        // Statements are checked as they are parsed and then dropped: memory stays bounded by
        // the largest statement, whatever the file's size.
        parse::parse_each(cur, dialect, &mut |item| match item {
            Item::Error(e) => out.push(finding(
                &rules::sql_parse::RULE.info,
                pair.path,
                e.line,
                e.column,
                format!("Statement at line {} could not be parsed: {}.", e.line, e.message.trim_end_matches('.')),
            )),
            Item::Statement(stmt) => {
                for rule in rules::ALL {
                    if let Check::Statement(check) = rule.check {
                        for message in check(&cx, &stmt) {
                            out.push(finding(&rule.info, pair.path, stmt.line, stmt.column, message));
                        }
                    }
                }
                cx.record(&stmt);
            }
        });
        out.sort_by(|a, b| (a.line, &a.rule).cmp(&(b.line, &b.rule)));
        out
    }

    fn rules(&self) -> &'static [RuleInfo] {
        rules::infos()
    }
}

/// A `.sql` file under a directory named like `migrations`, `migrate` or `db`, or named like a
/// migration (`001_init.sql`, `V2__users.sql`, `20240101_users.up.sql`).
fn is_migration_path(path: &str) -> bool {
    let path = path.replace('\\', "/");
    let mut parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let Some(file) = parts.pop() else {
        return false;
    };
    let lower = file.to_ascii_lowercase();
    let Some(stem) = lower.strip_suffix(".sql") else {
        return false;
    };
    let in_migration_dir = parts.iter().any(|d| {
        let d = d.to_ascii_lowercase();
        d.contains("migrat") || d == "db"
    });
    in_migration_dir || is_migration_name(stem)
}

/// `001_x`, `20240101-x`, `V2__x`, `R__x`, `U3__x` (Flyway), `1_x.up` / `.down`.
fn is_migration_name(stem: &str) -> bool {
    let digits = stem.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && matches!(stem.as_bytes().get(digits), Some(b'_' | b'-' | b'.')) {
        return true;
    }
    let flyway = stem.strip_prefix('v').or_else(|| stem.strip_prefix('u'));
    if let Some(rest) = flyway {
        let version = rest.bytes().take_while(|b| b.is_ascii_digit() || *b == b'.' || *b == b'_').count();
        if version > 0 && rest[..version].contains(|c: char| c.is_ascii_digit()) && rest.contains("__") {
            return true;
        }
    }
    stem.starts_with("r__")
}

/// 1-based line of the first difference between two texts.
fn first_changed_line(prev: &[u8], cur: &[u8]) -> u32 {
    let common = prev.iter().zip(cur).take_while(|(a, b)| a == b).count();
    1 + cur[..common].iter().filter(|b| **b == b'\n').count() as u32
}

#[cfg(test)]
mod tests;
