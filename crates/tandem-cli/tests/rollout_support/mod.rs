//! A fleet for rollout tests and the reaction benchmark: a small exporter the test controls
//! (metrics and health endpoints of a few services), a real Prometheus scraping it every
//! second on a loopback port with a temp storage dir, and a workspace whose deploy, rollback
//! and flag commands write what they do to a file. Everything started here is stopped by a
//! guard's `Drop`, also when a test fails.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub fn tandem() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_tandem"))
}

/// What the exporter serves.
pub struct FleetState {
    /// The file the flag command writes the percentage to.
    pub flag_file: PathBuf,
    /// Latency goes bad once the flag is at or above this percentage.
    pub bad_at_percent: u32,
    /// Forces bad latency now (the benchmark's switch).
    pub force_bad: AtomicBool,
    /// Health endpoints answer 503 while set.
    pub unhealthy: AtomicBool,
    /// Every POST received: `PATH BODY`.
    pub posts: std::sync::Mutex<Vec<String>>,
}

pub struct Exporter {
    pub port: u16,
    pub state: Arc<FleetState>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Exporter {
    pub fn start(flag_file: PathBuf, bad_at_percent: u32) -> Exporter {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding the exporter");
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(FleetState {
            flag_file,
            bad_at_percent,
            force_bad: AtomicBool::new(false),
            unhealthy: AtomicBool::new(false),
            posts: std::sync::Mutex::new(Vec::new()),
        });
        let stop = Arc::new(AtomicBool::new(false));
        let (st, sp) = (state.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if sp.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(c) = conn {
                    let st = st.clone();
                    std::thread::spawn(move || serve(c, &st));
                }
            }
        });
        Exporter { port, state, stop, thread: Some(thread) }
    }

    pub fn latency_now(&self) -> f64 {
        latency(&self.state)
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn percent(st: &FleetState) -> u32 {
    std::fs::read_to_string(&st.flag_file).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(0)
}

fn latency(st: &FleetState) -> f64 {
    if st.force_bad.load(Ordering::SeqCst) || percent(st) >= st.bad_at_percent {
        0.45
    } else {
        0.05
    }
}

fn serve(mut c: TcpStream, st: &FleetState) {
    let _ = c.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
        match c.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
    let (status, body) = if head.starts_with("POST ") {
        // A flag service: remember the call, keep the percentage like the flag command does.
        let len: usize = head
            .lines()
            .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string()))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let start = head.find("\r\n\r\n").map_or(buf.len(), |i| i + 4);
        let mut body = buf[start.min(buf.len())..].to_vec();
        while body.len() < len {
            match c.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => body.extend_from_slice(&chunk[..n]),
            }
        }
        let body = String::from_utf8_lossy(&body).into_owned();
        st.posts.lock().unwrap().push(format!("{path} {body}"));
        ("200 OK", "ok\n".to_string())
    } else if path.starts_with("/metrics") {
        let l = latency(st);
        let mut b = String::from("# TYPE fleet_latency_p95_seconds gauge\n");
        for s in ["proto", "hub", "relay"] {
            b.push_str(&format!("fleet_latency_p95_seconds{{service=\"{s}\"}} {l}\n"));
        }
        b.push_str("# TYPE fleet_error_ratio gauge\nfleet_error_ratio 0.0001\n");
        b.push_str("# TYPE fleet_cpu_ratio gauge\nfleet_cpu_ratio 0.35\n");
        ("200 OK", b)
    } else if path.starts_with("/health") {
        if st.unhealthy.load(Ordering::SeqCst) {
            ("503 Service Unavailable", "down\n".to_string())
        } else {
            ("200 OK", "ok\n".to_string())
        }
    } else {
        ("404 Not Found", "no\n".to_string())
    };
    let _ = write!(
        c,
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// A free loopback port (bound, then released for the process that will listen on it).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub fn prometheus_binary() -> PathBuf {
    for p in ["/usr/bin/prometheus", "/usr/local/bin/prometheus"] {
        if Path::new(p).is_file() {
            return PathBuf::from(p);
        }
    }
    panic!("prometheus is not installed: run scripts/setup.sh (it installs the Debian package)");
}

/// A real Prometheus on a loopback port scraping the exporter every second.
pub struct Prometheus {
    pub port: u16,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Prometheus {
    pub fn start(exporter_port: u16) -> Prometheus {
        let mut last = String::new();
        for _ in 0..3 {
            let dir = tempfile::tempdir().unwrap();
            let config = dir.path().join("prometheus.yml");
            std::fs::write(
                &config,
                format!(
                    "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: fleet\n    \
                     scrape_interval: 1s\n    static_configs:\n      - targets: ['127.0.0.1:{exporter_port}']\n"
                ),
            )
            .unwrap();
            let port = free_port();
            let log = std::fs::File::create(dir.path().join("prometheus.log")).unwrap();
            let child = Command::new(prometheus_binary())
                .arg(format!("--config.file={}", config.display()))
                .arg(format!("--storage.tsdb.path={}", dir.path().join("data").display()))
                .arg(format!("--web.listen-address=127.0.0.1:{port}"))
                .arg("--log.level=warn")
                .stdout(Stdio::null())
                .stderr(Stdio::from(log))
                .spawn()
                .expect("starting prometheus");
            let mut p = Prometheus { port, child, _dir: dir };
            if p.wait_scraping(Duration::from_secs(90)) {
                return p;
            }
            last = std::fs::read_to_string(p._dir.path().join("prometheus.log")).unwrap_or_default();
        }
        panic!("prometheus did not start scraping: {last}");
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Ready and the exporter scraped at least once.
    fn wait_scraping(&mut self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            if let Some(body) = http_get(self.port, "/api/v1/query?query=up%7Bjob%3D%22fleet%22%7D") {
                if body.contains("\"value\":[") && body.contains(",\"1\"]") {
                    return true;
                }
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        false
    }

    /// The newest value of a query, as Prometheus sees it now.
    pub fn value(&self, query_encoded: &str) -> Option<f64> {
        let body = http_get(self.port, &format!("/api/v1/query?query={query_encoded}"))?;
        let v: serde_json::Value = serde_json::from_str(&body).ok()?;
        v["data"]["result"][0]["value"][1].as_str()?.parse().ok()
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A bare HTTP/1.1 GET on loopback; the body, or None.
pub fn http_get(port: u16, path: &str) -> Option<String> {
    let mut c = TcpStream::connect(("127.0.0.1", port)).ok()?;
    c.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(c, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n").ok()?;
    let mut out = String::new();
    c.read_to_string(&mut out).ok()?;
    let (head, body) = out.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.1 200").then(|| body.to_string())
}

/// A workspace of three services deployed in three waves (proto ← hub ← relay), whose
/// commands append what they do to `actions.txt`.
pub struct Fleet {
    pub dir: tempfile::TempDir,
    pub manifest: PathBuf,
}

impl Fleet {
    pub fn actions_file(&self) -> PathBuf {
        self.dir.path().join("actions.txt")
    }

    pub fn flag_file(&self) -> PathBuf {
        self.dir.path().join("flag.txt")
    }

    /// What the commands did, in order.
    pub fn actions(&self) -> Vec<String> {
        std::fs::read_to_string(self.actions_file()).unwrap_or_default().lines().map(str::to_string).collect()
    }

    pub fn cmd(&self) -> Command {
        let mut c = Command::new(tandem());
        c.arg("--workspace").arg(&self.manifest).env("TANDEM_ACTOR", "tester").env_remove("TANDEM_DATABASE");
        c
    }

    /// Runs tandem to its end: (exit code, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.cmd().args(args).output().expect("running tandem");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(code, 0, "tandem {args:?} failed: {out}\n{err}");
        out
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        let out = self.ok(&a);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
    }

    /// Opens a coordination of `change_type` over the three services and brings it to ready.
    pub fn ready_coordination(&self, change_type: &str) -> i64 {
        let created = self.json(&[
            "coord",
            "create",
            "--title",
            "Roll it out",
            "--type",
            change_type,
            "--repos",
            "proto,hub,relay",
        ]);
        let id = created["coordination"]["id"].as_i64().expect("an id");
        let ids = id.to_string();
        self.ok(&["coord", "status", &ids, "in_progress"]);
        // Providers first (a sequential strategy readies a child when its providers are done).
        for repo in ["proto", "hub", "relay"] {
            for status in ["in_progress", "in_review", "done"] {
                self.ok(&["coord", "child", &ids, repo, status]);
            }
        }
        self.ok(&["coord", "status", &ids, "ready"]);
        id
    }

    /// The coordination's history as JSON events.
    pub fn history(&self, id: i64) -> Vec<serde_json::Value> {
        self.json(&["coord", "history", &id.to_string()]).as_array().cloned().unwrap_or_default()
    }

    pub fn status(&self, id: i64) -> String {
        self.json(&["coord", "show", &id.to_string()])["coordination"]["status"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

/// Settings of one fleet.
pub struct FleetSpec<'a> {
    /// `[rollout]` lines beyond the defaults given here.
    pub rollout: &'a str,
    /// Extra lines per repo (`[repo.deploy]` etc.), by name; default deploy/rollback commands
    /// are written when a repo has no entry.
    pub repo_extra: &'a [(&'a str, &'a str)],
}

pub fn fleet(spec: &FleetSpec<'_>) -> Fleet {
    let dir = tempfile::tempdir().unwrap();
    let actions = dir.path().join("actions.txt");
    let act = actions.display().to_string();
    let mut toml = format!("[workspace]\nname = \"fleet\"\n\n[rollout]\n{}\n", spec.rollout.replace("{ACTIONS}", &act));
    for (name, deps) in [("proto", None), ("hub", Some("proto")), ("relay", Some("hub"))] {
        toml.push_str(&format!("\n[[repo]]\nname = \"{name}\"\nrole = \"service\"\n"));
        if let Some(d) = deps {
            toml.push_str(&format!("depends_on = [{{ repo = \"{d}\", via = \"grpc\" }}]\n"));
        }
        match spec.repo_extra.iter().find(|(n, _)| *n == name) {
            Some((_, extra)) => toml.push_str(&extra.replace("{ACTIONS}", &act)),
            None => toml.push_str(&format!(
                "[repo.deploy]\ncommand = \"echo deploy $TANDEM_REPO >> '{act}'\"\nrollback = \"echo rollback $TANDEM_REPO >> '{act}'\"\n"
            )),
        }
    }
    let manifest = dir.path().join("tandem.toml");
    std::fs::write(&manifest, toml).unwrap();
    Fleet { dir, manifest }
}

/// The default deploy/rollback lines of a repo, for specs that add to them.
pub fn default_deploy(extra: &str) -> String {
    format!(
        "[repo.deploy]\ncommand = \"echo deploy $TANDEM_REPO >> '{{ACTIONS}}'\"\nrollback = \"echo rollback $TANDEM_REPO >> '{{ACTIONS}}'\"\n{extra}"
    )
}

/// Kills the process group of a deploy command that outlived a killed tandem: the group led by
/// the pid in `pid_file`, and only if that process still runs a command mentioning `marker`
/// (a pid read late may have been reused by an unrelated process).
pub fn kill_group(pid_file: &Path, marker: &str) {
    let Some(pid) = std::fs::read_to_string(pid_file).ok().and_then(|p| p.trim().parse::<u32>().ok()) else {
        return;
    };
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Field 5 of stat (after the parenthesised command) is the process group.
    let pgrp = stat.rsplit_once(") ").and_then(|(_, rest)| rest.split(' ').nth(2)).unwrap_or("");
    if pid > 1 && pgrp == pid.to_string() && String::from_utf8_lossy(&cmdline).contains(marker) {
        // kill(2) itself, not the kill command: procps-ng 4.0's /bin/kill read `-KILL -PID` as a
        // signal to every process (it took down the whole machine's processes, PostgreSQL included).
        if let Ok(group) = i32::try_from(pid) {
            // SAFETY: kill(2) on a process group this test's deploy command leads (checked above).
            unsafe {
                libc::kill(-group, libc::SIGKILL);
            }
        }
    }
}

/// Waits for `cond`, polling; panics with `what` after `within`.
pub fn wait_for(what: &str, within: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if cond() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("timed out waiting for {what}");
}

/// A running `tandem rollout`, killed on drop.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
