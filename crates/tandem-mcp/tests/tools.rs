//! The tool table and its adapters, called in-process (the real clients are in
//! crates/tandem-cli/tests/mcp.rs).

use serde_json::{json, Map, Value};
use std::sync::Arc;
use tandem_engine::render::{init_workspace, Example};
use tandem_engine::{Engine, EngineOptions};
use tandem_mcp::TandemMcp;

fn server() -> (tempfile::TempDir, TandemMcp) {
    let dir = tempfile::tempdir().unwrap();
    let manifest = init_workspace(dir.path(), Example::parse("loqa").unwrap(), false).unwrap();
    let ws = tandem_engine::load_workspace(&manifest).unwrap();
    let engine = Engine::open(ws, EngineOptions { actor: Some("test".into()), ..Default::default() }).unwrap();
    (dir, TandemMcp::new(Arc::new(engine)))
}

/// Calls a tool: (isError, first text block, structured content).
fn check(server: &TandemMcp, tool: &str, args: Value) -> (bool, String, Value) {
    let args: Map<String, Value> = args.as_object().cloned().unwrap_or_default();
    let r = server.call_blocking(tool, Some(args));
    let text = r.content.first().and_then(|c| c.as_text()).map(|t| t.text.clone()).unwrap_or_default();
    (r.is_error == Some(true), text, r.structured_content.unwrap_or(Value::Null))
}

#[test]
fn every_tool_has_object_schemas_with_only_standard_formats() {
    let (_d, s) = server();
    let tools = s.tools();
    assert_eq!(tools.len(), 14);
    for t in &tools {
        assert_eq!(t.input_schema.get("type"), Some(&json!("object")), "{}", t.name);
        let out = t.output_schema.as_ref().unwrap_or_else(|| panic!("{} has no output schema", t.name));
        assert_eq!(out.get("type"), Some(&json!("object")), "{}", t.name);
        let text = serde_json::to_string(&(&t.input_schema, out)).unwrap();
        for f in ["\"uint", "\"int32", "\"int64", "\"double\""] {
            assert!(!text.contains(&format!("\"format\":{f}")), "{} uses format {f}", t.name);
        }
    }
}

#[test]
fn missing_coordination_is_a_tool_error_naming_the_existing_ones() {
    let (_d, s) = server();
    let (err, msg, _) = check(&s, "get_coordination", json!({"coordination": 4}));
    assert!(err);
    assert!(msg.contains("no coordination #4") && msg.contains("no coordinations yet"), "{msg}");
    let (err, _, created) =
        check(&s, "create_coordination_issue", json!({"title": "T", "type": "docs", "repos": ["loqa"]}));
    assert!(!err);
    assert_eq!(created["coordination"]["id"], 1);
    let (_, msg, _) = check(&s, "get_coordination", json!({"coordination": 4}));
    assert!(msg.contains("existing coordinations: #1 \"T\""), "{msg}");
}

#[test]
fn illegal_transition_is_refused_with_the_reason() {
    let (_d, s) = server();
    check(&s, "create_coordination_issue", json!({"title": "T", "type": "protocol", "from_repo": "loqa-proto"}));
    let (err, msg, _) =
        check(&s, "sync_coordination_status", json!({"coordination": 1, "repo": "loqa-hub", "status": "in_progress"}));
    assert!(err);
    assert!(msg.starts_with("refused: "), "{msg}");
}

#[test]
fn wrong_argument_types_are_tool_errors_not_protocol_errors() {
    let (_d, s) = server();
    let (err, msg, _) = check(&s, "plan_deployment", json!({"coordination": [1]}));
    assert!(err);
    assert!(msg.contains("invalid arguments for plan_deployment") && msg.contains("invalid type"), "{msg}");
}

#[test]
fn workflow_stores_nothing() {
    let (_d, s) = server();
    let (err, _, w) = check(
        &s,
        "generate_coordination_workflow",
        json!({"type": "security", "repos": ["loqa-hub", "loqa-relay"], "description": "Rotate keys"}),
    );
    assert!(!err);
    assert_eq!(w["strategy"], "expedited");
    assert_eq!(w["priority"], "critical");
    let (_, _, list) = check(&s, "list_coordinations", json!({}));
    assert_eq!(list["coordinations"], json!([]));
}

#[test]
fn create_takes_type_shows_only_type_and_still_accepts_change_type() {
    let (_d, s) = server();
    let tools = s.tools();
    let create = tools.iter().find(|t| t.name == "create_coordination_issue").unwrap();
    let props = create.input_schema["properties"].as_object().unwrap();
    assert!(props.contains_key("type") && !props.contains_key("change_type"), "{props:?}");
    assert_eq!(create.input_schema["required"], json!(["title", "type"]));
    let (err, msg, c) =
        check(&s, "create_coordination_issue", json!({"title": "A", "type": "docs", "repos": ["loqa"]}));
    assert!(!err, "{msg}");
    assert_eq!(c["coordination"]["change_type"], "docs");
    let (err, msg, c) =
        check(&s, "create_coordination_issue", json!({"title": "B", "change_type": "docs", "repos": ["loqa"]}));
    assert!(!err, "the alias is accepted: {msg}");
    assert_eq!(c["coordination"]["title"], "B");
    let (err, msg, _) = check(
        &s,
        "create_coordination_issue",
        json!({"title": "C", "type": "docs", "change_type": "docs", "repos": ["loqa"]}),
    );
    assert!(err && msg.contains("duplicate field `type`"), "{msg}");
}

#[test]
fn workflow_takes_type_and_its_title_is_the_engines() {
    let (_d, s) = server();
    let (err, msg, w) = check(
        &s,
        "generate_coordination_workflow",
        json!({"type": "docs", "repos": ["loqa"], "description": "\n  Fix the README  \n\nDetails."}),
    );
    assert!(!err, "{msg}");
    let req = tandem_engine::CreateRequest::described(
        None,
        "\n  Fix the README  \n\nDetails.",
        tandem_model::ChangeType::Docs,
    );
    assert_eq!(w["title"], req.title.as_str());
    assert_eq!(w["description"], req.plan.as_deref().unwrap());
}

#[test]
fn check_health_reports_the_engines_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = init_workspace(dir.path(), Example::parse("loqa").unwrap(), false).unwrap();
    let ws = tandem_engine::load_workspace(&manifest).unwrap();
    let engine =
        Arc::new(Engine::open(ws, EngineOptions { actor: Some("test".into()), ..Default::default() }).unwrap());
    let s = TandemMcp::new(engine.clone());
    let opts = tandem_engine::HealthOptions { stale_days: 7, endpoints: tandem_engine::Endpoints::Skip };
    let verdict = engine.health(&opts).unwrap().verdict();
    let (err, msg, h) = check(&s, "check_health", json!({"probe_endpoints": false}));
    assert!(!err, "{msg}");
    assert_eq!(h["healthy"], json!(verdict == tandem_engine::Verdict::Healthy), "{h}");
}

/// Regression (issue 10, item 9): `worktree` and `head` together were accepted and `head`
/// silently dropped; the engine now judges the combination and the tool names the argument.
#[test]
fn head_with_the_working_tree_is_a_tool_error_not_a_dropped_argument() {
    let (_d, s) = server();
    let (err, msg, _) =
        check(&s, "analyze_dependency_impact", json!({"repo": "loqa-proto", "worktree": true, "head": "HEAD~1"}));
    assert!(err, "{msg}");
    assert!(msg.contains("not both") && msg.contains("`worktree`"), "{msg}");
}

/// Refusals say what the tool call lacks in the tool's own terms (no CLI flag).
#[test]
fn a_refusal_names_the_tool_argument_it_needs() {
    let (_d, s) = server();
    check(&s, "create_coordination_issue", json!({"title": "T", "type": "protocol", "from_repo": "loqa-proto"}));
    check(&s, "sync_coordination_status", json!({"coordination": 1, "status": "in_progress"}));
    let (err, msg, _) = check(&s, "sync_coordination_status", json!({"coordination": 1, "status": "blocked"}));
    assert!(err);
    assert!(msg.contains("needs a reason") && msg.contains("`reason`") && !msg.contains("--reason"), "{msg}");
}

#[test]
fn rollout_tools_show_the_plan_and_refuse_an_unready_coordination() {
    let (_d, s) = server();
    check(
        &s,
        "create_coordination_issue",
        json!({"title": "T", "type": "bugfix", "repos": ["loqa-proto", "loqa-hub"]}),
    );
    let (err, msg, v) = check(&s, "get_rollout_status", json!({"coordination": 1}));
    assert!(!err, "{msg}");
    assert_eq!(v["phase"], "not_started", "{v}");
    let keys: Vec<&str> = v["steps"].as_array().unwrap().iter().map(|s| s["key"].as_str().unwrap()).collect();
    assert_eq!(&keys[..1], ["deploy loqa-proto"], "{keys:?}");
    assert_eq!(v["rollback"][0]["key"], "stop traffic");
    let (err, msg, _) = check(&s, "run_rollout", json!({"coordination": 1, "dry_run": true}));
    assert!(err, "{msg}");
    assert!(msg.contains("not ready to deploy"), "{msg}");
    let (err, msg, _) = check(&s, "run_rollout", json!({"coordination": 1, "unfinished_deploy": "maybe"}));
    assert!(err && msg.contains("unknown variant"), "{msg}");
}
