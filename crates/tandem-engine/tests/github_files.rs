//! What `tandem github init` writes: issue forms whose rendered bodies read back into the
//! request they describe, and workflows that the real actionlint accepts.

use serde_json::Value;
use std::path::Path;
use std::process::Command;
use tandem_engine::github::forms::{parse_form_body, render_form, FormKind, NO_RESPONSE};
use tandem_engine::github::{github_files, github_init, workspace_repo_for, GithubInitOptions};
use tandem_model::{ChangeType, Priority, Workspace};

fn loqa() -> Workspace {
    tandem_engine::load_workspace(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/examples/loqa.toml")).unwrap()
}

/// A YAML document as JSON, read by the maintained YAML parser (not by tandem's code).
fn yaml_json(text: &str) -> Value {
    use saphyr::{LoadableYamlNode, Scalar, Yaml};
    fn conv(y: &Yaml) -> Value {
        match y {
            Yaml::Value(Scalar::String(s)) => Value::String(s.to_string()),
            Yaml::Value(Scalar::Boolean(b)) => Value::Bool(*b),
            Yaml::Value(Scalar::Integer(i)) => Value::from(*i),
            Yaml::Value(Scalar::Null) => Value::Null,
            Yaml::Sequence(v) => Value::Array(v.iter().map(conv).collect()),
            Yaml::Mapping(m) => {
                Value::Object(m.iter().map(|(k, v)| (k.as_str().unwrap().to_string(), conv(v))).collect())
            }
            other => panic!("unexpected YAML node {other:?}"),
        }
    }
    let docs = Yaml::load_from_str(text).unwrap();
    assert_eq!(docs.len(), 1);
    conv(&docs[0])
}

/// The answers a user gives, by field id.
struct Answers<'a> {
    change_type: Option<&'a str>,
    priority: Option<&'a str>,
    repos: &'a [&'a str],
    description: &'a str,
    plan: &'a str,
}

/// Renders a submitted form the way GitHub does, from the form's YAML: one `### label` per
/// input in order (markdown elements render nothing), `_No response_` for an empty answer, and
/// every checkbox option as `- [X] label` or `- [ ] label`.
fn render_submission(form_yaml: &str, a: &Answers) -> String {
    let form = yaml_json(form_yaml);
    let mut sections = Vec::new();
    for el in form["body"].as_array().unwrap() {
        let kind = el["type"].as_str().unwrap();
        if kind == "markdown" {
            continue;
        }
        let label = el["attributes"]["label"].as_str().unwrap();
        let text = |s: Option<&str>| s.filter(|s| !s.is_empty()).unwrap_or(NO_RESPONSE).to_string();
        let value = match (kind, el["id"].as_str().unwrap()) {
            ("dropdown", "change-type") => {
                let options: Vec<&str> =
                    el["attributes"]["options"].as_array().unwrap().iter().map(|o| o.as_str().unwrap()).collect();
                if let Some(ct) = a.change_type {
                    assert!(options.contains(&ct), "{ct} is offered by the form: {options:?}");
                }
                text(a.change_type)
            }
            ("dropdown", "priority") => text(a.priority),
            ("checkboxes", _) => el["attributes"]["options"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| {
                    let l = o["label"].as_str().unwrap();
                    format!("- [{}] {l}", if a.repos.contains(&l) { "X" } else { " " })
                })
                .collect::<Vec<_>>()
                .join("\n"),
            ("textarea", "description") => text(Some(a.description)),
            ("textarea", "plan") => text(Some(a.plan)),
            other => panic!("unexpected form element {other:?}"),
        };
        sections.push(format!("### {label}\n\n{value}"));
    }
    sections.join("\n\n")
}

fn title(kind: FormKind, form_yaml: &str, rest: &str) -> String {
    let form = yaml_json(form_yaml);
    let prefix = form["title"].as_str().unwrap();
    assert!(prefix.starts_with(kind.title_prefix()));
    format!("{prefix}{rest}")
}

#[test]
fn a_rendered_form_reads_back_into_the_request_it_describes() {
    let ws = loqa();
    for kind in FormKind::ALL {
        let yaml = render_form(kind, &ws);
        let answers = Answers {
            change_type: Some("breaking"),
            priority: Some("high"),
            repos: &["loqa-hub", "loqa-proto"],
            description: "Rename AudioChunk.session.\n\nConsumers read the new field.",
            plan: "1. proto\n2. hub",
        };
        let body = render_submission(&yaml, &answers);
        let req = parse_form_body(kind, &ws, &title(kind, &yaml, "Rename the session field"), &body).unwrap();
        assert_eq!(req.title, "Rename the session field");
        assert_eq!(req.change_type, Some(ChangeType::Breaking));
        assert_eq!(req.priority, Some(Priority::High));
        assert_eq!(req.repos, ["loqa-proto", "loqa-hub"], "in the form's order");
        assert_eq!(
            req.plan.as_deref(),
            Some("Rename AudioChunk.session.\n\nConsumers read the new field.\n\n1. proto\n2. hub")
        );

        // Optional answers left empty.
        let answers = Answers { priority: None, plan: "", ..answers };
        let req = parse_form_body(kind, &ws, &title(kind, &yaml, "x"), &render_submission(&yaml, &answers)).unwrap();
        assert_eq!(req.priority, None);
        assert_eq!(req.plan.as_deref(), Some("Rename AudioChunk.session.\n\nConsumers read the new field."));
    }
}

#[test]
fn the_forms_offer_every_repository_and_their_change_types() {
    let ws = loqa();
    let form = yaml_json(&render_form(FormKind::ProtocolChange, &ws));
    let body = form["body"].as_array().unwrap();
    let by_id = |id: &str| body.iter().find(|e| e["id"] == id).unwrap().clone();
    let labels: Vec<String> = by_id("repos")["attributes"]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["label"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(labels, ws.repos.iter().map(|r| r.name.to_string()).collect::<Vec<_>>());
    assert_eq!(by_id("change-type")["attributes"]["options"], serde_json::json!(["protocol", "breaking"]));
    assert_eq!(by_id("change-type")["validations"]["required"], Value::Bool(true));
    assert_eq!(form["labels"], serde_json::json!([FormKind::ProtocolChange.label()]));
}

fn problems(body: &str) -> Vec<String> {
    parse_form_body(FormKind::Coordination, &loqa(), "[Coordination]: A change", body).unwrap_err()
}

fn good() -> String {
    let yaml = render_form(FormKind::Coordination, &loqa());
    render_submission(
        &yaml,
        &Answers { change_type: Some("feature"), priority: None, repos: &["loqa-hub"], description: "d", plan: "" },
    )
}

#[test]
fn edited_missing_and_wrong_answers_are_each_named() {
    assert!(parse_form_body(FormKind::Coordination, &loqa(), "[Coordination]: A change", &good()).is_ok());
    let p = problems(&good().replace("### Priority", "### Urgency"));
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(p[0].contains("`### Priority` is missing") && p[1].contains("`### Urgency` is not a section"));

    let p = problems(&good().replace("\nfeature\n", "\nrefactoring\n"));
    assert!(p[0].contains("`refactoring`; choose one of: protocol, breaking"), "{p:?}");

    let p = problems(&good().replace("- [X] loqa-hub", "- [ ] loqa-hub"));
    assert_eq!(p, ["`### Repositories` has no repository checked; check at least one"]);

    let p = problems(&good().replace("- [ ] loqa-relay", "- [X] loqa-rely"));
    assert!(p[0].contains("`loqa-rely`, which is no repository"), "{p:?}");

    let p = problems(&good().replace("\nd", "\n_No response_"));
    assert_eq!(p, ["`### Description` has no answer; it is required"]);

    let p = problems(&format!("Some words first\n\n{}", good()));
    assert!(p[0].contains("text before the first section"), "{p:?}");

    let p = parse_form_body(FormKind::Coordination, &loqa(), "[Coordination]: ", &good()).unwrap_err();
    assert!(p[0].contains("title"), "{p:?}");

    let p = problems(&"x".repeat(300 * 1024));
    assert_eq!(p.len(), 1);

    let p = problems("");
    assert_eq!(p.len(), 5, "every section missing: {p:?}");
}

#[test]
fn github_repositories_map_to_workspace_repositories_by_alias_or_name() {
    let ws = loqa();
    let name = |s: &str| workspace_repo_for(&ws, s).map(|r| r.to_string());
    assert_eq!(name("loqalabs/loqa-hub").as_deref(), Some("loqa-hub"));
    assert_eq!(name("LoqaLabs/Loqa-Proto").as_deref(), Some("loqa-proto"), "Go module path alias, any case");
    assert_eq!(name("someone-else/loqa").as_deref(), Some("loqa"), "by name");
    assert_eq!(name("Codertocat/Hello-World"), None);
    assert_eq!(name("no-slash"), None);
    assert_eq!(name("a/b/c"), None);
}

/// The actionlint binary installed by scripts/setup.sh.
fn actionlint() -> std::path::PathBuf {
    let bin = tandem_engine::analysis::tools_dir().join("actionlint-venv/bin/actionlint");
    assert!(bin.is_file(), "{} is missing; run scripts/setup.sh", bin.display());
    bin
}

#[test]
fn the_generated_workflows_pass_actionlint() {
    let dir = tempfile::tempdir().unwrap();
    git2::Repository::init(dir.path()).unwrap();
    let written = github_init(&loqa(), dir.path(), &GithubInitOptions::default()).unwrap();
    assert_eq!(written.len(), 5);
    let out = Command::new(actionlint()).arg("-no-color").current_dir(dir.path()).output().unwrap();
    assert!(
        out.status.success(),
        "actionlint: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // A custom install line stays one YAML scalar, and actionlint still accepts it.
    let opts =
        GithubInitOptions { install: "curl -fsSL \"$URL\" | tar xz -C /usr/local/bin: tandem".into(), force: true };
    github_init(&loqa(), dir.path(), &opts).unwrap();
    let sync = std::fs::read_to_string(dir.path().join(".github/workflows/tandem-sync.yml")).unwrap();
    assert!(sync.contains(r#"run: "curl -fsSL \"$URL\" | tar xz -C /usr/local/bin: tandem""#), "{sync}");
    let out = Command::new(actionlint()).arg("-no-color").current_dir(dir.path()).output().unwrap();
    assert!(out.status.success(), "actionlint: {}", String::from_utf8_lossy(&out.stdout));

    // A broken workflow is caught (the check can fail).
    std::fs::write(dir.path().join(".github/workflows/broken.yml"), "on: push\njobs:\n  x:\n    steps: []\n").unwrap();
    let out = Command::new(actionlint()).arg("-no-color").current_dir(dir.path()).output().unwrap();
    assert!(!out.status.success());
}

#[test]
fn init_refuses_to_overwrite_edited_files_and_writes_nothing_then() {
    let dir = tempfile::tempdir().unwrap();
    let ws = loqa();
    github_init(&ws, dir.path(), &GithubInitOptions::default()).unwrap();
    let again = github_init(&ws, dir.path(), &GithubInitOptions::default()).unwrap();
    assert!(again.iter().all(|f| f.action == "unchanged"));
    let form = dir.path().join(".github/ISSUE_TEMPLATE/cross-repo-coordination.yml");
    std::fs::write(&form, "edited").unwrap();
    let other = GithubInitOptions { install: "make install".into(), force: false };
    let err = github_init(&ws, dir.path(), &other).unwrap_err();
    assert!(matches!(err, tandem_engine::EngineError::Input { input: tandem_engine::Input::Overwrite, .. }), "{err}");
    assert_eq!(std::fs::read_to_string(&form).unwrap(), "edited");
    let sync = std::fs::read_to_string(dir.path().join(".github/workflows/tandem-sync.yml")).unwrap();
    assert!(!sync.contains("make install"), "nothing written by a refused run");
    let files = github_files(&ws, &GithubInitOptions { force: true, ..other });
    assert_eq!(files.len(), 5);
}
