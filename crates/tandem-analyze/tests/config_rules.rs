//! Every config rule on its fixtures (`fixtures/config/<RULE_ID>/<case>/{previous,current}.*`):
//! in a `breaking*` case the rule fires, in an `ok*` case it does not, and the rendered
//! findings of every case are snapshotted (`fixtures/config/snapshots`, `cargo insta review`).

mod support;

use proptest::prelude::*;
use tandem_analyze::detect::{DetectOptions, Detector, FilePair};
use tandem_model::{ContractKind, Finding};

const DECLARED: Option<ContractKind> = Some(ContractKind::Config);

/// (rule, case, the path the fixture stands for, the kind tandem.toml declares for it).
const CASES: &[(&str, &str, &str, Option<ContractKind>)] = &[
    ("COMPOSE_ENV_NO_DELETE", "breaking", "deploy/docker-compose.yml", None),
    ("COMPOSE_ENV_NO_DELETE", "ok", "deploy/docker-compose.yml", None),
    ("COMPOSE_ENV_NO_RENAME", "breaking", "compose.override.yml", None),
    ("COMPOSE_ENV_NO_RENAME", "ok", "compose.override.yml", None),
    ("CONFIG_KEY_ADDED", "breaking", "config/app.json", DECLARED),
    ("CONFIG_KEY_ADDED", "ok", "config/app.json", DECLARED),
    ("CONFIG_KEY_NO_DELETE", "breaking", "config/app.yaml", DECLARED),
    ("CONFIG_KEY_NO_DELETE", "ok", "config/app.yaml", DECLARED),
    ("CONFIG_KEY_SAME_TYPE", "breaking", "config/app.toml", DECLARED),
    ("CONFIG_KEY_SAME_TYPE", "ok", "config/app.toml", DECLARED),
    ("CONFIG_PARSE", "breaking", "config/app.yaml", DECLARED),
    ("CONFIG_PARSE", "breaking_binary", ".env.example", None),
    ("CONFIG_PARSE", "breaking_compose_shape", "docker-compose.yml", None),
    ("CONFIG_PARSE", "breaking_cyclic_schema", "schemas/settings.json", None),
    ("CONFIG_PARSE", "breaking_dangling_ref", "schemas/app.schema.json", None),
    ("CONFIG_PARSE", "breaking_env_line", "service.env.example", None),
    ("CONFIG_PARSE", "breaking_invalid_json", "schemas/app.schema.json", None),
    ("CONFIG_PARSE", "breaking_invalid_toml", "config/app.toml", DECLARED),
    ("CONFIG_PARSE", "ok", "config/app.yaml", DECLARED),
    ("ENV_KEY_NO_DELETE", "breaking", ".env.example", None),
    ("ENV_KEY_NO_DELETE", "ok", ".env.sample", None),
    ("ENV_KEY_NO_RENAME", "breaking", ".env.example", None),
    ("ENV_KEY_NO_RENAME", "ok", "api/.env.example", None),
    ("SCHEMA_ENUM_NO_NARROW", "breaking", "schemas/app.schema.json", None),
    ("SCHEMA_ENUM_NO_NARROW", "ok", "schemas/app.schema.json", None),
    ("SCHEMA_PROPERTY_NO_DELETE", "breaking", "schemas/app.schema.json", None),
    ("SCHEMA_PROPERTY_NO_DELETE", "ok", "schemas/app.schema.json", None),
    ("SCHEMA_PROPERTY_NO_NEWLY_REQUIRED", "breaking", "schemas/app.schema.json", None),
    ("SCHEMA_PROPERTY_NO_NEWLY_REQUIRED", "ok", "schemas/app.schema.json", None),
    // Claimed by its `$schema`, not its name.
    ("SCHEMA_PROPERTY_SAME_TYPE", "breaking", "settings.json", None),
    ("SCHEMA_PROPERTY_SAME_TYPE", "ok", "schemas/app.schema.json", None),
];

fn detector() -> &'static dyn Detector {
    tandem_analyze::config::detector().expect("the config detector exists")
}

/// Runs the detector on one fixture case: whether it claims the file, and its findings.
fn check(rule: &str, case: &str, path: &str, declared: Option<ContractKind>) -> (bool, Vec<Finding>) {
    let dir = support::fixtures("config").join(rule).join(case);
    let (prev, cur) = (support::side(&dir, "previous"), support::side(&dir, "current"));
    let claimed = detector().claims(path, declared, cur.as_deref().or(prev.as_deref()));
    let pair = FilePair { path, prev: prev.as_deref(), cur: cur.as_deref() };
    (claimed, detector().compare(&pair, &DetectOptions::default()))
}

#[test]
fn every_rule_fires_on_its_breaking_fixtures_only() {
    for &(rule, case, path, declared) in CASES {
        let (claimed, findings) = check(rule, case, path, declared);
        assert!(claimed, "{rule}/{case}: {path} is not claimed");
        support::assert_case("config", rule, case, &findings);
    }
}

#[test]
fn every_rule_has_a_breaking_and_an_ok_case_and_every_case_is_in_the_table() {
    let cases: Vec<(&str, &str)> = CASES.iter().map(|c| (c.0, c.1)).collect();
    support::assert_every_rule_has_cases(detector(), "config", &cases);
}

#[test]
fn undeclared_yaml_and_json_files_are_not_claimed() {
    let d = detector();
    assert!(!d.claims("config/app.yaml", None, Some(b"a: 1")));
    assert!(!d.claims("package.json", None, Some(b"{\"name\": \"x\"}")));
    assert!(!d.claims("data.json", None, Some(b"{\"$schema\": \"https://example.com/not-a-schema\"}")));
    assert!(d.claims("data.json", None, Some(b"{\"$schema\": \"http://json-schema.org/draft-07/schema#\"}")));
    assert!(d.claims("config/app.yaml", DECLARED, Some(b"a: 1")));
}

#[test]
fn a_deleted_file_loses_its_keys_and_an_added_one_reports_nothing() {
    let env = b"A_KEY=1\nB_KEY=2\n".as_slice();
    let deleted = FilePair { path: ".env.example", prev: Some(env), cur: None };
    let rules: Vec<String> =
        detector().compare(&deleted, &DetectOptions::default()).into_iter().map(|f| f.rule).collect();
    assert_eq!(rules, ["ENV_KEY_NO_DELETE", "ENV_KEY_NO_DELETE"]);
    let added = FilePair { path: ".env.example", prev: None, cur: Some(env) };
    assert!(detector().compare(&added, &DetectOptions::default()).is_empty());
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(prev in proptest::collection::vec(any::<u8>(), 0..200),
                                   cur in "[a-z{}\\[\\]:=\"$#/ \n-]{0,200}") {
        for (path, declared) in [("a.schema.json", None), (".env.example", None), ("docker-compose.yml", None),
                                 ("c.toml", DECLARED), ("c.json", DECLARED), ("c.yaml", DECLARED)] {
            let pair = FilePair { path, prev: Some(&prev), cur: Some(cur.as_bytes()) };
            let _ = detector().claims(path, declared, pair.cur);
            let _ = detector().compare(&pair, &DetectOptions::default());
        }
    }
}

/// Compares `cur` as a new file at `path` on a thread with the 2 MiB
/// stack of a tokio worker (the MCP server's), returning the CONFIG_PARSE findings.
fn parse_findings_on_small_stack(path: &'static str, cur: String) -> Vec<Finding> {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let pair = FilePair { path, prev: None, cur: Some(cur.as_bytes()) };
            detector().compare(&pair, &DetectOptions::default())
        })
        .expect("spawn")
        .join()
        .expect("the comparison does not crash")
        .into_iter()
        .filter(|f| f.rule == "CONFIG_PARSE")
        .collect()
}

#[test]
fn hostile_nesting_in_every_config_form_is_a_parse_finding_not_a_crash() {
    let cases: [(&'static str, String); 4] = [
        ("schemas/app.schema.json", format!("{}1{}", "{\"properties\": {\"a\": ".repeat(20_000), "}}".repeat(20_000))),
        ("config/app.yaml", format!("a: {}1{}", "[".repeat(20_000), "]".repeat(20_000))),
        ("config/app.toml", format!("a = {}1{}", "[".repeat(20_000), "]".repeat(20_000))),
        ("docker-compose.yml", (0..3_000).map(|i| format!("{}k:\n", " ".repeat(i))).collect()),
    ];
    for (path, cur) in cases {
        let f = parse_findings_on_small_stack(path, cur);
        assert!(!f.is_empty(), "{path}: no CONFIG_PARSE finding");
        assert!(f.iter().all(|f| f.line >= 1 && f.message.contains("current revision")), "{path}: {f:?}");
    }
}

#[test]
fn a_yaml_alias_bomb_in_a_compose_file_is_a_parse_finding() {
    let mut cur = String::from("x-a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n");
    for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h"].iter().zip(["b", "c", "d", "e", "f", "g", "h", "i"]) {
        let items = vec![format!("*{prev}"); 10].join(", ");
        cur.push_str(&format!("x-{name}: &{name} [{items}]\n"));
    }
    let f = parse_findings_on_small_stack("docker-compose.yml", cur);
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(f[0].message.contains("aliases expand to more than 1000000 nodes"), "{}", f[0].message);
}

#[test]
fn compose_variables_merged_from_an_anchor_are_compared() {
    let prev = "x-env: &env\n  DB_URL: postgres://db\n  DEBUG: '1'\nservices:\n  api:\n    environment:\n      <<: *env\n      PORT: '80'\n";
    let cur = prev.replace("  DEBUG: '1'\n", "");
    let pair = FilePair { path: "docker-compose.yml", prev: Some(prev.as_bytes()), cur: Some(cur.as_bytes()) };
    let f = detector().compare(&pair, &DetectOptions::default());
    assert_eq!(
        f.iter().map(|f| (f.rule.as_str(), f.line)).collect::<Vec<_>>(),
        [("COMPOSE_ENV_NO_DELETE", 4)],
        "{f:?}"
    );
}
