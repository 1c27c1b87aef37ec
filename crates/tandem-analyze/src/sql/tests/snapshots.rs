//! Every fixture's findings, rendered as `tandem analyze` lists them, snapshotted (review with
//! `cargo insta review`), and each rule's fixtures checked to be about that rule.

use super::fixtures::cases;
use super::SqlDetector;
use crate::detect::Detector;

#[test]
fn every_fixture_renders_its_findings() {
    for case in cases() {
        let rendered: String = case
            .tandem()
            .iter()
            .map(|f| format!("{}:{}:{} {} {}: {}\n", f.path, f.line, f.column, f.severity.as_str(), f.rule, f.message))
            .collect();
        let name = case.name.trim_end_matches(".sql").replace('/', "__");
        insta::assert_snapshot!(name, rendered);
    }
}

#[test]
fn every_rule_has_a_breaking_fixture_that_fires_it_and_an_ok_fixture_that_does_not() {
    let cases = cases();
    for rule in SqlDetector.rules() {
        let fired = |case: &str| {
            let c = cases.iter().find(|c| c.rule == rule.id && c.case == case);
            let c = c.unwrap_or_else(|| panic!("no fixture {}/{case}.sql", rule.id));
            c.tandem().iter().any(|f| f.rule == rule.id)
        };
        assert!(fired("breaking"), "{}/breaking.sql does not fire {}", rule.id, rule.id);
        assert!(!fired("ok"), "{}/ok.sql fires {}", rule.id, rule.id);
    }
}
