//! ban-drop-index
//!
//! ## What it does
//! Checks that a migration does not drop an index (squawk: opt-in rule).
//!
//! ## Why it breaks consumers
//! A dropped unique index removes a guarantee consumers may rely on (`ON CONFLICT` needs it), and a dropped index can turn consumers' queries into table scans.
//!
//! ## Example
//! `DROP INDEX CONCURRENTLY users_email_idx;`

use super::{alter_messages, dropped, name, Check, Cx, Rule};
use crate::detect::RuleInfo;
use crate::sql::parse::Stmt;
use sqlparser::ast::{AlterTableOperation, ObjectType};
use tandem_model::Severity;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "ban-drop-index",
        kind: "sql",
        severity: Severity::Warning,
        summary: "Checks that a migration does not drop an index (squawk: opt-in rule).",
        why: "A dropped unique index removes a guarantee consumers may rely on (`ON CONFLICT` needs it), and a dropped index can turn consumers' queries into table scans.",
    },
    check: Check::Statement(check),
};

fn check(_: &Cx, stmt: &Stmt) -> Vec<String> {
    if let Some((_, names)) = dropped(stmt, &[ObjectType::Index]) {
        return names
            .iter()
            .map(|n| format!("Index \"{}\" was dropped (statement at line {}).", name(n), stmt.line))
            .collect();
    }
    alter_messages(stmt, |table, op| match op {
        AlterTableOperation::DropIndex { name } => {
            Some(format!("Index \"{}\" was dropped from table \"{table}\"", name.value))
        }
        _ => None,
    })
}
