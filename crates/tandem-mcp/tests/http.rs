//! The streamable HTTP server against hostile clients: the real [`HttpServer`] on a random
//! loopback port, spoken to with raw HTTP/1.1 over `std::net::TcpStream`, so that every probe
//! sends exactly the bytes an attacker would (duplicate headers, absolute-form targets, slow
//! headers, garbage bodies).

use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tandem_engine::render::{init_workspace, Example};
use tandem_engine::{Engine, EngineOptions};
use tandem_mcp::{Access, BearerToken, HttpServer, HttpSettings};

/// A server running on its own runtime; stopped and joined when dropped.
struct Running {
    port: u16,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn spawn(configure: impl FnOnce(&mut HttpSettings)) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let manifest = init_workspace(dir.path(), Example::parse("loqa").unwrap(), false).unwrap();
    let ws = tandem_engine::load_workspace(&manifest).unwrap();
    let engine = Engine::open(ws, EngineOptions { actor: Some("test".into()), ..Default::default() }).unwrap();
    let mut settings = HttpSettings::new("127.0.0.1:0");
    configure(&mut settings);
    let (port_tx, port_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async move {
            let server = HttpServer::bind(Arc::new(engine), settings).await.unwrap();
            port_tx.send(server.port()).unwrap();
            server
                .run_until(async {
                    let _ = stop_rx.await;
                })
                .await
                .unwrap();
        });
        rt.shutdown_timeout(Duration::from_secs(1));
    });
    let port = port_rx.recv_timeout(Duration::from_secs(30)).expect("the server starts");
    Running { port, stop: Some(stop_tx), thread: Some(thread), _dir: dir }
}

/// One raw exchange: status, the head (lower-cased) and the body.
struct Reply {
    status: u16,
    head: String,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        self.head.lines().find_map(|l| l.strip_prefix(&prefix)).map(|v| v.trim().to_string())
    }

    /// The body as a JSON-RPC error: (code, id).
    fn rpc_error(&self) -> (i64, Value) {
        let v: Value = serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body));
        assert_eq!(v["jsonrpc"], "2.0", "{v}");
        (v["error"]["code"].as_i64().unwrap_or_else(|| panic!("no error code: {v}")), v["id"].clone())
    }
}

fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    s
}

/// Sends `raw` as it is, reads until the server closes, parses the status line.
fn exchange(port: u16, raw: &[u8]) -> Reply {
    let mut s = connect(port);
    s.write_all(raw).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    Reply { status, head: head.to_ascii_lowercase(), body: body.to_string() }
}

const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"probe","version":"1"}}}"#;

/// A POST to `target` with the given extra header lines (each ending in CRLF) and body.
fn post(port: u16, target: &str, headers: &str, body: &str) -> Reply {
    let raw = format!(
        "POST {target} HTTP/1.1\r\n{headers}Accept: application/json, text/event-stream\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    exchange(port, raw.as_bytes())
}

fn host(port: u16) -> String {
    format!("Host: 127.0.0.1:{port}\r\n")
}

const JSON: &str = "Content-Type: application/json\r\n";

fn initialize(port: u16) -> Reply {
    post(port, "/mcp", &format!("{}{JSON}", host(port)), INITIALIZE)
}

fn session_of(r: &Reply) -> String {
    r.header("mcp-session-id").unwrap_or_else(|| panic!("no session id in {}", r.head))
}

#[test]
fn a_plain_initialize_from_loopback_is_served() {
    let s = spawn(|_| {});
    let r = initialize(s.port);
    assert_eq!(r.status, 200, "{}{}", r.head, r.body);
    assert!(r.body.contains("\"serverInfo\""), "{}", r.body);
}

#[test]
fn duplicate_host_headers_are_refused() {
    let s = spawn(|_| {});
    let r = post(s.port, "/mcp", &format!("{}Host: evil.example\r\n{JSON}", host(s.port)), INITIALIZE);
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("more than one Host header"), "{}", r.body);
    let r = post(s.port, "/mcp", &format!("{}{}{JSON}", host(s.port), host(s.port)), INITIALIZE);
    assert_eq!(r.status, 400, "even two equal Host headers: {}", r.body);
}

#[test]
fn absolute_form_target_naming_another_host_is_refused() {
    let s = spawn(|_| {});
    let r = post(s.port, "http://evil.example/mcp", &format!("{}{JSON}", host(s.port)), INITIALIZE);
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("evil.example"), "{}", r.body);
    let r = post(s.port, "http://evil.example/mcp", &format!("Host: evil.example\r\n{JSON}"), INITIALIZE);
    assert_eq!(r.status, 403, "{}", r.body);
    let own = format!("http://127.0.0.1:{}/mcp", s.port);
    let r = post(s.port, &own, &format!("{}{JSON}", host(s.port)), INITIALIZE);
    assert_eq!(r.status, 200, "an absolute-form target naming this server is served: {}", r.body);
}

#[test]
fn cross_site_origins_are_refused_and_loopback_or_absent_origins_served() {
    let s = spawn(|_| {});
    for origin in ["https://evil.example", "null", "http://localhost.evil.example:3000", "garbage"] {
        let r = post(s.port, "/mcp", &format!("{}{JSON}Origin: {origin}\r\n", host(s.port)), INITIALIZE);
        assert_eq!(r.status, 403, "Origin {origin}: {}", r.body);
        assert!(r.body.contains("cross-site"), "{}", r.body);
    }
    for origin in ["http://localhost:3000", "http://127.0.0.1", "https://[::1]:8443"] {
        let r = post(s.port, "/mcp", &format!("{}{JSON}Origin: {origin}\r\n", host(s.port)), INITIALIZE);
        assert_eq!(r.status, 200, "Origin {origin}: {}", r.body);
    }
}

#[test]
fn an_allowed_host_is_also_an_allowed_origin() {
    let s = spawn(|st| st.allow_hosts = vec!["tandem.internal".into()]);
    let r = post(
        s.port,
        "/mcp",
        &format!("Host: tandem.internal\r\n{JSON}Origin: https://tandem.internal\r\n"),
        INITIALIZE,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = post(s.port, "/mcp", &format!("Host: other.internal\r\n{JSON}"), INITIALIZE);
    assert_eq!(r.status, 403, "{}", r.body);
}

#[test]
fn wrong_or_missing_content_type_is_a_json_rpc_invalid_request() {
    let s = spawn(|_| {});
    for ct in ["Content-Type: text/plain\r\n", ""] {
        let r = post(s.port, "/mcp", &format!("{}{ct}", host(s.port)), INITIALIZE);
        assert_eq!(r.status, 415, "{ct:?}: {}", r.body);
        assert_eq!(r.header("content-type").as_deref(), Some("application/json"));
        assert_eq!(r.rpc_error().0, -32600, "{}", r.body);
    }
}

#[test]
fn a_body_that_is_not_json_is_a_json_rpc_parse_error() {
    let s = spawn(|_| {});
    for body in ["{not json", "", "\u{0}\u{1}garbage"] {
        let r = post(s.port, "/mcp", &format!("{}{JSON}", host(s.port)), body);
        assert_eq!(r.status, 400, "{body:?}: {}", r.body);
        assert_eq!(r.rpc_error(), (-32700, Value::Null), "{}", r.body);
    }
}

#[test]
fn json_that_is_not_a_json_rpc_message_is_an_invalid_request() {
    let s = spawn(|_| {});
    for body in ["42", "\"initialize\"", "null", "[1,2]", r#"{"id":1,"method":"initialize"}"#, r#"{"jsonrpc":"2.0"}"#] {
        let r = post(s.port, "/mcp", &format!("{}{JSON}", host(s.port)), body);
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        assert_eq!(r.rpc_error().0, -32600, "{body}: {}", r.body);
    }
}

#[test]
fn an_initialize_with_wrong_params_is_invalid_params_with_its_id() {
    let s = spawn(|_| {});
    let body = r#"{"jsonrpc":"2.0","id":7,"method":"initialize","params":5}"#;
    let r = post(s.port, "/mcp", &format!("{}{JSON}", host(s.port)), body);
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.rpc_error(), (-32602, json!(7)), "{}", r.body);
}

#[test]
fn sessions_beyond_the_cap_are_refused_until_one_is_closed() {
    let s = spawn(|st| st.limits.max_sessions = 2);
    let first = initialize(s.port);
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(initialize(s.port).status, 200);
    let refused = initialize(s.port);
    assert_eq!(refused.status, 503, "{}", refused.body);
    assert_eq!(refused.rpc_error(), (-32000, json!(1)));
    assert!(refused.body.contains("too many MCP sessions (2 open)"), "{}", refused.body);
    let id = session_of(&first);
    let raw = format!(
        "DELETE /mcp HTTP/1.1\r\n{}Mcp-Session-Id: {id}\r\nMcp-Protocol-Version: 2025-06-18\r\nConnection: close\r\n\r\n",
        host(s.port)
    );
    let closed = exchange(s.port, raw.as_bytes());
    assert!(closed.status < 300, "closing the session: {} {}", closed.status, closed.body);
    assert_eq!(initialize(s.port).status, 200, "a closed session frees its place");
}

#[test]
fn idle_sessions_expire_and_free_their_place() {
    let s = spawn(|st| {
        st.limits.max_sessions = 1;
        st.limits.session_idle = Duration::from_millis(700);
    });
    let first = initialize(s.port);
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(initialize(s.port).status, 503, "the only place is taken");
    let deadline = Instant::now() + Duration::from_secs(10);
    let again = loop {
        std::thread::sleep(Duration::from_millis(300));
        let r = initialize(s.port);
        if r.status != 503 || Instant::now() > deadline {
            break r;
        }
    };
    assert_eq!(again.status, 200, "the idle session expired: {}", again.body);
    let ping = r#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#;
    let headers =
        format!("{}{JSON}Mcp-Session-Id: {}\r\nMcp-Protocol-Version: 2025-06-18\r\n", host(s.port), session_of(&first));
    assert_eq!(post(s.port, "/mcp", &headers, ping).status, 404, "the expired session is gone");
}

/// Reads until the server closes the connection; returns how long that took.
fn time_until_closed(mut s: TcpStream) -> Duration {
    let start = Instant::now();
    let mut buf = [0u8; 512];
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return start.elapsed(),
            Ok(_) => {}
        }
    }
}

#[test]
fn slow_or_silent_header_reads_time_out() {
    let s = spawn(|st| st.limits.read_timeout = Duration::from_millis(500));
    let mut slow = connect(s.port);
    slow.write_all(format!("POST /mcp HTTP/1.1\r\n{}Content-Type: appl", host(s.port)).as_bytes()).unwrap();
    let silent = connect(s.port);
    assert!(time_until_closed(slow) < Duration::from_secs(5), "a half-sent request head is cut");
    assert!(time_until_closed(silent) < Duration::from_secs(5), "a connection that sends nothing is cut");
}

#[test]
fn a_body_that_never_arrives_times_out() {
    let s = spawn(|st| st.limits.read_timeout = Duration::from_millis(500));
    let mut c = connect(s.port);
    let head = format!(
        "POST /mcp HTTP/1.1\r\n{}{JSON}Accept: application/json, text/event-stream\r\nContent-Length: 100\r\n\r\n{{",
        host(s.port)
    );
    c.write_all(head.as_bytes()).unwrap();
    let start = Instant::now();
    let mut out = String::new();
    let _ = c.read_to_string(&mut out);
    assert!(out.starts_with("HTTP/1.1 408"), "{out}");
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn connections_beyond_the_cap_are_answered_503_until_one_closes() {
    let s = spawn(|st| {
        st.limits.max_connections = 2;
        st.limits.read_timeout = Duration::from_secs(30);
    });
    let a = connect(s.port);
    let b = connect(s.port);
    std::thread::sleep(Duration::from_millis(200));
    let r = initialize(s.port);
    assert_eq!(r.status, 503, "{}{}", r.head, r.body);
    assert!(r.body.contains("too many connections (at most 2)"), "{}", r.body);
    drop(a);
    drop(b);
    let deadline = Instant::now() + Duration::from_secs(10);
    let r = loop {
        std::thread::sleep(Duration::from_millis(100));
        let r = initialize(s.port);
        if r.status != 503 || Instant::now() > deadline {
            break r;
        }
    };
    assert_eq!(r.status, 200, "closed connections free their places: {}", r.body);
}

#[test]
fn with_a_token_only_requests_bearing_it_are_served() {
    let token = "s3cret-token-of-enough-length";
    let s = spawn(|st| st.access = Access::Token(BearerToken::parse(token).unwrap()));
    let r = initialize(s.port);
    assert_eq!(r.status, 401, "{}", r.body);
    assert_eq!(r.header("www-authenticate").as_deref(), Some("bearer"));
    let wrong = format!("{}{JSON}Authorization: Bearer s3cret-token-of-enough-lengtH\r\n", host(s.port));
    assert_eq!(post(s.port, "/mcp", &wrong, INITIALIZE).status, 401);
    let right = format!("{}{JSON}Authorization: Bearer {token}\r\n", host(s.port));
    let r = post(s.port, "/mcp", &right, INITIALIZE);
    assert_eq!(r.status, 200, "{}", r.body);
}

#[test]
fn limits_out_of_range_are_refused_before_listening() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = init_workspace(dir.path(), Example::parse("loqa").unwrap(), false).unwrap();
    let ws = tandem_engine::load_workspace(&manifest).unwrap();
    let engine = Arc::new(Engine::open(ws, EngineOptions::default()).unwrap());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    type Configure = fn(&mut HttpSettings);
    let cases: [(Configure, &str); 4] = [
        (|s| s.limits.read_timeout = Duration::from_secs(u64::MAX), "the read timeout must be between 1 and 3600 s"),
        (|s| s.limits.session_idle = Duration::ZERO, "the session idle time must be between 1 and 604800 s; got 0"),
        (|s| s.limits.max_sessions = 0, "the session limit must be between 1 and 100000 sessions; got 0"),
        (|s| s.limits.max_connections = 1 << 20, "the connection limit must be between 1 and 65536"),
    ];
    for (configure, expected) in cases {
        let mut settings = HttpSettings::new("127.0.0.1:0");
        configure(&mut settings);
        let err = rt.block_on(HttpServer::bind(engine.clone(), settings)).err().expect("refused");
        assert!(err.to_string().contains(expected), "{err}");
    }
}
