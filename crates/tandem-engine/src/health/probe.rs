//! Probing HTTP(S) health endpoints with `ureq` (rustls): one `GET` per endpoint, on a bounded
//! pool of threads so that every endpoint is probed at the same time.
//!
//! - **Deadline**: the endpoint's `timeout_ms` bounds the whole probe (ureq's global timeout):
//!   DNS resolution, connecting, TLS, every redirect and the answer's headers. The body is
//!   never read.
//! - **Redirects**: followed, at most [`MAX_REDIRECTS`]; the final status is judged (a health
//!   endpoint behind a 301 to a healthy page is healthy). More redirects than that is a failure.
//!   Credentials go only to the same host (same scheme or http → https).
//! - **HTTPS**: verified with the built-in public roots (webpki-roots), or with the CA
//!   certificates of the repo's `health.ca_file` instead. An untrusted certificate is a failure
//!   that says so.
//! - **Proxies**: `ALL_PROXY`/`HTTPS_PROXY`/`HTTP_PROXY` (and lower case), with `NO_PROXY`, as
//!   ureq reads them; never for loopback hosts (`localhost`, 127.0.0.0/8, `::1`).
//! - **Credentials** in the URL are sent as Basic authentication; the URL itself is only ever
//!   shown redacted ([`HealthUrl`]'s `Display`).

use base64::Engine as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tandem_model::health::HealthUrl;
use ureq::config::RedirectAuthHeaders;
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};
use ureq::{Agent, Proxy};

pub use tandem_model::health::ProbeOutcome;

/// How many endpoints are probed at once.
const WORKERS: usize = 32;
/// How many redirects a probe follows before it gives up.
pub const MAX_REDIRECTS: u32 = 5;
/// The largest `ca_file` read, in bytes.
pub const MAX_CA_FILE_BYTES: u64 = 1024 * 1024;

/// One endpoint to probe.
#[derive(Debug, Clone)]
pub struct ProbeTarget {
    pub url: HealthUrl,
    pub timeout: Duration,
    pub ca_file: Option<PathBuf>,
}

/// One probe: the outcome and how long it took (to the final answer's headers, or to the failure).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub outcome: ProbeOutcome,
    pub elapsed: Duration,
}

/// Probes one endpoint once.
pub fn probe(target: &ProbeTarget) -> Probe {
    let start = Instant::now();
    let outcome = match agent_for(target) {
        Ok(agent) => get(&agent, target),
        Err(outcome) => outcome,
    };
    Probe { outcome, elapsed: start.elapsed() }
}

/// Probes every target concurrently (at most [`WORKERS`] at a time); results in the order given.
pub fn probe_all(targets: &[ProbeTarget]) -> Vec<Probe> {
    let results: Mutex<Vec<Option<Probe>>> = Mutex::new(vec![None; targets.len()]);
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..targets.len().min(WORKERS) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(target) = targets.get(i) else { break };
                let p = probe(target);
                results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(p);
            });
        }
    });
    let results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    results
        .into_iter()
        .map(|p| {
            p.unwrap_or(Probe {
                outcome: ProbeOutcome::Failed { error: "the probe did not finish".into() },
                elapsed: Duration::ZERO,
            })
        })
        .collect()
}

/// An agent for one probe: its deadline, redirects, proxy and trust roots. One agent per probe
/// keeps connections and TLS settings of different endpoints apart.
fn agent_for(t: &ProbeTarget) -> Result<Agent, ProbeOutcome> {
    let proxy = if t.url.is_loopback() { None } else { Proxy::try_from_env() };
    let mut config = Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(MAX_REDIRECTS)
        .max_redirects_will_error(true)
        .redirect_auth_headers(RedirectAuthHeaders::SameHost)
        .timeout_global(Some(t.timeout))
        .user_agent("tandem-health")
        .max_idle_connections(0)
        .proxy(proxy);
    if let Some(path) = &t.ca_file {
        let roots = read_ca_file(path)?;
        config = config.tls_config(TlsConfig::builder().root_certs(RootCerts::new_with_certs(&roots)).build());
    }
    Ok(config.build().new_agent())
}

/// The certificates of a PEM file, for an https endpoint's trust roots.
fn read_ca_file(path: &std::path::Path) -> Result<Vec<Certificate<'static>>, ProbeOutcome> {
    let fail = |why: String| ProbeOutcome::Failed { error: format!("health.ca_file {}: {why}", path.display()) };
    let len = std::fs::metadata(path).map_err(|e| fail(format!("cannot be read ({e})")))?.len();
    if len > MAX_CA_FILE_BYTES {
        return Err(fail(format!("is {len} bytes, more than the {MAX_CA_FILE_BYTES} a CA file may have")));
    }
    let pem = std::fs::read(path).map_err(|e| fail(format!("cannot be read ({e})")))?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(PemItem::Certificate(c)) => certs.push(c),
            Ok(_) => {}
            Err(e) => return Err(fail(format!("is not valid PEM ({e})"))),
        }
    }
    if certs.is_empty() {
        return Err(fail("holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into()));
    }
    Ok(certs)
}

fn get(agent: &Agent, t: &ProbeTarget) -> ProbeOutcome {
    let request_url = t.url.request_url();
    let mut request = agent.get(&request_url);
    if let Some(c) = t.url.credentials() {
        let token = base64::engine::general_purpose::STANDARD.encode(c.expose_user_colon_password());
        request = request.header("Authorization", format!("Basic {token}"));
    }
    match request.call() {
        // The body does not matter; dropping the response closes the connection.
        Ok(response) => ProbeOutcome::Answered { status: response.status().as_u16() },
        Err(e) => classify(e, t),
    }
}

/// Maps ureq's error to what the probe saw. The text never holds the URL's query.
fn classify(e: ureq::Error, t: &ProbeTarget) -> ProbeOutcome {
    let failed = |error: String| ProbeOutcome::Failed { error: scrub(&error, &t.url) };
    match e {
        ureq::Error::Timeout(_) => ProbeOutcome::TimedOut,
        ureq::Error::HostNotFound => failed(format!("cannot resolve host '{}'", t.url.host())),
        ureq::Error::TooManyRedirects => failed(format!("more than {MAX_REDIRECTS} redirects")),
        ureq::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => ProbeOutcome::Refused,
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => ProbeOutcome::TimedOut,
            _ => match io.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
                Some(tls) => failed(tls_failure(tls, t)),
                None => failed(io.to_string()),
            },
        },
        ureq::Error::Rustls(tls) => failed(tls_failure(&tls, t)),
        other => failed(other.to_string()),
    }
}

fn tls_failure(e: &rustls::Error, t: &ProbeTarget) -> String {
    match e {
        rustls::Error::InvalidCertificate(why) => {
            let trust = match &t.ca_file {
                Some(p) => format!("the CA certificates of health.ca_file {}", p.display()),
                None => "the built-in public roots (set health.ca_file for a private CA)".into(),
            };
            format!("TLS: the server's certificate is not trusted ({why:?}); verified against {trust}")
        }
        other => format!("TLS: {other}"),
    }
}

/// Hides the URL's query (a token) should an error message quote the request.
fn scrub(text: &str, url: &HealthUrl) -> String {
    match url.query().filter(|q| !q.is_empty()) {
        Some(q) => text.replace(q, "***"),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_text_never_holds_the_query() {
        let url = HealthUrl::parse("http://h/health?token=s3cret").unwrap();
        assert_eq!(scrub("bad uri http://h/health?token=s3cret", &url), "bad uri http://h/health?***");
    }

    #[test]
    fn an_unreadable_or_empty_ca_file_is_a_failure_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        for (path, needle) in [(dir.path().join("missing.pem"), "cannot be read"), (empty, "no PEM certificate")] {
            match read_ca_file(&path) {
                Err(ProbeOutcome::Failed { error }) => {
                    assert!(error.contains(needle) && error.contains(&path.display().to_string()), "{error}")
                }
                other => panic!("{other:?}"),
            }
        }
    }
}
