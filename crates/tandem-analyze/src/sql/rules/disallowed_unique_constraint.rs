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

use super::{alter_messages, constraint_name, has_option, Check, Cx, Rule};
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
    alter_messages(stmt, |table, op| match op {
        // A table the transaction created is seen by nobody else yet: nothing waits.
        _ if cx.created_in_transaction(table) => None,
        AlterTableOperation::AddConstraint { constraint: c @ TableConstraint::Unique(_), .. } => {
            Some(format!("{} was added to table \"{table}\" without USING INDEX", constraint_name(c)))
        }
        AlterTableOperation::AddColumn { column_def: d, .. }
            if has_option(d, |o| matches!(o, ColumnOption::Unique(_))) =>
        {
            Some(format!("Column \"{}\" was added to table \"{table}\" with a UNIQUE constraint", d.name.value))
        }
        _ => None,
    })
}
