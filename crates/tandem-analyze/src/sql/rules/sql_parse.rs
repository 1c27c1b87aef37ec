//! SQL_PARSE
//!
//! ## What it does
//! Reports a migration statement (or file) that could not be parsed, with the parser's message and line.
//!
//! ## Why it breaks consumers
//! A statement tandem cannot read is not checked: it may hold a breaking change. The rest of the file is still analysed.
//!
//! ## Example
//! `ALTER TABEL users DROP COLUMN email;` gives `Expected: an object type after ALTER, found: TABEL` at its line.

use super::{Check, Rule};
use crate::detect::RuleInfo;
use tandem_model::Severity;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SQL_PARSE",
        kind: "sql",
        severity: Severity::Warning,
        summary: "Reports a migration statement (or file) that could not be parsed, with the parser's message and line.",
        why: "A statement tandem cannot read is not checked: it may hold a breaking change. The rest of the file is still analysed.",
    },
    check: Check::File,
};
