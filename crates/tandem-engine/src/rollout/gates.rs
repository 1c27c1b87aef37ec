//! Evaluating gates once: HTTP health endpoints (the health probe: ureq over rustls, redirects,
//! `ca_file`, redacted URLs) and Prometheus instant queries (`GET /api/v1/query`). Every gate
//! of a check is evaluated at the same time. A gate that cannot be evaluated fails: an
//! unreachable Prometheus, an error answer, a query without data or a NaN never passes.

use crate::health::probe::{self, ProbeTarget};
use base64::Engine as _;
use std::time::Duration;
use tandem_model::health::{self as judge, EndpointProbe, EndpointVerdict, HealthUrl};
use tandem_model::rollout::{Bound, Gate, GateCheck, RolloutSettings};
use tandem_model::RepoName;

/// The largest Prometheus answer read, in bytes.
const MAX_ANSWER_BYTES: u64 = 4 * 1024 * 1024;

/// One gate's verdict in one check.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GateResult {
    /// The repo the gate belongs to (`None`: the whole rollout's).
    pub repo: Option<RepoName>,
    pub gate: String,
    pub passed: bool,
    /// What was seen: `HTTP 200 in 3 ms`, `value 0.35 (must be < 0.2)`, or why it failed.
    pub detail: String,
}

impl GateResult {
    /// `repo: gate: detail` for messages.
    pub fn line(&self) -> String {
        match &self.repo {
            Some(r) => format!("{r}: {}: {}", self.gate, self.detail),
            None => format!("{}: {}", self.gate, self.detail),
        }
    }
}

/// Evaluates every gate once, concurrently; results in the order given.
pub fn evaluate(gates: &[(Option<RepoName>, Gate)], settings: &RolloutSettings) -> Vec<GateResult> {
    std::thread::scope(|s| {
        let handles: Vec<_> = gates.iter().map(|(repo, gate)| s.spawn(move || one(repo, gate, settings))).collect();
        handles
            .into_iter()
            .zip(gates)
            .map(|(h, (repo, gate))| {
                h.join().unwrap_or_else(|_| GateResult {
                    repo: repo.clone(),
                    gate: gate.name.clone(),
                    passed: false,
                    detail: "the check did not finish".into(),
                })
            })
            .collect()
    })
}

fn one(repo: &Option<RepoName>, gate: &Gate, settings: &RolloutSettings) -> GateResult {
    let (passed, detail) = match &gate.check {
        GateCheck::Http(h) => {
            let p = probe::probe(&ProbeTarget {
                url: h.url.clone(),
                timeout: Duration::from_millis(h.timeout_ms),
                ca_file: h.ca_file.clone(),
            });
            let latency_ms = u64::try_from(p.elapsed.as_millis()).unwrap_or(u64::MAX);
            let name = repo.clone().unwrap_or_else(|| RepoName::parse("rollout").expect("a valid name"));
            let observed = EndpointProbe { repo: &name, health: h, outcome: &p.outcome, latency_ms };
            match judge::endpoint_verdict(observed) {
                EndpointVerdict::Healthy => (true, format!("{} answered 2xx in {latency_ms} ms", h.url)),
                EndpointVerdict::Unhealthy(f) => {
                    let msg = f.message.strip_prefix(&format!("{name}: ")).unwrap_or(&f.message).to_string();
                    (false, msg)
                }
            }
        }
        GateCheck::Prometheus { query, bound } => match &settings.prometheus {
            None => (false, "no Prometheus server is configured".into()),
            Some(base) => prometheus(base, query, *bound, Duration::from_millis(settings.prometheus_timeout_ms)),
        },
    };
    GateResult { repo: repo.clone(), gate: gate.name.clone(), passed, detail }
}

/// One instant query; every sample must satisfy the bound.
fn prometheus(base: &HealthUrl, query: &str, bound: Bound, timeout: Duration) -> (bool, String) {
    match query_values(base, query, timeout) {
        Err(why) => (false, why),
        Ok(values) if values.is_empty() => (false, format!("the query returned no data (must be {bound})")),
        Ok(values) => {
            let bad: Vec<String> =
                values.iter().filter(|(_, v)| !bound.holds(*v)).map(|(series, v)| show(series, *v)).collect();
            if bad.is_empty() {
                let shown: Vec<String> = values.iter().take(3).map(|(s, v)| show(s, *v)).collect();
                (true, format!("{} (must be {bound})", shown.join(", ")))
            } else {
                (false, format!("{} (must be {bound})", bad.join(", ")))
            }
        }
    }
}

fn show(series: &str, v: f64) -> String {
    if series.is_empty() {
        format!("value {v}")
    } else {
        format!("{series} = {v}")
    }
}

/// The samples of an instant query, each with its series' labels (`{a="b"}`), or why none.
pub fn query_values(base: &HealthUrl, query: &str, timeout: Duration) -> Result<Vec<(String, f64)>, String> {
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .user_agent("tandem-rollout")
        .max_idle_connections(0)
        .proxy(if base.is_loopback() { None } else { ureq::Proxy::try_from_env() })
        .build()
        .new_agent();
    let url = format!("{}/api/v1/query", base.request_url().trim_end_matches('/'));
    let mut request = agent.get(&url).query("query", query);
    if let Some(c) = base.credentials() {
        let token = base64::engine::general_purpose::STANDARD.encode(c.expose_user_colon_password());
        request = request.header("Authorization", format!("Basic {token}"));
    }
    let unreachable = |why: String| format!("Prometheus at {base} could not be reached: {why}");
    let mut response = match request.call() {
        Ok(r) => r,
        Err(ureq::Error::Timeout(_)) => {
            return Err(unreachable(format!("no answer within {} ms", timeout.as_millis())))
        }
        Err(ureq::Error::Io(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            return Err(unreachable("connection refused".into()))
        }
        Err(ureq::Error::HostNotFound) => return Err(unreachable(format!("cannot resolve host '{}'", base.host()))),
        Err(e) => return Err(unreachable(scrub(&e.to_string(), base))),
    };
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_ANSWER_BYTES)
        .read_to_string()
        .map_err(|e| format!("Prometheus at {base}: reading the answer: {}", scrub(&e.to_string(), base)))?;
    let v: serde_json::Value = serde_json::from_str(&body)
        .map_err(|_| format!("Prometheus at {base} answered HTTP {status} with something that is not its JSON"))?;
    if v["status"] != "success" {
        let err = v["error"].as_str().unwrap_or("no error message");
        return Err(format!("Prometheus at {base} refused the query (HTTP {status}): {}", clip(err)));
    }
    let data = &v["data"];
    let sample = |pair: &serde_json::Value| -> Option<f64> { pair.get(1)?.as_str()?.parse::<f64>().ok() };
    match data["resultType"].as_str() {
        Some("vector") => {
            let mut out = Vec::new();
            for s in data["result"].as_array().map(Vec::as_slice).unwrap_or_default() {
                let labels = s["metric"].as_object().map(|m| {
                    let parts: Vec<String> =
                        m.iter().map(|(k, v)| format!("{k}=\"{}\"", v.as_str().unwrap_or_default())).collect();
                    if parts.is_empty() {
                        String::new()
                    } else {
                        format!("{{{}}}", parts.join(","))
                    }
                });
                let value =
                    sample(&s["value"]).ok_or_else(|| format!("Prometheus at {base}: a sample without a value"))?;
                out.push((labels.unwrap_or_default(), value));
            }
            Ok(out)
        }
        Some("scalar") => Ok(sample(&data["result"]).map(|v| vec![(String::new(), v)]).unwrap_or_default()),
        other => Err(format!(
            "the query returned a {}, not a number per series (use an instant vector or scalar)",
            other.unwrap_or("nothing")
        )),
    }
}

fn clip(s: &str) -> String {
    tandem_model::manifest::clip(s).into_owned()
}

/// Hides a URL's query and credentials should an error message quote the request.
fn scrub(text: &str, url: &HealthUrl) -> String {
    match url.query().filter(|q| !q.is_empty()) {
        Some(q) => text.replace(q, "***"),
        None => text.to_string(),
    }
}
