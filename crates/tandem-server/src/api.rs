//! The JSON API's handlers: each parses its input into the engine's request, makes one engine
//! call on a blocking thread ([`AppState::call`]) and answers a wire type. Bad input and engine
//! errors are [`Problem`]s.

use crate::metrics::StoreFigures;
use crate::problem::Problem;
use crate::wire::*;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tandem_engine::analysis::Compare;
use tandem_engine::{AnalyzeRequest, CreateRequest, Endpoints, HealthOptions, MetricsOptions, MAX_STALE_DAYS};
use tandem_model::{ChangeType, ChildStatus, CoordId, CoordStatus, ImpactLevel, Priority, UnknownValue};

type St = State<Arc<AppState>>;

type ApiResult = Result<Response, Problem>;

/// The routes under `/api/v1` (the OpenAPI document lists the same, in [`crate::openapi`]).
pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/coordinations", get(list).post(create))
        .route("/coordinations/{id}", get(show))
        .route("/coordinations/{id}/progress", get(progress))
        .route("/coordinations/{id}/history", get(history))
        .route("/coordinations/{id}/status", post(set_status))
        .route("/coordinations/{id}/children/{repo}/status", post(set_child_status))
        .route("/coordinations/{id}/checklist", post(check_item))
        .route("/coordinations/{id}/plans/deploy", get(deploy_plan))
        .route("/coordinations/{id}/plans/rollback", get(rollback_plan))
        .route("/coordinations/{id}/rollout", get(rollout_status).post(run_rollout))
        .route("/analysis", post(analyze))
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .route("/graph", get(graph))
}

pub(crate) async fn not_found() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "not-found", "Not found", "no such API endpoint; see /api/v1/openapi.json")
}

fn ok<T: serde::Serialize>(v: T) -> ApiResult {
    Ok(Json(v).into_response())
}

fn coord_id(p: Result<Path<String>, PathRejection>) -> Result<CoordId, Problem> {
    let Path(raw) = p.map_err(|e| Problem::invalid("id", e.body_text()))?;
    raw.parse::<i64>().ok().filter(|n| *n > 0).map(CoordId).ok_or_else(|| {
        Problem::invalid("id", format!("'{}' is not a coordination number (a positive integer)", clip(&raw)))
    })
}

fn clip(s: &str) -> std::borrow::Cow<'_, str> {
    tandem_model::manifest::clip(s)
}

/// A JSON body: `Content-Type: application/json` (or none), parsed into `T`.
fn body<T: DeserializeOwned>(headers: &HeaderMap, bytes: Result<Bytes, BytesRejection>) -> Result<T, Problem> {
    let bytes = bytes.map_err(|e| {
        let mut p = Problem::invalid("body", e.body_text());
        p.status = e.status().as_u16();
        p
    })?;
    if let Some(ct) = headers.get(header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or("").to_ascii_lowercase();
        let essence = ct.split(';').next().unwrap_or("").trim().to_string();
        if essence != "application/json" && !essence.ends_with("+json") {
            let mut p =
                Problem::invalid("Content-Type", format!("'{}' is not JSON; send application/json", clip(&essence)));
            p.status = StatusCode::UNSUPPORTED_MEDIA_TYPE.as_u16();
            return Err(p);
        }
    }
    serde_json::from_slice(&bytes).map_err(|e| {
        let message = e.to_string();
        // serde names the field in backticks: "missing field `status`", "unknown field `x`, expected ...".
        let field = message.split('`').nth(1).filter(|f| !f.is_empty()).unwrap_or("body").to_string();
        Problem::invalid(&field, format!("the body does not fit: {message}"))
    })
}

fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, Problem> {
    q.map(|Query(v)| v).map_err(|e| {
        let message = e.body_text();
        let field = message.split('`').nth(1).unwrap_or("query").to_string();
        Problem::invalid(&field, message)
    })
}

fn vocabulary<T: std::str::FromStr<Err = UnknownValue>>(field: &str, v: &str) -> Result<T, Problem> {
    v.parse().map_err(|e: UnknownValue| Problem::choice(field, &e))
}

fn reason(r: &Option<String>) -> Option<String> {
    r.as_deref().map(str::trim).filter(|r| !r.is_empty()).map(String::from)
}

async fn list(State(s): St, q: Result<Query<ListQuery>, QueryRejection>) -> ApiResult {
    let q = query(q)?;
    let status = q.status.as_deref().map(|v| vocabulary::<CoordStatus>("status", v)).transpose()?;
    let change_type = q.change_type.as_deref().map(|v| vocabulary::<ChangeType>("change_type", v)).transpose()?;
    let priority = q.priority.as_deref().map(|v| vocabulary::<Priority>("priority", v)).transpose()?;
    let all = s.call(|e| e.list_coordinations()).await?;
    let coordinations = all
        .iter()
        .filter(|c| status.is_none_or(|st| c.effective_status == st))
        .filter(|c| change_type.is_none_or(|t| c.change_type == t))
        .filter(|c| priority.is_none_or(|p| c.priority == p))
        .filter(|c| q.open.is_none_or(|open| open != c.status.is_closed()))
        .map(tandem_mcp::wire::SummaryOut::from)
        .collect();
    ok(ListOut { coordinations })
}

async fn create(State(s): St, headers: HeaderMap, b: Result<Bytes, BytesRejection>) -> ApiResult {
    let i: CreateCoordinationInput = body(&headers, b)?;
    let change_type = vocabulary::<ChangeType>("type", &i.change_type)?;
    let priority = i.priority.as_deref().map(|p| vocabulary::<Priority>("priority", p)).transpose()?;
    let req = CreateRequest {
        title: i.title,
        change_type: Some(change_type),
        repos: i.repos.unwrap_or_default(),
        from_repo: i.from_repo,
        priority,
        plan: i.plan,
        milestone: i.milestone,
        key: i.key,
    };
    let created = s.call(move |e| e.create_coordination(&req, &mut |_| {})).await?;
    let status = if created.created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(CreatedOut::from(&created))).into_response())
}

async fn show(State(s): St, id: Result<Path<String>, PathRejection>) -> ApiResult {
    let id = coord_id(id)?;
    let c = s.call(move |e| e.coordination(id)).await?;
    ok(CoordinationOut::from(&c))
}

/// Progress is polled; it is rendered again only when the store's newest event changed since
/// (every change of every coordination appends one), so a cached answer is never stale.
async fn progress(State(s): St, id: Result<Path<String>, PathRejection>) -> ApiResult {
    let id = coord_id(id)?;
    let newest = s.call(|e| Ok(e.store().last_event_id()?)).await?;
    if let Some(body) = s.progress_cache.get(id, newest) {
        return Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response());
    }
    let out = s.call(move |e| e.progress(id).map(|(c, p)| ProgressOut::new(&c, &p))).await?;
    let body = Bytes::from(serde_json::to_vec(&out).map_err(|e| Problem::internal(e.to_string()))?);
    s.progress_cache.put(id, newest, body.clone());
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// Rendered progress by coordination, with the newest event ID it was rendered at.
#[derive(Default)]
pub(crate) struct ProgressCache(std::sync::Mutex<std::collections::HashMap<CoordId, (i64, Bytes)>>);

impl ProgressCache {
    /// Entries kept at most; beyond it the cache starts over.
    const MAX: usize = 1024;

    fn get(&self, id: CoordId, newest: i64) -> Option<Bytes> {
        let m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        m.get(&id).filter(|(at, _)| *at == newest).map(|(_, b)| b.clone())
    }

    fn put(&self, id: CoordId, newest: i64, body: Bytes) {
        let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if m.len() >= Self::MAX {
            m.clear();
        }
        m.insert(id, (newest, body));
    }
}

async fn history(State(s): St, id: Result<Path<String>, PathRejection>) -> ApiResult {
    let id = coord_id(id)?;
    let events = s.call(move |e| e.history(id)).await?;
    ok(HistoryOut { coordination: id.0, events: events.iter().map(|e| (&e.event).into()).collect() })
}

async fn set_status(
    State(s): St,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let id = coord_id(id)?;
    let i: StatusInput = body(&headers, b)?;
    let status = vocabulary::<CoordStatus>("status", &i.status)?;
    let why = reason(&i.reason);
    let change = s.call(move |e| e.set_status(id, status, why.as_deref(), i.force)).await?;
    ok(ChangeOut::from(&change))
}

async fn set_child_status(
    State(s): St,
    p: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let Path((raw, repo)) = p.map_err(|e| Problem::invalid("id", e.body_text()))?;
    let id = coord_id(Ok(Path(raw)))?;
    let i: ChildStatusInput = body(&headers, b)?;
    let status = vocabulary::<ChildStatus>("status", &i.status)?;
    let why = reason(&i.reason);
    let change = s.call(move |e| e.set_child_status(id, &repo, status, why.as_deref())).await?;
    ok(ChangeOut::from(&change))
}

async fn check_item(
    State(s): St,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let id = coord_id(id)?;
    let i: CheckInput = body(&headers, b)?;
    let change = s.call(move |e| e.check_item(id, &i.target, &i.item, i.checked)).await?;
    ok(ChangeOut::from(&change))
}

async fn deploy_plan(State(s): St, id: Result<Path<String>, PathRejection>) -> ApiResult {
    let id = coord_id(id)?;
    let out = s
        .call(move |e| {
            let (c, p) = e.progress(id)?;
            let deploy = e.deploy_plan(id)?;
            let rollback = e.rollback_plan(id)?;
            Ok(tandem_mcp::wire::deployment_out(&c, &p, &deploy, &rollback))
        })
        .await?;
    ok(out)
}

async fn rollback_plan(State(s): St, id: Result<Path<String>, PathRejection>) -> ApiResult {
    let id = coord_id(id)?;
    let plan = s.call(move |e| e.rollback_plan(id)).await?;
    ok(RollbackOut { coordination: id.0, steps: tandem_mcp::wire::rollback_steps(&plan) })
}

async fn rollout_status(State(s): St, id: Result<Path<String>, PathRejection>) -> ApiResult {
    let id = coord_id(id)?;
    let view = s.call(move |e| e.rollout_status(id)).await?;
    ok(tandem_mcp::rollout::out(&view, None))
}

/// A dry run answers at once. A real run is checked first by a dry run (refusals are 409s), then
/// carried out in the background: the answer is 202 with the plan, and
/// `GET …/rollout` shows where it is (every step is in the history as it happens).
async fn run_rollout(
    State(s): St,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let id = coord_id(id)?;
    let i: RolloutRunInput = body(&headers, b)?;
    let unfinished = i.unfinished_deploy.unwrap_or(tandem_mcp::rollout::UnfinishedChoice::Refuse);
    let dry = s
        .call(move |e| {
            let opts = tandem_engine::RolloutOptions { dry_run: true, unfinished: unfinished.engine() };
            e.rollout(id, &opts, &|_| {})
        })
        .await?;
    let planned = tandem_mcp::rollout::out(&dry.view, Some(dry.result));
    if i.dry_run {
        return ok(planned);
    }
    let engine = s.engine.clone();
    tokio::task::spawn_blocking(move || {
        let opts = tandem_engine::RolloutOptions { dry_run: false, unfinished: unfinished.engine() };
        match engine.rollout(id, &opts, &|_| {}) {
            Ok(outcome) => tracing::info!(coordination = id.0, result = ?outcome.result, "rollout finished"),
            Err(err) => tracing::warn!(coordination = id.0, error = %err, "rollout failed"),
        }
    });
    Ok((StatusCode::ACCEPTED, Json(planned)).into_response())
}

async fn analyze(State(s): St, headers: HeaderMap, b: Result<Bytes, BytesRejection>) -> ApiResult {
    let i: AnalyzeInput = body(&headers, b)?;
    let open_at = i
        .open_coordination_at
        .as_deref()
        .map(|l| l.parse::<ImpactLevel>().map_err(|e| Problem::choice("open_coordination_at", &e)))
        .transpose()?;
    let out = s
        .call(move |e| {
            let req = AnalyzeRequest {
                repo: Some(i.repo),
                compare: Compare::from_parts(i.base, i.head, i.worktree, None)?,
                changed_files: i.changed_files.unwrap_or_default(),
                ..Default::default()
            };
            e.analyze(&req, open_at).map(|a| tandem_mcp::wire::analysis_out(&a))
        })
        .await?;
    ok(out)
}

async fn health(State(s): St, q: Result<Query<HealthQuery>, QueryRejection>) -> ApiResult {
    let q = query(q)?;
    let opts = HealthOptions {
        stale_days: q.stale_days.unwrap_or(HealthOptions::default().stale_days),
        endpoints: if q.probe.unwrap_or(true) { Endpoints::Probe } else { Endpoints::Skip },
    };
    if !(1..=MAX_STALE_DAYS).contains(&opts.stale_days) {
        return Err(Problem::invalid("stale_days", format!("stale_days must be from 1 to {MAX_STALE_DAYS}")));
    }
    let out = s.call(move |e| e.health(&opts).map(|r| tandem_mcp::wire::health_out(&r))).await?;
    ok(out)
}

async fn metrics(State(s): St, q: Result<Query<MetricsQuery>, QueryRejection>) -> ApiResult {
    let q = query(q)?;
    let mut opts = MetricsOptions::default();
    if let Some(w) = &q.window {
        opts.window = tandem_engine::parse_window(w).map_err(|e| Problem::invalid("window", e.to_string()))?;
    }
    let out = s.call(move |e| e.metrics(&opts).map(|m| MetricsOut::from(&m))).await?;
    ok(out)
}

async fn graph(State(s): St, q: Result<Query<GraphQuery>, QueryRejection>) -> ApiResult {
    let q = query(q)?;
    let format = match q.format.as_deref().map(|f| f.trim().to_ascii_lowercase()) {
        None => None,
        Some(f) if f == "mermaid" || f == "dot" => Some(f),
        Some(f) => {
            return Err(Problem::invalid("format", format!("unknown graph format '{}'", clip(&f)))
                .with_choices(["mermaid", "dot"]))
        }
    };
    let out = s
        .call(move |e| {
            let view = e.graph_view();
            let mut out = GraphOut::from(&view);
            out.rendered = format.map(|f| match f.as_str() {
                "dot" => tandem_engine::render::to_dot(&view),
                _ => tandem_engine::render::to_mermaid(&view),
            });
            Ok(out)
        })
        .await?;
    ok(out)
}

/// `GET /metrics`: Prometheus' text format.
pub(crate) async fn prometheus(State(s): St) -> ApiResult {
    let figures = s
        .call(|e| {
            let coordinations = e.store().list_coordinations()?;
            let deliveries = e.store().delivery_counts()?;
            Ok(StoreFigures { coordinations, deliveries })
        })
        .await?;
    let text = s.metrics.render(&figures);
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response())
}

pub(crate) async fn healthz() -> Json<ProbeOut> {
    Json(ProbeOut { status: "ok".into() })
}

/// Ready when the store answers and shutdown has not begun.
pub(crate) async fn readyz(State(s): St) -> Response {
    if !s.accepting.load(Ordering::SeqCst) {
        return (StatusCode::SERVICE_UNAVAILABLE, Json(ProbeOut { status: "shutting down".into() })).into_response();
    }
    match s.call(|e| Ok(e.store().delivery_counts()?)).await {
        Ok(_) => Json(ProbeOut { status: "ok".into() }).into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, Json(ProbeOut { status: "the store does not answer".into() }))
            .into_response(),
    }
}
