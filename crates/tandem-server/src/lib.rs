//! `tandem serve`: the HTTP front end of the engine.
//!
//! - a JSON API under `/api/v1` for every engine operation, described by an OpenAPI 3.1
//!   document generated from the handlers' wire types (`/api/v1/openapi.json`), errors as RFC
//!   9457 problem details ([`problem`]);
//! - GitHub webhooks at `/webhooks/github`: the signature is verified, the delivery stored
//!   (keyed by `X-GitHub-Delivery`) and acknowledged, then processed from the store by a worker
//!   that claims it under a lease, so each delivery is handled once even when redelivered or
//!   when a process dies mid-way ([`worker`]);
//! - `/metrics` for Prometheus, `/healthz` and `/readyz`;
//! - a scheduler that keeps the health issue current ([`scheduler`]).
//!
//! It holds no rules: every handler makes one engine call on a blocking thread. It is not the
//! dashboard (`tandem-web`, merged into the router where marked) and it does not decide what a
//! webhook event means (that is [`tandem_engine::Engine::handle_github_event`]).
//!
//! ```no_run
//! # async fn run() -> Result<(), tandem_server::ServerError> {
//! let ws = tandem_engine::load_workspace(std::path::Path::new("tandem.toml")).unwrap();
//! let engine = std::sync::Arc::new(tandem_engine::Engine::open(ws, Default::default()).unwrap());
//! let app = tandem_server::Application::build(engine, tandem_server::Settings::new("127.0.0.1:0"), None).await?;
//! println!("listening on port {}", app.port());
//! app.run_until_stopped().await
//! # }
//! ```

mod access;
mod api;
mod error;
mod metrics;
mod observe;
pub mod openapi;
pub mod problem;
pub mod scheduler;
mod secret;
mod webhook;
pub mod wire;
pub mod worker;

pub use error::ServerError;
pub use secret::Secret;

use axum::routing::{get, post};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tandem_engine::{Engine, EngineError};

/// How long shutdown waits for open connections.
pub const DRAIN: Duration = Duration::from_secs(20);

/// The largest webhook body accepted (GitHub caps payloads at 25 MB).
pub const MAX_WEBHOOK_BYTES: usize = 25 * 1024 * 1024;

/// Everything `tandem serve` is started with: `[serve]` of tandem.toml, then the environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `HOST:PORT`; port 0 picks one.
    pub listen: String,
    /// Required for writes, and for reads from other machines.
    pub api_token: Option<Secret>,
    /// Without it, webhooks are refused (503).
    pub webhook_secret: Option<Secret>,
    /// How often the health checks run; `None`: never.
    pub health_interval: Option<Duration>,
    /// Attempts at processing a delivery before it is failed for good.
    pub webhook_max_attempts: u32,
    /// How long a worker holds a delivery it claimed; a crashed worker's deliveries are taken
    /// over after it.
    pub webhook_lease: Duration,
    /// Deliveries processed at once by this process.
    pub webhook_workers: usize,
}

impl Settings {
    pub const DEFAULT_LISTEN: &'static str = "127.0.0.1:7878";
    pub const DEFAULT_MAX_ATTEMPTS: u32 = 8;
    pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);

    /// Defaults for `listen`: no token, no webhook secret, health every 15 minutes.
    pub fn new(listen: &str) -> Settings {
        Settings {
            listen: listen.to_string(),
            api_token: None,
            webhook_secret: None,
            health_interval: Some(Duration::from_secs(15 * 60)),
            webhook_max_attempts: Self::DEFAULT_MAX_ATTEMPTS,
            webhook_lease: Self::DEFAULT_LEASE,
            webhook_workers: tandem_model::manifest::ServeSettings::DEFAULT_WEBHOOK_WORKERS,
        }
    }
}

/// What every handler shares.
pub(crate) struct AppState {
    pub(crate) engine: Arc<Engine>,
    pub(crate) api_token: Option<Secret>,
    pub(crate) webhook_secret: Option<Secret>,
    pub(crate) metrics: metrics::Metrics,
    /// Wakes the delivery workers when a delivery was stored.
    pub(crate) wake: tokio::sync::Notify,
    /// False once shutdown began: `/readyz` answers 503.
    pub(crate) accepting: AtomicBool,
    pub(crate) progress_cache: api::ProgressCache,
}

impl AppState {
    /// Runs one engine call on a blocking thread; a refusal by the rules is counted.
    pub(crate) async fn call<T, F>(self: &Arc<Self>, f: F) -> Result<T, problem::Problem>
    where
        T: Send + 'static,
        F: FnOnce(&Engine) -> Result<T, EngineError> + Send + 'static,
    {
        let engine = self.engine.clone();
        match tokio::task::spawn_blocking(move || f(&engine)).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => {
                if e.is_refusal() {
                    metrics::Metrics::inc(&self.metrics.gate_failures);
                }
                Err(e.into())
            }
            Err(e) => {
                tracing::error!(error = %e, "an engine call panicked");
                Err(problem::Problem::internal("the operation failed unexpectedly; see the server log"))
            }
        }
    }
}

/// A bound server, ready to run: [`Application::build`], then [`Application::port`] and
/// [`Application::run_until_stopped`] (or [`Application::run_until`] in tests).
pub struct Application {
    listener: tokio::net::TcpListener,
    addr: SocketAddr,
    router: axum::Router,
    state: Arc<AppState>,
    settings: Settings,
}

impl Application {
    /// Binds `settings.listen` and builds the router. `pages` (the dashboard's router) is merged
    /// in when given.
    pub async fn build(
        engine: Arc<Engine>,
        settings: Settings,
        pages: Option<axum::Router>,
    ) -> Result<Application, ServerError> {
        if settings.webhook_max_attempts == 0 || settings.webhook_workers == 0 {
            return Err(ServerError::Settings("webhook_max_attempts and the worker count must be at least 1".into()));
        }
        let parsed: SocketAddr = settings.listen.parse().map_err(|_| ServerError::Address(settings.listen.clone()))?;
        let listener = tokio::net::TcpListener::bind(parsed)
            .await
            .map_err(|source| ServerError::Bind { addr: settings.listen.clone(), source })?;
        let addr =
            listener.local_addr().map_err(|source| ServerError::Bind { addr: settings.listen.clone(), source })?;
        let state = Arc::new(AppState {
            engine,
            api_token: settings.api_token.clone(),
            webhook_secret: settings.webhook_secret.clone(),
            metrics: metrics::Metrics::default(),
            wake: tokio::sync::Notify::new(),
            accepting: AtomicBool::new(true),
            progress_cache: api::ProgressCache::default(),
        });
        let router = router(state.clone(), pages);
        Ok(Application { listener, addr, router, state, settings })
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The warning to print when the API can be reached from other machines without a token.
    pub fn exposure_warning(&self) -> Option<String> {
        if self.addr.ip().is_loopback() || self.settings.api_token.is_some() {
            return None;
        }
        Some(format!(
            "WARNING: tandem serve is listening on {}, not a loopback address, and no API token is set: \
             reads from other machines are refused and writes from anywhere. Set TANDEM_API_TOKEN or \
             [serve] api_token_file.",
            self.addr
        ))
    }

    /// Serves until SIGTERM or SIGINT, then shuts down gracefully.
    pub async fn run_until_stopped(self) -> Result<(), ServerError> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `stop` completes; then stops accepting, finishes the requests and the
    /// deliveries in flight, and returns.
    pub async fn run_until(
        self,
        stop: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let mut tasks = Vec::new();
        let owner = worker::owner_id();
        tracing::info!(addr = %self.addr, owner = %owner, "tandem serve started");
        for n in 0..self.settings.webhook_workers {
            let cfg = worker::WorkerConfig {
                owner: owner.clone(),
                lease: self.settings.webhook_lease,
                max_attempts: self.settings.webhook_max_attempts,
            };
            tasks.push(tokio::spawn(worker::run(self.state.clone(), cfg, stop_rx.clone(), n)));
        }
        if let Some(every) = self.settings.health_interval {
            tasks.push(tokio::spawn(scheduler::run(self.state.engine.clone(), every, stop_rx.clone())));
        }
        let state = self.state.clone();
        let stopping = Arc::new(tokio::sync::Notify::new());
        let stopping_tx = stopping.clone();
        let make = self.router.into_make_service_with_connect_info::<SocketAddr>();
        let serve = axum::serve(self.listener, make).with_graceful_shutdown(async move {
            stop.await;
            state.accepting.store(false, Ordering::SeqCst);
            tracing::info!("shutting down: no new connections; finishing what is in flight");
            stopping_tx.notify_one();
        });
        // Requests in flight get DRAIN to finish; a client holding a connection open longer
        // does not keep the process alive.
        let served = tokio::select! {
            r = std::future::IntoFuture::into_future(serve) => r,
            () = async { stopping.notified().await; tokio::time::sleep(DRAIN).await } => {
                tracing::warn!(seconds = DRAIN.as_secs(), "connections still open after the drain time; closing them");
                Ok(())
            }
        };
        let _ = stop_tx.send(true);
        for t in tasks {
            let _ = t.await;
        }
        tracing::info!("tandem serve stopped");
        served.map_err(|source| ServerError::Serve { addr: self.addr, source })
    }
}

/// SIGTERM or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            () = term => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn router(state: Arc<AppState>, pages: Option<axum::Router>) -> axum::Router {
    let api = api::routes()
        .route("/openapi.json", get(openapi::serve))
        .fallback(api::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), access::check));
    let mut app = axum::Router::new()
        .nest("/api/v1", api)
        .route("/webhooks/github", post(webhook::receive))
        .route(
            "/metrics",
            get(api::prometheus).layer(axum::middleware::from_fn_with_state(state.clone(), access::check)),
        )
        .route("/healthz", get(api::healthz))
        .route("/readyz", get(api::readyz))
        .with_state(state.clone());
    // ---- Dashboard (crate tandem-web) -------------------------------------------------------
    // `tandem_web::router(engine, write_token)` serves `/`, `/coordinations/...`, `/graph`,
    // `/health`, `/charts`, `/static/...` and `/live`; those paths are left free here and the
    // dashboard's router is merged at this point.
    if let Some(pages) = pages {
        app = app.merge(pages);
    }
    // -----------------------------------------------------------------------------------------
    app.layer(axum::middleware::from_fn_with_state(state, observe::request))
}
