//! The SQL migration rules, one per file, and the table of all of them. Where squawk (2.70) has
//! a rule for the same change, the ID is squawk's rule name and the rule fires on the same
//! statements (src/sql/tests/squawk.rs checks it against squawk itself); tandem's own rules use
//! SUBJECT_PREDICATE IDs.

mod adding_foreign_key_constraint;
mod adding_not_nullable_field;
mod adding_required_field;
mod ban_drop_column;
mod ban_drop_constraint;
mod ban_drop_database;
mod ban_drop_default;
mod ban_drop_index;
mod ban_drop_not_null;
mod ban_drop_schema;
mod ban_drop_table;
mod ban_drop_type;
mod ban_drop_view;
mod changing_column_type;
mod constraint_missing_not_valid;
mod disallowed_unique_constraint;
pub(crate) mod migration_no_edit;
mod renaming_column;
mod renaming_table;
mod require_concurrent_index_creation;
mod require_concurrent_index_deletion;
pub(crate) mod sql_parse;

use super::parse::{Dialect, Stmt};
use crate::detect::RuleInfo;
use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, ColumnDef, ColumnOption, Ident, ObjectName, ObjectType, Statement,
    TableConstraint,
};
use std::collections::HashSet;
use std::sync::OnceLock;
use tandem_model::SqlTransaction;

/// What a rule looks at.
pub(crate) enum Check {
    /// One parsed statement; returns a message per offending change.
    Statement(fn(&Cx, &Stmt) -> Vec<String>),
    /// Reported by the detector itself about the whole file (parse errors, edited migrations).
    File,
}

/// One rule: its metadata and its check.
pub(crate) struct Rule {
    pub info: RuleInfo,
    pub check: Check,
}

/// What a statement check may know besides the statement: the dialect, and what the
/// transaction the statement runs in did before it. It is updated after each statement
/// ([`Cx::record`]), so a file is checked in one pass without keeping its statements.
pub(crate) struct Cx {
    pub dialect: Dialect,
    /// The open transaction: an explicit `BEGIN`, or the whole file with
    /// [`SqlTransaction::PerFile`].
    transaction: Option<Transaction>,
}

/// What the open transaction did so far.
#[derive(Default)]
struct Transaction {
    /// Tables it created (as [`name`] writes them, lowercase).
    tables: HashSet<String>,
    /// Constraints it added `NOT VALID` (names, lowercase).
    not_valid: HashSet<String>,
}

impl Cx {
    pub(crate) fn new(dialect: Dialect, mode: SqlTransaction) -> Cx {
        let transaction = match mode {
            SqlTransaction::PerFile => Some(Transaction::default()),
            SqlTransaction::Explicit => None,
        };
        Cx { dialect, transaction }
    }

    /// Whether the open transaction created `table`: nobody else can see it yet, so building
    /// an index or adding a constraint on it blocks nobody (as squawk reads it).
    pub(crate) fn created_in_transaction(&self, table: &str) -> bool {
        self.transaction.as_ref().is_some_and(|t| t.tables.contains(&table.to_lowercase()))
    }

    /// Whether the open transaction added constraint `name` `NOT VALID` (on any table, as
    /// squawk matches it).
    pub(crate) fn added_not_valid_in_transaction(&self, name: &str) -> bool {
        self.transaction.as_ref().is_some_and(|t| t.not_valid.contains(&name.to_lowercase()))
    }

    /// Takes note of what `stmt` did to the transaction, after its checks ran.
    pub(crate) fn record(&mut self, stmt: &Stmt) {
        match &stmt.ast {
            Statement::StartTransaction { .. } => {
                self.transaction.get_or_insert_with(Transaction::default);
            }
            Statement::Commit { .. } | Statement::Rollback { savepoint: None, .. } => {
                // After the file's own COMMIT, even a per-file transaction is over.
                self.transaction = None;
            }
            Statement::CreateTable(ct) => {
                if let Some(t) = &mut self.transaction {
                    t.tables.insert(name(&ct.name).to_lowercase());
                }
            }
            Statement::AlterTable(a) => {
                if let Some(t) = &mut self.transaction {
                    for op in &a.operations {
                        if let AlterTableOperation::AddConstraint { constraint, not_valid: true } = op {
                            t.not_valid.extend(constraint_ident(constraint).map(|i| i.value.to_lowercase()));
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// Every rule, in ID order. IDs are API: deprecate with a replacement, never delete.
pub(crate) static ALL: &[&Rule] = &[
    &adding_foreign_key_constraint::RULE,
    &adding_not_nullable_field::RULE,
    &adding_required_field::RULE,
    &ban_drop_column::RULE,
    &ban_drop_constraint::RULE,
    &ban_drop_database::RULE,
    &ban_drop_default::RULE,
    &ban_drop_index::RULE,
    &ban_drop_not_null::RULE,
    &ban_drop_schema::RULE,
    &ban_drop_table::RULE,
    &ban_drop_type::RULE,
    &ban_drop_view::RULE,
    &changing_column_type::RULE,
    &constraint_missing_not_valid::RULE,
    &disallowed_unique_constraint::RULE,
    &migration_no_edit::RULE,
    &renaming_column::RULE,
    &renaming_table::RULE,
    &require_concurrent_index_creation::RULE,
    &require_concurrent_index_deletion::RULE,
    &sql_parse::RULE,
];

/// The rules' metadata, in table order.
pub(crate) fn infos() -> &'static [RuleInfo] {
    static INFOS: OnceLock<Vec<RuleInfo>> = OnceLock::new();
    INFOS.get_or_init(|| ALL.iter().map(|r| r.info).collect())
}

/// `ALTER TABLE`'s table and operations.
pub(crate) fn alter_table(stmt: &Stmt) -> Option<(String, &[AlterTableOperation])> {
    match &stmt.ast {
        Statement::AlterTable(a) => Some((name(&a.name), &a.operations)),
        _ => None,
    }
}

/// For each operation of an `ALTER TABLE`, the messages `f` makes of it (given the table's
/// name), each ended with the statement's line.
pub(crate) fn alter_messages<I: IntoIterator<Item = String>>(
    stmt: &Stmt,
    f: impl Fn(&str, &AlterTableOperation) -> I,
) -> Vec<String> {
    let Some((table, ops)) = alter_table(stmt) else {
        return Vec::new();
    };
    ops.iter().flat_map(|op| f(&table, op)).map(|m| format!("{m} (statement at line {}).", stmt.line)).collect()
}

/// `Column "c" of table "t" <what> (statement at line N).` for each `ALTER COLUMN` whose
/// operation is `wanted`.
pub(crate) fn column_messages(stmt: &Stmt, wanted: fn(&AlterColumnOperation) -> bool, what: &str) -> Vec<String> {
    alter_messages(stmt, |table, op| match op {
        AlterTableOperation::AlterColumn { column_name, op } if wanted(op) => {
            Some(format!("Column \"{}\" of table \"{table}\" {what}", column_name.value))
        }
        _ => None,
    })
}

/// Whether an added column has an option that `f` accepts.
pub(crate) fn has_option(column: &ColumnDef, f: fn(&ColumnOption) -> bool) -> bool {
    column.options.iter().any(|o| f(&o.option))
}

/// `DROP <kind> names…` when the kind is one of `kinds`: the kind and the names.
pub(crate) fn dropped<'a>(stmt: &'a Stmt, kinds: &[ObjectType]) -> Option<(ObjectType, &'a [ObjectName])> {
    match &stmt.ast {
        Statement::Drop { object_type, names, .. } if kinds.contains(object_type) => Some((*object_type, names)),
        _ => None,
    }
}

/// An object's name as written, without quotes.
pub(crate) fn name(n: &ObjectName) -> String {
    n.0.iter()
        .map(|p| match p.as_ident() {
            Some(i) => i.value.clone(),
            None => p.to_string(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// The name a table constraint was given, if any.
pub(crate) fn constraint_ident(c: &TableConstraint) -> Option<&Ident> {
    match c {
        TableConstraint::Unique(u) => u.name.as_ref(),
        TableConstraint::PrimaryKey(p) => p.name.as_ref(),
        TableConstraint::ForeignKey(f) => f.name.as_ref(),
        TableConstraint::Check(k) => k.name.as_ref(),
        TableConstraint::Exclude(e) => e.name.as_ref(),
        _ => None,
    }
}

/// `UNIQUE constraint "name"` or, unnamed, `An unnamed CHECK constraint`.
pub(crate) fn constraint_name(c: &TableConstraint) -> String {
    let kind = match c {
        TableConstraint::Unique(_) => "UNIQUE",
        TableConstraint::PrimaryKey(_) => "PRIMARY KEY",
        TableConstraint::ForeignKey(_) => "FOREIGN KEY",
        TableConstraint::Check(_) => "CHECK",
        TableConstraint::Exclude(_) => "EXCLUDE",
        _ => return "A constraint".to_string(),
    };
    match constraint_ident(c) {
        Some(n) => format!("{kind} constraint \"{}\"", n.value),
        None => format!("An unnamed {kind} constraint"),
    }
}
