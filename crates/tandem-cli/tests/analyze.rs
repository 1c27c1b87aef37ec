//! `tandem analyze` on real git repositories, with and without a workspace.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use support::run as check;

fn json(dir: &Path, args: &[&str]) -> Value {
    let (code, out, err) = check(dir, args);
    assert!(code == 0 || code == 1, "tandem {args:?}: {code}\n{out}\n{err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}\n{err}"))
}

/// A git repository whose history is a list of commits, each a set of files to write
/// (`None` content deletes the file).
struct Repo {
    dir: PathBuf,
    repo: git2::Repository,
}

impl Repo {
    fn new(dir: &Path) -> Repo {
        let mut opts = git2::RepositoryInitOptions::new();
        opts.initial_head("main");
        let repo = git2::Repository::init_opts(dir, &opts).unwrap();
        Repo { dir: dir.to_path_buf(), repo }
    }

    fn commit(&self, msg: &str, files: &[(&str, Option<&str>)]) -> String {
        for (p, content) in files {
            let path = self.dir.join(p);
            match content {
                Some(c) => {
                    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                    std::fs::write(&path, c).unwrap();
                }
                None => {
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
        let mut index = self.repo.index().unwrap();
        index.add_all(["*"].iter(), git2::IndexAddOption::DEFAULT, None).unwrap();
        index.update_all(["*"].iter(), None).unwrap();
        index.write().unwrap();
        let tree = self.repo.find_tree(index.write_tree().unwrap()).unwrap();
        let sig = git2::Signature::now("t", "t@example.invalid").unwrap();
        let parents: Vec<git2::Commit> =
            self.repo.head().ok().and_then(|h| h.peel_to_commit().ok()).into_iter().collect();
        let refs: Vec<&git2::Commit> = parents.iter().collect();
        self.repo.commit(Some("HEAD"), &sig, &sig, msg, &tree, &refs).unwrap().to_string()
    }
}

const V1: &str = "syntax = \"proto3\";\npackage acme.v1;\n\nmessage User {\n  string id = 1;\n  string email = 2;\n}\n\nservice Users {\n  rpc Get(User) returns (User);\n}\n";
const V2: &str = "syntax = \"proto3\";\npackage acme.v1;\n\nmessage User {\n  string id = 1;\n}\n\nservice Users {\n  rpc Get(User) returns (User);\n}\n";

#[test]
fn a_bare_git_repository_is_analysed_without_a_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repo::new(dir.path());
    repo.commit("v1", &[("proto/acme/v1/user.proto", Some(V1)), ("README.md", Some("hi"))]);
    repo.commit("v2", &[("proto/acme/v1/user.proto", Some(V2))]);
    // on the default branch, the head commit is compared with its parent
    let a = json(dir.path(), &["analyze", "--format", "json"]);
    let findings = a["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{a:#}");
    assert_eq!(findings[0]["rule"], "FIELD_NO_DELETE");
    assert_eq!(findings[0]["path"], "proto/acme/v1/user.proto");
    assert_eq!(findings[0]["line"], 4);
    assert_eq!(findings[0]["column"], 1);
    assert_eq!(a["impact"]["level"], "low");
    assert!(a["recommendations"][0].as_str().unwrap().contains("reserved 2;"));
    // exit codes follow --fail-on
    assert_eq!(check(dir.path(), &["analyze", "--fail-on", "breaking"]).0, 1);
    assert_eq!(check(dir.path(), &["analyze", "--fail-on", "none"]).0, 0);
    // a non-breaking change (adding a field) passes
    repo.commit(
        "v3",
        &[("proto/acme/v1/user.proto", Some(&V2.replace("string id = 1;", "string id = 1;\n  string name = 3;")))],
    );
    let (code, out, _) = check(dir.path(), &["analyze", "--fail-on", "breaking"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("no breaking"), "{out}");
    // an explicit range
    let a = json(dir.path(), &["analyze", "--base", "HEAD~2", "--head", "HEAD", "--format", "json"]);
    assert_eq!(a["findings"][0]["rule"], "FIELD_NO_DELETE");
}

#[test]
fn the_working_tree_and_branches_are_compared_with_the_merge_base() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repo::new(dir.path());
    repo.commit("v1", &[("a.proto", Some(V1))]);
    let main = repo.repo.head().unwrap().peel_to_commit().unwrap();
    repo.repo.branch("feature", &main, false).unwrap();
    repo.repo.set_head("refs/heads/feature").unwrap();
    repo.commit("drop rpc", &[("a.proto", Some(&V1.replace("  rpc Get(User) returns (User);\n", "")))]);
    let a = json(dir.path(), &["analyze", "--format", "json"]);
    assert_eq!(a["findings"][0]["rule"], "RPC_NO_DELETE", "{a:#}");
    assert_eq!(a["base"].as_str().unwrap(), main.id().to_string());
    // uncommitted edits count with --worktree
    std::fs::write(dir.path().join("a.proto"), V2.replace("  rpc Get(User) returns (User);\n", "")).unwrap();
    let a = json(dir.path(), &["analyze", "--worktree", "--format", "json"]);
    let rules: Vec<&str> = a["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["FIELD_NO_DELETE", "RPC_NO_DELETE"], "{a:#}");
    assert_eq!(a["head"], "working tree");
}

#[test]
fn bad_revisions_and_broken_files_give_clear_answers() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repo::new(dir.path());
    repo.commit("v1", &[("a.proto", Some(V1)), ("b.proto", Some(V1.replace("acme.v1", "acme.v2").as_str()))]);
    let (code, _, err) = check(dir.path(), &["analyze", "--base", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("revision 'nope' does not exist"), "{err}");
    // a broken file is a COMPILE finding; the other file is still compared
    repo.commit(
        "broken",
        &[
            ("a.proto", Some("syntax = \"proto3\";\npackage acme.v1;\nmessage User {\n  strin id = 1;\n}\n")),
            ("b.proto", Some(V2.replace("acme.v1", "acme.v2").as_str())),
            ("blob.proto", Some("\u{0}\u{1}binary")),
        ],
    );
    let a = json(dir.path(), &["analyze", "--format", "json"]);
    let got: Vec<(String, String)> = a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap().to_string(), f["path"].as_str().unwrap().to_string()))
        .collect();
    assert!(got.contains(&("COMPILE".into(), "a.proto".into())), "{got:?}");
    assert!(got.contains(&("FIELD_NO_DELETE".into(), "b.proto".into())), "{got:?}");
    assert!(got.iter().any(|(r, p)| r == "COMPILE" && p == "blob.proto"), "{got:?}");
    let compile = a["findings"].as_array().unwrap().iter().find(|f| f["path"] == "a.proto").unwrap();
    assert_eq!(compile["line"], 4, "{compile}");
    // not a repository at all
    let plain = tempfile::tempdir().unwrap();
    let (code, _, err) = check(plain.path(), &["analyze"]);
    assert_eq!(code, 2);
    assert!(err.contains("not inside a git repository"), "{err}");
}

#[test]
fn a_commit_without_contract_changes_is_answered_without_compiling() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repo::new(dir.path());
    repo.commit("v1", &[("a.proto", Some(V1))]);
    repo.commit("docs", &[("README.md", Some("docs only"))]);
    let a = json(dir.path(), &["analyze", "--format", "json"]);
    assert_eq!(a["findings"].as_array().unwrap().len(), 0);
    assert_eq!(a["config"], "no contract file changed");
}

fn sarif_schema() -> Value {
    let path = tandem_engine::analysis::tools_dir()
        .join("npm/node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("the SARIF 2.1.0 schema is missing ({}: {e}); run `bash scripts/setup.sh`", path.display())
    });
    serde_json::from_str(&text).unwrap()
}

#[test]
fn sarif_output_validates_against_the_sarif_2_1_0_schema_and_json_against_ours() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repo::new(dir.path());
    repo.commit("v1", &[("a.proto", Some(V1))]);
    repo.commit("v2", &[("a.proto", Some(&V2.replace("string id = 1;", "int64 id = 1;")))]);
    let sarif = json(dir.path(), &["analyze", "--format", "sarif"]);
    let schema = sarif_schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&sarif).map(|e| format!("{e} at {}", e.instance_path)).collect();
    assert!(errors.is_empty(), "SARIF invalid: {errors:#?}");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(sarif["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap().len(), 2);
    // a finding without a location still has a valid region
    assert!(results
        .iter()
        .all(|r| r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64().unwrap() >= 1));

    let ours: Value = serde_json::from_str(include_str!("../../../docs/analysis.schema.json")).unwrap();
    let a = json(dir.path(), &["analyze", "--format", "json"]);
    let validator = jsonschema::validator_for(&ours).unwrap();
    let errors: Vec<String> = validator.iter_errors(&a).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "JSON does not match docs/analysis.schema.json: {errors:#?}");
}

#[test]
fn in_a_workspace_the_impact_reaches_the_consumers_and_the_coordination_opens_once() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = check(dir.path(), &["demo", "--dir", "ws"]);
    assert_eq!(code, 0, "{err}");
    let ws = dir.path().join("ws");
    let proto = ws.join("loqa-proto/proto/loqa/audio/v1/audio.proto");
    let text = std::fs::read_to_string(&proto).unwrap();
    std::fs::write(&proto, text.replace("  bool end_of_utterance = 4;\n", "")).unwrap();
    let args = ["analyze", "--repo", "loqa-proto", "--worktree", "--create-coordination", "--format", "json"];
    let a = json(&ws, &args);
    assert_eq!(a["impact"]["level"], "critical");
    assert_eq!(a["impact"]["change_type"], "protocol");
    let consumers: Vec<&str> =
        a["impact"]["consumers"].as_array().unwrap().iter().map(|c| c["repo"].as_str().unwrap()).collect();
    assert_eq!(consumers.len(), 5, "{consumers:?}");
    assert!(consumers.contains(&"loqa-hub") && consumers.contains(&"loqa"));
    let id = a["coordination"].as_i64().unwrap();
    let again = json(&ws, &args);
    assert_eq!(again["coordination"].as_i64(), Some(id), "one coordination per (repo, head)");
    let list = json(&ws, &["coord", "list", "--json"]);
    assert_eq!(list.as_array().unwrap().len(), 2, "the demo's and the analysis's");
    // from inside the checkout, the repo is found by its path
    let a = json(&ws.join("loqa-proto"), &["analyze", "--worktree", "--format", "json"]);
    assert_eq!(a["repo"], "loqa-proto");
    // a consumer pinning its provider behind the provider's release is told so
    std::fs::write(ws.join("loqa-relay/README.md"), "# loqa-relay\n\nnow with auth\n").unwrap();
    let a = json(&ws, &["analyze", "--repo", "loqa-relay", "--worktree", "--format", "json"]);
    let behind: Vec<&Value> =
        a["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == "INTERNAL_DEPENDENCY_BEHIND").collect();
    assert_eq!(behind.len(), 1, "{a:#}");
    assert_eq!(behind[0]["path"], "go.mod");
    assert!(behind[0]["message"].as_str().unwrap().contains("v0.2.0"), "{}", behind[0]);
    // markdown is ready for a PR comment
    let (_, md, _) = check(&ws, &["analyze", "--repo", "loqa-proto", "--worktree", "--format", "markdown"]);
    assert!(
        md.starts_with("<!-- tandem:analysis -->")
            && md.contains("`FIELD_NO_DELETE`")
            && md.contains("`loqa-hub` (direct)"),
        "{md}"
    );
}

#[test]
fn the_rule_reference_in_docs_is_generated_from_the_rule_tables() {
    let dir = tempfile::tempdir().unwrap();
    let (code, md, _) = check(dir.path(), &["rules", "--format", "markdown"]);
    assert_eq!(code, 0);
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/rules.md")).unwrap();
    assert_eq!(committed, md, "docs/rules.md is stale: run `tandem rules --format markdown > docs/rules.md`");
    // every protobuf rule of buf is listed once
    let rules = json(dir.path(), &["rules", "--json", "--kind", "protobuf"]);
    assert_eq!(rules.as_array().unwrap().len(), 64 + 1, "64 buf rules and COMPILE");
    let (code, _, err) = check(dir.path(), &["rules", "--kind", "cobol"]);
    assert_eq!(code, 2);
    assert!(err.contains("expected one of: protobuf"), "{err}");
}

#[test]
fn the_workspace_can_choose_the_rules_and_huge_files_are_not_parsed() {
    let dir = tempfile::tempdir().unwrap();
    let repo_dir = dir.path().join("proto");
    std::fs::create_dir_all(&repo_dir).unwrap();
    let repo = Repo::new(&repo_dir);
    repo.commit("v1", &[("a.proto", Some(V1))]);
    // rename a field: FILE reports it, WIRE does not
    repo.commit("rename", &[("a.proto", Some(&V1.replace("string email = 2;", "string mail = 2;")))]);
    let manifest = "[[repo]]\nname = \"proto\"\nrole = \"protocol\"\npath = \"proto\"\n";
    std::fs::write(dir.path().join("tandem.toml"), manifest).unwrap();
    let a = json(dir.path(), &["analyze", "--repo", "proto", "--format", "json"]);
    let rules: Vec<&str> = a["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert!(rules.contains(&"FIELD_SAME_NAME"), "{a:#}");
    std::fs::write(dir.path().join("tandem.toml"), format!("{manifest}[repo.breaking]\nuse = [\"WIRE\"]\n")).unwrap();
    let a = json(dir.path(), &["analyze", "--repo", "proto", "--format", "json"]);
    assert_eq!(a["findings"].as_array().unwrap().len(), 0, "{a:#}");
    assert_eq!(a["config"], "tandem.toml");
    std::fs::write(dir.path().join("tandem.toml"), format!("{manifest}[repo.breaking]\nuse = [\"WIREE\"]\n")).unwrap();
    let (code, _, err) = check(dir.path(), &["analyze", "--repo", "proto"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown breaking rule or category 'WIREE'"), "{err}");
    // a 17 MB file is reported, not parsed
    let huge =
        format!("syntax = \"proto3\";\npackage big.v1;\n{}", "// padding padding padding padding\n".repeat(500_000));
    repo.commit("huge", &[("big.proto", Some(&huge))]);
    std::fs::write(dir.path().join("tandem.toml"), manifest).unwrap();
    let a = json(dir.path(), &["analyze", "--repo", "proto", "--format", "json"]);
    let f = &a["findings"][0];
    assert_eq!(f["rule"], "COMPILE", "{a:#}");
    assert!(
        f["message"].as_str().unwrap().contains("over the limit of 4194304 bytes (4 MiB) for a .proto file"),
        "{f}"
    );
}
