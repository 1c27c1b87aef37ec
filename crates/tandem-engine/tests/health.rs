//! Health checks and metrics against a real SQLite store, real git checkouts, real HTTP
//! servers on 127.0.0.1 and a clock the tests move.

use chrono::{DateTime, Duration, TimeZone, Utc};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tandem_engine::{
    CreateRequest, Endpoints, Engine, HealthIssueAction, HealthOptions, HealthReport, Level, MetricsOptions, Remedy,
    HEALTH_MARKER,
};
use tandem_forge::LocalForge;
use tandem_model::{
    AnalysisRecord, ChangeType, ChildStatus, CoordId, CoordStatus, Finding, ImpactLevel, IssueKind, IssueState,
    ManualClock, RepoName, Severity,
};
use tandem_store::{SqliteStore, Store};

const LOQA: &str = include_str!("../src/examples/loqa.toml");

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

struct Fixture {
    dir: tempfile::TempDir,
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
}

impl Fixture {
    fn new(manifest: &str) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("tandem.toml"), manifest).unwrap();
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join(".tandem/tandem.db")).unwrap());
        Fixture { dir, store, clock: Arc::new(ManualClock::new(t0())) }
    }

    /// A fresh engine on the manifest as it is now (tests rewrite it).
    fn engine(&self) -> Engine {
        let ws = tandem_engine::load_workspace(self.dir.path()).unwrap();
        let forge = Arc::new(LocalForge::new(self.store.clone()));
        Engine::new(ws, self.store.clone(), forge, self.clock.clone(), "tester".into()).unwrap()
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    /// The one place that runs the checks: endpoints skipped unless `endpoints`.
    fn health(&self, stale_days: u32, endpoints: Endpoints) -> HealthReport {
        self.engine().health(&HealthOptions { stale_days, endpoints }).unwrap()
    }
}

/// The findings of one check, as their messages.
fn of(report: &HealthReport, check: &str) -> Vec<String> {
    report.findings.iter().filter(|f| f.check == check).map(|f| f.message.clone()).collect()
}

fn repo(s: &str) -> RepoName {
    RepoName::parse(s).unwrap()
}

fn start(e: &Engine, title: &str, repos: &[&str]) -> CoordId {
    let req = CreateRequest::new(title, ChangeType::Breaking).repos(repos);
    let id = e.create_coordination(&req, &mut |_| {}).unwrap().coordination.id;
    e.set_status(id, CoordStatus::InProgress, None, false).unwrap();
    id
}

// ---------------------------------------------------------------- coordinations

#[test]
fn a_coordination_becomes_stale_exactly_after_n_days_and_says_what_it_waits_on() {
    let fx = Fixture::new(LOQA);
    let e = fx.engine();
    let req = CreateRequest::new("Add auth", ChangeType::Protocol).from_repo("loqa-proto");
    let id = e.create_coordination(&req, &mut |_| {}).unwrap().coordination.id;
    e.set_status(id, CoordStatus::InProgress, None, false).unwrap();

    fx.clock.advance(Duration::days(3));
    let r = fx.health(3, Endpoints::Skip);
    assert_eq!(of(&r, "STALE_COORDINATION"), Vec::<String>::new(), "exactly N days without activity is not yet stale");

    fx.clock.advance(Duration::seconds(1));
    let r = fx.health(3, Endpoints::Skip);
    let stale = of(&r, "STALE_COORDINATION");
    assert_eq!(stale.len(), 1, "{r:#?}");
    assert!(stale[0].contains(&format!("#{id}")) && stale[0].contains("more than 3 days"), "{}", stale[0]);
    assert!(stale[0].contains("loqa-proto (ready)"), "it names the ready child: {}", stale[0]);
    assert!(stale[0].contains("loqa-hub (pending, after loqa-proto)"), "and who waits: {}", stale[0]);
    let f = r.findings.iter().find(|f| f.check == "STALE_COORDINATION").unwrap();
    assert_eq!(f.level, Level::Warning);
    assert!(f.action.contains("cancel"), "{}", f.action);
    assert!(r.is_clear_at(Level::Critical));

    // Any event makes it active again; closed coordinations are never stale.
    e.set_child_status(id, "loqa-proto", ChildStatus::InProgress, None).unwrap();
    assert!(of(&fx.health(3, Endpoints::Skip), "STALE_COORDINATION").is_empty());
    e.set_status(id, CoordStatus::Cancelled, None, true).unwrap();
    fx.clock.advance(Duration::days(30));
    assert!(of(&fx.health(3, Endpoints::Skip), "STALE_COORDINATION").is_empty());
}

#[test]
fn blocked_coordinations_and_children_report_their_reason_and_for_how_long() {
    let fx = Fixture::new(LOQA);
    let e = fx.engine();
    let a = start(&e, "Rename field", &["loqa-hub", "loqa-relay"]);
    let b = start(&e, "New endpoint", &["loqa-hub", "loqa-commander"]);
    e.set_status(a, CoordStatus::Blocked, Some("waiting for security review"), false).unwrap();
    e.set_child_status(b, "loqa-commander", ChildStatus::InProgress, None).unwrap();
    e.set_child_status(b, "loqa-commander", ChildStatus::Blocked, Some("design not final")).unwrap();
    fx.clock.advance(Duration::hours(50));

    let r = fx.health(7, Endpoints::Skip);
    let blocked = of(&r, "COORDINATION_BLOCKED");
    assert_eq!(blocked.len(), 1);
    assert!(blocked[0].contains(&format!("#{a}")) && blocked[0].contains("waiting for security review"));
    assert!(blocked[0].contains("2 days 2 h"), "{}", blocked[0]);
    // The children blocked by their coordination are not repeated; the one blocked on its own is.
    let children = of(&r, "CHILD_BLOCKED");
    assert_eq!(children.len(), 1, "{children:?}");
    assert!(children[0].starts_with("loqa-commander in coordination #") && children[0].contains("design not final"));
    // What to do is said without naming a front end; the operation that does it is data.
    let f = r.findings.iter().find(|f| f.check == "COORDINATION_BLOCKED").unwrap();
    assert_eq!(f.action, format!("resolve the reason, then set coordination #{a} back to in_progress"));
    assert_eq!(f.remedy, Some(Remedy::SetStatus { coordination: a, status: CoordStatus::InProgress }));
    let f = r.findings.iter().find(|f| f.check == "CHILD_BLOCKED").unwrap();
    assert_eq!(
        f.remedy,
        Some(Remedy::SetChildStatus { coordination: b, repo: repo("loqa-commander"), status: ChildStatus::InProgress })
    );
    assert!(r.findings.iter().all(|f| !f.action.contains("tandem ") && !f.action.contains("--")), "{r:#?}");
    assert!(f
        .subjects
        .iter()
        .any(|s| matches!(s, tandem_engine::HealthSubject::Child { repo, .. } if repo.as_str() == "loqa-commander")));
}

#[test]
fn breaking_analyses_without_a_coordination_are_reported_until_one_covers_them() {
    let fx = Fixture::new(LOQA);
    let e = fx.engine();
    let record = AnalysisRecord {
        id: 0,
        repo: Some(repo("loqa-proto")),
        base: "abc123".into(),
        head: "def456".into(),
        at: t0(),
        findings: vec![Finding {
            rule: "FIELD_NO_DELETE".into(),
            severity: Severity::Breaking,
            kind: "protobuf".into(),
            path: "audio.proto".into(),
            line: 3,
            column: 1,
            end_line: 3,
            end_column: 20,
            message: "Previously present field \"2\" with name \"x\" on message \"A\" was deleted.".into(),
        }],
        impact: ImpactLevel::Critical,
        consumers: vec![repo("loqa-hub")],
        coordination: None,
    };
    let analysis = fx.store.record_analysis(&record).unwrap();
    // A warning-only analysis is no coverage gap.
    let mut warning = record.clone();
    warning.findings[0].severity = Severity::Warning;
    fx.store.record_analysis(&warning).unwrap();

    let r = fx.health(7, Endpoints::Skip);
    let found = of(&r, "UNCOORDINATED_BREAKING_CHANGE");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("loqa-proto abc123..def456") && found[0].contains("FIELD_NO_DELETE"), "{}", found[0]);
    assert_eq!(r.worst(), Some(Level::Critical));

    let id = start(&e, "Follow the proto change", &["loqa-proto", "loqa-hub"]);
    fx.store.set_analysis_coordination(analysis, id).unwrap();
    assert!(of(&fx.health(7, Endpoints::Skip), "UNCOORDINATED_BREAKING_CHANGE").is_empty());
}

// ---------------------------------------------------------------- versions and dependencies

/// Writes `files` into the git repository at `dir` (created if needed) and commits them.
fn commit(dir: &Path, files: &[(&str, &str)]) -> git2::Oid {
    let repo = git2::Repository::open(dir).or_else(|_| git2::Repository::init(dir)).unwrap();
    let mut index = repo.index().unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
        index.add_path(Path::new(name)).unwrap();
    }
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = git2::Signature::now("tester", "tester@example.com").unwrap();
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, "change", &tree, &parents).unwrap()
}

fn tag(dir: &Path, name: &str) {
    let repo = git2::Repository::open(dir).unwrap();
    let head = repo.head().unwrap().peel(git2::ObjectType::Commit).unwrap();
    repo.tag_lightweight(name, &head, false).unwrap();
}

const GO_WS: &str = r#"
[coordination]
repo = "proto"

[[repo]]
name = "proto"
role = "protocol"
path = "proto"

[[repo]]
name = "hub"
role = "service"
path = "hub"
depends_on = [{ repo = "proto", via = "grpc" }]

[[repo]]
name = "relay"
role = "client"
path = "relay"
depends_on = [{ repo = "proto", via = "grpc" }, { repo = "hub", via = "grpc" }]
"#;

fn go_mod(module: &str, proto_version: &str) -> String {
    format!("module example.com/{module}\n\ngo 1.22\n\nrequire example.com/proto {proto_version}\n")
}

fn go_workspace() -> Fixture {
    let fx = Fixture::new(GO_WS);
    for name in ["proto", "hub", "relay"] {
        std::fs::create_dir_all(fx.root().join(name)).unwrap();
    }
    commit(&fx.root().join("proto"), &[("go.mod", "module example.com/proto\n\ngo 1.22\n")]);
    tag(&fx.root().join("proto"), "v0.3.0");
    commit(&fx.root().join("hub"), &[("go.mod", &go_mod("hub", "v0.3.0"))]);
    commit(&fx.root().join("relay"), &[("go.mod", &go_mod("relay", "v0.3.0"))]);
    fx
}

#[test]
fn a_mismatch_appears_when_one_consumers_go_mod_is_bumped_in_its_checkout() {
    let fx = go_workspace();
    let r = fx.health(7, Endpoints::Skip);
    assert!(of(&r, "VERSION_MISMATCH").is_empty() && of(&r, "VERSION_BEHIND").is_empty(), "{r:#?}");
    assert!(r.findings.is_empty(), "a consistent workspace is healthy: {:#?}", r.findings);

    commit(&fx.root().join("relay"), &[("go.mod", &go_mod("relay", "v0.3.1"))]);
    let r = fx.health(7, Endpoints::Skip);
    let mismatch = of(&r, "VERSION_MISMATCH");
    assert_eq!(
        mismatch,
        ["2 versions of proto are pinned: hub requires v0.3.0 (go.mod:5), relay requires v0.3.1 (go.mod:5)"]
    );
    let f = r.findings.iter().find(|f| f.check == "VERSION_MISMATCH").unwrap();
    let named: Vec<String> = f.subjects.iter().map(ToString::to_string).collect();
    assert_eq!(named, ["proto", "hub", "relay"]);
    assert!(of(&r, "VERSION_BEHIND").is_empty(), "the provider's tag is still v0.3.0");

    // The provider releases v0.3.1: hub is now behind it.
    tag(&fx.root().join("proto"), "v0.3.1");
    let behind = of(&fx.health(7, Endpoints::Skip), "VERSION_BEHIND");
    assert_eq!(behind, ["hub requires proto v0.3.0 (go.mod:5); proto is at 0.3.1 (git tag v0.3.1)"]);

    // hub follows: every finding is gone.
    commit(&fx.root().join("hub"), &[("go.mod", &go_mod("hub", "v0.3.1"))]);
    assert!(fx.health(7, Endpoints::Skip).findings.is_empty());
}

#[test]
fn issue_10_npm_ranges_are_checked_and_unreadable_pins_are_reported() {
    let fx = go_workspace();
    std::fs::create_dir_all(fx.root().join("relay")).unwrap();
    let package = |range: &str| {
        format!("{{\n  \"name\": \"relay\",\n  \"dependencies\": {{ \"example.com/proto\": \"{range}\" }}\n}}\n")
    };
    commit(
        &fx.root().join("relay"),
        &[("go.mod", "module example.com/relay\n\ngo 1.22\n"), ("package.json", &package(">=0.2.0 <0.3.0"))],
    );
    let r = fx.health(7, Endpoints::Skip);
    assert_eq!(
        of(&r, "VERSION_BEHIND"),
        ["relay requires proto >=0.2.0 <0.3.0 (package.json:3); proto is at 0.3.0 (git tag v0.3.0)"]
    );
    commit(&fx.root().join("relay"), &[("package.json", &package("^0.3.0.1"))]);
    let r = fx.health(7, Endpoints::Skip);
    let unreadable = of(&r, "VERSION_UNPARSEABLE");
    assert_eq!(unreadable.len(), 1, "{r:#?}");
    assert!(
        unreadable[0].starts_with("relay requires proto ^0.3.0.1 (package.json:3), which cannot be read"),
        "{}",
        unreadable[0]
    );
}

#[test]
fn discovered_dependencies_that_close_a_cycle_and_broken_manifests_are_reported() {
    let fx = go_workspace();
    // proto starts importing hub: undeclared, and a cycle with hub -> proto.
    commit(
        &fx.root().join("proto"),
        &[("go.mod", "module example.com/proto\n\ngo 1.22\n\nrequire example.com/hub v1.0.0\n")],
    );
    std::fs::write(fx.root().join("relay/package.json"), "{ \"name\": \"relay\", ").unwrap();
    let r = fx.health(7, Endpoints::Skip);
    let undeclared = of(&r, "DEPENDENCY_UNDECLARED");
    assert_eq!(undeclared.len(), 1);
    assert!(undeclared[0].starts_with("proto uses hub (go.mod:5"), "{}", undeclared[0]);
    let cycle = of(&r, "DEPENDENCY_CYCLE");
    assert_eq!(cycle.len(), 1, "{r:#?}");
    assert!(cycle[0].contains("hub -> proto -> hub") || cycle[0].contains("proto -> hub -> proto"), "{}", cycle[0]);
    assert_eq!(r.worst(), Some(Level::Critical));
    let broken = of(&r, "MANIFEST_UNREADABLE");
    assert_eq!(broken.len(), 1);
    assert!(broken[0].starts_with("relay/package.json"), "{}", broken[0]);
}

// ---------------------------------------------------------------- endpoints

/// A real HTTP server on 127.0.0.1 answering every request with `status` after `delay`.
struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(addr: &str, status: u16, delay: std::time::Duration) -> Server {
        let listener = TcpListener::bind(addr).unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((mut s, _)) => {
                        std::thread::spawn(move || {
                            s.set_nonblocking(false).unwrap();
                            let mut buf = [0u8; 1024];
                            let mut seen = Vec::new();
                            while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                                match s.read(&mut buf) {
                                    Ok(0) | Err(_) => return,
                                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                                }
                            }
                            std::thread::sleep(delay);
                            let _ = s.write_all(
                                format!("HTTP/1.1 {status} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                                    .as_bytes(),
                            );
                        });
                    }
                    Err(_) => std::thread::sleep(std::time::Duration::from_millis(2)),
                }
            }
        });
        Server { addr, stop, thread: Some(thread) }
    }

    /// Stops accepting and closes the port.
    fn stop(mut self) -> SocketAddr {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
        self.addr
    }
}

fn endpoint_manifest(endpoints: &[(&str, String, u64, Option<u64>)]) -> String {
    let mut m = String::new();
    for (name, url, timeout, max) in endpoints {
        m.push_str(&format!("[[repo]]\nname = \"{name}\"\nrole = \"service\"\n\n[repo.health]\nurl = \"{url}\"\ntimeout_ms = {timeout}\n"));
        if let Some(max) = max {
            m.push_str(&format!("max_latency_ms = {max}\n"));
        }
        m.push('\n');
    }
    m
}

#[test]
fn an_endpoint_served_by_a_real_server_is_down_while_it_is_stopped_and_healthy_once_restarted() {
    let server = Server::start("127.0.0.1:0", 200, std::time::Duration::ZERO);
    let addr = server.addr;
    let fx = Fixture::new(&endpoint_manifest(&[("hub", format!("http://{addr}/health"), 2000, None)]));

    let r = fx.health(7, Endpoints::Probe);
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    assert_eq!(r.endpoints.len(), 1);
    assert!(r.endpoints[0].healthy);
    assert_eq!(r.endpoints[0].outcome, tandem_engine::ProbeOutcome::Answered { status: 200 });

    server.stop();
    let r = fx.health(7, Endpoints::Probe);
    assert_eq!(of(&r, "ENDPOINT_DOWN"), [format!("hub: http://{addr}/health refused the connection")]);
    assert!(!r.endpoints[0].healthy);
    assert_eq!(r.worst(), Some(Level::Critical));
    // Skipping endpoints sends no traffic and reports nothing about them.
    let skipped = fx.health(7, Endpoints::Skip);
    assert!(skipped.findings.is_empty() && skipped.endpoints.is_empty() && !skipped.endpoints_probed);

    let again = Server::start(&addr.to_string(), 200, std::time::Duration::ZERO);
    let r = fx.health(7, Endpoints::Probe);
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    again.stop();
}

#[test]
fn slow_failing_and_silent_endpoints_are_told_apart_and_secrets_never_shown() {
    let slow = Server::start("127.0.0.1:0", 200, std::time::Duration::from_millis(300));
    let failing = Server::start("127.0.0.1:0", 503, std::time::Duration::ZERO);
    let silent = Server::start("127.0.0.1:0", 200, std::time::Duration::from_secs(5));
    let fx = Fixture::new(&endpoint_manifest(&[
        ("slow", format!("http://{}/health", slow.addr), 2000, Some(100)),
        ("failing", format!("http://admin:hunter2@{}/health?token=s3cret", failing.addr), 2000, None),
        ("silent", format!("http://{}/health", silent.addr), 200, None),
    ]));
    let r = fx.health(7, Endpoints::Probe);
    let slow_msgs = of(&r, "ENDPOINT_SLOW");
    assert_eq!(slow_msgs.len(), 1);
    assert!(slow_msgs[0].starts_with("slow: ") && slow_msgs[0].contains("(limit 100 ms)"), "{}", slow_msgs[0]);
    assert_eq!(
        of(&r, "ENDPOINT_UNHEALTHY").iter().map(|m| m.split(" in ").next().unwrap().to_string()).collect::<Vec<_>>(),
        [format!("failing: http://***@{}/health?*** answered HTTP 503", failing.addr)]
    );
    assert_eq!(
        of(&r, "ENDPOINT_DOWN"),
        [format!("silent: http://{}/health did not answer within 200 ms", silent.addr)]
    );
    let json = serde_json::to_string(&r).unwrap();
    assert!(!json.contains("hunter2") && !json.contains("s3cret"), "secrets leaked: {json}");
    assert!(!tandem_engine::health_body(&r).contains("hunter2"));
    for s in [slow, failing, silent] {
        s.stop();
    }
}

#[test]
fn endpoints_are_probed_concurrently() {
    let servers: Vec<Server> =
        (0..6).map(|_| Server::start("127.0.0.1:0", 200, std::time::Duration::from_millis(400))).collect();
    let list: Vec<(String, String, u64, Option<u64>)> = servers
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("svc-{i}"), format!("http://{}/health", s.addr), 3000, None))
        .collect();
    let refs: Vec<(&str, String, u64, Option<u64>)> =
        list.iter().map(|(n, u, t, m)| (n.as_str(), u.clone(), *t, *m)).collect();
    let fx = Fixture::new(&endpoint_manifest(&refs));
    let started = std::time::Instant::now();
    let r = fx.health(7, Endpoints::Probe);
    let took = started.elapsed();
    assert_eq!(r.endpoints.iter().filter(|e| e.healthy).count(), 6, "{:#?}", r.endpoints);
    assert!(
        took < std::time::Duration::from_millis(1600),
        "6 x 400 ms one after the other would take 2.4 s; took {took:?}"
    );
    for s in servers {
        s.stop();
    }
}

/// A real HTTP server on 127.0.0.1 that answers each request with `answer(request head)` and
/// keeps every request head it received (to see what went on the wire).
struct Scripted {
    addr: SocketAddr,
    seen: Arc<std::sync::Mutex<Vec<String>>>,
}

type Answer = Arc<dyn Fn(&str) -> String + Send + Sync>;

impl Scripted {
    fn start(answer: impl Fn(&str) -> String + Send + Sync + 'static) -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (log, answer): (_, Answer) = (seen.clone(), Arc::new(answer));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut s) = stream else { continue };
                let (log, answer) = (log.clone(), answer.clone());
                std::thread::spawn(move || {
                    let head = read_head(&mut s);
                    let reply = answer(&head);
                    log.lock().unwrap().push(head);
                    let _ = s.write_all(reply.as_bytes());
                });
            }
        });
        Scripted { addr, seen }
    }

    fn requests(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

fn read_head(s: &mut impl Read) -> String {
    let mut buf = [0u8; 1024];
    let mut seen = Vec::new();
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") && seen.len() < 64 * 1024 {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&seen).into_owned()
}

fn answer(status: &str, extra: &str) -> String {
    format!("HTTP/1.1 {status}\r\n{extra}Content-Length: 2\r\nConnection: close\r\n\r\nok")
}

/// The request target of a request head: `GET /x HTTP/1.1` → `/x`.
fn target(head: &str) -> &str {
    head.split_whitespace().nth(1).unwrap_or("")
}

#[test]
fn a_redirect_to_a_healthy_page_is_healthy_and_its_final_status_is_judged() {
    let server = Scripted::start(|head| match target(head) {
        "/health" => answer("301 Moved Permanently", "Location: /health/\r\n"),
        "/health/" => answer("302 Found", "Location: /ok\r\n"),
        "/ok" => answer("200 OK", ""),
        "/down" => answer("302 Found", "Location: /sick\r\n"),
        "/sick" => answer("503 Service Unavailable", ""),
        // A loop: /loop → /loop2 → /loop …
        "/loop" => answer("302 Found", "Location: /loop2\r\n"),
        _ => answer("302 Found", "Location: /loop\r\n"),
    });
    let a = server.addr;
    let fx = Fixture::new(&endpoint_manifest(&[
        ("moved", format!("http://{a}/health"), 2000, None),
        ("sick", format!("http://{a}/down"), 2000, None),
        ("looping", format!("http://{a}/loop"), 2000, None),
    ]));
    let r = fx.health(7, Endpoints::Probe);
    let by_repo = |name: &str| r.endpoints.iter().find(|e| e.repo.as_str() == name).unwrap();
    assert!(by_repo("moved").healthy, "{:#?}", r.endpoints);
    assert_eq!(by_repo("moved").outcome, tandem_engine::ProbeOutcome::Answered { status: 200 });
    assert_eq!(by_repo("sick").outcome, tandem_engine::ProbeOutcome::Answered { status: 503 });
    let down = of(&r, "ENDPOINT_DOWN");
    assert_eq!(down.len(), 1, "{down:?}");
    assert!(
        down[0].starts_with("looping: ")
            && down[0].contains(&format!("more than {} redirects", tandem_engine::MAX_REDIRECTS)),
        "{}",
        down[0]
    );
    assert_eq!(of(&r, "ENDPOINT_UNHEALTHY").len(), 1, "{:#?}", r.findings);
}

#[test]
fn credentials_with_url_delimiters_are_sent_as_basic_auth_and_never_shown() {
    let server = Scripted::start(|_| answer("503 Service Unavailable", ""));
    let a = server.addr;
    // The password is `pa/ss#w?rd@1`; percent-encoded as a URL requires.
    let fx = Fixture::new(&format!(
        "[coordination]\nrepo = \"hub\"\n\n{}",
        endpoint_manifest(&[("hub", format!("http://ops:pa%2Fss%23w%3Frd%401@{a}/health?token=s3cret"), 2000, None)])
    ));
    let e = fx.engine();
    let r = e.health(&HealthOptions { stale_days: 7, endpoints: Endpoints::Probe }).unwrap();
    assert_eq!(of(&r, "ENDPOINT_UNHEALTHY").len(), 1, "{:#?}", r.findings);
    let outcome = e.report_health_issue(&r).unwrap();
    assert_eq!(outcome.action, HealthIssueAction::Created);
    let issue = &health_issues(fx.store.as_ref())[0];

    let heads = server.requests();
    assert_eq!(heads.len(), 1, "{heads:?}");
    use base64::Engine as _;
    let token = base64::engine::general_purpose::STANDARD.encode("ops:pa/ss#w?rd@1");
    assert!(
        heads[0].contains(&format!("authorization: Basic {token}\r\n"))
            || heads[0].contains(&format!("Authorization: Basic {token}\r\n")),
        "{}",
        heads[0]
    );
    assert!(heads[0].starts_with("GET /health?token=s3cret HTTP/1.1\r\n"), "{}", heads[0]);

    let shown = [
        serde_json::to_string(&r).unwrap(),
        format!("{r:?}"),
        tandem_engine::health_body(&r),
        issue.body.clone(),
        issue.title.clone(),
    ];
    for text in shown {
        for secret in ["pa/ss", "pa%2Fss", "w?rd", "s3cret", &token] {
            assert!(!text.contains(secret), "{secret:?} shown in: {text}");
        }
    }
    assert!(issue.body.contains(&format!("http://***@{a}/health?***")), "{}", issue.body);
}

#[test]
fn an_encoded_crlf_in_a_health_url_stays_encoded_on_the_wire() {
    let server = Scripted::start(|_| answer("200 OK", ""));
    let a = server.addr;
    let fx =
        Fixture::new(&endpoint_manifest(&[("hub", format!("http://{a}/health%0D%0AX-Injected:%20yes"), 2000, None)]));
    let r = fx.health(7, Endpoints::Probe);
    assert!(r.endpoints[0].healthy, "{:#?}", r.endpoints);
    let heads = server.requests();
    assert!(heads[0].starts_with("GET /health%0D%0AX-Injected:%20yes HTTP/1.1\r\n"), "{}", heads[0]);
    assert!(!heads[0].to_ascii_lowercase().contains("\r\nx-injected"), "{}", heads[0]);
}

#[test]
fn a_health_url_with_a_raw_crlf_is_refused_when_the_workspace_loads() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = "[[repo]]\nname = \"hub\"\nrole = \"service\"\n\n[repo.health]\nurl = \"http://127.0.0.1:9/health\\r\\nX-Injected: yes\"\n";
    std::fs::write(dir.path().join("tandem.toml"), manifest).unwrap();
    let err = tandem_engine::load_workspace(dir.path()).unwrap_err().to_string();
    assert!(err.contains("tandem.toml:6:7") && err.contains("carriage return"), "{err}");
    assert!(!err.contains("X-Injected"), "{err}");
}

// ---------------------------------------------------------------- https

/// A real HTTPS server on 127.0.0.1 with a certificate generated here, answering 200; returns
/// its address and the certificate (PEM) a client must trust.
fn tls_server() -> (SocketAddr, String) {
    let ck = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
    let pem = ck.cert.pem();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(ck.key_pair.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![ck.cert.der().clone()], key)
        .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(tcp) = stream else { continue };
            let config = config.clone();
            std::thread::spawn(move || {
                let Ok(conn) = rustls::ServerConnection::new(config) else { return };
                let mut tls = rustls::StreamOwned::new(conn, tcp);
                let _ = read_head(&mut tls);
                let _ = tls.write_all(answer("200 OK", "").as_bytes());
                let _ = tls.flush();
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    (addr, pem)
}

#[test]
fn an_https_endpoint_is_probed_and_trusted_through_its_ca_file() {
    let (addr, pem) = tls_server();
    let fx = Fixture::new("");
    std::fs::write(fx.root().join("ca.pem"), pem).unwrap();
    let manifest = format!(
        "{}\nca_file = \"ca.pem\"\n",
        endpoint_manifest(&[("secure", format!("https://{addr}/health"), 3000, None)]).trim_end()
    );
    std::fs::write(fx.root().join("tandem.toml"), manifest).unwrap();
    let r = fx.health(7, Endpoints::Probe);
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    assert_eq!(r.endpoints[0].outcome, tandem_engine::ProbeOutcome::Answered { status: 200 });
}

#[test]
fn an_untrusted_certificate_is_a_clear_failure_not_a_skipped_endpoint() {
    let (addr, _) = tls_server();
    let fx = Fixture::new(&endpoint_manifest(&[("secure", format!("https://{addr}/health"), 3000, None)]));
    let r = fx.health(7, Endpoints::Probe);
    assert!(of(&r, "ENDPOINT_NOT_PROBED").is_empty(), "{:#?}", r.findings);
    let down = of(&r, "ENDPOINT_DOWN");
    assert_eq!(down.len(), 1, "{:#?}", r.findings);
    assert!(down[0].contains("certificate is not trusted") && down[0].contains("ca_file"), "{}", down[0]);

    // Trusting another CA does not help either, and the message names the file.
    let (_, other_pem) = tls_server();
    std::fs::write(fx.root().join("other.pem"), other_pem).unwrap();
    let manifest = format!(
        "{}\nca_file = \"other.pem\"\n",
        endpoint_manifest(&[("secure", format!("https://{addr}/health"), 3000, None)]).trim_end()
    );
    std::fs::write(fx.root().join("tandem.toml"), manifest).unwrap();
    let down = of(&fx.health(7, Endpoints::Probe), "ENDPOINT_DOWN");
    assert!(down.len() == 1 && down[0].contains("not trusted") && down[0].contains("other.pem"), "{down:?}");
}

// ---------------------------------------------------------------- the health issue

fn health_issues(store: &dyn Store) -> Vec<tandem_model::Issue> {
    store.list_issues(None).unwrap().into_iter().filter(|i| i.kind == IssueKind::Health).collect()
}

#[test]
fn running_the_health_report_three_times_creates_exactly_one_issue_closed_when_healthy_and_reopened() {
    let fx = Fixture::new(LOQA);
    let e = fx.engine();
    let report = |fx: &Fixture| {
        let e = fx.engine();
        let r = e.health(&HealthOptions { stale_days: 7, endpoints: Endpoints::Skip }).unwrap();
        e.report_health_issue(&r).unwrap()
    };
    // Healthy and no issue yet: nothing is opened.
    assert_eq!(report(&fx).action, HealthIssueAction::NothingToReport);
    assert!(health_issues(fx.store.as_ref()).is_empty());

    let id = start(&e, "Rename field", &["loqa-hub", "loqa-relay"]);
    e.set_status(id, CoordStatus::Blocked, Some("waiting for review"), false).unwrap();
    let actions: Vec<HealthIssueAction> = (0..3).map(|_| report(&fx).action).collect();
    assert_eq!(actions, [HealthIssueAction::Created, HealthIssueAction::Updated, HealthIssueAction::Updated]);
    let issues = health_issues(fx.store.as_ref());
    assert_eq!(issues.len(), 1, "{issues:#?}");
    let issue = &issues[0];
    assert_eq!((issue.reference.repo.as_str(), issue.marker.as_str()), ("loqa", HEALTH_MARKER));
    assert_eq!(issue.state, IssueState::Open);
    assert!(issue.body.contains("COORDINATION_BLOCKED") && issue.body.contains("what to do:"), "{}", issue.body);

    e.set_status(id, CoordStatus::InProgress, None, false).unwrap();
    let closed = report(&fx);
    assert_eq!((closed.action, closed.state), (HealthIssueAction::Closed, Some(IssueState::Closed)));
    assert_eq!(report(&fx).action, HealthIssueAction::UpdatedClosed);
    assert!(health_issues(fx.store.as_ref())[0].body.contains("Everything is healthy"));

    e.set_status(id, CoordStatus::Blocked, Some("again"), false).unwrap();
    let reopened = report(&fx);
    assert_eq!((reopened.action, reopened.state), (HealthIssueAction::Reopened, Some(IssueState::Open)));
    assert_eq!(reopened.issue, Some(issue.reference.clone()));
    assert_eq!(health_issues(fx.store.as_ref()).len(), 1, "never a second one");
}

#[test]
fn the_health_issue_needs_a_coordination_repo() {
    let fx = Fixture::new("[[repo]]\nname = \"a\"\nrole = \"service\"\n");
    let e = fx.engine();
    let r = e.health(&HealthOptions::default()).unwrap();
    let err = e.report_health_issue(&r).unwrap_err().to_string();
    assert!(err.contains("[coordination] repo"), "{err}");
    assert!(e.health(&HealthOptions { stale_days: 0, endpoints: Endpoints::Skip }).is_err());
    // A threshold beyond any date is refused, not an overflow (found by schemathesis).
    for days in [3651, 107_726_350, u32::MAX] {
        let err = e.health(&HealthOptions { stale_days: days, endpoints: Endpoints::Skip }).unwrap_err();
        assert!(matches!(err, tandem_engine::EngineError::Input { .. }), "{days}: {err}");
        assert!(err.to_string().contains("at most 3650 days"), "{err}");
    }
    assert!(e.health(&HealthOptions { stale_days: 3650, endpoints: Endpoints::Skip }).is_ok());
}

// ---------------------------------------------------------------- metrics

const TRIO: &str = r#"
[coordination]
repo = "a"

[[repo]]
name = "a"
role = "library"

[[repo]]
name = "b"
role = "service"

[[repo]]
name = "c"
role = "service"
"#;

/// Moves the clock to `t0 + hours`.
fn at(fx: &Fixture, hours: i64) {
    let target = t0() + Duration::hours(hours);
    let now = tandem_model::Clock::now(fx.clock.as_ref());
    fx.clock.advance(target - now);
}

fn finish_child(e: &Engine, id: CoordId, repo: &str) {
    for s in [ChildStatus::InProgress, ChildStatus::InReview, ChildStatus::Done] {
        e.set_child_status(id, repo, s, None).unwrap();
    }
}

#[test]
fn metrics_of_a_known_timeline_are_exact() {
    let fx = Fixture::new(TRIO);
    let e = fx.engine();
    at(&fx, 0);
    let one = start(&e, "one", &["a", "b"]);
    at(&fx, 10);
    finish_child(&e, one, "a");
    at(&fx, 20);
    finish_child(&e, one, "b");
    e.set_status(one, CoordStatus::Ready, None, false).unwrap();
    at(&fx, 25);
    e.set_status(one, CoordStatus::Deploying, None, false).unwrap();
    at(&fx, 30);
    e.set_status(one, CoordStatus::Done, None, false).unwrap();

    at(&fx, 24 + 7);
    let req = CreateRequest::new("two", ChangeType::Feature).repos(&["b", "c"]);
    let two = e.create_coordination(&req, &mut |_| {}).unwrap().coordination.id;
    e.set_status(two, CoordStatus::InProgress, None, false).unwrap();
    at(&fx, 33);
    e.set_status(two, CoordStatus::Blocked, Some("vendor outage"), false).unwrap();
    at(&fx, 36);
    e.set_status(two, CoordStatus::InProgress, None, false).unwrap();
    at(&fx, 48);
    e.set_status(two, CoordStatus::Cancelled, None, true).unwrap();

    let three = start(&e, "three", &["a", "c"]);
    at(&fx, 60);
    finish_child(&e, three, "a");
    finish_child(&e, three, "c");
    e.set_status(three, CoordStatus::Ready, None, false).unwrap();
    at(&fx, 70);
    e.set_status(three, CoordStatus::Deploying, None, false).unwrap();
    at(&fx, 72);
    e.set_status(three, CoordStatus::Ready, Some("error rate up"), false).unwrap();
    at(&fx, 80);
    e.set_status(three, CoordStatus::Deploying, None, false).unwrap();
    at(&fx, 98);
    e.set_status(three, CoordStatus::Done, None, false).unwrap();

    let four = start(&e, "four", &["b"]);
    at(&fx, 100);

    let h = 3600.0;
    let m = e.metrics(&MetricsOptions { window: Duration::hours(100), until: None }).unwrap();
    assert_eq!(m.time_to_complete.count, 2);
    assert_eq!(m.time_to_complete.median_seconds, Some(40.0 * h), "30 h and 50 h");
    assert_eq!(m.time_to_complete.p90_seconds, Some(50.0 * h));
    assert_eq!(m.time_to_complete_by_change_type["breaking"].count, 2);
    // Children: one/a 10, one/b 20, three/a 12, three/c 12 (created at 48, done at 60).
    assert_eq!(m.child_resolution.count, 4);
    assert_eq!(m.child_resolution.median_seconds, Some(12.0 * h));
    assert_eq!(m.child_resolution.p90_seconds, Some(20.0 * h));
    assert_eq!(m.child_resolution_by_repo[&repo("a")].median_seconds, Some(11.0 * h));
    assert_eq!((m.outcomes.done, m.outcomes.cancelled), (2, 1));
    assert_eq!(m.outcomes.done_share, Some(2.0 / 3.0));
    // #2 was blocked 33..36; its two children with it.
    assert_eq!((m.blocked.coordination_seconds, m.blocked.coordination_episodes), (3.0 * h, 1));
    assert_eq!((m.blocked.child_seconds, m.blocked.child_episodes), (6.0 * h, 2));
    assert_eq!(
        (m.deployments.total, m.deployments.succeeded, m.deployments.rolled_back, m.deployments.aborted),
        (3, 2, 1, 0)
    );
    assert_eq!(m.deployments.success_rate, Some(2.0 / 3.0));
    assert_eq!(m.open.count, 1);
    assert_eq!((m.open.oldest[0].id, m.open.oldest[0].age_seconds), (four, 2.0 * h));

    // A past window: hours 26..34. #1 finished its deployment at 30; #2 was blocked 1 h of it.
    let past = MetricsOptions { window: Duration::hours(8), until: Some(t0() + Duration::hours(34)) };
    let p = e.metrics(&past).unwrap();
    assert_eq!(p.time_to_complete.count, 1, "#1 was done at 30");
    assert_eq!((p.deployments.total, p.deployments.success_rate), (1, Some(1.0)));
    assert_eq!((p.blocked.coordination_seconds, p.blocked.coordination_episodes), (1.0 * h, 1));
    assert_eq!(p.open.count, 1, "#2 (created 31) is open at 34");
    assert_eq!(p.open.oldest[0].status, CoordStatus::Blocked);
    assert_eq!(p.open.oldest[0].age_seconds, 3.0 * h);

    // Reproducible: the same past window after more history gives the same figures.
    e.set_status(four, CoordStatus::Blocked, Some("later"), false).unwrap();
    at(&fx, 200);
    let again = e.metrics(&past).unwrap();
    assert_eq!(serde_json::to_value(&again).unwrap(), serde_json::to_value(&p).unwrap());

    // A window with no deployment says so: no rate, not 100 %.
    let quiet = MetricsOptions { window: Duration::hours(10), until: Some(t0() + Duration::hours(12)) };
    let q = e.metrics(&quiet).unwrap();
    assert_eq!((q.deployments.total, q.deployments.success_rate), (0, None));
    assert_eq!(q.outcomes.done_share, None);
    assert_eq!(q.open.count, 1);
    assert_eq!(q.child_resolution.count, 1, "one/a at 10");
}
