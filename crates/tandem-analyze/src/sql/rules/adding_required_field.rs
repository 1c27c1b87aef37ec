//! adding-required-field
//!
//! ## What it does
//! Checks that a migration does not add a `NOT NULL` column without a default to an existing table.
//!
//! ## Why it breaks consumers
//! Consumers that insert rows do not know the new column and fail on the NOT NULL; on a table with rows the migration itself fails.
//!
//! ## Example
//! `ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL;` (safe: add it with a DEFAULT, or nullable).

use super::{alter_messages, has_option, Check, Cx, Rule};
use crate::detect::RuleInfo;
use crate::sql::parse::Stmt;
use sqlparser::ast::{AlterTableOperation, ColumnOption};
use tandem_model::Severity;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "adding-required-field",
        kind: "sql",
        severity: Severity::Breaking,
        summary: "Checks that a migration does not add a `NOT NULL` column without a default to an existing table.",
        why: "Consumers that insert rows do not know the new column and fail on the NOT NULL; on a table with rows the migration itself fails.",
    },
    check: Check::Statement(check),
};

fn check(_: &Cx, stmt: &Stmt) -> Vec<String> {
    alter_messages(stmt, |table, op| match op {
        AlterTableOperation::AddColumn { column_def: d, .. }
            if has_option(d, |o| matches!(o, ColumnOption::NotNull))
                && !has_option(d, |o| matches!(o, ColumnOption::Default(_) | ColumnOption::Generated { .. })) =>
        {
            Some(format!("Column \"{}\" was added to table \"{table}\" as NOT NULL without a default", d.name.value))
        }
        _ => None,
    })
}
