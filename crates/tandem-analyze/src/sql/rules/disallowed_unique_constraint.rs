//! disallowed-unique-constraint
//!
//! ## What it does
//! Checks that PostgreSQL unique constraints are added `USING INDEX` of an index built concurrently.
//!
//! ## Why it breaks consumers
//! `ADD CONSTRAINT … UNIQUE` builds the index under an `ACCESS EXCLUSIVE` lock: consumers' reads and writes wait.
//!
//! ## Example
//! `ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);` (safe: `CREATE UNIQUE INDEX CONCURRENTLY …` then `ADD CONSTRAINT … UNIQUE USING INDEX …`).

use super::{alter_table, constraint_name};
use super::{Check, Cx, Rule};
use crate::detect::RuleInfo;
use crate::sql::parse::Dialect;
use crate::sql::parse::Stmt;
use sqlparser::ast::{AlterTableOperation, ColumnOption, TableConstraint};
use tandem_model::Severity;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "disallowed-unique-constraint",
        kind: "sql",
        severity: Severity::Warning,
        summary: "Checks that PostgreSQL unique constraints are added `USING INDEX` of an index built concurrently.",
        why: "`ADD CONSTRAINT … UNIQUE` builds the index under an `ACCESS EXCLUSIVE` lock: consumers' reads and writes wait.",
    },
    check: Check::Statement(check),
};

fn check(cx: &Cx, stmt: &Stmt) -> Vec<String> {
    if cx.dialect != Dialect::Postgres {
        return Vec::new();
    }
    let Some((table, ops)) = alter_table(stmt) else {
        return Vec::new();
    };
    let line = stmt.line;
    let mut out = Vec::new();
    for op in ops {
        match op {
            AlterTableOperation::AddConstraint { constraint: c @ TableConstraint::Unique(_), .. } => {
                let what = constraint_name(c);
                out.push(format!(
                    "{what} was added to table \"{table}\" without USING INDEX (statement at line {line})."
                ));
            }
            AlterTableOperation::AddColumn { column_def, .. }
                if column_def.options.iter().any(|o| matches!(o.option, ColumnOption::Unique(_))) =>
            {
                out.push(format!(
                    "Column \"{}\" was added to table \"{table}\" with a UNIQUE constraint (statement at line {line}).",
                    column_def.name.value
                ));
            }
            _ => {}
        }
    }
    out
}
