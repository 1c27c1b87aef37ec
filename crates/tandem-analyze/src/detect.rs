//! The seam for contract detectors other than protobuf (OpenAPI, SQL migrations, configuration,
//! dependency manifests). Each detector is a set of rule files plus one table; the framework
//! (here) hands it the previous and current bytes of each changed file it claims, and the
//! engine reports its findings through the same outputs, impact levels and coordinations.
//!
//! A detector never reads git or the file system itself: it gets bytes. Bad input is a finding
//! (rule `<KIND>_PARSE`, e.g. `OPENAPI_PARSE`), never a panic.

use serde::Serialize;
use tandem_model::{ContractKind, Finding, Severity, SqlTransaction};

/// One changed file: its path (relative to the repository root) and both revisions' bytes
/// (`None`: the file does not exist on that side).
#[derive(Debug, Clone, Copy)]
pub struct FilePair<'a> {
    pub path: &'a str,
    pub prev: Option<&'a [u8]>,
    pub cur: Option<&'a [u8]>,
}

/// What a rule checks, for `tandem rules` and SARIF metadata.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RuleInfo {
    /// Stable ID (SUBJECT_PREDICATE), unique across detectors. IDs are API: never reuse one.
    pub id: &'static str,
    /// The detector's kind: `openapi`, `sql`, `config`, `dependency`.
    pub kind: &'static str,
    pub severity: Severity,
    /// What it checks, one sentence.
    pub summary: &'static str,
    /// Why a matching change breaks consumers (or why it is worth knowing, for info rules).
    pub why: &'static str,
}

/// Options a detector may use.
#[derive(Debug, Clone, Default)]
pub struct DetectOptions {
    /// SQL dialect for migrations: `postgres` (default), `mysql`, `sqlite`.
    pub sql_dialect: Option<String>,
    /// Whether each migration file runs as one transaction (squawk's
    /// `--assume-in-transaction`) or only its explicit `BEGIN` … `COMMIT` blocks do.
    pub sql_transaction: SqlTransaction,
}

/// A contract detector.
pub trait Detector: Send + Sync {
    /// `openapi`, `sql`, `config`, `dependency`.
    fn kind(&self) -> &'static str;
    /// Whether this detector handles `path`. `declared` is the contract kind the workspace
    /// declares for the path (by its globs), when it declares one; detectors also recognise
    /// their files by name and content when nothing is declared.
    fn claims(&self, path: &str, declared: Option<ContractKind>, cur: Option<&[u8]>) -> bool;
    /// Compares one file's two revisions.
    fn compare(&self, pair: &FilePair, opts: &DetectOptions) -> Vec<Finding>;
    /// Every rule of the detector.
    fn rules(&self) -> &'static [RuleInfo];
}

/// Every detector, in the order they are asked to claim a file (the first that claims it wins).
pub fn detectors() -> Vec<&'static dyn Detector> {
    #[allow(unused_mut)]
    let mut all: Vec<&'static dyn Detector> = Vec::new();
    all.extend(crate::openapi::detector());
    all.extend(crate::sql::detector());
    all.extend(crate::config::detector());
    all.extend(crate::deps::detector());
    all
}

/// Builds a finding of `rule` at a 1-based place.
pub fn finding(rule: &RuleInfo, path: &str, line: u32, column: u32, message: String) -> Finding {
    Finding {
        rule: rule.id.to_string(),
        severity: rule.severity,
        kind: rule.kind.to_string(),
        path: path.to_string(),
        line: line.max(1),
        column: column.max(1),
        end_line: line.max(1),
        end_column: column.max(1),
        message,
    }
}

/// Runs every detector over the changed files it claims.
pub fn run(pairs: &[FilePair], declared: &dyn Fn(&str) -> Option<ContractKind>, opts: &DetectOptions) -> Vec<Finding> {
    let ds = detectors();
    let mut out = Vec::new();
    for pair in pairs {
        let kind = declared(pair.path);
        if let Some(d) = ds.iter().find(|d| d.claims(pair.path, kind, pair.cur.or(pair.prev))) {
            out.extend(d.compare(pair, opts));
        }
    }
    out
}
