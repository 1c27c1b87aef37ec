//! `tandem serve`: the HTTP API, GitHub webhooks, `/metrics` and the health scheduler
//! (crate `tandem-server`), configured by `[serve]` in tandem.toml and the environment.

use crate::{open_engine, Cli, Failure};
use std::process::ExitCode;
use std::sync::Arc;
use tandem_server::{Application, Secret, Settings};

#[derive(clap::Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on (HOST:PORT; port 0 picks one); default: [serve] listen in
    /// tandem.toml, else 127.0.0.1:7878.
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
    /// How log lines are written to stderr (level from $TANDEM_LOG, default info).
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

/// Structured logs for the server: one line per event, text or JSON.
pub(crate) fn init_logging(args: &ServeArgs) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TANDEM_LOG").unwrap_or_else(|_| "info,hyper=warn".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    match args.log_format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).init(),
    }
}

pub(crate) fn run(cli: &Cli, args: &ServeArgs) -> Result<ExitCode, Failure> {
    let engine = open_engine(cli)?;
    let serve = engine.workspace().serve.clone();
    let mut settings = Settings::new(Settings::DEFAULT_LISTEN);
    settings.listen = match (&args.listen, serve.listen) {
        (Some(l), _) => l.clone(),
        (None, Some(l)) => l.to_string(),
        (None, None) => Settings::DEFAULT_LISTEN.to_string(),
    };
    settings.api_token = Secret::from_env_or_file("the API token", "TANDEM_API_TOKEN", serve.api_token_file.as_deref())
        .map_err(anyhow::Error::from)?;
    settings.webhook_secret =
        Secret::from_env_or_file("the webhook secret", "TANDEM_WEBHOOK_SECRET", serve.webhook_secret_file.as_deref())
            .map_err(anyhow::Error::from)?;
    settings.health_interval = serve.health_interval;
    settings.webhook_max_attempts = serve.webhook_max_attempts;
    settings.webhook_lease = serve.webhook_lease;
    settings.webhook_workers = serve.webhook_workers;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start the async runtime: {e}"))?;
    runtime
        .block_on(async move {
            let engine = Arc::new(engine);
            let write_token = settings.api_token.as_ref().map(|t| Arc::<str>::from(t.reveal()));
            let pages = tandem_web::router(engine.clone(), write_token);
            let app = Application::build(engine, settings, Some(pages)).await?;
            eprintln!("tandem serve listening on http://{}", app.local_addr());
            if let Some(w) = app.exposure_warning() {
                eprintln!("{w}");
            }
            app.run_until_stopped().await
        })
        .map_err(anyhow::Error::from)?;
    Ok(ExitCode::SUCCESS)
}
