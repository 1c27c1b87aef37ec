//! The MCP wire types: tool inputs (with JSON schemas) and structured results, converted from
//! the domain types. The model stays free to change; this is the contract assistants see.
//!
//! Closed vocabularies (change types, statuses, priorities) travel as strings whose schema lists
//! the valid values; they are parsed by the domain's `FromStr`, so a wrong value becomes a tool
//! error naming the choices instead of a protocol error.

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};
use tandem_model::progress::Progress;
use tandem_model::{
    ChangeType, Child, ChildStatus, CoordStatus, Coordination, Event, IssueRef, Priority, RepoName, Subject,
};

fn choices_schema(description: &str, choices: &[&str]) -> Schema {
    schemars::json_schema!({ "type": "string", "enum": choices, "description": description })
}

fn change_type_schema(_: &mut SchemaGenerator) -> Schema {
    choices_schema("The kind of change; it chooses the strategy and the checklists.", &ChangeType::choices())
}

fn priority_schema(_: &mut SchemaGenerator) -> Schema {
    choices_schema("Priority; default depends on the change type (never below its minimum).", &Priority::choices())
}

fn status_schema(_: &mut SchemaGenerator) -> Schema {
    let coord: Vec<&str> = CoordStatus::ALL.iter().map(|s| s.as_str()).collect();
    let child: Vec<&str> = ChildStatus::ALL.iter().map(|s| s.as_str()).collect();
    let mut all = coord.clone();
    all.extend(child.iter().filter(|c| !coord.contains(c)));
    let description = format!(
        "Without `repo`: the coordination's new status ({}). With `repo`: that child's new status ({}).",
        coord.join(", "),
        child.join(", ")
    );
    choices_schema(&description, &all)
}

fn iso(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn issue(r: &Option<IssueRef>) -> Option<String> {
    r.as_ref().map(|r| r.to_string())
}

fn names(v: &[RepoName]) -> Vec<String> {
    v.iter().map(|r| r.to_string()).collect()
}

// ---------------------------------------------------------------------------------------------
// Inputs

/// Open a cross-repository coordination: a parent issue and one child issue per affected repo.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCoordinationInput {
    /// One-line title of the change, e.g. "Add auth metadata to AudioChunk".
    pub title: String,
    /// The kind of change (as `tandem coord create --type`); `change_type` is accepted too.
    #[serde(rename = "type", alias = "change_type")]
    #[schemars(schema_with = "change_type_schema")]
    pub change_type: String,
    /// The affected repositories, by name. Give these or `from_repo`, not both.
    #[serde(default)]
    pub repos: Option<Vec<String>>,
    /// The changed repository: it and all its transitive consumers are affected.
    #[serde(default)]
    pub from_repo: Option<String>,
    #[serde(default)]
    #[schemars(schema_with = "priority_schema")]
    pub priority: Option<String>,
    /// The plan, in Markdown (goes into the parent issue).
    #[serde(default)]
    pub plan: Option<String>,
    /// Milestone name.
    #[serde(default)]
    pub milestone: Option<String>,
    /// Idempotency key: creating twice with the same key returns the existing coordination.
    #[serde(default)]
    pub key: Option<String>,
}

/// Which coordination.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CoordinationInput {
    /// The coordination's number (see list_coordinations).
    pub coordination: i64,
}

/// Change a coordination's status, or one child's status, with a reason.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncStatusInput {
    /// The coordination's number.
    pub coordination: i64,
    #[schemars(schema_with = "status_schema")]
    pub status: String,
    /// The child's repository; omit to change the coordination itself.
    #[serde(default)]
    pub repo: Option<String>,
    /// Why (recorded in the history; shown as the blocker's reason when blocking).
    #[serde(default)]
    pub reason: Option<String>,
    /// Close (done/cancelled) a coordination even though children are still open.
    #[serde(default)]
    pub force: bool,
}

/// Tick or untick one checklist item of a child (or of the integration-testing issue).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckItemInput {
    /// The coordination's number.
    pub coordination: i64,
    /// The child's repository, or `integration` for the integration-testing issue.
    pub repo: String,
    /// The item: its 1-based number, or (part of) its text.
    pub item: String,
    /// False to untick; default true.
    #[serde(default = "yes")]
    pub checked: bool,
}

fn yes() -> bool {
    true
}

/// Plan a change without storing anything.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowInput {
    /// The kind of change (as `tandem coord create --type`); `change_type` is accepted too.
    #[serde(rename = "type", alias = "change_type")]
    #[schemars(schema_with = "change_type_schema")]
    pub change_type: String,
    /// What the change is; the first line becomes the title unless `title` is given.
    pub description: String,
    /// The affected repositories. Give these or `from_repo`, not both.
    #[serde(default)]
    pub repos: Option<Vec<String>>,
    /// The changed repository: it and all its transitive consumers are affected.
    #[serde(default)]
    pub from_repo: Option<String>,
    /// Title; default: the description's first line.
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    #[schemars(schema_with = "priority_schema")]
    pub priority: Option<String>,
}

/// How to render the dependency graph.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GraphInput {
    /// Also render the graph as text: `mermaid` or `dot`. Default: structured data only.
    #[serde(default)]
    pub format: Option<GraphFormat>,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum GraphFormat {
    Mermaid,
    Dot,
}

/// No arguments.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoInput {}

/// Analyze a change to a repository: what breaks, and who must follow.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalyzeInput {
    /// The changed repository.
    pub repo: String,
    /// Base revision; default: merge-base with the default branch.
    #[serde(default)]
    pub base: Option<String>,
    /// Head revision; default: HEAD.
    #[serde(default)]
    pub head: Option<String>,
    /// Compare the working tree (uncommitted changes) instead of `head`.
    #[serde(default)]
    pub worktree: bool,
    /// Only these changed files (paths relative to the repository), analysed against base/head.
    #[serde(default)]
    pub changed_files: Option<Vec<String>>,
    /// Open the coordination for the change when its impact is at least this level (`low`,
    /// `medium`, `high`, `critical`); idempotent per repository and head. Default: never.
    #[serde(default)]
    pub open_coordination_at: Option<String>,
}

/// Run the health checks.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthInput {
    /// An open coordination with no activity for more than this many days is stale; default 7.
    #[serde(default)]
    pub stale_days: Option<u32>,
    /// Probe the repositories' health endpoints from tandem.toml; default true.
    #[serde(default = "yes")]
    pub probe_endpoints: bool,
}

pub fn parse_change_type(s: &str) -> Result<ChangeType, String> {
    s.parse().map_err(|e: tandem_model::UnknownValue| e.to_string())
}

pub fn parse_priority(s: &Option<String>) -> Result<Option<Priority>, String> {
    s.as_deref().map(|p| p.parse().map_err(|e: tandem_model::UnknownValue| e.to_string())).transpose()
}

// ---------------------------------------------------------------------------------------------
// Outputs

#[derive(Debug, Serialize, JsonSchema)]
pub struct ItemOut {
    pub section: String,
    pub text: String,
    pub checked: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ChildOut {
    pub repo: String,
    pub role: String,
    pub weight: u32,
    pub status: String,
    /// The nearest affected providers this child follows.
    pub after: Vec<String>,
    pub title: String,
    /// `repo#number`, once opened.
    pub issue: Option<String>,
    /// Why it is blocked, when it is.
    pub blocked_reason: Option<String>,
    pub checklist: Vec<ItemOut>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct IntegrationOut {
    pub repo: String,
    pub status: String,
    pub title: String,
    pub issue: Option<String>,
    pub checklist: Vec<ItemOut>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct CoordinationOut {
    pub id: i64,
    pub key: String,
    pub title: String,
    pub change_type: String,
    pub priority: String,
    pub strategy: String,
    pub status: String,
    /// Why it is blocked, when it is.
    pub blocked_reason: Option<String>,
    pub plan: Option<String>,
    pub milestone: Option<String>,
    pub source_repo: Option<String>,
    pub home_repo: String,
    /// The parent issue, `repo#number`.
    pub issue: Option<String>,
    pub children: Vec<ChildOut>,
    pub integration: IntegrationOut,
    pub created_at: String,
    pub updated_at: String,
}

fn items(v: &[tandem_model::ChecklistItem]) -> Vec<ItemOut> {
    v.iter().map(|i| ItemOut { section: i.section.clone(), text: i.text.clone(), checked: i.checked }).collect()
}

impl From<&Child> for ChildOut {
    fn from(c: &Child) -> Self {
        ChildOut {
            repo: c.repo.to_string(),
            role: c.role.to_string(),
            weight: c.weight,
            status: c.status.to_string(),
            after: names(&c.after),
            title: c.title.clone(),
            issue: issue(&c.issue),
            blocked_reason: c.hold.as_ref().map(|h| h.reason.clone()),
            checklist: items(&c.checklist),
        }
    }
}

impl From<&Coordination> for CoordinationOut {
    fn from(c: &Coordination) -> Self {
        CoordinationOut {
            id: c.id.0,
            key: c.key.clone(),
            title: c.title.clone(),
            change_type: c.change_type.to_string(),
            priority: c.priority.to_string(),
            strategy: c.strategy.to_string(),
            status: c.status.to_string(),
            blocked_reason: c.hold.as_ref().map(|h| h.reason.clone()),
            plan: c.plan.clone(),
            milestone: c.milestone.clone(),
            source_repo: c.source_repo.as_ref().map(|r| r.to_string()),
            home_repo: c.home_repo.to_string(),
            issue: issue(&c.issue),
            children: c.children.iter().map(ChildOut::from).collect(),
            integration: IntegrationOut {
                repo: c.integration.repo.to_string(),
                status: c.integration.status.to_string(),
                title: c.integration.title.clone(),
                issue: issue(&c.integration.issue),
                checklist: items(&c.integration.checklist),
            },
            created_at: iso(c.created_at),
            updated_at: iso(c.updated_at),
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct IssueLink {
    pub repo: String,
    /// `repo#number`.
    pub issue: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct CreatedOut {
    /// False when a coordination with this key already existed (the call resumed or repeated it).
    pub created: bool,
    /// Issues opened by this call.
    pub issues_opened: usize,
    pub parent_issue: Option<String>,
    pub child_issues: Vec<IssueLink>,
    pub integration_issue: Option<String>,
    pub coordination: CoordinationOut,
}

impl From<&tandem_engine::Created> for CreatedOut {
    fn from(c: &tandem_engine::Created) -> Self {
        let co = &c.coordination;
        CreatedOut {
            created: c.created,
            issues_opened: c.issues_opened,
            parent_issue: issue(&co.issue),
            child_issues: co
                .children
                .iter()
                .map(|ch| IssueLink { repo: ch.repo.to_string(), issue: issue(&ch.issue) })
                .collect(),
            integration_issue: issue(&co.integration.issue),
            coordination: co.into(),
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct EventOut {
    pub at: String,
    pub actor: String,
    /// `coordination`, `child` or `integration`.
    pub subject: String,
    /// The child's repository, for child events.
    pub repo: Option<String>,
    /// `created`, `status`, `checked`, `unchecked`, `issue_linked`.
    pub action: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub reason: Option<String>,
}

impl From<&Event> for EventOut {
    fn from(e: &Event) -> Self {
        let (subject, repo) = match &e.subject {
            Subject::Coordination => ("coordination", None),
            Subject::Child(r) => ("child", Some(r.to_string())),
            Subject::Integration => ("integration", None),
        };
        EventOut {
            at: iso(e.at),
            actor: e.actor.clone(),
            subject: subject.into(),
            repo,
            action: e.action.as_str().into(),
            from: e.from.clone(),
            to: e.to.clone(),
            reason: e.reason.clone(),
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ChildStatusOut {
    pub repo: String,
    pub status: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ChangeOut {
    pub coordination: i64,
    /// False when nothing changed (it was already so).
    pub changed: bool,
    /// The coordination's status after the change.
    pub status: String,
    /// `blocked` when the coordination or any child is blocked, else `status`.
    pub effective_status: String,
    /// The change itself first, then everything it propagated.
    pub events: Vec<EventOut>,
    /// Every child's status after the change.
    pub children: Vec<ChildStatusOut>,
}

impl From<&tandem_engine::Change> for ChangeOut {
    fn from(ch: &tandem_engine::Change) -> Self {
        let c = &ch.coordination;
        ChangeOut {
            coordination: c.id.0,
            changed: !ch.events.is_empty(),
            status: c.status.to_string(),
            effective_status: c.progress().effective_status.to_string(),
            events: ch.events.iter().map(EventOut::from).collect(),
            children: c
                .children
                .iter()
                .map(|x| ChildStatusOut { repo: x.repo.to_string(), status: x.status.to_string() })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ChildProgressOut {
    pub repo: String,
    pub status: String,
    pub weight: u32,
    pub checked: usize,
    pub total: usize,
    /// 0–100.
    pub percent: f64,
    /// Under the sequential strategy, the children this one still waits for.
    pub waiting_on: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct BlockerOut {
    /// `coordination`, `integration testing`, or the child's repository.
    pub subject: String,
    pub reason: String,
    pub since: String,
    /// `own`: blocked itself; `parent`: blocked because the coordination is.
    pub cause: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct CriticalPathOut {
    /// The chain of unfinished children, providers first, that bounds the finish.
    pub repos: Vec<String>,
    /// Remaining effort along it, in weight units.
    pub remaining: f64,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct IntegrationProgressOut {
    pub status: String,
    pub checked: usize,
    pub total: usize,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ReadinessOut {
    pub ready: bool,
    /// Why it is not ready yet (empty when ready).
    pub reasons: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ProgressOut {
    pub coordination: i64,
    pub title: String,
    pub status: String,
    pub effective_status: String,
    /// 0–100, weighted by each repository's effort weight.
    pub percent: f64,
    pub children_done: usize,
    pub children_total: usize,
    pub children: Vec<ChildProgressOut>,
    pub integration: IntegrationProgressOut,
    pub critical_path: CriticalPathOut,
    pub blockers: Vec<BlockerOut>,
    /// Whether it may be deployed.
    pub readiness: ReadinessOut,
}

fn percent(f: f64) -> f64 {
    (f * 1000.0).round() / 10.0
}

impl ProgressOut {
    pub fn new(c: &Coordination, p: &Progress) -> Self {
        ProgressOut {
            coordination: c.id.0,
            title: c.title.clone(),
            status: p.status.to_string(),
            effective_status: p.effective_status.to_string(),
            percent: percent(p.overall),
            children_done: p.children_done,
            children_total: p.children_total,
            children: p
                .children
                .iter()
                .map(|ch| ChildProgressOut {
                    repo: ch.repo.to_string(),
                    status: ch.status.to_string(),
                    weight: ch.weight,
                    checked: ch.checked,
                    total: ch.total,
                    percent: percent(ch.fraction),
                    waiting_on: names(&ch.waiting_on),
                })
                .collect(),
            integration: IntegrationProgressOut {
                status: p.integration.status.to_string(),
                checked: p.integration.checked,
                total: p.integration.total,
            },
            critical_path: CriticalPathOut {
                repos: names(&p.critical_path.repos),
                remaining: p.critical_path.remaining,
            },
            blockers: p
                .blockers
                .iter()
                .map(|b| BlockerOut {
                    subject: b.subject.to_string(),
                    reason: b.reason.clone(),
                    since: iso(b.since),
                    cause: match b.cause {
                        tandem_model::coordination::BlockCause::Own => "own".into(),
                        tandem_model::coordination::BlockCause::Parent => "parent".into(),
                    },
                })
                .collect(),
            readiness: ReadinessOut { ready: p.readiness.ready, reasons: p.readiness.reasons.clone() },
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SummaryOut {
    pub id: i64,
    pub title: String,
    pub change_type: String,
    pub priority: String,
    pub strategy: String,
    pub status: String,
    pub effective_status: String,
    /// 0–100.
    pub percent: f64,
    pub children_done: usize,
    pub children_total: usize,
    pub issue: Option<String>,
    pub updated_at: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ListOut {
    pub coordinations: Vec<SummaryOut>,
}

impl From<&tandem_engine::Summary> for SummaryOut {
    fn from(s: &tandem_engine::Summary) -> Self {
        SummaryOut {
            id: s.id.0,
            title: s.title.clone(),
            change_type: s.change_type.to_string(),
            priority: s.priority.to_string(),
            strategy: s.strategy.to_string(),
            status: s.status.to_string(),
            effective_status: s.effective_status.to_string(),
            percent: percent(s.progress),
            children_done: s.children_done,
            children_total: s.children_total,
            issue: issue(&s.issue),
            updated_at: iso(s.updated_at),
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct HistoryOut {
    pub coordination: i64,
    pub events: Vec<EventOut>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct DeployStepOut {
    /// 1-based wave; the repos of one wave may deploy in parallel.
    pub wave: usize,
    pub repo: String,
    /// The repo's deploy command, when tandem.toml gives one.
    pub command: Option<String>,
    /// The repo's health endpoint, when tandem.toml gives one.
    pub health: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct RollbackStepOut {
    /// 1-based position.
    pub step: usize,
    /// `stop_traffic`, `rollback` or `verify`.
    pub action: String,
    pub repo: Option<String>,
    pub command: Option<String>,
    pub description: String,
}

pub fn deploy_steps(p: &tandem_model::plan::DeployPlan) -> Vec<DeployStepOut> {
    p.steps
        .iter()
        .map(|s| DeployStepOut {
            wave: s.wave,
            repo: s.repo.to_string(),
            command: s.command.clone(),
            health: s.health.clone(),
        })
        .collect()
}

pub fn rollback_steps(p: &tandem_model::plan::RollbackPlan) -> Vec<RollbackStepOut> {
    p.steps
        .iter()
        .map(|s| RollbackStepOut {
            step: s.step,
            action: serde_json::to_value(s.action).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default(),
            repo: s.repo.as_ref().map(|r| r.to_string()),
            command: s.command.clone(),
            description: s.description.clone(),
        })
        .collect()
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct DeploymentOut {
    pub coordination: i64,
    pub status: String,
    /// Whether the coordination may be deployed now, and if not why.
    pub readiness: ReadinessOut,
    /// Repos grouped in waves, providers first.
    pub waves: Vec<Vec<String>>,
    pub steps: Vec<DeployStepOut>,
    /// Reverse order, starting with stopping traffic to the new version.
    pub rollback: Vec<RollbackStepOut>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct GraphDepOut {
    pub repo: String,
    /// `grpc`, `http`, `library`, `docker`, `config`.
    pub via: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct GraphRepoOut {
    pub name: String,
    pub role: String,
    /// 1-based wave.
    pub wave: usize,
    pub weight: u32,
    pub depends_on: Vec<GraphDepOut>,
    pub consumers: Vec<String>,
    /// How many repos depend on it, directly or not.
    pub transitive_consumers: usize,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct GraphOut {
    pub workspace: String,
    /// Providers before consumers.
    pub order: Vec<String>,
    /// Repos that may proceed in parallel, wave by wave.
    pub waves: Vec<Vec<String>>,
    pub repos: Vec<GraphRepoOut>,
    /// The graph as Mermaid or Graphviz DOT, when asked for.
    pub rendered: Option<String>,
}

impl From<&tandem_engine::render::GraphView> for GraphOut {
    fn from(v: &tandem_engine::render::GraphView) -> Self {
        GraphOut {
            workspace: v.workspace.clone(),
            order: v.order.clone(),
            waves: v.waves.clone(),
            repos: v
                .repos
                .iter()
                .map(|r| GraphRepoOut {
                    name: r.name.clone(),
                    role: r.role.to_string(),
                    wave: r.wave,
                    weight: r.weight,
                    depends_on: r
                        .depends_on
                        .iter()
                        .map(|d| GraphDepOut { repo: d.repo.clone(), via: d.via.to_string() })
                        .collect(),
                    consumers: r.consumers.clone(),
                    transitive_consumers: r.transitive_consumers,
                })
                .collect(),
            rendered: None,
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct RepoTasksOut {
    pub repo: String,
    pub role: String,
    /// The child issue's title.
    pub title: String,
    /// The nearest affected providers it follows.
    pub after: Vec<String>,
    /// The checklist, item by item, as `section: text`.
    pub tasks: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct PhaseOut {
    /// 1-based.
    pub number: usize,
    pub name: String,
    pub repos: Vec<RepoTasksOut>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct IntegrationPlanOut {
    pub repo: String,
    pub title: String,
    pub tasks: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct WorkflowOut {
    pub title: String,
    pub description: String,
    pub change_type: String,
    pub strategy: String,
    pub priority: String,
    /// The affected repos in dependency order.
    pub repos: Vec<String>,
    /// Implementation phases: one per dependency wave.
    pub phases: Vec<PhaseOut>,
    pub integration_testing: IntegrationPlanOut,
    pub deployment: Vec<DeployStepOut>,
    pub rollback: Vec<RollbackStepOut>,
    /// The same plan as Markdown.
    pub markdown: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct FindingOut {
    /// Stable rule ID, e.g. `FIELD_NO_DELETE`.
    pub rule: String,
    /// `breaking`, `warning` or `info`.
    pub severity: String,
    /// protobuf, openapi, sql, config, dependency.
    pub kind: String,
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl From<&tandem_model::Finding> for FindingOut {
    fn from(f: &tandem_model::Finding) -> Self {
        FindingOut {
            rule: f.rule.clone(),
            severity: f.severity.as_str().into(),
            kind: f.kind.clone(),
            path: f.path.clone(),
            line: f.line,
            column: f.column,
            message: f.message.clone(),
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct CountsOut {
    pub breaking: usize,
    pub warning: usize,
    pub info: usize,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ConsumerOut {
    pub repo: String,
    /// `direct` or `transitive`.
    pub relation: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct AnalysisOut {
    pub repo: String,
    /// The base revision compared (resolved).
    pub base: String,
    /// The head revision compared (resolved), or the working tree.
    pub head: String,
    /// The contract files compared.
    pub files: Vec<String>,
    pub findings: Vec<FindingOut>,
    pub counts: CountsOut,
    /// `none`, `low`, `medium`, `high` or `critical`.
    pub impact: String,
    /// Why the impact is at that level.
    pub impact_reason: String,
    /// The coordination type the change calls for, when it calls for one.
    pub suggested_change_type: Option<String>,
    pub suggested_strategy: Option<String>,
    /// The repositories that must follow.
    pub affected_repos: Vec<String>,
    /// The same, each with how it depends on the changed repository.
    pub consumers: Vec<ConsumerOut>,
    pub recommendations: Vec<String>,
    /// The recorded analysis.
    pub analysis_id: Option<i64>,
    /// The coordination opened for it (with `open_coordination_at`).
    pub coordination: Option<i64>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct HealthFindingOut {
    /// Stable check ID, e.g. `STALE_COORDINATION`.
    pub check: String,
    /// `critical`, `warning` or `info`.
    pub level: String,
    pub message: String,
    /// What it is about, most specific first (e.g. `coordination #3`, `loqa-hub`).
    pub subjects: Vec<String>,
    /// What to do about it.
    pub action: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct HealthCountsOut {
    pub critical: usize,
    pub warning: usize,
    pub info: usize,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct EndpointOut {
    pub repo: String,
    /// Redacted: no credentials, no query.
    pub url: String,
    pub healthy: bool,
    /// `HTTP 200`, `connection refused`, `timed out` …
    pub outcome: String,
    pub latency_ms: u64,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct HealthOut {
    pub at: String,
    /// The engine's verdict: no finding at warning level or above.
    pub healthy: bool,
    pub stale_days: u32,
    pub coordinations_checked: usize,
    pub repos_checked: usize,
    pub endpoints_probed: bool,
    pub counts: HealthCountsOut,
    /// Worst first.
    pub findings: Vec<HealthFindingOut>,
    pub endpoints: Vec<EndpointOut>,
}

/// An analysis as its wire type (the MCP tool's and the HTTP API's result).
pub fn analysis_out(a: &tandem_engine::Analysis) -> AnalysisOut {
    AnalysisOut {
        repo: a.repo.as_ref().map(|r| r.to_string()).unwrap_or_default(),
        base: a.base.clone(),
        head: a.head.clone(),
        files: a.files.clone(),
        findings: a.findings.iter().map(FindingOut::from).collect(),
        counts: CountsOut { breaking: a.counts.breaking, warning: a.counts.warning, info: a.counts.info },
        impact: a.impact.level.as_str().into(),
        impact_reason: a.impact.reason.clone(),
        suggested_change_type: a.impact.change_type.map(|c| c.to_string()),
        suggested_strategy: a.impact.strategy.map(|s| s.to_string()),
        affected_repos: a.impact.consumers.iter().map(|c| c.repo.to_string()).collect(),
        consumers: a
            .impact
            .consumers
            .iter()
            .map(|c| ConsumerOut { repo: c.repo.to_string(), relation: c.relation.to_string() })
            .collect(),
        recommendations: a.recommendations.clone(),
        analysis_id: a.analysis_id,
        coordination: a.coordination.map(|c| c.0),
    }
}

fn outcome(o: &tandem_engine::ProbeOutcome) -> String {
    match o {
        tandem_engine::ProbeOutcome::Answered { status } => format!("HTTP {status}"),
        tandem_engine::ProbeOutcome::Refused => "connection refused".into(),
        tandem_engine::ProbeOutcome::TimedOut => "timed out".into(),
        tandem_engine::ProbeOutcome::Failed { error } => format!("failed: {error}"),
        tandem_engine::ProbeOutcome::NotProbed { reason } => format!("not probed: {reason}"),
    }
}

/// A health report as its wire type (the MCP tool's and the HTTP API's result).
pub fn health_out(r: &tandem_engine::HealthReport) -> HealthOut {
    HealthOut {
        at: r.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        healthy: r.verdict() == tandem_engine::Verdict::Healthy,
        stale_days: r.stale_days,
        coordinations_checked: r.coordinations_checked,
        repos_checked: r.repos_checked,
        endpoints_probed: r.endpoints_probed,
        counts: HealthCountsOut { critical: r.counts.critical, warning: r.counts.warning, info: r.counts.info },
        findings: r
            .findings
            .iter()
            .map(|f| HealthFindingOut {
                check: f.check.to_string(),
                level: f.level.to_string(),
                message: f.message.clone(),
                subjects: f.subjects.iter().map(|s| s.to_string()).collect(),
                action: f.action.clone(),
            })
            .collect(),
        endpoints: r
            .endpoints
            .iter()
            .map(|e| EndpointOut {
                repo: e.repo.to_string(),
                url: e.url.clone(),
                healthy: e.healthy,
                outcome: outcome(&e.outcome),
                latency_ms: e.latency_ms,
            })
            .collect(),
    }
}

/// A coordination's deployment and rollback plans with its readiness, as their wire type.
pub fn deployment_out(
    c: &Coordination,
    p: &Progress,
    deploy: &tandem_model::plan::DeployPlan,
    rollback: &tandem_model::plan::RollbackPlan,
) -> DeploymentOut {
    DeploymentOut {
        coordination: c.id.0,
        status: c.status.to_string(),
        readiness: ReadinessOut { ready: p.readiness.ready, reasons: p.readiness.reasons.clone() },
        waves: deploy.waves.iter().map(|w| w.iter().map(|r| r.to_string()).collect()).collect(),
        steps: deploy_steps(deploy),
        rollback: rollback_steps(rollback),
    }
}

/// The name an engine input has on the wire: the MCP tools' argument and the HTTP API's body
/// field or parameter (both front ends share these types, so one name serves both).
pub fn input_name(i: tandem_engine::Input) -> &'static str {
    use tandem_engine::Input;
    match i {
        Input::Title => "title",
        Input::Repos => "repos",
        Input::FromRepo => "from_repo",
        Input::Key => "key",
        Input::Repo => "repo",
        Input::Item => "item",
        Input::Head => "head",
        Input::Base => "base",
        Input::Worktree => "worktree",
        Input::Against => "changed_files",
        Input::OpenCoordination => "open_coordination_at",
        Input::Workspace => "repo",
        Input::Overwrite => "force",
        Input::Window => "window",
        Input::Days => "stale_days",
    }
}
