//! ban-drop-table
//!
//! ## What it does
//! Checks that a migration does not drop a table.
//!
//! ## Why it breaks consumers
//! Every query, view and foreign key that names the table fails once it is gone, and its data is lost.
//!
//! ## Example
//! `DROP TABLE users;` (safe: stop using the table in every consumer first, then drop it in a later release).

use super::{dropped, name, Check, Cx, Rule};
use crate::detect::RuleInfo;
use crate::sql::parse::Stmt;
use sqlparser::ast::ObjectType;
use tandem_model::Severity;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "ban-drop-table",
        kind: "sql",
        severity: Severity::Breaking,
        summary: "Checks that a migration does not drop a table.",
        why: "Every query, view and foreign key that names the table fails once it is gone, and its data is lost.",
    },
    check: Check::Statement(check),
};

fn check(_: &Cx, stmt: &Stmt) -> Vec<String> {
    let Some((_, names)) = dropped(stmt, &[ObjectType::Table, ObjectType::ForeignTable]) else {
        return Vec::new();
    };
    names.iter().map(|n| format!("Table \"{}\" was dropped (statement at line {}).", name(n), stmt.line)).collect()
}
