//! Probing HTTP health endpoints: a minimal HTTP/1.1 `GET` over `std::net::TcpStream` with one
//! deadline for connecting, sending and reading the status line, and a pool of threads so that
//! every endpoint is probed at the same time.
//!
//! Only `http://` is spoken (health endpoints live on internal networks); an `https://` URL is
//! reported as not probed. Credentials in the URL (`http://user:secret@host/`) are sent as
//! Basic authentication and never shown: [`redact`] hides the userinfo and the query.

use serde::Serialize;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many endpoints are probed at once.
const WORKERS: usize = 32;

/// What a probe saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProbeOutcome {
    /// The endpoint answered with this HTTP status.
    Answered { status: u16 },
    /// Nothing listens there.
    Refused,
    /// No answer within the timeout.
    TimedOut,
    /// Any other failure: name resolution, reset connection, garbage instead of HTTP.
    Failed { error: String },
    /// The URL cannot be probed by this build (e.g. https).
    NotProbed { reason: String },
}

/// One probe: the outcome and how long it took (to the status line, or to the failure).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub outcome: ProbeOutcome,
    pub elapsed: Duration,
}

/// The parts of an `http://` URL a GET needs.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Target {
    host: String,
    port: u16,
    /// Path and query, as written (`/health?x=1`).
    path: String,
    userinfo: Option<String>,
}

fn parse_target(url: &str) -> Result<Target, ProbeOutcome> {
    let not = |reason: &str| ProbeOutcome::NotProbed { reason: reason.to_string() };
    let rest = match url.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
        Some((scheme, _)) => return Err(not(&format!("{scheme}:// is not probed by this build; use http://"))),
        None => return Err(not("the URL has no scheme; expected http://host:port/path")),
    };
    let rest = rest.split_once('#').map_or(rest, |(r, _)| r);
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let path = if path.starts_with('?') { format!("/{path}") } else { path.to_string() };
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u.to_string()), h),
        None => (None, authority),
    };
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (host, after) = v6.split_once(']').ok_or_else(|| not("the IPv6 address is not closed with ']'"))?;
        (host.to_string(), after.strip_prefix(':'))
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (hostport.to_string(), None),
        }
    };
    if host.is_empty() {
        return Err(not("the URL names no host"));
    }
    let port = match port {
        None | Some("") => 80,
        Some(p) => p.parse().map_err(|_| not("the port is not a number from 1 to 65535"))?,
    };
    Ok(Target { host, port, path, userinfo })
}

/// The URL with its userinfo and query hidden: safe to print, store and send to a forge.
pub fn redact(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((s, r)) => (format!("{s}://"), r),
        None => (String::new(), url),
    };
    let rest = rest.split_once('#').map_or(rest, |(r, _)| r);
    let (before_query, query) = match rest.split_once('?') {
        Some((b, _)) => (b, "?***"),
        None => (rest, ""),
    };
    let (authority, path) = match before_query.find('/') {
        Some(i) => (&before_query[..i], &before_query[i..]),
        None => (before_query, ""),
    };
    let authority = match authority.rsplit_once('@') {
        Some((_, host)) => format!("***@{host}"),
        None => authority.to_string(),
    };
    format!("{scheme}{authority}{path}{query}")
}

/// Probes `url` once, giving up after `timeout`.
pub fn probe(url: &str, timeout: Duration) -> Probe {
    let start = Instant::now();
    let outcome = match parse_target(url) {
        Ok(target) => get(&target, start + timeout, timeout),
        Err(outcome) => outcome,
    };
    Probe { outcome, elapsed: start.elapsed() }
}

/// Probes every URL concurrently; results in the order given.
pub fn probe_all(targets: &[(String, Duration)]) -> Vec<Probe> {
    let results: Mutex<Vec<Option<Probe>>> = Mutex::new(vec![None; targets.len()]);
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..targets.len().min(WORKERS) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((url, timeout)) = targets.get(i) else { break };
                let p = probe(url, *timeout);
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

fn classify(e: &std::io::Error, timeout: Duration) -> ProbeOutcome {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => ProbeOutcome::Refused,
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => ProbeOutcome::TimedOut,
        _ => ProbeOutcome::Failed { error: format!("{e} (timeout {} ms)", timeout.as_millis()) },
    }
}

fn remaining(deadline: Instant) -> Option<Duration> {
    deadline.checked_duration_since(Instant::now()).filter(|d| !d.is_zero())
}

fn get(t: &Target, deadline: Instant, timeout: Duration) -> ProbeOutcome {
    let addrs: Vec<SocketAddr> = match (t.host.as_str(), t.port).to_socket_addrs() {
        Ok(a) => a.collect(),
        Err(e) => return ProbeOutcome::Failed { error: format!("cannot resolve host '{}': {e}", t.host) },
    };
    let mut last = ProbeOutcome::Failed { error: format!("host '{}' has no address", t.host) };
    let mut stream = None;
    for addr in addrs {
        let Some(left) = remaining(deadline) else { return ProbeOutcome::TimedOut };
        match TcpStream::connect_timeout(&addr, left) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = classify(&e, timeout),
        }
    }
    let Some(mut stream) = stream else { return last };
    let host = if t.host.contains(':') { format!("[{}]", t.host) } else { t.host.clone() };
    let mut request = format!(
        "GET {} HTTP/1.1\r\nHost: {host}:{}\r\nUser-Agent: tandem-health\r\nAccept: */*\r\nConnection: close\r\n",
        t.path, t.port
    );
    if let Some(u) = &t.userinfo {
        request.push_str(&format!("Authorization: Basic {}\r\n", base64(&percent_decode(u))));
    }
    request.push_str("\r\n");
    let Some(left) = remaining(deadline) else { return ProbeOutcome::TimedOut };
    if let Err(e) = stream.set_write_timeout(Some(left)).and_then(|_| stream.write_all(request.as_bytes())) {
        return classify(&e, timeout);
    }
    // Read until the status line is complete; the body does not matter.
    let mut head = Vec::with_capacity(256);
    let mut buf = [0u8; 512];
    loop {
        if let Some(end) = head.windows(2).position(|w| w == b"\r\n") {
            return status_line(&head[..end]);
        }
        if head.len() > 8192 {
            return ProbeOutcome::Failed { error: "the answer is not HTTP (no status line)".into() };
        }
        let Some(left) = remaining(deadline) else { return ProbeOutcome::TimedOut };
        if let Err(e) = stream.set_read_timeout(Some(left)) {
            return classify(&e, timeout);
        }
        match stream.read(&mut buf) {
            Ok(0) if head.is_empty() => {
                return ProbeOutcome::Failed { error: "the connection closed without an answer".into() }
            }
            Ok(0) => return status_line(&head),
            Ok(n) => head.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return classify(&e, timeout),
        }
    }
}

/// `HTTP/1.1 200 OK` → `Answered { status: 200 }`.
fn status_line(line: &[u8]) -> ProbeOutcome {
    let text = String::from_utf8_lossy(line);
    let mut parts = text.split_whitespace();
    match (parts.next(), parts.next().and_then(|s| s.parse::<u16>().ok())) {
        (Some(v), Some(status)) if v.starts_with("HTTP/") && (100..=599).contains(&status) => {
            ProbeOutcome::Answered { status }
        }
        _ => ProbeOutcome::Failed { error: "the answer is not HTTP (bad status line)".into() },
    }
}

fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &b)| acc | (b as u32) << (16 - 8 * i));
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_split_into_host_port_and_path() {
        let t = parse_target("http://user:p%40ss@127.0.0.1:8080/health?deep=1#x").unwrap();
        assert_eq!(
            t,
            Target {
                host: "127.0.0.1".into(),
                port: 8080,
                path: "/health?deep=1".into(),
                userinfo: Some("user:p%40ss".into())
            }
        );
        let t = parse_target("http://[::1]/").unwrap();
        assert_eq!((t.host.as_str(), t.port, t.path.as_str()), ("::1", 80, "/"));
        assert_eq!(parse_target("http://h?x").unwrap().path, "/?x");
        assert!(matches!(parse_target("https://h/"), Err(ProbeOutcome::NotProbed { .. })));
        assert!(matches!(parse_target("http://h:99999/"), Err(ProbeOutcome::NotProbed { .. })));
    }

    #[test]
    fn redaction_hides_credentials_and_query_tokens() {
        assert_eq!(redact("http://user:secret@host:1/health?token=abc#f"), "http://***@host:1/health?***");
        assert_eq!(redact("http://127.0.0.1:3000/health"), "http://127.0.0.1:3000/health");
        assert_eq!(redact("http://host?key=1"), "http://host?***");
    }

    #[test]
    fn basic_credentials_are_encoded() {
        assert_eq!(base64(b"user:p@ss"), "dXNlcjpwQHNz");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(percent_decode("p%40ss%"), b"p@ss%");
    }

    #[test]
    fn status_lines_are_read_and_garbage_is_a_failure() {
        assert_eq!(status_line(b"HTTP/1.1 503 Service Unavailable"), ProbeOutcome::Answered { status: 503 });
        assert!(matches!(status_line(b"SSH-2.0-OpenSSH"), ProbeOutcome::Failed { .. }));
    }
}
