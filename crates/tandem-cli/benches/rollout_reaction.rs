//! How fast a rollout reacts to a metric going bad: from the moment the exporter's p95 latency
//! crosses its threshold to the `rollback_started` event in the history. The target (SPEC C6,
//! issue 16): at most one evaluation interval plus one second, with `threshold = 1`.
//!
//! The real binary and a real Prometheus (1 s scrape interval) on loopback, `interval = "1s"`.
//! The figure includes Prometheus's scrape delay (up to 1 s), tandem's wait for its next
//! check (up to one interval) and the query.
//!
//! `cargo bench -p tandem-cli --bench rollout_reaction` (5 rounds; `ROUNDS=N` for more).
//! Under `cargo test` (no `--bench`) it does nothing.

#[path = "../tests/rollout_support/mod.rs"]
mod rollout_support;

use rollout_support::*;
use std::process::Stdio;
use std::sync::atomic::Ordering;
use std::time::Duration;

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rounds: usize = std::env::var("ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(5);
    let dir = tempfile::tempdir().unwrap();
    let exporter = Exporter::start(dir.path().join("unused-flag"), 101);
    let prom = Prometheus::start(exporter.port);
    let settings = format!(
        "interval = \"1s\"\nthreshold = 1\niterations = 1000\nprometheus = \"{}\"\n\
         [[rollout.gate]]\nname = \"p95 latency\"\nquery = \"max(fleet_latency_p95_seconds)\"\nmax = 0.2\n",
        prom.url()
    );
    let mut reactions = Vec::new();
    for round in 1..=rounds {
        exporter.state.force_bad.store(false, Ordering::SeqCst);
        wait_for("Prometheus to see good latency", Duration::from_secs(30), || {
            prom.value("max(fleet_latency_p95_seconds)").is_some_and(|v| v < 0.2)
        });
        let f = fleet(&FleetSpec { rollout: &settings, repo_extra: &[] });
        let id = f.ready_coordination("bugfix");
        let mut c = f.cmd();
        c.args(["rollout", &id.to_string()]).stdout(Stdio::null()).stderr(Stdio::null());
        let mut run = Running(c.spawn().expect("starting tandem rollout"));
        wait_for("the analysis to start", Duration::from_secs(60), || {
            f.history(id).iter().any(|e| e["action"] == "rollout_step_started" && e["to"] == "analysis wave 1")
        });
        // Let a few checks pass, and cross at an arbitrary point between two checks.
        std::thread::sleep(Duration::from_millis(2300 + 170 * round as u64));
        let crossed = chrono::Utc::now();
        exporter.state.force_bad.store(true, Ordering::SeqCst);
        // When Prometheus first answers with the bad value (its scrape delay is outside tandem).
        let mut seen = None;
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while seen.is_none() && std::time::Instant::now() < deadline {
            if prom.value("max(fleet_latency_p95_seconds)").is_some_and(|v| v >= 0.2) {
                seen = Some(chrono::Utc::now());
            } else {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        let seen = seen.expect("Prometheus saw the bad latency");
        let status = run.0.wait().expect("waiting for the rollout");
        assert_eq!(status.code(), Some(1), "the rollout rolls back");
        let rollback =
            f.history(id).into_iter().find(|e| e["action"] == "rollback_started").expect("a rollback_started event");
        let at: chrono::DateTime<chrono::Utc> = rollback["at"].as_str().unwrap().parse().unwrap();
        let ms = (at - crossed).num_milliseconds();
        let from_prom = (at - seen).num_milliseconds();
        println!("round {round}: exporter crossed → rollback started {ms} ms; Prometheus saw it → rollback started {from_prom} ms");
        reactions.push((ms, from_prom));
    }
    let stats = |mut v: Vec<i64>| {
        v.sort_unstable();
        (v[v.len() / 2], *v.last().unwrap())
    };
    let (median, max) = stats(reactions.iter().map(|r| r.0).collect());
    let (pmedian, pmax) = stats(reactions.iter().map(|r| r.1).collect());
    println!(
        "rollout_reaction: {} rounds, interval 1s, scrape 1s, threshold 1: from the exporter's crossing median {median} ms, \
         max {max} ms; from Prometheus seeing it median {pmedian} ms, max {pmax} ms (target ≤ interval + 1 s = 2000 ms)",
        reactions.len()
    );
}
