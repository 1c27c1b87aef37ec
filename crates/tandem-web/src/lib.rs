//! tandem's dashboard: the pages a lead keeps open during a cross-repository change.
//!
//! [`router`] returns an axum `Router` that `tandem serve` merges with its API: server-rendered
//! HTML pages that read fine without JavaScript (`/`, `/coordinations/{id}`, `/graph`,
//! `/health`, `/charts`, `/issues/{repo}/{number}`), embedded assets under `/static/`, and the
//! live stream at `/live` (server-sent events; the page fetches itself again when the store's
//! newest event changes). With a write token, a signed-in browser can act: move a child, block
//! and unblock, tick checklist items, move the coordination — each one engine call, refusals
//! shown with the engine's reason. Without a token the dashboard is read-only and says so.
//!
//! It is not the API (no JSON), not a webhook receiver and decides nothing about
//! coordinations: every read and write is the engine's.
//!
//! ```no_run
//! # async fn f(engine: std::sync::Arc<tandem_engine::Engine>) {
//! let app = tandem_web::router(engine, Some(std::sync::Arc::from("write-token")));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
//! axum::serve(listener, app).await.unwrap();
//! # }
//! ```

mod assets;
pub mod auth;
mod html;
pub mod live;
pub mod pages;
pub mod sample;

use auth::Auth;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use pages::{Ctx, History, ListQuery, Notice};
use std::sync::Arc;
use tandem_engine::{Engine, EngineError};
use tandem_model::{ChildStatus, CoordId, CoordStatus};

#[derive(Clone)]
struct App {
    engine: Arc<Engine>,
    auth: Arc<Auth>,
    live: Arc<live::Live>,
    snapshot: Arc<pages::Snapshot>,
    charts: Arc<pages::Memo>,
}

/// The dashboard's routes. `write_token`: `None` (or empty) makes it read-only.
pub fn router(engine: Arc<Engine>, write_token: Option<Arc<str>>) -> Router {
    let app = App {
        engine,
        auth: Arc::new(Auth::new(write_token)),
        live: Arc::new(live::Live::default()),
        snapshot: Arc::new(pages::Snapshot::default()),
        charts: Arc::new(pages::Memo::default()),
    };
    Router::new()
        .route("/", get(list))
        .route("/coordinations/{id}", get(coordination))
        .route("/coordinations/{id}/status", post(move_coordination))
        .route("/coordinations/{id}/children/{repo}", post(move_child))
        .route("/coordinations/{id}/checklist", post(tick))
        .route("/graph", get(graph))
        .route("/health", get(health))
        .route("/charts", get(charts))
        .route("/issues/{repo}/{number}", get(issue))
        .route("/signin", get(signin_form).post(signin))
        .route("/signout", post(signout))
        .route("/live", get(live_stream))
        .route("/static/{file}", get(assets::serve))
        .with_state(app)
}

fn pairs(q: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(q.unwrap_or("").as_bytes()).into_owned().collect()
}

fn field<'a>(p: &'a [(String, String)], name: &str) -> Option<&'a str> {
    p.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// An HTML response that is never cached (pages change with every event).
fn html(status: StatusCode, body: String) -> Response {
    let mut r = (status, Html(body)).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r.headers_mut().insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    r.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    r.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
        ),
    );
    r
}

/// Renders a page on a blocking thread (the engine is synchronous), with the frame data.
async fn render<F>(app: &App, headers: &HeaderMap, f: F) -> Response
where
    F: FnOnce(&Ctx<'_>) -> Result<(StatusCode, String), EngineError> + Send + 'static,
{
    let engine = app.engine.clone();
    let snapshot = app.snapshot.clone();
    let viewer = app.auth.viewer(headers);
    let done = tokio::task::spawn_blocking(move || {
        // The id first: the page then reflects at least this event, never claims a newer one.
        let event_id = engine.store().last_event_id().unwrap_or(0);
        let ctx = Ctx { engine: &engine, snapshot: &snapshot, viewer: &viewer, now: chrono::Utc::now(), event_id };
        match f(&ctx) {
            Ok(r) => r,
            Err(e) => {
                let (status, title) = error_status(&e);
                (status, pages::message(&ctx, title, &e.to_string()))
            }
        }
    })
    .await;
    match done {
        Ok((status, body)) => html(status, body),
        Err(_) => html(StatusCode::INTERNAL_SERVER_ERROR, "<h1>Internal error</h1>".into()),
    }
}

/// The one mapping of engine errors to HTTP statuses.
fn error_status(e: &EngineError) -> (StatusCode, &'static str) {
    match e {
        EngineError::NoCoordination(_) => (StatusCode::NOT_FOUND, "Not found"),
        EngineError::Refused(_) => (StatusCode::CONFLICT, "Refused"),
        EngineError::Input { .. } | EngineError::Invalid(_) => (StatusCode::BAD_REQUEST, "Bad request"),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "Error"),
    }
}

async fn list(State(app): State<App>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let query = ListQuery::from_pairs(&pairs(q.as_deref()));
    render(&app, &headers, move |ctx| Ok((StatusCode::OK, pages::list(ctx, &query)?))).await
}

fn parse_id(s: &str) -> Option<CoordId> {
    s.trim_start_matches('#').parse().ok().filter(|n: &i64| *n > 0).map(CoordId)
}

async fn coordination(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let history = if field(&pairs(q.as_deref()), "history") == Some("all") { History::All } else { History::Recent };
    render(&app, &headers, move |ctx| match parse_id(&id) {
        Some(id) => Ok((StatusCode::OK, pages::coordination(ctx, id, history, None)?)),
        None => Ok((
            StatusCode::NOT_FOUND,
            pages::message(ctx, "Not found", &format!("'{id}' is not a coordination number")),
        )),
    })
    .await
}

async fn graph(State(app): State<App>, headers: HeaderMap) -> Response {
    render(&app, &headers, |ctx| Ok((StatusCode::OK, pages::graph(ctx)?))).await
}

async fn health(State(app): State<App>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let probe = field(&pairs(q.as_deref()), "probe") == Some("1");
    render(&app, &headers, move |ctx| Ok((StatusCode::OK, pages::health(ctx, probe)?))).await
}

async fn charts(State(app): State<App>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let weeks = field(&pairs(q.as_deref()), "weeks").and_then(|w| w.parse().ok()).unwrap_or(8);
    let memo = app.charts.clone();
    render(&app, &headers, move |ctx| Ok((StatusCode::OK, pages::charts(ctx, weeks, &memo)?))).await
}

async fn issue(State(app): State<App>, headers: HeaderMap, Path((repo, number)): Path<(String, String)>) -> Response {
    render(&app, &headers, move |ctx| Ok((StatusCode::OK, pages::issue(ctx, &format!("{repo}#{number}"))?))).await
}

/// Only a local path (`/…`, not `//host`) is a place to go back to.
fn local_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

async fn signin_form(State(app): State<App>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let next = local_next(field(&pairs(q.as_deref()), "next"));
    render(&app, &headers, move |ctx| Ok((StatusCode::OK, pages::signin(ctx, &next, false)))).await
}

async fn signin(State(app): State<App>, headers: HeaderMap, body: String) -> Response {
    let form = pairs(Some(&body));
    let next = local_next(field(&form, "next"));
    let ok = app.auth.token_matches(field(&form, "token").unwrap_or(""));
    match (ok, app.auth.session_value()) {
        (true, Some(session)) => {
            let mut r = Redirect::to(&next).into_response();
            let cookie = format!("{}={session}; Path=/; HttpOnly; SameSite=Strict", auth::COOKIE);
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        _ => render(&app, &headers, move |ctx| Ok((StatusCode::UNAUTHORIZED, pages::signin(ctx, &next, true)))).await,
    }
}

async fn signout(State(app): State<App>, headers: HeaderMap, body: String) -> Response {
    let form = pairs(Some(&body));
    if let Err(why) = app.auth.may_post(&headers, field(&form, "csrf")) {
        return forbidden(&app, &headers, why).await;
    }
    let mut r = Redirect::to("/").into_response();
    let cookie = format!("{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0", auth::COOKIE);
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

async fn forbidden(app: &App, headers: &HeaderMap, why: &'static str) -> Response {
    render(app, headers, move |ctx| Ok((StatusCode::FORBIDDEN, pages::message(ctx, "Not allowed", why)))).await
}

/// The action of a form: one engine call.
enum Act {
    Coordination { status: CoordStatus, reason: Option<String>, force: bool },
    Child { repo: String, status: ChildStatus, reason: Option<String> },
    Tick { target: String, item: String, checked: bool },
}

/// Runs `act` on coordination `id` after the auth checks; success redirects back to the page
/// (post/redirect/get), a refusal or an error re-renders it with the engine's reason.
async fn act(
    app: App,
    headers: HeaderMap,
    id: String,
    form: Vec<(String, String)>,
    act: Result<Act, String>,
) -> Response {
    if let Err(why) = app.auth.may_post(&headers, field(&form, "csrf")) {
        return forbidden(&app, &headers, why).await;
    }
    let Some(id) = parse_id(&id) else {
        return render(&app, &headers, move |ctx| {
            Ok((
                StatusCode::NOT_FOUND,
                pages::message(ctx, "Not found", &format!("'{id}' is not a coordination number")),
            ))
        })
        .await;
    };
    let anchor = match &act {
        Ok(Act::Child { repo, .. }) => format!("#child-{}", html::seg(repo)),
        Ok(Act::Tick { target, .. }) if target != "integration" => format!("#child-{}", html::seg(target)),
        _ => String::new(),
    };
    let engine = app.engine.clone();
    let outcome = match act {
        Err(bad) => Err(Notice::Error(bad)),
        Ok(a) => tokio::task::spawn_blocking(move || match a {
            Act::Coordination { status, reason, force } => engine.set_status(id, status, reason.as_deref(), force),
            Act::Child { repo, status, reason } => engine.set_child_status(id, &repo, status, reason.as_deref()),
            Act::Tick { target, item, checked } => engine.check_item(id, &target, &item, checked),
        })
        .await
        .map_err(|_| Notice::Error("the action did not finish".into()))
        .and_then(|r| {
            r.map_err(|e| match e {
                EngineError::Refused(r) => Notice::Refused(refusal(&r)),
                e => Notice::Error(e.to_string()),
            })
        }),
    };
    match &outcome {
        Ok(change) => tracing::info!(coordination = %id, events = change.events.len(), "dashboard action applied"),
        Err(Notice::Refused(why)) => tracing::info!(coordination = %id, %why, "dashboard action refused"),
        Err(Notice::Error(why)) => tracing::warn!(coordination = %id, %why, "dashboard action failed"),
    }
    match outcome {
        Ok(_) => Redirect::to(&format!("/coordinations/{id}{anchor}")).into_response(),
        Err(n) => {
            let status = if matches!(n, Notice::Refused(_)) { StatusCode::CONFLICT } else { StatusCode::BAD_REQUEST };
            render(&app, &headers, move |ctx| Ok((status, pages::coordination(ctx, id, History::Recent, Some(&n))?)))
                .await
        }
    }
}

/// The engine's reason, and what the form needs to get it through.
fn refusal(r: &tandem_model::Refused) -> String {
    match r.needs {
        Some(tandem_model::Needs::Reason) => format!("{} (fill in the reason and submit again)", r.message),
        Some(tandem_model::Needs::Force) => format!("{} (tick \"force\" to do it anyway)", r.message),
        None => r.message.clone(),
    }
}

fn reason(form: &[(String, String)]) -> Option<String> {
    field(form, "reason").map(str::trim).filter(|r| !r.is_empty()).map(String::from)
}

async fn move_coordination(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: String,
) -> Response {
    let form = pairs(Some(&body));
    let a = field(&form, "status")
        .unwrap_or("")
        .parse::<CoordStatus>()
        .map(|status| Act::Coordination { status, reason: reason(&form), force: field(&form, "force") == Some("1") })
        .map_err(|e| e.to_string());
    act(app, headers, id, form, a).await
}

async fn move_child(
    State(app): State<App>,
    headers: HeaderMap,
    Path((id, repo)): Path<(String, String)>,
    body: String,
) -> Response {
    let form = pairs(Some(&body));
    let a = field(&form, "status")
        .unwrap_or("")
        .parse::<ChildStatus>()
        .map(|status| Act::Child { repo, status, reason: reason(&form) })
        .map_err(|e| e.to_string());
    act(app, headers, id, form, a).await
}

async fn tick(State(app): State<App>, headers: HeaderMap, Path(id): Path<String>, body: String) -> Response {
    let form = pairs(Some(&body));
    let a = match (field(&form, "target"), field(&form, "item")) {
        (Some(t), Some(i)) => {
            Ok(Act::Tick { target: t.to_string(), item: i.to_string(), checked: field(&form, "checked") != Some("0") })
        }
        _ => Err("the form names no checklist item (fields target and item)".to_string()),
    };
    act(app, headers, id, form, a).await
}

async fn live_stream(State(app): State<App>) -> impl IntoResponse {
    let first = live::newest_event(&app.engine).await.unwrap_or(0);
    let rx = app.live.subscribe(&app.engine, first);
    Sse::new(live::stream(rx, first)).keep_alive(KeepAlive::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_returns_only_to_local_paths() {
        assert_eq!(local_next(Some("/coordinations/3")), "/coordinations/3");
        assert_eq!(local_next(Some("//evil.example/x")), "/");
        assert_eq!(local_next(Some("https://evil.example/")), "/");
        assert_eq!(local_next(Some("/\\evil.example")), "/");
        assert_eq!(local_next(None), "/");
    }

    #[test]
    fn coordination_numbers_are_positive_integers() {
        assert_eq!(parse_id("3"), Some(CoordId(3)));
        assert_eq!(parse_id("#3"), Some(CoordId(3)));
        assert_eq!(parse_id("0"), None);
        assert_eq!(parse_id("-1"), None);
        assert_eq!(parse_id("x"), None);
    }
}
