//! Shared by the detector fixture tests (`config_rules.rs`, `deps_rules.rs`): the one place
//! that reads `fixtures/<kind>/<RULE_ID>/<case>/` and checks a case's findings.

use std::path::{Path, PathBuf};
use tandem_analyze::detect::Detector;
use tandem_model::Finding;

/// `tests/fixtures/<kind>`.
pub fn fixtures(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(kind)
}

/// The bytes of `<stem>.*` (`previous.*`, `current.*`) in a case directory, if there is one.
pub fn side(dir: &Path, stem: &str) -> Option<Vec<u8>> {
    let entry = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(&format!("{stem}.")))?;
    Some(std::fs::read(entry).unwrap())
}

/// In a `breaking*` case `rule` fires, in an `ok*` case it does not; the rendered findings are
/// snapshotted as `fixtures/<kind>/snapshots/<rule>__<case>.snap`.
pub fn assert_case(kind: &str, rule: &str, case: &str, findings: &[Finding]) {
    let rendered: Vec<String> = findings
        .iter()
        .map(|f| format!("{} {} {}:{}:{} {}", f.severity.as_str(), f.rule, f.path, f.line, f.column, f.message))
        .collect();
    let rendered = if rendered.is_empty() { "(no findings)".to_string() } else { rendered.join("\n") };
    let fired = findings.iter().any(|f| f.rule == rule);
    assert_eq!(fired, case.starts_with("breaking"), "{rule}/{case}:\n{rendered}");
    insta::with_settings!({ snapshot_path => fixtures(kind).join("snapshots"), prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(format!("{rule}__{case}"), rendered);
    });
}

/// Every rule of `detector` has a breaking and an ok case in `cases` (rule, case), and every
/// fixture directory of `fixtures/<kind>` is one of `cases`.
pub fn assert_every_rule_has_cases(detector: &dyn Detector, kind: &str, cases: &[(&str, &str)]) {
    for info in detector.rules() {
        assert_eq!(info.kind, detector.kind(), "{}", info.id);
        for prefix in ["breaking", "ok"] {
            let found = cases.iter().any(|c| c.0 == info.id && c.1.starts_with(prefix));
            assert!(found, "{} has no {prefix} case", info.id);
        }
    }
    for rule_dir in std::fs::read_dir(fixtures(kind)).unwrap().map(|e| e.unwrap().path()) {
        let rule = rule_dir.file_name().unwrap().to_string_lossy().to_string();
        if rule == "snapshots" {
            continue;
        }
        assert!(detector.rules().iter().any(|r| r.id == rule), "fixtures for unknown rule {rule}");
        for case in std::fs::read_dir(&rule_dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        {
            assert!(cases.iter().any(|c| c.0 == rule && c.1 == case), "{rule}/{case} is not in the table");
        }
    }
}
