//! ban-drop-schema
//!
//! ## What it does
//! Checks that a migration does not drop a schema.
//!
//! ## Why it breaks consumers
//! Every object in the schema goes with it, and every query that names one of them fails.
//!
//! ## Example
//! `DROP SCHEMA billing;`

use super::{dropped, name, Check, Cx, Rule};
use crate::detect::RuleInfo;
use crate::sql::parse::Stmt;
use sqlparser::ast::ObjectType;
use tandem_model::Severity;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "ban-drop-schema",
        kind: "sql",
        severity: Severity::Breaking,
        summary: "Checks that a migration does not drop a schema.",
        why: "Every object in the schema goes with it, and every query that names one of them fails.",
    },
    check: Check::Statement(check),
};

fn check(_: &Cx, stmt: &Stmt) -> Vec<String> {
    let Some((_, names)) = dropped(stmt, &[ObjectType::Schema]) else {
        return Vec::new();
    };
    names.iter().map(|n| format!("Schema \"{}\" was dropped (statement at line {}).", name(n), stmt.line)).collect()
}
