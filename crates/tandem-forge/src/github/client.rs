//! GitHub's REST API over one blocking HTTP agent, with GitHub's documented rate limits:
//!
//! - **Primary**: every answer's `x-ratelimit-remaining` / `x-ratelimit-reset` are kept; when
//!   none remain, the next request waits for the reset (and says so).
//! - **Secondary**: a 403/429 answer with `retry-after` waits that long; one without it waits for
//!   the primary reset when none remain, else backs off exponentially (from one minute) with jitter.
//! - **Pacing**: content-creating requests (POST, PATCH, PUT, DELETE) are spaced to stay below
//!   GitHub's published ceilings (80 a minute, 500 an hour), so a large fan-out never trips them.
//!
//! Time goes through a [`Pacer`], so tests move a simulated clock instead of waiting.
//! The token lives in a [`Token`], whose `Debug` and `Display` never show it.

use crate::ForgeError;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What a token needs, said in every authentication or permission error.
pub const TOKEN_SCOPES: &str = "a classic token with the `repo` scope (`public_repo` for public repositories \
only), or a fine-grained token with 'Issues: read and write', 'Pull requests: read' and 'Metadata: read' on every \
repository of the workspace";

/// A GitHub token. Never printed: `Debug` and `Display` show `[redacted]`.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    pub fn new(s: impl Into<String>) -> Token {
        Token(s.into().trim().to_string())
    }
    fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token([redacted])")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Time for the client: reading it and waiting. Tests pass a simulated one.
pub trait Pacer: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
    fn sleep(&self, d: Duration);
}

/// The wall clock and `thread::sleep`.
#[derive(Debug, Default, Clone, Copy)]
pub struct RealPacer;

impl Pacer for RealPacer {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
    fn sleep(&self, d: Duration) {
        std::thread::sleep(d)
    }
}

/// How fast content-creating requests may go. GitHub's published ceilings are 80 a minute and
/// 500 an hour; the defaults stay below both.
#[derive(Debug, Clone, Copy)]
pub struct WritePace {
    pub per_minute: usize,
    pub per_hour: usize,
}

impl Default for WritePace {
    fn default() -> Self {
        WritePace { per_minute: 72, per_hour: 480 }
    }
}

impl WritePace {
    /// No pacing (a fake without limits, benchmarks).
    pub fn unlimited() -> Self {
        WritePace { per_minute: usize::MAX, per_hour: usize::MAX }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Patch,
    Put,
    Delete,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
    fn is_write(self) -> bool {
        self != Method::Get
    }
}

/// Whether a failed request may be sent again as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Sending it twice changes nothing more than sending it once (GET, PATCH to a full state).
    Idempotent,
    /// It could create something twice: on a failure the caller checks (by marker) first.
    CheckFirst,
}

/// An answer: status, ETag, the JSON body (Null for 304/204) and the next page's URL.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub etag: Option<String>,
    pub body: Value,
    pub next: Option<String>,
}

/// What the client did, for benchmarks and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub requests: u64,
    pub writes: u64,
    /// 304 answers (free: they do not count against the primary limit).
    pub not_modified: u64,
    /// Answers that counted against the primary limit (not 304).
    pub points: u64,
    pub secondary_limited: u64,
    pub waited_ms: u64,
}

#[derive(Default)]
struct Limits {
    remaining: Option<u64>,
    reset: Option<DateTime<Utc>>,
    writes: VecDeque<DateTime<Utc>>,
    stats: Stats,
}

/// A notice for the person waiting (rate-limit waits, pacing).
pub type Notify = Arc<dyn Fn(&str) + Send + Sync>;

pub struct Client {
    agent: ureq::Agent,
    api: String,
    token: Option<Token>,
    pacer: Arc<dyn Pacer>,
    pace: WritePace,
    limits: Mutex<Limits>,
    notify: Notify,
    max_attempts: u32,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("api", &self.api).field("token", &self.token).finish()
    }
}

/// The public API's root.
pub const PUBLIC_API: &str = "https://api.github.com";

impl Client {
    pub fn new(api: &str, token: Option<Token>, pacer: Arc<dyn Pacer>, pace: WritePace, notify: Notify) -> Client {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .user_agent("tandem")
            .build()
            .new_agent();
        Client {
            agent,
            api: api.trim_end_matches('/').to_string(),
            token,
            pacer,
            pace,
            limits: Mutex::new(Limits::default()),
            notify,
            max_attempts: 6,
        }
    }

    pub fn api(&self) -> &str {
        &self.api
    }

    pub fn stats(&self) -> Stats {
        self.lock().stats
    }

    pub fn pacer(&self) -> &Arc<dyn Pacer> {
        &self.pacer
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Limits> {
        self.limits.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_string()
        } else {
            format!("{}{}", self.api, path)
        }
    }

    fn wait(&self, d: Duration, why: &str) {
        if d.is_zero() {
            return;
        }
        (self.notify)(&format!("GitHub: {why}; waiting {}", human(d)));
        self.lock().stats.waited_ms += d.as_millis() as u64;
        self.pacer.sleep(d);
    }

    /// Waits for the primary limit's reset when no requests remain.
    fn before_request(&self, method: Method) {
        let now = self.pacer.now();
        let (remaining, reset) = {
            let l = self.lock();
            (l.remaining, l.reset)
        };
        if remaining == Some(0) {
            if let Some(reset) = reset.filter(|r| *r > now) {
                let d = (reset - now).to_std().unwrap_or_default() + Duration::from_secs(1);
                self.wait(d, &format!("the primary rate limit is exhausted until {}", reset.format("%H:%M:%S UTC")));
            }
        }
        if method.is_write() {
            self.pace_write();
        }
    }

    /// Spaces content-creating requests below the per-minute and per-hour ceilings.
    fn pace_write(&self) {
        loop {
            let now = self.pacer.now();
            let wait = {
                let mut l = self.lock();
                while l.writes.front().is_some_and(|t| now - *t >= chrono::Duration::hours(1)) {
                    l.writes.pop_front();
                }
                let in_minute = l.writes.iter().filter(|t| now - **t < chrono::Duration::minutes(1)).count();
                if in_minute < self.pace.per_minute && l.writes.len() < self.pace.per_hour {
                    l.writes.push_back(now);
                    None
                } else if l.writes.len() >= self.pace.per_hour {
                    let oldest = l.writes[l.writes.len() - self.pace.per_hour];
                    Some(((oldest + chrono::Duration::hours(1)) - now, "hour"))
                } else {
                    let first_in_minute = l.writes[l.writes.len() - in_minute];
                    Some(((first_in_minute + chrono::Duration::minutes(1)) - now, "minute"))
                }
            };
            match wait {
                None => return,
                Some((d, unit)) => {
                    let d = d.to_std().unwrap_or_default().max(Duration::from_millis(10));
                    let why = format!("pacing writes below GitHub's content-creation limit per {unit}");
                    // Pacing is expected, not news: say it only when the wait is long.
                    if d >= Duration::from_secs(5) {
                        self.wait(d, &why);
                    } else {
                        self.lock().stats.waited_ms += d.as_millis() as u64;
                        self.pacer.sleep(d);
                    }
                }
            }
        }
    }

    /// Sends one request; retries what `retry` allows after rate-limit answers, server errors
    /// and transport failures. A [`Retry::CheckFirst`] request that failed in a way that may be
    /// retried comes back as [`ForgeError::Transient`] after the wait, for its caller to check.
    pub fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        etag: Option<&str>,
        retry: Retry,
    ) -> Result<Response, ForgeError> {
        let url = self.url(path);
        let Some(token) = &self.token else {
            return Err(ForgeError::Auth(format!(
                "no GitHub token: set GITHUB_TOKEN or GH_TOKEN, or name a file with token_file in [coordination] \
                 of tandem.toml; it needs {TOKEN_SCOPES}"
            )));
        };
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            self.before_request(method);
            let result = self.call(method, &url, body, etag, token);
            let (status, headers, text) = match result {
                Ok(r) => r,
                Err(e) => {
                    let message = format!("{} {}: {e}", method.as_str(), strip_api(&url, &self.api));
                    if attempt >= self.max_attempts {
                        return Err(ForgeError::Http(message));
                    }
                    self.wait(backoff(attempt, Duration::from_secs(2)), &format!("{message}; retrying"));
                    if retry == Retry::CheckFirst {
                        return Err(ForgeError::Transient(message));
                    }
                    continue;
                }
            };
            let header = |n: &str| headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
            let now = self.pacer.now();
            {
                let mut l = self.lock();
                l.stats.requests += 1;
                if method.is_write() {
                    l.stats.writes += 1;
                }
                if status == 304 {
                    l.stats.not_modified += 1;
                } else {
                    l.stats.points += 1;
                }
                if let Some(r) = header("x-ratelimit-remaining").and_then(|v| v.parse().ok()) {
                    l.remaining = Some(r);
                }
                if let Some(r) = header("x-ratelimit-reset").and_then(|v| v.parse::<i64>().ok()) {
                    l.reset = DateTime::from_timestamp(r, 0);
                }
            }
            let what = format!("{} {}", method.as_str(), strip_api(&url, &self.api));
            let message = || {
                serde_json::from_str::<Value>(&text)
                    .ok()
                    .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
                    .unwrap_or_else(|| text.chars().take(200).collect())
            };
            match status {
                200..=299 | 304 => {
                    let body = if text.trim().is_empty() {
                        Value::Null
                    } else {
                        serde_json::from_str(&text)
                            .map_err(|e| ForgeError::Http(format!("{what}: GitHub answered with invalid JSON ({e})")))?
                    };
                    let next = header("link").and_then(|l| next_link(&l));
                    return Ok(Response { status, etag: header("etag"), body, next });
                }
                401 => {
                    return Err(ForgeError::Auth(format!(
                        "GitHub rejected the token ({what}: 401 {}); it needs {TOKEN_SCOPES}",
                        message()
                    )))
                }
                403 | 429 => {
                    let remaining = header("x-ratelimit-remaining").and_then(|v| v.parse::<u64>().ok());
                    let retry_after = header("retry-after").and_then(|v| v.parse::<u64>().ok());
                    let msg = message();
                    let secondary = retry_after.is_some()
                        || status == 429
                        || msg.to_ascii_lowercase().contains("secondary rate limit")
                        || msg.to_ascii_lowercase().contains("abuse");
                    let primary = remaining == Some(0);
                    if !secondary && !primary {
                        return Err(ForgeError::Auth(format!(
                            "GitHub refused {what} (403 {msg}); the token needs {TOKEN_SCOPES}"
                        )));
                    }
                    if attempt >= self.max_attempts {
                        return Err(ForgeError::Http(format!("{what}: still rate limited after {attempt} attempts")));
                    }
                    let d = if let Some(s) = retry_after {
                        Duration::from_secs(s)
                    } else if primary {
                        let reset = self.lock().reset.unwrap_or(now);
                        (reset - now).to_std().unwrap_or_default() + Duration::from_secs(1)
                    } else {
                        backoff(attempt, Duration::from_secs(60))
                    };
                    if secondary {
                        self.lock().stats.secondary_limited += 1;
                    }
                    let kind = if primary && !secondary { "primary" } else { "secondary" };
                    self.wait(d, &format!("{what} hit GitHub's {kind} rate limit"));
                    if retry == Retry::CheckFirst {
                        return Err(ForgeError::Transient(format!("{what}: rate limited")));
                    }
                }
                404 | 410 => return Err(ForgeError::Missing(what)),
                500..=599 => {
                    let message = format!("{what}: GitHub answered {status}");
                    if attempt >= self.max_attempts {
                        return Err(ForgeError::Http(message));
                    }
                    self.wait(backoff(attempt, Duration::from_secs(2)), &format!("{message}; retrying"));
                    if retry == Retry::CheckFirst {
                        return Err(ForgeError::Transient(message));
                    }
                }
                _ => return Err(ForgeError::Http(format!("{what}: GitHub answered {status}: {}", message()))),
            }
        }
    }

    fn call(
        &self,
        method: Method,
        url: &str,
        body: Option<&Value>,
        etag: Option<&str>,
        token: &Token,
    ) -> Result<RawAnswer, ureq::Error> {
        let auth = format!("Bearer {}", token.expose());
        macro_rules! common {
            ($b:expr) => {{
                let mut b = $b
                    .header("Authorization", &auth)
                    .header("Accept", "application/vnd.github+json")
                    .header("X-GitHub-Api-Version", "2022-11-28");
                if let Some(e) = etag {
                    b = b.header("If-None-Match", e);
                }
                b
            }};
        }
        let payload = body.map(|b| b.to_string()).unwrap_or_default();
        let mut response = match method {
            Method::Get => common!(self.agent.get(url)).call()?,
            Method::Delete => common!(self.agent.delete(url)).call()?,
            Method::Post => common!(self.agent.post(url)).content_type("application/json").send(&payload)?,
            Method::Patch => common!(self.agent.patch(url)).content_type("application/json").send(&payload)?,
            Method::Put => common!(self.agent.put(url)).content_type("application/json").send(&payload)?,
        };
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_ascii_lowercase(), v.to_str().ok()?.to_string())))
            .collect();
        let text = if status == 304 {
            String::new()
        } else {
            response.body_mut().with_config().limit(64 * 1024 * 1024).read_to_string()?
        };
        Ok((status, headers, text))
    }

    /// Every page of a list, following `link: rel="next"`.
    pub fn get_all(&self, path: &str) -> Result<Vec<Value>, ForgeError> {
        let mut out = Vec::new();
        let mut next = Some(path.to_string());
        while let Some(p) = next {
            let r = self.send(Method::Get, &p, None, None, Retry::Idempotent)?;
            match r.body {
                Value::Array(items) => out.extend(items),
                other => return Err(ForgeError::Http(format!("GET {p}: expected a list, got {}", kind_of(&other)))),
            }
            next = r.next;
        }
        Ok(out)
    }
}

/// Status, headers (lower-case names) and body text of one answer.
type RawAnswer = (u16, Vec<(String, String)>, String);

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Object(_) => "an object",
        _ => "a scalar",
    }
}

fn strip_api<'u>(url: &'u str, api: &str) -> &'u str {
    url.strip_prefix(api).unwrap_or(url)
}

/// The `rel="next"` URL of a `link` header.
pub fn next_link(link: &str) -> Option<String> {
    link.split(',').find_map(|part| {
        let (url, rest) = part.split_once(';')?;
        rest.contains("rel=\"next\"").then(|| url.trim().trim_start_matches('<').trim_end_matches('>').to_string())
    })
}

/// Exponential backoff from `base`, capped at 15 minutes, with up to 25 % jitter.
fn backoff(attempt: u32, base: Duration) -> Duration {
    let exp = base.saturating_mul(1 << attempt.saturating_sub(1).min(6)).min(Duration::from_secs(900));
    let jitter = {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u32(attempt);
        h.finish() % 1000
    };
    exp + exp.mul_f64(jitter as f64 / 4000.0)
}

fn human(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}h {:02}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_never_formatted() {
        let t = Token::new("ghp_secret123");
        assert!(!format!("{t:?} {t}").contains("secret"));
    }

    #[test]
    fn the_next_page_is_read_from_the_link_header() {
        let l = r#"<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=5>; rel="last""#;
        assert_eq!(next_link(l).as_deref(), Some("https://api.github.com/x?page=2"));
        assert_eq!(next_link(r#"<https://a/x?page=1>; rel="prev""#), None);
    }

    #[test]
    fn backoff_grows_and_stays_capped() {
        let a = backoff(1, Duration::from_secs(60));
        let b = backoff(3, Duration::from_secs(60));
        assert!(a >= Duration::from_secs(60) && a <= Duration::from_secs(75));
        assert!(b >= Duration::from_secs(240));
        assert!(backoff(30, Duration::from_secs(60)) <= Duration::from_secs(1125));
    }
}
