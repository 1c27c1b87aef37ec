//! ban-drop-view
//!
//! ## What it does
//! Checks that a migration does not drop a view or materialized view.
//!
//! ## Why it breaks consumers
//! Consumers that query the view get an error once it is gone.
//!
//! ## Example
//! `DROP VIEW active_users;`

use super::{dropped, name, Check, Cx, Rule};
use crate::detect::RuleInfo;
use crate::sql::parse::Stmt;
use sqlparser::ast::ObjectType;
use tandem_model::Severity;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "ban-drop-view",
        kind: "sql",
        severity: Severity::Breaking,
        summary: "Checks that a migration does not drop a view or materialized view.",
        why: "Consumers that query the view get an error once it is gone.",
    },
    check: Check::Statement(check),
};

fn check(_: &Cx, stmt: &Stmt) -> Vec<String> {
    let Some((kind, names)) = dropped(stmt, &[ObjectType::View, ObjectType::MaterializedView]) else {
        return Vec::new();
    };
    let what = if kind == ObjectType::View { "View" } else { "Materialized view" };
    names.iter().map(|n| format!("{what} \"{}\" was dropped (statement at line {}).", name(n), stmt.line)).collect()
}
