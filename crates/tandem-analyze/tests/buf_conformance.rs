//! Conformance with the real `buf breaking`, one test per fixture case
//! (`tests/fixtures/protobuf/<RULE_ID>/<case>/{previous,current}`, plus `_categories` and
//! `_malformed`). For each case:
//! - tandem reports the set of (rule ID, file, line, column, message) that buf 1.75 recorded in
//!   `expected.json` (`scripts/record-buf-fixtures.sh`);
//! - the real buf, run live on the case, still prints its recording — so a buf upgrade that
//!   changes a verdict fails here, naming the case;
//! - tandem's findings are snapshotted (`fixtures/protobuf/snapshots`, "(no findings)" when
//!   empty; `cargo insta review`).
//!
//! The tests are a list written out in this file (checked against the directories by
//! `every_fixture_case_has_a_test`) rather than `insta::glob!`: each case is its own test, so
//! one failure hides no other and `cargo test FIELD` picks cases, with no build script. buf
//! runs once per case on a pool of threads, shared by the tests, since each run is ~150 ms of
//! mostly waiting.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use tandem_analyze::protobuf::{compare, Options, Outcome};
use tandem_analyze::source::DirSource;

/// The buf release the recordings come from (installed by `scripts/setup.sh`).
const BUF_VERSION: &str = "1.75.0";

macro_rules! cases {
    ($($module:ident / $dir:literal : [$($case:ident),* $(,)?];)*) => {
        const CASES: &[&str] = &[$($(concat!($dir, "/", stringify!($case)),)*)*];
        $(
            mod $module {
                $(
                    #[test]
                    fn $case() {
                        super::check_case(concat!($dir, "/", stringify!($case)));
                    }
                )*
            }
        )*
    };
}

cases! {
    enum_no_delete / "ENUM_NO_DELETE": [breaking, breaking_nested, ok];
    enum_same_json_format / "ENUM_SAME_JSON_FORMAT": [breaking, breaking_file_feature, ok, ok_legacy_to_allow];
    enum_same_type / "ENUM_SAME_TYPE": [breaking, breaking_closed_to_open, breaking_nested, breaking_syntax, ok];
    enum_value_no_delete / "ENUM_VALUE_NO_DELETE": [breaking, breaking_reserved_nested, ok];
    enum_value_no_delete_unless_name_reserved / "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED": [breaking, breaking_alias_names, ok];
    enum_value_no_delete_unless_number_reserved / "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED": [breaking, ok];
    enum_value_same_name / "ENUM_VALUE_SAME_NAME": [breaking, breaking_alias_removed, bufsuite_breaking_aliases_renamed, ok];
    extension_message_no_delete / "EXTENSION_MESSAGE_NO_DELETE": [breaking, breaking_range_to_max, breaking_shrunk, ok, ok_split];
    extension_no_delete / "EXTENSION_NO_DELETE": [breaking, breaking_block, bufsuite_breaking_nested, ok];
    field_no_delete / "FIELD_NO_DELETE": [breaking, breaking_map, breaking_nested_oneof, breaking_reserved, ok];
    field_no_delete_unless_name_reserved / "FIELD_NO_DELETE_UNLESS_NAME_RESERVED": [breaking, ok];
    field_no_delete_unless_number_reserved / "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED": [breaking, ok, ok_range];
    field_same_cardinality / "FIELD_SAME_CARDINALITY": [breaking, breaking_map_to_repeated, breaking_multiline, breaking_proto2_required, breaking_proto3_optional, ok];
    field_same_cpp_string_type / "FIELD_SAME_CPP_STRING_TYPE": [breaking, breaking_editions, breaking_removed_editions, breaking_vendored_cpp_features, ok, ok_editions];
    field_same_default / "FIELD_SAME_DEFAULT": [breaking, breaking_added, breaking_enum_string, breaking_removed, breaking_string_escapes, breaking_type_changed, breaking_value_formats, ok];
    field_same_java_utf8_validation / "FIELD_SAME_JAVA_UTF8_VALIDATION": [breaking, breaking_editions, breaking_map_field_features, ok, ok_proto3];
    field_same_json_name / "FIELD_SAME_JSON_NAME": [breaking, breaking_removed, breaking_renamed, bufsuite_breaking_added_among_options, ok];
    field_same_jstype / "FIELD_SAME_JSTYPE": [breaking, breaking_changed, breaking_removed, ok];
    field_same_name / "FIELD_SAME_NAME": [breaking, breaking_crlf, breaking_oneof_member, bufsuite_breaking_extension_moved, ok];
    field_same_oneof / "FIELD_SAME_ONEOF": [breaking, breaking_into_oneof, breaking_oneof_renamed, ok];
    field_same_type / "FIELD_SAME_TYPE": [breaking, breaking_enum_and_group, breaking_extension, breaking_map, breaking_message_type, breaking_proto2_labelled, breaking_tabs, breaking_utf8_column, breaking_wire_compatible, ok];
    field_same_utf8_validation / "FIELD_SAME_UTF8_VALIDATION": [breaking, breaking_map_field_features, breaking_syntax, ok, ok_map_field_feature_kept];
    field_wire_compatible_cardinality / "FIELD_WIRE_COMPATIBLE_CARDINALITY": [breaking, breaking_required, bufsuite_breaking_length_delimited, ok];
    field_wire_compatible_type / "FIELD_WIRE_COMPATIBLE_TYPE": [breaking, breaking_bytes_to_string, breaking_enum_renumbered, breaking_enum_to_int32, breaking_message, breaking_sint, ok, ok_enum_moved_superset];
    field_wire_json_compatible_cardinality / "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY": [breaking, breaking_map, ok];
    field_wire_json_compatible_type / "FIELD_WIRE_JSON_COMPATIBLE_TYPE": [breaking, breaking_enum, breaking_enum_renumbered, breaking_int, breaking_string_and_bytes, ok, ok_enum_moved_superset];
    file_no_delete / "FILE_NO_DELETE": [breaking, breaking_renamed, breaking_wkt_import_dropped, breaking_wkt_still_imported, ok];
    file_same_cc_enable_arenas / "FILE_SAME_CC_ENABLE_ARENAS": [breaking, breaking_removed, ok];
    file_same_cc_generic_services / "FILE_SAME_CC_GENERIC_SERVICES": [breaking, breaking_removed, ok];
    file_same_csharp_namespace / "FILE_SAME_CSHARP_NAMESPACE": [breaking, breaking_removed, ok];
    file_same_go_package / "FILE_SAME_GO_PACKAGE": [breaking, breaking_added, breaking_removed, ok];
    file_same_java_generic_services / "FILE_SAME_JAVA_GENERIC_SERVICES": [breaking, breaking_removed, ok];
    file_same_java_multiple_files / "FILE_SAME_JAVA_MULTIPLE_FILES": [breaking, breaking_removed, ok];
    file_same_java_outer_classname / "FILE_SAME_JAVA_OUTER_CLASSNAME": [breaking, breaking_removed, ok];
    file_same_java_package / "FILE_SAME_JAVA_PACKAGE": [breaking, breaking_removed, ok];
    file_same_objc_class_prefix / "FILE_SAME_OBJC_CLASS_PREFIX": [breaking, breaking_removed, ok];
    file_same_optimize_for / "FILE_SAME_OPTIMIZE_FOR": [breaking, breaking_removed, ok];
    file_same_package / "FILE_SAME_PACKAGE": [breaking, breaking_two_files, bufsuite_breaking_roots_moved, ok];
    file_same_php_class_prefix / "FILE_SAME_PHP_CLASS_PREFIX": [breaking, breaking_removed, ok];
    file_same_php_metadata_namespace / "FILE_SAME_PHP_METADATA_NAMESPACE": [breaking, breaking_removed, ok];
    file_same_php_namespace / "FILE_SAME_PHP_NAMESPACE": [breaking, breaking_removed, ok];
    file_same_py_generic_services / "FILE_SAME_PY_GENERIC_SERVICES": [breaking, breaking_removed, ok];
    file_same_ruby_package / "FILE_SAME_RUBY_PACKAGE": [breaking, breaking_removed, ok];
    file_same_swift_prefix / "FILE_SAME_SWIFT_PREFIX": [breaking, breaking_removed, ok];
    file_same_syntax / "FILE_SAME_SYNTAX": [breaking, breaking_editions, ok];
    message_no_delete / "MESSAGE_NO_DELETE": [breaking, breaking_license_header, breaking_moved_file, breaking_nested, breaking_parent_with_nested, bufsuite_breaking_grandparent, ok];
    message_no_remove_standard_descriptor_accessor / "MESSAGE_NO_REMOVE_STANDARD_DESCRIPTOR_ACCESSOR": [breaking, ok, ok_removed];
    message_same_json_format / "MESSAGE_SAME_JSON_FORMAT": [breaking, ok, ok_legacy_to_allow];
    message_same_required_fields / "MESSAGE_SAME_REQUIRED_FIELDS": [breaking, breaking_removed, ok, ok_editions_legacy_required, ok_existing_becomes_required];
    oneof_no_delete / "ONEOF_NO_DELETE": [breaking, ok];
    package_enum_no_delete / "PACKAGE_ENUM_NO_DELETE": [breaking, breaking_nested, bufsuite_breaking_file_deleted, ok, ok_last_enum_in_package];
    package_extension_no_delete / "PACKAGE_EXTENSION_NO_DELETE": [breaking, bufsuite_breaking_nested, ok, ok_last_extension_in_package];
    package_message_no_delete / "PACKAGE_MESSAGE_NO_DELETE": [breaking, breaking_file_deleted, breaking_nested, bufsuite_breaking_parent_moved, ok, ok_last_message_in_package];
    package_no_delete / "PACKAGE_NO_DELETE": [breaking, breaking_renamed, ok];
    package_service_no_delete / "PACKAGE_SERVICE_NO_DELETE": [breaking, breaking_file_deleted, ok];
    reserved_enum_no_delete / "RESERVED_ENUM_NO_DELETE": [breaking, breaking_gaps, breaking_name, breaking_range_to_max, ok];
    reserved_message_no_delete / "RESERVED_MESSAGE_NO_DELETE": [breaking, breaking_name, breaking_range_to_max, ok];
    rpc_no_delete / "RPC_NO_DELETE": [breaking, ok];
    rpc_same_client_streaming / "RPC_SAME_CLIENT_STREAMING": [breaking, breaking_removed, ok];
    rpc_same_idempotency_level / "RPC_SAME_IDEMPOTENCY_LEVEL": [breaking, breaking_added, breaking_removed, ok];
    rpc_same_request_type / "RPC_SAME_REQUEST_TYPE": [breaking, breaking_streaming, ok];
    rpc_same_response_type / "RPC_SAME_RESPONSE_TYPE": [breaking, breaking_streaming, ok];
    rpc_same_server_streaming / "RPC_SAME_SERVER_STREAMING": [breaking, ok];
    service_no_delete / "SERVICE_NO_DELETE": [breaking, breaking_moved_file, ok];
    categories / "_categories": [breaking_editions_2024_option_import, breaking_file, breaking_file_deleted, breaking_nested_words, breaking_no_buf_yaml, breaking_package, breaking_v1_except_ignore, breaking_v1_ignore_only, breaking_v1beta1, breaking_v2_default, breaking_wire, breaking_wire_json, bufsuite_breaking_v1_field_same_label, editions_2023_to_2024, editions_2024_visibility, editions_file_features, editions_proto2_to_2023_defaults, editions_proto2_to_2023_same, editions_proto3_to_2023_changes, editions_proto3_to_2023_same, editions_wire_and_defaults, ok_wire_compatible];
    malformed / "_malformed": [bufsuite_several_errors, bufsuite_several_syntax_errors, duplicate_field_number, editions_2023_option_import, editions_2024_ctype, editions_bad_feature_value, editions_closed_enum_implicit, editions_feature_target, editions_features_in_proto3, editions_group, editions_open_enum_not_zero, editions_option_import_type, editions_optional_label, editions_repeated_presence, editions_unknown_edition, editions_unknown_type, import_parent_dir, missing_import, not_utf8, previous_does_not_compile, syntax_error, syntax_errors_then_undefined_names];
}

/// Errors buf's compiler lists that tandem does not: (case, line). None left: after syntax
/// errors tandem compiles the rest of the file again for undefined names (`syntax_error` line
/// 26), and after an unknown edition it lists the fields without a label as buf does
/// (`editions_unknown_edition` line 6). (On one statement buf may report two errors where protox
/// reports one, `bufsuite_several_syntax_errors` line 11: compared by line, that is no gap.)
const COMPILER_GAPS: &[(&str, u32)] = &[];

/// (rule ID, file, line, column, message): buf's words are part of the verdict.
type Key = (String, String, u32, u32, String);

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/protobuf")
}

/// Every case directory (`<group>/<case>`), as found on disk.
fn case_dirs() -> Vec<String> {
    let mut out = Vec::new();
    for group in std::fs::read_dir(fixtures()).unwrap().flatten() {
        let name = group.file_name().to_string_lossy().into_owned();
        if !group.path().is_dir() || name == "snapshots" {
            continue;
        }
        for case in std::fs::read_dir(group.path()).unwrap().flatten() {
            if case.path().join("current").is_dir() {
                out.push(format!("{name}/{}", case.file_name().to_string_lossy()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_fixture_case_has_a_test() {
    let listed: BTreeSet<&str> = CASES.iter().copied().collect();
    let on_disk = case_dirs();
    let missing: Vec<&String> = on_disk.iter().filter(|c| !listed.contains(c.as_str())).collect();
    assert!(missing.is_empty(), "fixture cases without a test (add them to `cases!`): {missing:?}");
    let stale: Vec<&&str> = listed.iter().filter(|c| !on_disk.iter().any(|d| d == **c)).collect();
    assert!(stale.is_empty(), "tests without a fixture case: {stale:?}");
    assert!(CASES.len() >= 128, "expected at least two cases per rule, found {}", CASES.len());
}

fn strip(p: &str) -> String {
    p.strip_prefix("current/").or_else(|| p.strip_prefix("previous/")).unwrap_or(p).to_string()
}

/// buf's JSON lines.
fn parse_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn keys(lines: &[serde_json::Value]) -> BTreeSet<Key> {
    lines
        .iter()
        .map(|v| {
            (
                v["type"].as_str().unwrap_or("").to_string(),
                strip(v["path"].as_str().unwrap_or("")),
                v["start_line"].as_u64().unwrap_or(0) as u32,
                v["start_column"].as_u64().unwrap_or(0) as u32,
                v["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn run_tandem(case: &Path) -> Outcome {
    let prev = Arc::new(DirSource { root: case.join("previous") });
    let cur = Arc::new(DirSource { root: case.join("current") });
    compare(prev, cur, &Options::default()).unwrap_or_else(|e| panic!("{}: {e}", case.display()))
}

/// The files that differ between a case's two sides, as a commit's changed paths.
fn changed_paths(case: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeSet<String>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.insert(p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let (prev, cur) = (case.join("previous"), case.join("current"));
    let mut all = BTreeSet::new();
    walk(&prev, &prev, &mut all);
    walk(&cur, &cur, &mut all);
    all.into_iter().filter(|p| std::fs::read(prev.join(p)).ok() != std::fs::read(cur.join(p)).ok()).collect()
}

/// tandem comparing a case as a commit: only the changed files are compiled.
fn run_tandem_changed(case: &Path) -> Outcome {
    let prev = Arc::new(DirSource { root: case.join("previous") });
    let cur = Arc::new(DirSource { root: case.join("current") });
    let opts = Options { changed: Some(changed_paths(case)), ..Options::default() };
    compare(prev, cur, &opts).unwrap_or_else(|e| panic!("{}: {e}", case.display()))
}

fn tandem_keys(out: &Outcome, expected: &BTreeSet<Key>) -> BTreeSet<Key> {
    out.findings
        .iter()
        .map(|f| {
            // buf names no file for deleted files and packages; neither do we in the key.
            let pathless = expected.iter().any(|(r, p, _, _, _)| r == &f.rule && p.is_empty());
            (f.rule.clone(), if pathless { String::new() } else { f.path.clone() }, f.line, f.column, f.message.clone())
        })
        .collect()
}

/// What buf printed on a case, run now.
struct BufRun {
    exit_code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn buf_binary() -> PathBuf {
    if let Some(b) = std::env::var_os("BUF") {
        return PathBuf::from(b);
    }
    let tools = match std::env::var_os("TANDEM_TOOLS_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(std::env::var_os("HOME").expect("HOME is set")).join(".cache/tandem-tools"),
    };
    tools.join("npm/node_modules/@bufbuild/buf-linux-x64/bin/buf")
}

/// buf run on every case, once per test process, on a pool of threads.
fn live_buf() -> &'static HashMap<String, BufRun> {
    static RUNS: OnceLock<HashMap<String, BufRun>> = OnceLock::new();
    RUNS.get_or_init(|| {
        let bin = buf_binary();
        assert!(
            bin.exists(),
            "buf is missing at {}; run `bash scripts/setup.sh` (scripts/test.sh does) to install it",
            bin.display()
        );
        let version = std::process::Command::new(&bin).arg("--version").output().unwrap();
        assert_eq!(String::from_utf8_lossy(&version.stdout).trim(), BUF_VERSION, "run bash scripts/setup.sh");
        // buf's cache stays out of the user's home and away from other runs
        let cache = tempfile::tempdir().unwrap();
        let next = std::sync::atomic::AtomicUsize::new(0);
        let runs = std::sync::Mutex::new(HashMap::new());
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(case) = CASES.get(i) else { break };
                    let out = std::process::Command::new(&bin)
                        .args(["breaking", "current", "--against", "previous", "--error-format", "json"])
                        .current_dir(fixtures().join(case))
                        .env("BUF_CACHE_DIR", cache.path())
                        .output()
                        .unwrap_or_else(|e| panic!("{case}: cannot run {}: {e}", bin.display()));
                    let run = BufRun {
                        exit_code: out.status.code(),
                        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
                    };
                    runs.lock().unwrap().insert(case.to_string(), run);
                });
            }
        });
        runs.into_inner().unwrap()
    })
}

/// Checks one case: buf now against its recording, tandem against the recording, tandem's
/// findings against their snapshot. Every difference is reported, not only the first.
fn check_case(rel: &str) {
    let case = fixtures().join(rel);
    let (group, name) = rel.split_once('/').unwrap();
    let recorded_text = std::fs::read_to_string(case.join("expected.json")).unwrap_or_default();
    let recorded = parse_lines(&recorded_text);
    let mut problems = Vec::new();

    // 1. the real buf, now
    let buf = &live_buf()[rel];
    if buf.stdout != recorded_text {
        problems.push(format!(
            "buf {BUF_VERSION} now prints something else than its recording (a buf upgrade changed a verdict? re-record with scripts/record-buf-fixtures.sh and review):\n  recorded: {recorded_text}\n  now:      {}\n  stderr:   {}",
            buf.stdout, buf.stderr
        ));
    }
    if group == "_malformed" {
        let recorded_exit = std::fs::read_to_string(case.join("expected.txt")).unwrap_or_default();
        let recorded_exit = recorded_exit.lines().next().unwrap_or("").to_string();
        let now = format!("exit code: {}", buf.exit_code.map_or("none".into(), |c| c.to_string()));
        if now != recorded_exit {
            problems.push(format!("buf now exits with '{now}', recorded '{recorded_exit}'"));
        }
    } else if !matches!(buf.exit_code, Some(0 | 100)) {
        problems.push(format!("buf failed ({:?}): {}", buf.exit_code, buf.stderr));
    }

    // 2. tandem against the recording
    let out = run_tandem(&case);
    if group == "_malformed" {
        // The compiler stops at a file's first error; buf lists them all. Every file we name is
        // one buf names, and when we give a place it is one of buf's places.
        let compile: Vec<_> = out.findings.iter().filter(|f| f.rule.starts_with("COMPILE")).collect();
        if compile.is_empty() {
            problems.push(format!("no COMPILE finding: {:?}", out.findings));
        }
        for f in &compile {
            let on_file: Vec<&serde_json::Value> =
                recorded.iter().filter(|e| strip(e["path"].as_str().unwrap_or("")) == f.path).collect();
            if on_file.is_empty() {
                problems.push(format!("buf reports nothing on {}: {recorded:?}", f.path));
            } else if f.line > 0 && !on_file.iter().any(|e| e["start_line"].as_u64() == Some(f.line as u64)) {
                problems
                    .push(format!("{}:{} is not one of buf's error lines {on_file:?} ({})", f.path, f.line, f.message));
            }
        }
        // Every error buf lists in a current file is listed by tandem too (all of a file's
        // errors, not only the first), save where the two compilers part ways.
        for e in recorded.iter().filter(|e| e["path"].as_str().is_some_and(|p| p.starts_with("current/"))) {
            let (path, line) = (strip(e["path"].as_str().unwrap_or("")), e["start_line"].as_u64().unwrap_or(0) as u32);
            let placed = compile.iter().any(|f| f.path == path && (f.line == line || f.line == 0));
            if !placed && !COMPILER_GAPS.contains(&(rel, line)) {
                problems.push(format!("buf lists an error at {path}:{line} that tandem does not: {e}"));
            }
        }
        // A commit's view (only the changed files compiled, their imports read) finds the
        // same errors in the changed files, also those that need an unchanged import to see.
        let changed = changed_paths(&case);
        let in_changed = |out: &Outcome| -> BTreeSet<(String, u32, u32)> {
            out.findings
                .iter()
                .filter(|f| f.rule.starts_with("COMPILE") && changed.contains(&f.path))
                .map(|f| (f.path.clone(), f.line, f.column))
                .collect()
        };
        let (whole, commit) = (in_changed(&out), in_changed(&run_tandem_changed(&case)));
        if whole != commit {
            problems.push(format!("given only the changed files, tandem finds {commit:?}, not {whole:?}"));
        }
    } else {
        let want = keys(&recorded);
        let got = tandem_keys(&out, &want);
        if got != want {
            let missing: Vec<_> = want.difference(&got).collect();
            let extra: Vec<_> = got.difference(&want).collect();
            problems.push(format!(
                "tandem differs from buf:\n    missing (buf reports, tandem does not): {missing:?}\n    extra (tandem reports, buf does not): {extra:?}"
            ));
        }
        // The same verdict when only the changed files are compiled (a commit's view): what
        // is deleted is judged on the whole module, not on the changed files' imports.
        let want_changed = want.clone();
        let got = tandem_keys(&run_tandem_changed(&case), &want);
        if got != want_changed {
            let missing: Vec<_> = want_changed.difference(&got).collect();
            let extra: Vec<_> = got.difference(&want_changed).collect();
            problems.push(format!(
                "tandem, given only the changed files, differs from buf:\n    missing: {missing:?}\n    extra: {extra:?}"
            ));
        }
    }
    assert!(problems.is_empty(), "{rel}:\n{}", problems.join("\n"));

    // 3. what tandem says, as a reviewer reads it
    let rendered: Vec<String> = out
        .findings
        .iter()
        .map(|f| format!("{} {} {}:{}:{} {}", f.severity.as_str(), f.rule, f.path, f.line, f.column, f.message))
        .collect();
    let rendered = if rendered.is_empty() { "(no findings)".to_string() } else { rendered.join("\n") };
    insta::with_settings!({ snapshot_path => fixtures().join("snapshots"), prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(format!("{group}__{name}"), rendered);
    });
}
