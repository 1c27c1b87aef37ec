//! The fixture migrations: `tests/fixtures/sql/<RULE_ID>/<case>.sql`, with an optional
//! `<case>.previous.sql` (the file existed before the range) and the squawk recording
//! `<case>.squawk.json` (scripts/record-squawk-fixtures.sh).

use crate::detect::{DetectOptions, Detector, FilePair};
use std::path::{Path, PathBuf};
use tandem_model::Finding;

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

    /// What tandem reports on the fixture.
    pub fn tandem(&self) -> Vec<Finding> {
        let cur = std::fs::read(&self.path).unwrap();
        let prev = std::fs::read(self.path.with_extension("previous.sql")).ok();
        let pair = FilePair { path: &self.name, prev: prev.as_deref(), cur: Some(&cur) };
        super::SqlDetector.compare(&pair, &DetectOptions::default())
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
