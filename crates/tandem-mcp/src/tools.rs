//! The tool table: one entry per tool, each a thin adapter that parses its typed input, calls
//! one engine operation and converts the result to its wire type plus a one-line summary.

use crate::error::ToolError;
use crate::wire::*;
use crate::workflow;
use rmcp::handler::server::tool::schema_for_input;
use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::Arc;
use tandem_engine::{CreateRequest, Engine};
use tandem_model::{ChildStatus, CoordId, CoordStatus};

/// A tool's answer: the structured result and a short text summary.
pub struct Reply {
    pub summary: String,
    pub value: serde_json::Value,
}

/// A typed adapter: its input in, its wire result and summary out.
type Adapter<I, O> = fn(&Engine, I) -> Result<(O, String), ToolError>;

type Run = dyn Fn(&Engine, JsonObject) -> Result<Reply, ToolError> + Send + Sync;

/// One tool: its MCP description and the adapter that runs it.
pub struct ToolDef {
    pub tool: Tool,
    pub run: Box<Run>,
}

/// Builds a tool from a typed adapter: the input and output schemas come from the types.
fn def<I, O>(name: &'static str, title: &str, description: &'static str, read_only: bool, f: Adapter<I, O>) -> ToolDef
where
    I: DeserializeOwned + JsonSchema + 'static,
    O: Serialize + JsonSchema + 'static,
{
    let input = schema_for_input::<I>().unwrap_or_else(|e| panic!("tool {name}: input schema: {e}"));
    let tool = Tool::new(name, description, portable(&input))
        .with_title(title)
        .with_raw_output_schema(portable(&output_schema::<O>()))
        .with_annotations(ToolAnnotations::with_title(title).read_only(read_only).destructive(false).open_world(false));
    let run = move |engine: &Engine, args: JsonObject| -> Result<Reply, ToolError> {
        let input: I = serde_json::from_value(serde_json::Value::Object(args))
            .map_err(|e| ToolError::Arguments { tool: name, message: e.to_string() })?;
        let (out, summary) = f(engine, input)?;
        let value =
            serde_json::to_value(&out).map_err(|e| ToolError::Internal(format!("rendering the result: {e}")))?;
        Ok(Reply { summary, value })
    };
    ToolDef { tool, run: Box::new(run) }
}

/// The output schema: what `Serialize` writes (every `Option` field present, maybe null), with
/// nested types inlined rather than `$ref`-erenced — clients validate every result against it
/// (the Python SDK does, in Python), and resolving a reference per child of a 200-child
/// progress report costs more than the whole round trip.
fn output_schema<O: JsonSchema>() -> JsonObject {
    let settings = schemars::generate::SchemaSettings::draft2020_12().for_serialize().with(|s| {
        s.inline_subschemas = true;
    });
    let schema = settings.into_generator().into_root_schema_for::<O>();
    let mut object = match schema.to_value() {
        serde_json::Value::Object(o) => o,
        _ => JsonObject::new(),
    };
    object.remove("title");
    object.remove("description");
    object
}

/// The schema without schemars' numeric `format`s (`uint32`, `int64`, `double` …), which are not
/// JSON Schema formats: validators such as ajv warn about every one of them.
fn portable(schema: &JsonObject) -> Arc<JsonObject> {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(o) => {
                let numeric = o
                    .get("format")
                    .and_then(|f| f.as_str())
                    .is_some_and(|f| f.starts_with("int") || f.starts_with("uint") || f == "double" || f == "float");
                if numeric {
                    o.remove("format");
                    // schemars' `minimum: 0` for unsigned integers: a Rust detail, and one more
                    // keyword to check per number of every result.
                    if o.get("minimum") == Some(&serde_json::json!(0)) {
                        o.remove("minimum");
                    }
                }
                o.values_mut().for_each(strip);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v = serde_json::Value::Object(schema.clone());
    strip(&mut v);
    match v {
        serde_json::Value::Object(o) => Arc::new(o),
        _ => Arc::new(schema.clone()),
    }
}

/// Every tool tandem offers, in the order `tools/list` shows them.
pub fn all() -> Vec<ToolDef> {
    vec![
        def(
            "create_coordination_issue",
            "Create a coordination",
            "Open a cross-repository coordination: a parent issue, one child issue per affected repository \
             (with a checklist from its role and the change type) and an integration-testing issue. Give the \
             repositories (`repos`) or the changed one (`from_repo`, which adds all its transitive consumers). \
             Idempotent by `key`.",
            false,
            create,
        ),
        def(
            "analyze_dependency_impact",
            "Analyze dependency impact",
            "Analyze a change to a repository's contracts (a git revision range of its checkout, the working \
             tree, or a list of changed files): breaking-change findings with rule IDs, the impact level, the \
             repositories that must follow, and recommendations. The analysis is recorded; with \
             `open_coordination_at` it also opens the coordination.",
            false,
            crate::analyze::analyze,
        ),
        def(
            "sync_coordination_status",
            "Change a status",
            "Move a coordination (or, with `repo`, one of its children) to a new status, with a reason. \
             Returns every change, including the ones it propagated (e.g. starting a coordination readies \
             children; all children done moves it to testing). Illegal transitions are refused with the reason.",
            false,
            sync_status,
        ),
        def(
            "check_checklist_item",
            "Tick a checklist item",
            "Tick (or untick) one item of a child's checklist, or of the integration-testing issue \
             (`repo: \"integration\"`), by number or text.",
            false,
            check_item,
        ),
        def(
            "get_coordination_progress",
            "Coordination progress",
            "Overall progress (weighted by repository effort), each child's status and progress, the \
             critical path, blockers with reasons, and deployment readiness.",
            true,
            progress,
        ),
        def(
            "generate_coordination_workflow",
            "Plan a coordination",
            "Plan a change without opening anything: phases in dependency waves with per-repository tasks, \
             integration testing, deployment waves and the rollback sequence, as structured data and Markdown.",
            true,
            workflow::generate,
        ),
        def(
            "list_coordinations",
            "List coordinations",
            "Every coordination with its status, effective status and progress.",
            true,
            list,
        ),
        def(
            "get_coordination",
            "Show a coordination",
            "One coordination in full: children with their issues and checklists, the integration-testing \
             issue, plan and status.",
            true,
            get,
        ),
        def(
            "get_coordination_history",
            "Coordination history",
            "The append-only history of a coordination: who changed what, when, from, to and why.",
            true,
            history,
        ),
        def(
            "plan_deployment",
            "Plan a deployment",
            "A coordination's deployment plan (repositories in dependency order, grouped in waves that may \
             deploy in parallel), its readiness, and the rollback plan (reverse order, stopping traffic first).",
            true,
            plan_deployment,
        ),
        def(
            "get_dependency_graph",
            "Dependency graph",
            "The workspace's repositories and their dependencies: order, waves, direct consumers and how many \
             depend on each transitively; optionally rendered as Mermaid or Graphviz DOT.",
            true,
            graph,
        ),
        def(
            "check_health",
            "Check health",
            "Run the health checks: stale and blocked coordinations, repositories pinning mismatched \
             versions of internal dependencies, undeclared or missing dependencies, health endpoints down or \
             slow, breaking changes without a coordination. Findings come worst first, each with what to do.",
            true,
            crate::health::check,
        ),
        def(
            "run_rollout",
            "Run a rollout",
            "Deploy a ready coordination wave by wave (each repository's [repo.deploy] command), gating every \
             wave and feature-flag stage on health endpoints and Prometheus queries, and rolling back in \
             reverse order when a deploy or gate fails. Resumes an interrupted run after its last completed \
             step. With `dry_run`, only says exactly what would run. Blocks until the rollout ends.",
            false,
            crate::rollout::run,
        ),
        def(
            "get_rollout_status",
            "Rollout status",
            "Where a coordination's rollout stands, read from its history: each step's state, when it ran \
             and what it did, the failure and the rollback.",
            true,
            crate::rollout::status,
        ),
    ]
}

fn id(n: i64) -> CoordId {
    CoordId(n)
}

fn create(engine: &Engine, i: CreateCoordinationInput) -> Result<(CreatedOut, String), ToolError> {
    let req = CreateRequest {
        title: i.title,
        change_type: Some(parse_change_type(&i.change_type)?),
        repos: i.repos.unwrap_or_default(),
        from_repo: i.from_repo,
        priority: parse_priority(&i.priority)?,
        plan: i.plan,
        milestone: i.milestone,
        key: i.key,
    };
    let created = engine.create_coordination(&req, &mut |_| {})?;
    let c = &created.coordination;
    let summary = format!(
        "{} coordination #{} \"{}\" ({}, {} priority, {} strategy) across {} repositories: {}; {} issues opened.",
        if created.created { "Created" } else { "Found existing" },
        c.id,
        c.title,
        c.change_type,
        c.priority,
        c.strategy,
        c.children.len(),
        c.children.iter().map(|ch| ch.repo.as_str()).collect::<Vec<_>>().join(", "),
        created.issues_opened
    );
    Ok(((&created).into(), summary))
}

fn sync_status(engine: &Engine, i: SyncStatusInput) -> Result<(ChangeOut, String), ToolError> {
    let reason = i.reason.as_deref().filter(|r| !r.trim().is_empty());
    let change = match &i.repo {
        None => {
            let status: CoordStatus = i.status.parse().map_err(|e: tandem_model::UnknownValue| e.to_string())?;
            engine.set_status(id(i.coordination), status, reason, i.force)?
        }
        Some(repo) => {
            let status: ChildStatus = i.status.parse().map_err(|e: tandem_model::UnknownValue| e.to_string())?;
            engine.set_child_status(id(i.coordination), repo, status, reason)?
        }
    };
    let out = ChangeOut::from(&change);
    let what = match &i.repo {
        None => format!("coordination #{}", i.coordination),
        Some(r) => format!("{r} in coordination #{}", i.coordination),
    };
    let summary = if out.changed {
        format!(
            "{what} is now {}; {} change(s) recorded ({} propagated); coordination status {}.",
            i.status.trim(),
            out.events.len(),
            out.events.len().saturating_sub(1),
            out.effective_status
        )
    } else {
        format!("Nothing changed: {what} was already {}.", i.status.trim())
    };
    Ok((out, summary))
}

fn check_item(engine: &Engine, i: CheckItemInput) -> Result<(ChangeOut, String), ToolError> {
    let change = engine.check_item(id(i.coordination), &i.repo, &i.item, i.checked)?;
    let out = ChangeOut::from(&change);
    let summary = format!(
        "{} item '{}' of {} in coordination #{}; {} change(s) recorded.",
        if i.checked { "Ticked" } else { "Unticked" },
        i.item,
        i.repo,
        i.coordination,
        out.events.len()
    );
    Ok((out, summary))
}

fn progress(engine: &Engine, i: CoordinationInput) -> Result<(ProgressOut, String), ToolError> {
    let (c, p) = engine.progress(id(i.coordination))?;
    let out = ProgressOut::new(&c, &p);
    let summary = format!(
        "Coordination #{} \"{}\": {}% ({} of {} children done), status {}; {} blocker(s); critical path: {}.",
        out.coordination,
        out.title,
        out.percent,
        out.children_done,
        out.children_total,
        out.effective_status,
        out.blockers.len(),
        if out.critical_path.repos.is_empty() { "none".into() } else { out.critical_path.repos.join(" → ") }
    );
    Ok((out, summary))
}

fn list(engine: &Engine, _: NoInput) -> Result<(ListOut, String), ToolError> {
    let list: Vec<SummaryOut> = engine.list_coordinations()?.iter().map(SummaryOut::from).collect();
    let summary = if list.is_empty() {
        "No coordinations yet; create one with create_coordination_issue.".to_string()
    } else {
        let lines: Vec<String> =
            list.iter().map(|s| format!("#{} {} — {}, {}%", s.id, s.title, s.effective_status, s.percent)).collect();
        format!("{} coordination(s):\n{}", list.len(), lines.join("\n"))
    };
    Ok((ListOut { coordinations: list }, summary))
}

fn get(engine: &Engine, i: CoordinationInput) -> Result<(CoordinationOut, String), ToolError> {
    let c = engine.coordination(id(i.coordination))?;
    let summary = format!(
        "Coordination #{} \"{}\": {} {} change, status {}, {} children.",
        c.id,
        c.title,
        c.priority,
        c.change_type,
        c.status,
        c.children.len()
    );
    Ok(((&c).into(), summary))
}

fn history(engine: &Engine, i: CoordinationInput) -> Result<(HistoryOut, String), ToolError> {
    let events = engine.history(id(i.coordination))?;
    let events: Vec<EventOut> = events.iter().map(|e| EventOut::from(&e.event)).collect();
    let summary = format!("Coordination #{}: {} event(s).", i.coordination, events.len());
    Ok((HistoryOut { coordination: i.coordination, events }, summary))
}

fn plan_deployment(engine: &Engine, i: CoordinationInput) -> Result<(DeploymentOut, String), ToolError> {
    let (c, p) = engine.progress(id(i.coordination))?;
    let deploy = engine.deploy_plan(c.id)?;
    let rollback = engine.rollback_plan(c.id)?;
    let waves: Vec<Vec<String>> = deploy.waves.iter().map(|w| w.iter().map(|r| r.to_string()).collect()).collect();
    let summary = format!(
        "Coordination #{}: deploy in {} wave(s): {}; {}.",
        c.id,
        waves.len(),
        waves.iter().map(|w| w.join(" + ")).collect::<Vec<_>>().join(" → "),
        if p.readiness.ready {
            "ready to deploy".to_string()
        } else {
            format!("not ready: {}", p.readiness.reasons.join("; "))
        }
    );
    let out = deployment_out(&c, &p, &deploy, &rollback);
    Ok((out, summary))
}

fn graph(engine: &Engine, i: GraphInput) -> Result<(GraphOut, String), ToolError> {
    let view = engine.graph_view();
    let mut out = GraphOut::from(&view);
    out.rendered = i.format.map(|f| match f {
        GraphFormat::Mermaid => tandem_engine::render::to_mermaid(&view),
        GraphFormat::Dot => tandem_engine::render::to_dot(&view),
    });
    let summary = format!(
        "Workspace {}: {} repositories in {} wave(s); order: {}.",
        out.workspace,
        out.repos.len(),
        out.waves.len(),
        out.order.join(", ")
    );
    Ok((out, summary))
}
