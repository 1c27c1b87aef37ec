//! Three `tandem serve` instances on one PostgreSQL database: every webhook delivery takes effect
//! exactly once, with redeliveries sent to other instances and one instance killed with SIGKILL
//! half way and restarted (SPEC C12).
//!
//! The deliveries are `/tandem progress` comments on a tracked child issue: each one's effect is
//! one answer comment carrying `<!-- tandem:delivery:ID -->`, so counting the answers per
//! delivery ID counts the effects.

use assert_cmd::prelude::*;
use serde_json::json;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tandem_server::Secret;
use tandem_store::conformance::TestSchema;
use tandem_store::{PostgresStore, Store};

const SECRET: &str = "cluster-webhook-secret-0123456789";
const PATIENCE: Duration = Duration::from_secs(240);

/// The binary under test: `$TANDEM_BIN` when set (a release build, for the throughput figure:
/// `scripts/bench/serve_cluster.sh`), else the debug build cargo made for this test.
fn tandem() -> String {
    std::env::var("TANDEM_BIN")
        .ok()
        .filter(|b| !b.trim().is_empty())
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_tandem").to_string())
}

/// One `tandem serve`, killed when dropped (also when the test fails).
struct Instance {
    child: Option<Child>,
    base: String,
    log: PathBuf,
}

impl Instance {
    fn start(manifest: &Path, database: &str, name: &str, listen: &str) -> Instance {
        let log = manifest.with_file_name(format!("{name}-{}.log", Instant::now().elapsed().as_nanos()));
        let child = Command::new(tandem())
            .arg("--workspace")
            .arg(manifest)
            .args(["--database", database, "serve", "--listen", listen])
            .env("TANDEM_WEBHOOK_SECRET", SECRET)
            .env_remove("TANDEM_API_TOKEN")
            .env("TANDEM_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(std::fs::File::create(&log).unwrap()))
            .spawn()
            .expect("starting tandem serve");
        let mut me = Instance { child: Some(child), base: String::new(), log };
        let started = Instant::now();
        loop {
            let text = std::fs::read_to_string(&me.log).unwrap_or_default();
            if let Some(rest) = text.split("tandem serve listening on ").nth(1) {
                me.base = rest.lines().next().unwrap().trim().to_string();
                return me;
            }
            if let Some(status) = me.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("tandem serve exited with {status}:\n{text}");
            }
            assert!(started.elapsed() < PATIENCE, "tandem serve did not start:\n{text}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SAFETY: kill(2) on the PID of a child this test started and has not reaped.
            unsafe {
                libc::kill(child.id() as i32, libc::SIGKILL);
            }
            let _ = child.wait();
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

/// What an instance answered to one delivery: its status, or `None` when it could not be reached.
fn deliver(agent: &ureq::Agent, base: &str, id: &str, body: &[u8], signature: &str) -> Option<u16> {
    let r = agent
        .post(&format!("{base}/webhooks/github"))
        .header("content-type", "application/json")
        .header("x-github-event", "issue_comment")
        .header("x-github-delivery", id)
        .header("x-hub-signature-256", signature)
        .send(body);
    match r {
        Ok(resp) => Some(resp.status().as_u16()),
        Err(ureq::Error::StatusCode(code)) => Some(code),
        Err(_) => None,
    }
}

fn payload(issue_number: u64, i: usize) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "action": "created",
        "issue": { "number": issue_number, "title": "[loqa-proto] Add auth metadata", "state": "open", "labels": [] },
        "comment": {
            "id": 10_000 + i,
            "body": "/tandem progress",
            "author_association": "MEMBER",
            "user": { "login": format!("dev{}", i % 7), "type": "User" },
            "created_at": "2026-12-03T10:00:00Z",
        },
        "repository": { "full_name": "loqalabs/loqa-proto", "name": "loqa-proto", "default_branch": "main" },
        "sender": { "login": format!("dev{}", i % 7), "type": "User" },
    }))
    .unwrap()
}

#[test]
fn three_instances_apply_every_delivery_exactly_once_through_redeliveries_and_a_kill() {
    let schema = TestSchema::new();
    let database = schema.url();
    let dir = tempfile::tempdir().unwrap();
    Command::new(tandem()).args(["init", "--example", "loqa"]).arg(dir.path()).assert().success();
    let manifest = dir.path().join("tandem.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, format!("[serve]\nhealth_interval = \"off\"\nwebhook_lease = \"3s\"\n\n{text}")).unwrap();

    // A coordination whose child issue in loqa-proto takes the commands.
    Command::new(tandem())
        .arg("--workspace")
        .arg(&manifest)
        .args(["--database", &database, "coord", "create", "--title", "Add auth metadata", "--type", "protocol"])
        .args(["--repos", "loqa-proto,loqa-hub"])
        .assert()
        .success();
    let store = PostgresStore::open(&database).unwrap();
    let coordination = store.list_coordinations().unwrap().pop().expect("the coordination");
    let issue = coordination
        .children
        .iter()
        .find(|c| c.repo.as_str() == "loqa-proto")
        .and_then(|c| c.issue.clone())
        .expect("loqa-proto's issue");

    let mut instances: Vec<Instance> =
        (0..3).map(|i| Instance::start(&manifest, &database, &format!("instance{i}"), "127.0.0.1:0")).collect();
    let bases: Vec<String> = instances.iter().map(|i| i.base.clone()).collect();

    // 3,000 deliveries: 2,400 distinct IDs, and 600 redeliveries of earlier IDs, each sent to a
    // different instance than the first time. Instance 2 is killed half way and restarted.
    let distinct = 2_400;
    let total = 3_000;
    let secret = Secret::parse("the webhook secret", SECRET).unwrap();
    let mut plan: Vec<(usize, usize)> = Vec::with_capacity(total); // (delivery number, instance)
    for i in 0..distinct {
        plan.push((i, i % 3));
        if i % 4 == 3 {
            let earlier = i - 3;
            plan.push((earlier, (earlier % 3 + 1 + i % 2) % 3));
        }
    }
    assert_eq!(plan.len(), total);

    // Bodies and signatures are made before the clock starts: the figure is of the servers,
    // not of this (unoptimized) test building and signing JSON.
    let signed: Vec<(Vec<u8>, String)> = (0..distinct)
        .map(|i| {
            let body = payload(issue.number, i);
            let sig = secret.sign(&body);
            (body, sig)
        })
        .collect();
    let signed = &signed;

    let sent = AtomicUsize::new(0);
    let errors: std::sync::Mutex<HashMap<usize, usize>> = std::sync::Mutex::new(HashMap::new());
    let unreachable: std::sync::Mutex<Vec<usize>> = std::sync::Mutex::new(Vec::new());
    let started = Instant::now();
    let killed_at = total / 2;
    let (plan, sent) = (&plan, &sent);
    std::thread::scope(|s| {
        let senders = 4;
        for t in 0..senders {
            let (bases, errors, unreachable) = (&bases, &errors, &unreachable);
            s.spawn(move || {
                // small buffers: ureq's 128 KiB ones, zeroed byte by byte for each request in
                // this unoptimized build, cost the test more than the servers' work
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_global(Some(Duration::from_secs(30)))
                    .input_buffer_size(8 * 1024)
                    .output_buffer_size(8 * 1024)
                    .build()
                    .into();
                for (n, &(i, target)) in plan.iter().enumerate().filter(|(n, _)| n % senders == t) {
                    let (body, sig) = &signed[i];
                    match deliver(&agent, &bases[target], &format!("cluster-{i}"), body, sig) {
                        Some(200 | 202) => {}
                        Some(code) => *errors.lock().unwrap().entry(target).or_default() += usize::from(code > 0),
                        None => unreachable.lock().unwrap().push(n),
                    }
                    sent.fetch_add(1, Ordering::SeqCst);
                }
            });
        }
        while sent.load(Ordering::SeqCst) < killed_at {
            std::thread::sleep(Duration::from_millis(5));
        }
        instances[2].kill();
        std::thread::sleep(Duration::from_millis(500));
        // Restarted on the same address, as a supervisor would.
        let listen = bases[2].trim_start_matches("http://").to_string();
        instances[2] = Instance::start(&manifest, &database, "instance2-restarted", &listen);
    });
    let sending = started.elapsed();

    // Deliveries the killed instance could not take are redelivered (as GitHub's "redeliver"
    // would) to another instance.
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    for &n in unreachable.lock().unwrap().iter() {
        let (i, target) = plan[n];
        let (body, sig) = &signed[i];
        let status = deliver(&agent, &bases[(target + 1) % 3], &format!("cluster-{i}"), body, sig);
        assert!(matches!(status, Some(200 | 202)), "redelivery of cluster-{i}: {status:?}");
    }

    // Every delivery is processed; none failed.
    let deadline = Instant::now() + PATIENCE;
    loop {
        let counts = store.delivery_counts().unwrap();
        if counts.pending == 0 {
            assert_eq!((counts.done, counts.failed), (distinct as u64, 0), "{counts:?}");
            break;
        }
        assert!(Instant::now() < deadline, "deliveries still pending: {counts:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let processing = started.elapsed();

    // Exactly one answer per delivery ID: nothing lost, nothing done twice.
    let mut answers: HashMap<String, usize> = HashMap::new();
    for c in store.issue_comments(&issue).unwrap() {
        if let Some(id) = c.body.split("<!-- tandem:delivery:").nth(1).and_then(|r| r.split(" -->").next()) {
            *answers.entry(id.to_string()).or_default() += 1;
        }
    }
    let twice: Vec<_> = answers.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "deliveries answered more than once: {twice:?}");
    let missing: Vec<_> = (0..distinct).filter(|i| !answers.contains_key(&format!("cluster-{i}"))).collect();
    assert!(missing.is_empty(), "deliveries never answered: {missing:?}");
    assert_eq!(answers.len(), distinct);

    // Only the killed instance answered with errors (connections refused while it was down);
    // the other two answered every delivery.
    let errors = errors.into_inner().unwrap();
    assert!(errors.keys().all(|k| *k == 2), "errors from the instances that stayed up: {errors:?}");
    let unreachable = unreachable.into_inner().unwrap();
    assert!(unreachable.iter().all(|&n| plan[n].1 == 2), "only the killed instance was unreachable");
    // Throughput: deliveries answered per second while sending, and all 3,000 (redeliveries
    // included) over the time until the last one was processed.
    eprintln!(
        "FIGURES {{\"deliveries\": {total}, \"sending_s\": {:.2}, \"processed_s\": {:.2}, \"received_per_s\": {:.0}, \"processed_per_s\": {:.0}, \"refused_while_down\": {}}}",
        sending.as_secs_f64(),
        processing.as_secs_f64(),
        total as f64 / sending.as_secs_f64(),
        total as f64 / processing.as_secs_f64(),
        unreachable.len()
    );
    drop(instances);
    drop(store);
    drop(schema);
}
