//! `tandem serve` driven as a user runs it: the real binary on a temp workspace, real HTTP
//! clients, every payload of `@octokit/webhooks-examples` signed as GitHub signs it, schemathesis
//! against the OpenAPI document, and a real Prometheus scraping `/metrics`. `scripts/setup.sh`
//! installs the tools under `${TANDEM_TOOLS_DIR:-$HOME/.cache/tandem-tools}`; these tests fail
//! (never skip) without them.

use assert_cmd::Command;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};
use tandem_server::Secret;

const TOKEN: &str = "test-api-token-0123456789abcdef";
const WEBHOOK_SECRET: &str = "test-webhook-secret-fedcba9876543210";
/// Generous: an unoptimised build on a loaded two-core machine.
const PATIENCE: Duration = Duration::from_secs(120);

fn tandem() -> &'static str {
    env!("CARGO_BIN_EXE_tandem")
}

fn tools_dir() -> PathBuf {
    match std::env::var_os("TANDEM_TOOLS_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(std::env::var_os("HOME").expect("HOME is set")).join(".cache").join("tandem-tools"),
    }
}

fn require(path: PathBuf, what: &str) -> PathBuf {
    assert!(
        path.exists(),
        "{what} is missing at {}; run `bash scripts/setup.sh` (scripts/test.sh does) to install it",
        path.display()
    );
    path
}

/// The Loqa example workspace, with `[serve]` settings prepended.
fn workspace(serve: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    Command::new(tandem()).args(["init", "--example", "loqa"]).arg(dir.path()).assert().success();
    let manifest = dir.path().join("tandem.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, format!("[serve]\n{serve}\n\n{text}")).unwrap();
    (dir, manifest)
}

/// A running `tandem serve`, killed when dropped (also when a test fails).
struct Server {
    child: Option<Child>,
    base: String,
    log: PathBuf,
}

impl Server {
    fn start(manifest: &Path, envs: &[(&str, &str)]) -> Server {
        let log = manifest.with_file_name(format!("serve-{}.log", std::process::id() as u64 * 1000 + rand_suffix()));
        let mut cmd = std::process::Command::new(tandem());
        cmd.arg("--workspace")
            .arg(manifest)
            .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
            .env_remove("TANDEM_API_TOKEN")
            .env_remove("TANDEM_WEBHOOK_SECRET")
            .env("TANDEM_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::from(std::fs::File::create(log.with_extension("out")).unwrap()))
            .stderr(Stdio::from(std::fs::File::create(&log).unwrap()));
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("starting tandem serve");
        let mut server = Server { child: Some(child), base: String::new(), log };
        let started = Instant::now();
        loop {
            let text = server.logs();
            if let Some(rest) = text.split("tandem serve listening on ").nth(1) {
                server.base = rest.lines().next().unwrap().trim().to_string();
                break;
            }
            if let Some(status) = server.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("tandem serve exited with {status}:\n{text}");
            }
            assert!(started.elapsed() < PATIENCE, "tandem serve did not start:\n{text}");
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    fn logs(&self) -> String {
        let mut all = std::fs::read_to_string(&self.log).unwrap_or_default();
        all.push_str(&std::fs::read_to_string(self.log.with_extension("out")).unwrap_or_default());
        all
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn port(&self) -> u16 {
        self.base.rsplit(':').next().unwrap().parse().unwrap()
    }

    /// Sends `signal` and waits for the exit status.
    fn stop_with(&mut self, signal: i32) -> std::process::ExitStatus {
        let mut child = self.child.take().unwrap();
        // SAFETY: kill(2) on the PID of a child this test started and has not reaped.
        unsafe {
            libc::kill(child.id() as i32, signal);
        }
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            assert!(started.elapsed() < PATIENCE, "tandem serve did not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos() as u64 % 1000
}

fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(PATIENCE)).build(),
    )
}

/// (status, headers of interest, body as JSON or a string)
struct Reply {
    status: u16,
    content_type: String,
    request_id: String,
    body: Value,
}

fn reply(mut r: ureq::http::Response<ureq::Body>) -> Reply {
    let status = r.status().as_u16();
    let header = |name: &str| r.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let (content_type, request_id) = (header("content-type"), header("x-request-id"));
    let text = r.body_mut().read_to_string().unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Reply { status, content_type, request_id, body }
}

fn get(url: &str) -> Reply {
    reply(agent().get(url).call().expect("GET"))
}

fn post(url: &str, token: Option<&str>, body: &Value) -> Reply {
    let mut req = agent().post(url).header("content-type", "application/json");
    if let Some(t) = token {
        req = req.header("authorization", &format!("Bearer {t}"));
    }
    reply(req.send(body.to_string().as_bytes()).expect("POST"))
}

/// Sends a webhook delivery; `signature` None signs the body with the test secret.
fn deliver(server: &Server, event: &str, id: &str, body: &[u8], signature: Option<&str>) -> Reply {
    let secret = Secret::parse("test", WEBHOOK_SECRET).unwrap();
    let sig = signature.map(String::from).unwrap_or_else(|| secret.sign(body));
    let mut req = agent()
        .post(&server.url("/webhooks/github"))
        .header("content-type", "application/json")
        .header("x-github-event", event)
        .header("user-agent", "GitHub-Hookshot/tandem-test");
    if !id.is_empty() {
        req = req.header("x-github-delivery", id);
    }
    if !sig.is_empty() {
        req = req.header("x-hub-signature-256", &sig);
    }
    reply(req.send(body).expect("POST webhook"))
}

/// Polls `f` until it returns Some, or fails after [`PATIENCE`].
fn eventually<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(started.elapsed() < PATIENCE, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A sample of the Prometheus exposition: the value of one series.
fn metric(server: &Server, series: &str) -> Option<f64> {
    let r = get(&server.url("/metrics"));
    let text = r.body.as_str()?.to_string();
    text.lines().find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok())
}

fn db(dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join(".tandem").join("tandem.db")).unwrap()
}

fn delivery_states(dir: &Path) -> Vec<(String, i64)> {
    let c = db(dir);
    let mut st = c.prepare("SELECT state, COUNT(*) FROM deliveries GROUP BY state ORDER BY state").unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
}

/// Every example payload of `@octokit/webhooks-examples`: (event, payload).
fn octokit_examples() -> Vec<(String, Value)> {
    let index = require(
        tools_dir().join("webhooks-npm/node_modules/@octokit/webhooks-examples/api.github.com/index.json"),
        "@octokit/webhooks-examples",
    );
    let all: Value = serde_json::from_str(&std::fs::read_to_string(index).unwrap()).unwrap();
    let mut out = Vec::new();
    for event in all.as_array().unwrap() {
        let name = event["name"].as_str().unwrap().to_string();
        for example in event["examples"].as_array().unwrap() {
            out.push((name.clone(), example.clone()));
        }
    }
    out
}

fn assert_no_secrets(server: &Server) {
    let logs = server.logs();
    assert!(!logs.contains(TOKEN), "the API token appears in the server's output");
    assert!(!logs.contains(WEBHOOK_SECRET), "the webhook secret appears in the server's output");
}

#[test]
fn every_octokit_example_is_accepted_and_forged_replayed_truncated_and_oversized_deliveries_are_refused() {
    let (dir, manifest) = workspace("health_interval = \"off\"");
    let server = Server::start(&manifest, &[("TANDEM_WEBHOOK_SECRET", WEBHOOK_SECRET), ("TANDEM_API_TOKEN", TOKEN)]);
    let examples = octokit_examples();
    assert!(examples.len() >= 300, "only {} examples", examples.len());
    for (i, (event, payload)) in examples.iter().enumerate() {
        let body = serde_json::to_vec(payload).unwrap();
        let r = deliver(&server, event, &format!("octokit-{i}"), &body, None);
        assert_eq!(r.status, 202, "{event} #{i}: {:?}", r.body);
        assert_eq!(r.body["status"], "queued");
    }
    let body = br#"{"zen":"Keep it logically awesome.","hook_id":1}"#;
    // Replayed: the same delivery ID again is acknowledged and not stored or processed again.
    let again = deliver(&server, "ping", "octokit-0", &serde_json::to_vec(&examples[0].1).unwrap(), None);
    assert_eq!((again.status, again.body["status"].as_str()), (200, Some("duplicate")), "{:?}", again.body);
    // Forged: signed with another secret; a signature of another body; none; a malformed one.
    let other = Secret::parse("test", "not-the-webhook-secret-at-all").unwrap().sign(body);
    for (sig, what) in [
        (other.as_str(), "another secret"),
        (&Secret::parse("t", WEBHOOK_SECRET).unwrap().sign(b"{}")[..], "another body"),
        ("", "no signature"),
        ("sha256=zz", "malformed signature"),
        ("sha1=0123", "wrong algorithm"),
    ] {
        let r = deliver(&server, "ping", &format!("forged-{what}"), body, Some(sig));
        assert_eq!(r.status, 401, "{what}: {:?}", r.body);
        assert!(r.content_type.starts_with("application/problem+json"), "{what}: {}", r.content_type);
    }
    // Truncated: the signature of the whole body, half of it sent.
    let whole = serde_json::to_vec(&examples[1].1).unwrap();
    let sig = Secret::parse("t", WEBHOOK_SECRET).unwrap().sign(&whole);
    let r = deliver(&server, "ping", "truncated", &whole[..whole.len() / 2], Some(&sig));
    assert_eq!(r.status, 401, "{:?}", r.body);
    // Signed but not JSON, or without the headers GitHub always sends.
    assert_eq!(deliver(&server, "ping", "not-json", b"{\"zen\":", None).status, 400);
    assert_eq!(deliver(&server, "ping", "", body, None).status, 400);
    assert_eq!(deliver(&server, "ping", "bad id with spaces", body, None).status, 400);
    // Oversized: declared, and streamed without a length.
    assert_eq!(raw_oversized(&server, true), 413);
    assert_eq!(raw_oversized(&server, false), 413);

    // Every stored delivery is processed exactly once; nothing else was stored.
    let n = examples.len() as i64;
    eventually("every delivery processed", || {
        (delivery_states(dir.path()) == vec![("done".to_string(), n)]).then_some(())
    });
    let attempts: i64 = db(dir.path()).query_row("SELECT SUM(attempts) FROM deliveries", [], |r| r.get(0)).unwrap();
    assert_eq!(attempts, n, "a delivery was attempted more than once");
    assert_eq!(get(&server.url("/healthz")).status, 200);
    assert_eq!(metric(&server, "tandem_webhook_deliveries_received_total"), Some(n as f64));
    assert_eq!(metric(&server, "tandem_webhook_deliveries_duplicate_total"), Some(1.0));
    assert_eq!(metric(&server, "tandem_webhook_deliveries{state=\"done\"}"), Some(n as f64));
    assert_no_secrets(&server);
}

/// Posts a body over 25 MB through a raw socket (the server answers before reading it all);
/// returns the status.
fn raw_oversized(server: &Server, declared: bool) -> u16 {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", server.port())).unwrap();
    s.set_read_timeout(Some(PATIENCE)).unwrap();
    let size = tandem_server::MAX_WEBHOOK_BYTES + 1024 * 1024;
    let length = if declared { format!("Content-Length: {size}\r\n") } else { "Transfer-Encoding: chunked\r\n".into() };
    let head = format!(
        "POST /webhooks/github HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-GitHub-Event: ping\r\n\
         X-GitHub-Delivery: oversized\r\nX-Hub-Signature-256: sha256={}\r\n{length}\r\n",
        "0".repeat(64)
    );
    s.write_all(head.as_bytes()).unwrap();
    let mut writer = s.try_clone().unwrap();
    let feeder = std::thread::spawn(move || {
        let chunk = vec![b' '; 1024 * 1024];
        for _ in 0..size / chunk.len() {
            let ok = if declared {
                writer.write_all(&chunk)
            } else {
                writer
                    .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                    .and_then(|_| writer.write_all(&chunk))
                    .and_then(|_| writer.write_all(b"\r\n"))
            };
            if ok.is_err() {
                return;
            }
        }
        if !declared {
            let _ = writer.write_all(b"0\r\n\r\n");
        }
    });
    let mut answer = [0u8; 64];
    let mut got = 0;
    while got < 12 {
        match s.read(&mut answer[got..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => got += n,
        }
    }
    let _ = s.shutdown(std::net::Shutdown::Both);
    let _ = feeder.join();
    let text = String::from_utf8_lossy(&answer[..got]).to_string();
    text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or_else(|| panic!("no status in {text:?}"))
}

#[test]
fn the_api_answers_reads_openly_on_loopback_and_writes_with_the_token_and_words_errors_as_problems() {
    let (_dir, manifest) = workspace("health_interval = \"off\"");
    let server = Server::start(&manifest, &[("TANDEM_API_TOKEN", TOKEN)]);
    let create = json!({ "title": "Add auth metadata", "type": "protocol", "from_repo": "loqa-proto", "key": "k1" });
    let r = post(&server.url("/api/v1/coordinations"), None, &create);
    assert_eq!(r.status, 401, "{:?}", r.body);
    assert!(r.content_type.starts_with("application/problem+json"));
    let r = post(&server.url("/api/v1/coordinations"), Some("wrong-token-0123456789"), &create);
    assert_eq!(r.status, 401);
    let r = post(&server.url("/api/v1/coordinations"), Some(TOKEN), &create);
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["coordination"]["id"].as_i64().unwrap_or_else(|| panic!("{:?}", r.body));
    assert_eq!(post(&server.url("/api/v1/coordinations"), Some(TOKEN), &create).status, 200, "same key: found");

    let list = get(&server.url("/api/v1/coordinations?status=planning"));
    assert_eq!(list.status, 200);
    assert_eq!(list.body["coordinations"].as_array().unwrap().len(), 1, "{:?}", list.body);
    assert!(!list.request_id.is_empty(), "every answer carries a request ID");
    let bad = get(&server.url("/api/v1/coordinations?status=sideways"));
    assert_eq!((bad.status, bad.body["field"].as_str()), (400, Some("status")), "{:?}", bad.body);
    assert!(bad.body["choices"].as_array().unwrap().contains(&json!("in_progress")), "{:?}", bad.body);

    let progress = get(&server.url(&format!("/api/v1/coordinations/{id}/progress")));
    assert_eq!(progress.status, 200, "{:?}", progress.body);
    assert_eq!(progress.body["coordination"], id);
    let missing = get(&server.url("/api/v1/coordinations/999/progress"));
    assert_eq!((missing.status, missing.body["type"].as_str()), (404, Some("urn:tandem:problem:not-found")));
    let r = get(&server.url("/api/v1/coordinations/abc"));
    assert_eq!((r.status, r.body["field"].as_str()), (400, Some("id")), "{:?}", r.body);

    let status_url = server.url(&format!("/api/v1/coordinations/{id}/status"));
    let r = post(&status_url, Some(TOKEN), &json!({ "status": "sideways" }));
    assert_eq!((r.status, r.body["field"].as_str()), (400, Some("status")), "{:?}", r.body);
    let r = post(&status_url, Some(TOKEN), &json!({ "status": "done" }));
    assert_eq!(r.status, 409, "closing with open children is refused: {:?}", r.body);
    assert_eq!(r.body["needs"], "force", "{:?}", r.body);
    let r = post(&status_url, Some(TOKEN), &json!({ "status": "in_progress", "colour": "red" }));
    assert_eq!((r.status, r.body["field"].as_str()), (400, Some("colour")), "{:?}", r.body);
    let r = post(&status_url, Some(TOKEN), &json!({ "status": "in_progress" }));
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(r.body["changed"].as_bool().unwrap(), "{:?}", r.body);
    let child = server.url(&format!("/api/v1/coordinations/{id}/children/loqa-proto/status"));
    let r = post(&child, Some(TOKEN), &json!({ "status": "in_progress" }));
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = post(
        &server.url(&format!("/api/v1/coordinations/{id}/children/nowhere/status")),
        Some(TOKEN),
        &json!({ "status": "done" }),
    );
    assert_eq!(r.status, 400, "{:?}", r.body);
    let r = post(
        &server.url(&format!("/api/v1/coordinations/{id}/checklist")),
        Some(TOKEN),
        &json!({ "target": "loqa-proto", "item": "1" }),
    );
    assert_eq!(r.status, 200, "{:?}", r.body);

    for path in ["history", "plans/deploy", "plans/rollback"] {
        assert_eq!(get(&server.url(&format!("/api/v1/coordinations/{id}/{path}"))).status, 200, "{path}");
    }
    // Rollouts: where one stands, and a start refused while the coordination is not ready.
    let r = get(&server.url(&format!("/api/v1/coordinations/{id}/rollout")));
    assert_eq!((r.status, r.body["phase"].as_str()), (200, Some("not_started")), "{:?}", r.body);
    assert!(r.body["steps"].as_array().is_some_and(|s| !s.is_empty()), "{:?}", r.body);
    let url = server.url(&format!("/api/v1/coordinations/{id}/rollout"));
    assert_eq!(post(&url, None, &json!({ "dry_run": true })).status, 401);
    let r = post(&url, Some(TOKEN), &json!({ "dry_run": true }));
    assert_eq!(r.status, 409, "{:?}", r.body);
    assert!(r.body["detail"].as_str().is_some_and(|d| d.contains("ready")), "{:?}", r.body);
    let r = post(&url, Some(TOKEN), &json!({ "unfinished_deploy": "sometimes" }));
    assert_eq!(r.status, 400, "{:?}", r.body);
    assert_eq!(get(&server.url("/api/v1/graph?format=mermaid")).body["order"][0], "loqa-proto");
    assert_eq!(get(&server.url("/api/v1/metrics?window=7d")).status, 200);
    assert_eq!(get(&server.url("/api/v1/metrics?window=forever")).body["field"], "window");
    assert_eq!(get(&server.url("/api/v1/health?probe=false")).status, 200);
    let doc = get(&server.url("/api/v1/openapi.json"));
    assert_eq!(doc.body["openapi"], "3.1.0");
    assert_eq!(get(&server.url("/readyz")).status, 200);
    // Webhooks are refused while no secret is configured.
    assert_eq!(deliver(&server, "ping", "d1", b"{}", None).status, 503);
    assert_no_secrets(&server);
}

#[test]
fn sigterm_finishes_in_flight_work_and_exits_zero() {
    let (_dir, manifest) = workspace("health_interval = \"off\"");
    let mut server = Server::start(&manifest, &[]);
    assert_eq!(get(&server.url("/healthz")).status, 200);
    let status = server.stop_with(libc::SIGTERM);
    assert!(status.success(), "{status}: {}", server.logs());
    assert!(server.logs().contains("tandem serve stopped"), "{}", server.logs());
}

#[test]
fn deliveries_survive_a_kill_and_are_processed_once_after_a_restart() {
    let (dir, manifest) = workspace("health_interval = \"off\"\nwebhook_lease = \"2s\"");
    let envs = [("TANDEM_WEBHOOK_SECRET", WEBHOOK_SECRET)];
    let mut server = Server::start(&manifest, &envs);
    let n = 200;
    for i in 0..n {
        let body = serde_json::to_vec(&json!({ "zen": "x", "hook_id": i })).unwrap();
        assert_eq!(deliver(&server, "ping", &format!("kill-{i}"), &body, None).status, 202);
    }
    // Killed without warning, probably in the middle of processing.
    let status = server.stop_with(libc::SIGKILL);
    assert!(!status.success());
    let stored: i64 = db(dir.path()).query_row("SELECT COUNT(*) FROM deliveries", [], |r| r.get(0)).unwrap();
    assert_eq!(stored, n, "every acknowledged delivery was stored before the answer");
    let server = Server::start(&manifest, &envs);
    eventually("every delivery processed after the restart", || {
        (delivery_states(dir.path()) == vec![("done".to_string(), n)]).then_some(())
    });
    // Redelivered after the restart: recognised, not processed again.
    let body = serde_json::to_vec(&json!({ "zen": "x", "hook_id": 0 })).unwrap();
    assert_eq!(deliver(&server, "ping", "kill-0", &body, None).body["status"], "duplicate");
    assert_eq!(delivery_states(dir.path()), vec![("done".to_string(), n)]);
}

#[test]
fn the_health_schedule_runs_at_once_and_its_next_run_survives_a_restart() {
    let (dir, manifest) = workspace("health_interval = \"1h\"");
    let next_run = || -> Option<String> {
        db(dir.path()).query_row("SELECT value FROM state WHERE key = 'serve.health.next_run'", [], |r| r.get(0)).ok()
    };
    let mut server = Server::start(&manifest, &[]);
    let first = eventually("the first scheduled health check", next_run);
    let at = chrono::DateTime::parse_from_rfc3339(&first).unwrap();
    assert!(at > chrono::Utc::now() + chrono::Duration::minutes(55), "{first}");
    eventually("the health check's log line", || server.logs().contains("scheduled health check").then_some(()));
    assert!(server.stop_with(libc::SIGTERM).success());
    let server = Server::start(&manifest, &[]);
    assert_eq!(get(&server.url("/readyz")).status, 200);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(next_run().as_deref(), Some(first.as_str()), "a restart does not run the checks before they are due");
    assert!(!server.logs().contains("scheduled health check done"), "{}", server.logs());
}

/// A TCP port free a moment ago (for Prometheus, which cannot report the port it picked).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn prometheus_scrapes_the_metrics_and_answers_them_back() {
    let prometheus = require(PathBuf::from("/usr/bin/prometheus"), "prometheus (Debian package)");
    let (dir, manifest) = workspace("health_interval = \"off\"");
    let server = Server::start(&manifest, &[("TANDEM_WEBHOOK_SECRET", WEBHOOK_SECRET)]);
    for i in 0..3 {
        assert_eq!(deliver(&server, "ping", &format!("prom-{i}"), b"{\"zen\":\"z\"}", None).status, 202);
    }
    let config = dir.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: tandem\n    \
             metrics_path: /metrics\n    static_configs:\n      - targets: ['127.0.0.1:{}']\n",
            server.port()
        ),
    )
    .unwrap();
    let port = free_port();
    let _prom = Killed(
        std::process::Command::new(prometheus)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", dir.path().join("tsdb").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::from(std::fs::File::create(dir.path().join("prometheus.log")).unwrap()))
            .spawn()
            .expect("starting prometheus"),
    );
    let query = format!("http://127.0.0.1:{port}/api/v1/query?query=tandem_webhook_deliveries_received_total");
    let value = eventually("Prometheus to scrape tandem", || {
        let r = agent().get(&query).call().ok().map(reply)?;
        let v = r.body["data"]["result"][0]["value"][1].as_str()?.to_string();
        Some(v)
    });
    assert_eq!(value, "3");
    let up = reply(agent().get(&format!("http://127.0.0.1:{port}/api/v1/query?query=up")).call().unwrap());
    assert_eq!(up.body["data"]["result"][0]["value"][1], "1", "{:?}", up.body);
}

#[test]
fn schemathesis_finds_no_server_error_and_every_response_conforms() {
    let st = require(tools_dir().join("schemathesis-venv/bin/st"), "schemathesis");
    let (dir, manifest) = workspace("health_interval = \"off\"");
    let server = Server::start(&manifest, &[("TANDEM_API_TOKEN", TOKEN)]);
    let create = json!({ "title": "Seed", "type": "protocol", "from_repo": "loqa-proto" });
    assert_eq!(post(&server.url("/api/v1/coordinations"), Some(TOKEN), &create).status, 201);
    let out = std::process::Command::new(st)
        .arg("run")
        .arg(server.url("/api/v1/openapi.json"))
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
        ])
        .args(["--max-examples", "12", "--workers", "1", "--seed", "1"])
        .args(["-H", &format!("Authorization: Bearer {TOKEN}")])
        .env("NO_COLOR", "1")
        // Its example cache goes into the temp workspace, not the checkout.
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .output()
        .expect("running schemathesis");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "schemathesis found problems:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert_no_secrets(&server);
}
