//! The API's wire types: request bodies and query parameters of its own, and results. Results
//! shared with the MCP server are MCP's wire types ([`tandem_mcp::wire`]): one JSON contract for
//! a coordination, its progress, history, plans, the graph, analyses and health, whichever front
//! end answers. Every type here is converted from domain types; the model stays free to change.

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};
use tandem_model::{ChangeType, ChildStatus, CoordStatus, Priority};

fn choices(description: &str, choices: &[&str], optional: bool) -> Schema {
    if optional {
        let mut all: Vec<serde_json::Value> = choices.iter().map(|c| serde_json::json!(c)).collect();
        all.push(serde_json::Value::Null);
        schemars::json_schema!({ "enum": all, "description": description })
    } else {
        schemars::json_schema!({ "type": "string", "enum": choices, "description": description })
    }
}

fn coord_status(_: &mut SchemaGenerator) -> Schema {
    let all: Vec<&str> = CoordStatus::ALL.iter().map(|s| s.as_str()).collect();
    choices("The coordination's new status.", &all, false)
}

fn child_status(_: &mut SchemaGenerator) -> Schema {
    let all: Vec<&str> = ChildStatus::ALL.iter().map(|s| s.as_str()).collect();
    choices("The child's new status.", &all, false)
}

fn coord_status_filter(_: &mut SchemaGenerator) -> Schema {
    let all: Vec<&str> = CoordStatus::ALL.iter().map(|s| s.as_str()).collect();
    choices("Only coordinations whose effective status is this one.", &all, true)
}

fn change_type_filter(_: &mut SchemaGenerator) -> Schema {
    choices("Only coordinations of this change type.", &ChangeType::choices(), true)
}

fn priority_filter(_: &mut SchemaGenerator) -> Schema {
    choices("Only coordinations of this priority.", &Priority::choices(), true)
}

fn graph_format(_: &mut SchemaGenerator) -> Schema {
    choices("Also render the graph as text.", &["mermaid", "dot"], true)
}

fn window(_: &mut SchemaGenerator) -> Schema {
    schemars::json_schema!({
        "type": ["string", "null"],
        "pattern": "^[1-9][0-9]{0,3}(m|h|d|w)$",
        "description": "How far back: a number and a unit, m, h, d or w (e.g. 30d); default 30d.",
    })
}

pub use tandem_mcp::wire::{
    AnalysisOut, AnalyzeInput, ChangeOut, CoordinationOut, CreateCoordinationInput, CreatedOut, DeploymentOut,
    GraphOut, HealthOut, HistoryOut, ListOut, ProgressOut, RollbackStepOut,
};

/// Move a coordination to a new status.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusInput {
    /// The new status: planning, in_progress, testing, ready, deploying, done, blocked, cancelled.
    #[schemars(schema_with = "coord_status")]
    pub status: String,
    /// Why (recorded in the history); blocking and reopening need one.
    #[serde(default)]
    pub reason: Option<String>,
    /// Close (done/cancelled) even though children are still open.
    #[serde(default)]
    pub force: bool,
}

/// Move one child of a coordination to a new status.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChildStatusInput {
    /// The child's new status: pending, ready, in_progress, in_review, done, blocked.
    #[schemars(schema_with = "child_status")]
    pub status: String,
    /// Why (recorded in the history); blocking needs one.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Start (or resume) a coordination's rollout, or only say what would run.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RolloutRunInput {
    /// Only say exactly what would run; change nothing. Default false.
    #[serde(default)]
    pub dry_run: bool,
    /// A deploy an interrupted run started and never finished: `refuse` (default), `retry` or `skip`.
    #[serde(default)]
    pub unfinished_deploy: Option<tandem_mcp::rollout::UnfinishedChoice>,
}

pub use tandem_mcp::rollout::RolloutOut;

/// Tick or untick one checklist item.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInput {
    /// The child's repository, or `integration` for the integration-testing issue.
    pub target: String,
    /// The item: its 1-based number, or (part of) its text.
    pub item: String,
    /// False to untick; default true.
    #[serde(default = "yes")]
    pub checked: bool,
}

fn yes() -> bool {
    true
}

/// Filters of the coordination list (all optional; each narrows the list).
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ListQuery {
    #[schemars(schema_with = "coord_status_filter")]
    pub status: Option<String>,
    #[schemars(schema_with = "change_type_filter")]
    pub change_type: Option<String>,
    #[schemars(schema_with = "priority_filter")]
    pub priority: Option<String>,
    /// Only open (true) or closed (false) coordinations.
    pub open: Option<bool>,
}

/// Options of the health checks.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct HealthQuery {
    /// An open coordination with no activity for more than this many days is stale; default 7.
    #[schemars(range(min = 1, max = 3650))]
    pub stale_days: Option<u32>,
    /// Probe the repositories' health endpoints; default true.
    pub probe: Option<bool>,
}

/// The metrics window.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct MetricsQuery {
    #[schemars(schema_with = "window")]
    pub window: Option<String>,
}

/// How to render the graph.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct GraphQuery {
    #[schemars(schema_with = "graph_format")]
    pub format: Option<String>,
}

/// A coordination's rollback plan.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RollbackOut {
    pub coordination: i64,
    /// Reverse order, starting with stopping traffic to the new version.
    pub steps: Vec<RollbackStepOut>,
}

/// Median, 90th percentile and maximum of a set of durations, in seconds.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DurationStatsOut {
    pub count: usize,
    pub median_seconds: Option<f64>,
    pub p90_seconds: Option<f64>,
    pub max_seconds: Option<f64>,
}

impl From<&tandem_engine::DurationStats> for DurationStatsOut {
    fn from(d: &tandem_engine::DurationStats) -> Self {
        DurationStatsOut {
            count: d.count,
            median_seconds: d.median_seconds,
            p90_seconds: d.p90_seconds,
            max_seconds: d.max_seconds,
        }
    }
}

/// Coordination metrics over a window of the history.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MetricsOut {
    /// The window's start and end (RFC 3339).
    pub from: String,
    pub until: String,
    pub time_to_complete: DurationStatsOut,
    pub child_resolution: DurationStatsOut,
    /// Coordinations closed in the window.
    pub done: usize,
    pub cancelled: usize,
    pub done_share: Option<f64>,
    /// Time spent blocked in the window, in seconds.
    pub blocked_coordination_seconds: f64,
    pub blocked_child_seconds: f64,
    /// Deployments that ended in the window.
    pub deployments: usize,
    pub deployments_succeeded: usize,
    pub deployment_success_rate: Option<f64>,
    /// Coordinations open at the window's end, and their ages.
    pub open: usize,
    pub open_ages: DurationStatsOut,
}

impl From<&tandem_engine::MetricsReport> for MetricsOut {
    fn from(m: &tandem_engine::MetricsReport) -> Self {
        let iso = |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        MetricsOut {
            from: iso(m.from),
            until: iso(m.until),
            time_to_complete: (&m.time_to_complete).into(),
            child_resolution: (&m.child_resolution).into(),
            done: m.outcomes.done,
            cancelled: m.outcomes.cancelled,
            done_share: m.outcomes.done_share,
            blocked_coordination_seconds: m.blocked.coordination_seconds,
            blocked_child_seconds: m.blocked.child_seconds,
            deployments: m.deployments.total,
            deployments_succeeded: m.deployments.succeeded,
            deployment_success_rate: m.deployments.success_rate,
            open: m.open.count,
            open_ages: (&m.open.ages).into(),
        }
    }
}

/// The answer to a webhook delivery.
#[derive(Debug, Serialize, JsonSchema)]
pub struct WebhookAck {
    /// The `X-GitHub-Delivery` ID.
    pub delivery: String,
    /// `queued` (stored, to be processed) or `duplicate` (seen before; not processed again).
    pub status: String,
}

/// `/healthz` and `/readyz`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ProbeOut {
    /// `ok`, or why not.
    pub status: String,
}
