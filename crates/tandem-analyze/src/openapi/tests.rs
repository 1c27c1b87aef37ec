//! The OpenAPI detector's tests: one fixture table for every rule (a breaking and an ok case
//! each, the breaking findings snapshotted), and malformed inputs that must give findings, not
//! panics.

use super::rules::ALL;
use crate::detect::{DetectOptions, Detector, FilePair};
use std::path::{Path, PathBuf};
use tandem_model::{ContractKind, Finding, Severity};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/openapi")
}

fn detector() -> &'static dyn Detector {
    super::detector().expect("the OpenAPI detector exists")
}

/// The single place that drives the detector: compares two revisions of `path`.
fn check(path: &str, prev: Option<&[u8]>, cur: Option<&[u8]>) -> Vec<Finding> {
    detector().compare(&FilePair { path, prev, cur }, &DetectOptions::default())
}

fn render(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| format!("{}:{}:{}: {} {}: {}\n", f.path, f.line, f.column, f.severity.as_str(), f.rule, f.message))
        .collect()
}

/// Reads `<dir>/previous.<ext>` and `<dir>/current.<ext>` (yaml or json).
fn read_case(dir: &Path) -> (String, Vec<u8>, Vec<u8>) {
    for ext in ["yaml", "json"] {
        let prev = dir.join(format!("previous.{ext}"));
        if prev.exists() {
            let read = |p: PathBuf| std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            return (format!("api/openapi.{ext}"), read(prev), read(dir.join(format!("current.{ext}"))));
        }
    }
    panic!("no previous.yaml or previous.json in {}", dir.display());
}

#[test]
fn every_rule_fires_on_its_breaking_fixture_and_not_on_its_ok_fixture() {
    for rule in ALL {
        let id = rule.info.id;
        for case in ["breaking", "ok"] {
            let dir = fixtures().join(id).join(case);
            let (path, prev, cur) = read_case(&dir);
            assert!(detector().claims(&path, None, Some(&prev)), "{id}/{case}: previous not recognised as OpenAPI");
            let all = check(&path, Some(&prev), Some(&cur));
            let mine: Vec<Finding> = all.iter().filter(|f| f.rule == id).cloned().collect();
            if case == "breaking" {
                assert!(!mine.is_empty(), "{id} did not fire on its breaking fixture; got:\n{}", render(&all));
                insta::assert_snapshot!(id, render(&mine));
            } else {
                assert!(mine.is_empty(), "{id} fired on its ok fixture:\n{}", render(&mine));
            }
        }
    }
}

#[test]
fn rule_ids_are_unique_and_documented() {
    let mut ids: Vec<&str> = ALL.iter().map(|r| r.info.id).collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n);
    assert_eq!(detector().rules().len(), n);
    assert!(ALL.iter().all(|r| r.info.kind == "openapi" && !r.info.summary.is_empty() && !r.info.why.is_empty()));
}

const MINIMAL: &str = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200': {description: ok}\n";

#[test]
fn files_are_claimed_by_declaration_or_by_an_openapi_3_key() {
    let d = detector();
    assert!(d.claims("api.yaml", None, Some(MINIMAL.as_bytes())));
    assert!(d.claims("api.json", None, Some(br#"{"info": {}, "openapi" : "3.0.1"}"#)));
    assert!(!d.claims("api.yaml", None, Some(b"swagger: '2.0'\n")));
    assert!(!d.claims("ci.yml", None, Some(b"jobs:\n  openapi: 3.0\n")));
    assert!(!d.claims("api.txt", None, Some(MINIMAL.as_bytes())));
    assert!(d.claims("spec/anything", Some(ContractKind::Openapi), None));
    assert!(!d.claims("api.yaml", Some(ContractKind::Config), Some(MINIMAL.as_bytes())));
}

#[test]
fn invalid_yaml_is_a_breaking_parse_finding_at_its_line() {
    let cur = format!("{MINIMAL}  /b:\n    get: [unclosed\n");
    let f = check("api.yaml", Some(MINIMAL.as_bytes()), Some(cur.as_bytes()));
    assert_eq!(f.len(), 1, "{}", render(&f));
    assert_eq!((f[0].rule.as_str(), f[0].severity), ("OPENAPI_PARSE", Severity::Breaking));
    assert!(f[0].line >= 8, "{}", render(&f));
}

#[test]
fn invalid_json_is_a_parse_finding_naming_json() {
    let prev = br#"{"openapi": "3.0.0", "paths": {}}"#;
    let f = check("api.json", Some(prev), Some(br#"{"openapi": "3.0.0", "paths": {"#));
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].rule, "OPENAPI_PARSE");
    assert!(f[0].message.contains("invalid JSON"), "{}", f[0].message);
}

#[test]
fn an_unparsable_previous_revision_is_a_warning_and_nothing_is_compared() {
    let f = check("api.yaml", Some(b"openapi: [\n"), Some(MINIMAL.as_bytes()));
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].rule.as_str(), f[0].severity), ("OPENAPI_PARSE", Severity::Warning));
}

#[test]
fn a_document_that_is_not_openapi_3_is_reported() {
    let f = check("api.yaml", Some(MINIMAL.as_bytes()), Some(b"swagger: '2.0'\npaths: {}\n"));
    assert_eq!(f.len(), 1);
    assert!(f[0].message.contains("version 2.0"), "{}", f[0].message);
}

#[test]
fn a_dangling_ref_is_reported_at_its_line_and_the_rest_is_compared() {
    let prev = "openapi: 3.0.0\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema:\n                $ref: '#/components/schemas/A'\n  /b:\n    get:\n      responses: {}\ncomponents:\n  schemas:\n    A: {type: object, properties: {x: {type: string}}}\n";
    let cur = prev
        .replace("'#/components/schemas/A'", "'#/components/schemas/Missing'")
        .replace("  /b:\n    get:\n      responses: {}\n", "");
    let f = check("api.yaml", Some(prev.as_bytes()), Some(cur.as_bytes()));
    let rules: Vec<&str> = f.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(rules, ["PATH_NO_DELETE", "OPENAPI_PARSE"], "{}", render(&f));
    let parse = &f[1];
    assert_eq!(parse.line, 11, "{}", render(&f));
    assert!(parse.message.contains("#/components/schemas/Missing"), "{}", parse.message);
}

#[test]
fn a_ref_cycle_without_a_schema_is_reported_and_does_not_hang() {
    let doc = "openapi: 3.0.0\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/A'}\ncomponents:\n  schemas:\n    A: {$ref: '#/components/schemas/B'}\n    B: {$ref: '#/components/schemas/A'}\n";
    let f = check("api.yaml", Some(doc.as_bytes()), Some(doc.replace("ok", "fine").as_bytes()));
    assert_eq!(f.len(), 3, "{}", render(&f));
    assert!(f.iter().all(|f| f.rule == "OPENAPI_PARSE" && f.message.contains("cycle")), "{}", render(&f));
}

#[test]
fn a_recursive_schema_is_compared_without_endless_recursion() {
    let prev = "openapi: 3.0.0\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/A'}\ncomponents:\n  schemas:\n    A:\n      type: object\n      properties:\n        b: {$ref: '#/components/schemas/B'}\n        name: {type: string}\n    B:\n      type: object\n      properties:\n        a: {$ref: '#/components/schemas/A'}\n        n: {type: integer}\n";
    let cur = prev.replace("n: {type: integer}", "n: {type: string}");
    let f = check("api.yaml", Some(prev.as_bytes()), Some(cur.as_bytes()));
    assert_eq!(render(&f), "api.yaml:22:1: breaking RESPONSE_PROPERTY_SAME_TYPE: Type of property \"n\" of schema \"B\" (in the 200 response of \"GET /a\") changed from \"integer\" to \"string\".\n");
}

#[test]
fn path_parameter_names_do_not_pair_operations_differently() {
    let prev = "openapi: 3.0.0\npaths:\n  /u/{id}:\n    get:\n      parameters:\n        - {name: id, in: path, required: true, schema: {type: string}}\n      responses: {'200': {description: ok}}\n";
    let cur = prev.replace("{id}", "{userId}").replace("name: id", "name: userId");
    assert_eq!(check("api.yaml", Some(prev.as_bytes()), Some(cur.as_bytes())), vec![]);
}

#[test]
fn a_deleted_file_deletes_its_paths_and_a_new_one_adds_its_operations() {
    let gone = check("api.yaml", Some(MINIMAL.as_bytes()), None);
    assert_eq!(gone.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(), ["PATH_NO_DELETE"]);
    let new = check("api.yaml", None, Some(MINIMAL.as_bytes()));
    assert_eq!(new.iter().map(|f| (f.rule.as_str(), f.line)).collect::<Vec<_>>(), [("OPERATION_ADDED", 5)]);
}

#[test]
fn security_added_where_there_was_none_is_tightening() {
    let cur = MINIMAL.replace("paths:", "security:\n  - bearer: []\npaths:");
    let f = check("api.yaml", Some(MINIMAL.as_bytes()), Some(cur.as_bytes()));
    assert_eq!(f.len(), 1, "{}", render(&f));
    assert_eq!(
        f[0].message,
        "Security of \"GET /a\" was tightened: clients using no authentication now need \"bearer\"."
    );
}

#[test]
fn removing_an_error_status_is_only_a_warning() {
    let prev =
        MINIMAL.replace("'200': {description: ok}", "'200': {description: ok}\n        '404': {description: no}");
    let f = check("api.yaml", Some(prev.as_bytes()), Some(MINIMAL.as_bytes()));
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].rule.as_str(), f[0].severity), ("RESPONSE_STATUS_NO_DELETE", Severity::Warning));
}

#[test]
fn nullable_and_type_arrays_compare_by_direction() {
    let doc = |t: &str| {
        format!("openapi: 3.1.0\npaths:\n  /a:\n    post:\n      requestBody:\n        content:\n          application/json:\n            schema: {{type: object, properties: {{x: {{type: {t}}}}}}}\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{type: object, properties: {{x: {{type: {t}}}}}}}\n")
    };
    // Adding null widens a request (fine) and widens a response (clients get nulls).
    let f = check("api.yaml", Some(doc("string").as_bytes()), Some(doc("[string, 'null']").as_bytes()));
    assert_eq!(
        f.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(),
        ["RESPONSE_PROPERTY_SAME_TYPE"],
        "{}",
        render(&f)
    );
    // Dropping null narrows a request (clients sending null are rejected), not a response.
    let f = check("api.yaml", Some(doc("[string, 'null']").as_bytes()), Some(doc("string").as_bytes()));
    assert_eq!(f.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(), ["REQUEST_PROPERTY_SAME_TYPE"], "{}", render(&f));
}

#[test]
fn garbage_and_odd_shapes_never_panic() {
    let inputs: &[&[u8]] = &[
        b"",
        b"\xff\xfe\x00garbage",
        b"openapi: 3.0.0\npaths: 7\n",
        b"openapi: 3.0.0\npaths:\n  /a: [1, 2]\n  /b:\n    get: null\n    post: {parameters: 5, requestBody: [], responses: {200: 1}}\n",
        b"openapi: 3.0.0\npaths:\n  /a:\n    get:\n      parameters: [{name: x, in: nowhere}, {$ref: '#/nope'}, 3]\n      security: {a: 1}\n      responses: {'200': {content: {application/json: {schema: {allOf: 3, oneOf: [1], properties: [], required: 5, enum: 1, items: 2}}}}}\n",
        b"openapi: 3.0.0\nx: &a [*a]\n",
        b"openapi: 3.0.0\npaths: {'/{': {get: {parameters: [{name: '{', in: path}]}}}}\n",
        b"openapi: !!binary aGVsbG8=\n",
        b"[1, 2, 3]",
        b"openapi: 3.0.0\ncomponents: {schemas: {A: {$ref: '#/components/schemas/A'}}}\npaths: {/a: {get: {responses: {'200': {content: {a/b: {schema: {$ref: '#/components/schemas/A%'}}}}}}}}\n",
    ];
    for a in inputs {
        for b in inputs {
            for path in ["api.yaml", "api.json"] {
                let _ = check(path, Some(a), Some(b));
            }
        }
    }
}

/// A document of about `bytes` bytes: many operations sharing component schemas.
fn big_spec(bytes: usize, variant: bool) -> String {
    let mut s = String::from("openapi: 3.0.3\ninfo:\n  title: big\n  version: '1'\npaths:\n");
    let mut i = 0;
    while s.len() < bytes {
        let status = if variant && i == 500 { "201" } else { "200" };
        s.push_str(&format!(
            "  /items{i}/{{id}}:\n    get:\n      parameters:\n        - name: id\n          in: path\n          required: true\n          schema:\n            type: string\n        - name: limit\n          in: query\n          schema:\n            type: integer\n      responses:\n        '{status}':\n          description: ok\n          content:\n            application/json:\n              schema:\n                $ref: '#/components/schemas/Item{}'\n    post:\n      requestBody:\n        required: true\n        content:\n          application/json:\n            schema:\n              $ref: '#/components/schemas/Item{}'\n      responses:\n        '201':\n          description: created\n",
            i % 50,
            i % 50
        ));
        i += 1;
    }
    s.push_str("components:\n  schemas:\n");
    for j in 0..50 {
        let extra = if variant && j == 7 { "" } else { "        note:\n          type: string\n" };
        s.push_str(&format!("    Item{j}:\n      type: object\n      required: [id]\n      properties:\n        id:\n          type: string\n        next:\n          $ref: '#/components/schemas/Item{}'\n{extra}        tags:\n          type: array\n          items:\n            type: string\n            enum: [a, b, c]\n", (j + 1) % 50));
    }
    s
}

#[test]
fn two_megabyte_specs_are_compared() {
    let prev = big_spec(2 << 20, false);
    let cur = big_spec(2 << 20, true);
    assert!(prev.len() >= 2 << 20);
    let start = std::time::Instant::now();
    let f = check("big.yaml", Some(prev.as_bytes()), Some(cur.as_bytes()));
    let took = start.elapsed();
    assert!(f.iter().any(|f| f.rule == "RESPONSE_STATUS_NO_DELETE" && f.line > 1), "{}", render(&f));
    assert!(f.iter().any(|f| f.rule == "RESPONSE_PROPERTY_NO_DELETE"), "{}", render(&f));
    assert!(f.iter().all(|f| f.rule != "OPENAPI_PARSE"));
    // `cargo test --release -p tandem-analyze two_megabyte -- --nocapture` prints the figure.
    eprintln!("2 MB vs 2 MB: {} findings in {took:?}", f.len());
}

#[test]
fn fields_of_the_wrong_kind_are_parse_findings_naming_the_field_and_its_line() {
    let cur = "openapi: 3.0.0\ninfo: 5\npaths: [1, 2, 3]\n";
    let f = check("api.yaml", Some(MINIMAL.as_bytes()), Some(cur.as_bytes()));
    let parse: Vec<(u32, &str)> =
        f.iter().filter(|f| f.rule == "OPENAPI_PARSE").map(|f| (f.line, f.message.as_str())).collect();
    assert_eq!(
        parse,
        [
            (2, "`info` is a number, not a mapping; it was not compared."),
            (3, "`paths` is a sequence, not a mapping; it was not compared."),
        ],
        "{}",
        render(&f)
    );
    assert!(f.iter().all(|f| f.rule != "OPENAPI_PARSE" || f.severity == Severity::Breaking));
}

#[test]
fn operations_parameters_and_responses_of_the_wrong_kind_are_reported_where_they_are() {
    let cur = "openapi: 3.0.0\npaths:\n  /a:\n    get: fetch\n  /b:\n    post:\n      parameters: 5\n      responses:\n        '200': ok\ncomponents:\n  schemas: []\n";
    let f = check("api.yaml", None, Some(cur.as_bytes()));
    let parse: Vec<(u32, &str)> =
        f.iter().filter(|f| f.rule == "OPENAPI_PARSE").map(|f| (f.line, f.message.as_str())).collect();
    assert_eq!(
        parse,
        [
            (4, "`paths.\"/a\".get` is a string, not a mapping; it was not compared."),
            (7, "`paths.\"/b\".post.parameters` is a number, not a sequence of mappings; it was not compared."),
            (9, "`paths.\"/b\".post.responses.\"200\"` is a string, not a mapping; it was not compared."),
            (11, "`components.\"schemas\"` is a sequence, not a mapping; it was not compared."),
        ],
        "{}",
        render(&f)
    );
}

/// Compares on a thread with the 2 MiB stack of a tokio worker (the MCP server's).
fn check_on_small_stack(path: &'static str, cur: Vec<u8>) -> Vec<Finding> {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || check(path, None, Some(&cur)))
        .expect("spawn")
        .join()
        .expect("the comparison does not crash")
}

#[test]
fn hostile_nesting_is_a_parse_finding_at_its_line_not_a_stack_overflow() {
    let deep_schema = format!(
        "{MINIMAL}components:\n  schemas:\n    A: {}1{}\n",
        "{properties: {a: ".repeat(20_000),
        "}}".repeat(20_000)
    );
    let block: String = (0..3_000).map(|i| format!("{}k{i}:\n", " ".repeat(i + 1))).collect();
    let cases: [(&'static str, Vec<u8>); 3] = [
        ("api.yaml", deep_schema.into_bytes()),
        ("api.yaml", format!("{MINIMAL}x:\n{block}").into_bytes()),
        (
            "api.json",
            format!("{{\"openapi\": \"3.0.0\", \"x\": {}1{}}}", "[".repeat(50_000), "]".repeat(50_000)).into_bytes(),
        ),
    ];
    for (path, cur) in cases {
        let f = check_on_small_stack(path, cur);
        assert_eq!(f.len(), 1, "{}", render(&f));
        assert_eq!((f[0].rule.as_str(), f[0].severity), ("OPENAPI_PARSE", Severity::Breaking));
        assert!(f[0].message.contains("nest") || f[0].message.contains("recursion limit"), "{}", render(&f));
    }
}

#[test]
fn an_alias_bomb_is_a_parse_finding() {
    let mut cur = format!("{MINIMAL}x:\n  a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n");
    for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h"].iter().zip(["b", "c", "d", "e", "f", "g", "h", "i"]) {
        cur.push_str(&format!("  {name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
    }
    let f = check_on_small_stack("api.yaml", cur.into_bytes());
    assert_eq!(f.len(), 1, "{}", render(&f));
    assert!(f[0].message.contains("aliases expand to more than"), "{}", render(&f));
}

#[test]
fn a_file_over_64_mib_is_a_parse_finding_naming_the_limit() {
    let mut cur = MINIMAL.as_bytes().to_vec();
    cur.resize(crate::yaml::MAX_BYTES + 1, b'#');
    let f = check("api.yaml", Some(MINIMAL.as_bytes()), Some(&cur));
    assert_eq!(f.len(), 1, "{}", render(&f));
    assert!(f[0].message.contains("more than the 67108864 bytes (64 MiB) read"), "{}", f[0].message);
}

#[test]
fn yaml_that_the_old_reader_misread_is_read_as_yaml() {
    let doc = |schema: &str| {
        MINIMAL.replace(
            "'200': {description: ok}",
            &format!("'200':\n          description: ok\n          content:\n            application/json:\n              schema:\n{schema}"),
        )
    };
    let prev = doc("                type: string\n                enum: [a, b]\n");
    // A tab before `#` starts a comment; a tab separates flow items.
    let same = doc("                type: string\n                enum: [a,\tb]\t# the values\n");
    assert_eq!(render(&check("api.yaml", Some(prev.as_bytes()), Some(same.as_bytes()))), "");
    let added = doc("                type: string\n                enum:\n                  - a\t# first\n                  - b\t# second\n                  - c\n");
    let f = check("api.yaml", Some(prev.as_bytes()), Some(added.as_bytes()));
    assert_eq!(f.len(), 1, "{}", render(&f));
    assert!(f[0].message.starts_with("Value \"c\" was added"), "{}", render(&f));
}

#[test]
fn json_indented_with_tabs_is_compared_with_lines() {
    let doc = |status: &str| {
        format!("{{\n\t\"openapi\": \"3.0.0\",\n\t\"paths\": {{\n\t\t\"/a\": {{\n\t\t\t\"get\": {{\n\t\t\t\t\"responses\": {{\n\t\t\t\t\t\"{status}\": {{\"description\": \"ok\"}}\n\t\t\t\t}}\n\t\t\t}}\n\t\t}}\n\t}}\n}}\n")
    };
    let f = check("api.json", Some(doc("200").as_bytes()), Some(doc("201").as_bytes()));
    assert_eq!(
        f.iter().map(|f| (f.rule.as_str(), f.line)).collect::<Vec<_>>(),
        [("RESPONSE_STATUS_NO_DELETE", 6)],
        "{}",
        render(&f)
    );
}

#[test]
fn schemas_that_fan_out_through_refs_are_compared_in_bounded_time() {
    let refs = |to: &str| vec![format!("{{$ref: '#/components/schemas/{to}'}}"); 12].join(", ");
    let mut doc = String::from("openapi: 3.0.0\npaths:\n  /a:\n    post:\n      requestBody:\n        content:\n          application/json:\n            schema: {$ref: '#/components/schemas/S0'}\n      responses: {'200': {description: ok}}\ncomponents:\n  schemas:\n");
    for i in 0..20 {
        doc.push_str(&format!(
            "    S{i}: {{oneOf: [{}], allOf: [{}]}}\n",
            refs(&format!("S{}", i + 1)),
            refs(&format!("S{}", i + 1))
        ));
    }
    doc.push_str(
        "    S20: {oneOf: [{$ref: '#/components/schemas/S0'}], type: object, properties: {x: {type: string}}}\n",
    );
    let cur = doc.replace("x: {type: string}", "x: {type: integer}");
    let start = std::time::Instant::now();
    let f = check("api.yaml", Some(doc.as_bytes()), Some(cur.as_bytes()));
    assert!(start.elapsed() < std::time::Duration::from_secs(5), "took {:?}", start.elapsed());
    assert!(f.iter().all(|f| f.rule != "OPENAPI_PARSE"), "{}", render(&f));
}
