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
        "interval = \"1s\"\nthreshold = 1\niterations = 100000\nprometheus = \"{}\"\n\
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
        let status = run.0.wait().expect("waiting for the rollout");
        assert_eq!(status.code(), Some(1), "the rollout rolls back");
        let rollback =
            f.history(id).into_iter().find(|e| e["action"] == "rollback_started").expect("a rollback_started event");
        let at: chrono::DateTime<chrono::Utc> = rollback["at"].as_str().unwrap().parse().unwrap();
        let ms = (at - crossed).num_milliseconds();
        println!("round {round}: crossed → rollback started in {ms} ms");
        reactions.push(ms);
    }
    reactions.sort_unstable();
    let median = reactions[reactions.len() / 2];
    let max = *reactions.last().unwrap();
    println!(
        "rollout_reaction: {} rounds, interval 1s, scrape 1s: median {median} ms, max {max} ms (target ≤ 2000 ms)",
        reactions.len()
    );
}
