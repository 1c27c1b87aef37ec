//! ban-drop-type
//!
//! ## What it does
//! Checks that a migration does not drop a type.
//!
//! ## Why it breaks consumers
//! Columns, functions and consumers' casts that use the type fail or are dropped with it.
//!
//! ## Example
//! `DROP TYPE mood;`

use super::{dropped, name, Check, Cx, Rule};
use crate::detect::RuleInfo;
use crate::sql::parse::Stmt;
use sqlparser::ast::ObjectType;
use tandem_model::Severity;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "ban-drop-type",
        kind: "sql",
        severity: Severity::Breaking,
        summary: "Checks that a migration does not drop a type.",
        why: "Columns, functions and consumers' casts that use the type fail or are dropped with it.",
    },
    check: Check::Statement(check),
};

fn check(_: &Cx, stmt: &Stmt) -> Vec<String> {
    let Some((_, names)) = dropped(stmt, &[ObjectType::Type]) else {
        return Vec::new();
    };
    names.iter().map(|n| format!("Type \"{}\" was dropped (statement at line {}).", name(n), stmt.line)).collect()
}
