//! The fixture migrations: `tests/fixtures/sql/<RULE_ID>/<case>.sql`, with an optional
//! `<case>.previous.sql` (the file existed before the range) and the squawk recording
//! `<case>.squawk.json` (scripts/record-squawk-fixtures.sh). Cases under
//! `_per_file_transaction/` are read as run in one transaction per file (tandem's
//! `sql_transaction = "per_file"`, squawk's `--assume-in-transaction`).

use crate::detect::{DetectOptions, Detector, FilePair};
use std::path::{Path, PathBuf};
use tandem_model::{Finding, SqlTransaction};

/// The fixture directory whose cases run as one transaction per file.
pub(super) const PER_FILE_DIR: &str = "_per_file_transaction";

pub(super) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sql")
}

/// One fixture migration.
pub(super) struct Case {
    /// `<RULE_ID>/<case>.sql`, relative to [`root`].
    pub name: String,
    /// The rule the fixture is about (its directory), `_…` for mixed cases.
    pub rule: String,
    /// `breaking`, `ok` or another name.
    pub case: String,
    pub path: PathBuf,
}

impl Case {
    pub fn recording(&self) -> PathBuf {
        self.path.with_extension("squawk.json")
    }

    /// How the case's migration tool runs the file.
    pub fn transaction(&self) -> SqlTransaction {
        if self.rule == PER_FILE_DIR {
            SqlTransaction::PerFile
        } else {
            SqlTransaction::Explicit
        }
    }

    /// What tandem reports on the fixture.
    pub fn tandem(&self) -> Vec<Finding> {
        let cur = std::fs::read(&self.path).unwrap();
        let prev = std::fs::read(self.path.with_extension("previous.sql")).ok();
        let pair = FilePair { path: &self.name, prev: prev.as_deref(), cur: Some(&cur) };
        let opts = DetectOptions { sql_transaction: self.transaction(), ..DetectOptions::default() };
        super::SqlDetector.compare(&pair, &opts)
    }
}

/// Every fixture, sorted by name.
pub(super) fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for dir in std::fs::read_dir(root()).unwrap().flatten() {
        if !dir.path().is_dir() || dir.file_name() == "snapshots" {
            continue;
        }
        let rule = dir.file_name().to_string_lossy().into_owned();
        for f in std::fs::read_dir(dir.path()).unwrap().flatten() {
            let file = f.file_name().to_string_lossy().into_owned();
            let Some(case) = file.strip_suffix(".sql") else { continue };
            if case.ends_with(".previous") {
                continue;
            }
            out.push(Case {
                name: format!("{rule}/{file}"),
                rule: rule.clone(),
                case: case.to_string(),
                path: f.path(),
            });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(out.len() > 40, "fixtures missing under {}", root().display());
    out
}
