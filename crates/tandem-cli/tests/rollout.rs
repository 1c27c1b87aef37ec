//! `tandem rollout` end to end: the real binary, a real Prometheus scraping an exporter the test
//! controls, deploy/rollback/flag commands that write what they do, and every step read back
//! from the history.

mod rollout_support;

use rollout_support::*;
use std::process::Stdio;
use std::time::Duration;

/// Prometheus gates like the usage guide's: p95 latency < 200 ms, error rate < 0.1 %, CPU < 80 %.
fn gates(prometheus: &str) -> String {
    format!(
        "interval = \"1s\"\nthreshold = 2\niterations = 2\nprometheus = \"{prometheus}\"\n\
         [[rollout.gate]]\nname = \"p95 latency\"\nquery = \"max(fleet_latency_p95_seconds)\"\nmax = 0.2\n\
         [[rollout.gate]]\nname = \"error rate\"\nquery = \"max(fleet_error_ratio)\"\nmax = 0.001\n\
         [[rollout.gate]]\nname = \"cpu\"\nquery = \"max(fleet_cpu_ratio)\"\nmax = 0.8\n"
    )
}

/// The rollout steps of the history, as `started deploy hub`, `completed analysis wave 1`…
fn steps(history: &[serde_json::Value]) -> Vec<String> {
    history
        .iter()
        .filter_map(|e| {
            let what = match e["action"].as_str()? {
                "rollout_step_started" => "started",
                "rollout_step_completed" => "completed",
                "rollout_step_failed" => "failed",
                "rollback_started" => "rollback",
                "gate_failed" => "gate_failed",
                _ => return None,
            };
            Some(format!("{what} {}", e["to"].as_str().unwrap_or_default()))
        })
        .collect()
}

fn count(list: &[String], item: &str) -> usize {
    list.iter().filter(|s| *s == item).count()
}

fn hub_health(exporter: &Exporter) -> String {
    default_deploy(&format!("[repo.health]\nurl = \"http://127.0.0.1:{}/health/hub\"\n", exporter.port))
}

#[test]
fn a_rollout_whose_gates_pass_deploys_every_wave_in_order_and_completes() {
    let dir = tempfile::tempdir().unwrap();
    let exporter = Exporter::start(dir.path().join("unused-flag"), 101);
    let prom = Prometheus::start(exporter.port);
    let hub = hub_health(&exporter);
    let f = fleet(&FleetSpec { rollout: &gates(&prom.url()), repo_extra: &[("hub", &hub)] });
    let id = f.ready_coordination("bugfix");

    let (code, out, err) = f.run(&["rollout", &id.to_string()]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("completed"), "{out}");
    assert_eq!(f.actions(), ["deploy proto", "deploy hub", "deploy relay"]);
    assert_eq!(f.status(id), "done");

    let s = steps(&f.history(id));
    for key in ["deploy proto", "analysis wave 1", "deploy hub", "analysis wave 2", "deploy relay", "analysis wave 3"] {
        assert_eq!(count(&s, &format!("started {key}")), 1, "{key}: {s:?}");
        assert_eq!(count(&s, &format!("completed {key}")), 1, "{key}: {s:?}");
    }
    // Each step is recorded before and after: started precedes completed.
    let pos = |x: &str| s.iter().position(|y| y == x).unwrap();
    assert!(pos("started deploy hub") < pos("completed deploy hub"));
    assert!(pos("completed analysis wave 1") < pos("started deploy hub"));
    // The hub's health endpoint is one of its gates, over HTTP.
    let status = f.json(&["rollout", "status", &id.to_string()]);
    let wave2 = status["forward"].as_array().unwrap().iter().find(|s| s["key"] == "analysis wave 2").unwrap().clone();
    let gates: Vec<String> =
        wave2["gates"].as_array().unwrap().iter().map(|g| g.as_str().unwrap().to_string()).collect();
    assert!(gates.iter().any(|g| g.starts_with("hub: hub health (GET http://127.0.0.1:")), "{gates:?}");
    assert!(wave2["detail"].as_str().unwrap().contains("healthy after"), "{wave2}");

    // Done: a second rollout is refused, saying why.
    let (code, _, err) = f.run(&["rollout", &id.to_string()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("is done, not ready to deploy"), "{err}");
}

#[test]
fn latency_rising_at_the_50_percent_stage_rolls_back_in_reverse_order() {
    let dir = tempfile::tempdir().unwrap();
    let flag_file = dir.path().join("flag.txt");
    let exporter = Exporter::start(flag_file.clone(), 50);
    let prom = Prometheus::start(exporter.port);
    let flag = flag_file.display().to_string();
    let rollout = format!(
        "{}[rollout.flags]\ncommand = \"echo $TANDEM_PERCENT > '{flag}' && echo flag {{percent}} >> '{{ACTIONS}}'\"\n\
         stages = [10, 25, 50, 100]\nbake = \"1s\"\n",
        gates(&prom.url())
    );
    let f = fleet(&FleetSpec { rollout: &rollout, repo_extra: &[] });
    let id = f.ready_coordination("feature");

    let (code, out, err) = f.run(&["rollout", &id.to_string()]);
    assert_eq!(code, 1, "a rolled-back rollout exits 1: {out}\n{err}");
    assert!(out.contains("ROLLED BACK"), "{out}");
    assert_eq!(
        f.actions(),
        [
            "deploy proto",
            "deploy hub",
            "deploy relay",
            "flag 10",
            "flag 25",
            "flag 50",
            // Traffic stops first (the flag back to 0 %), then reverse deployment order.
            "flag 0",
            "rollback relay",
            "rollback hub",
            "rollback proto",
        ]
    );
    let show = f.json(&["coord", "show", &id.to_string()]);
    assert_eq!(show["coordination"]["status"], "blocked");
    let reason = show["coordination"]["hold"]["reason"].as_str().unwrap().to_string();
    assert!(reason.contains("analysis 50%") && reason.contains("p95 latency") && reason.contains("< 0.2"), "{reason}");

    let history = f.history(id);
    let s = steps(&history);
    assert_eq!(count(&s, "gate_failed p95 latency"), 1, "{s:?}");
    assert_eq!(count(&s, "failed analysis 50%"), 1, "{s:?}");
    assert_eq!(count(&s, "started flag 100%"), 0, "{s:?}");
    let pos = |x: &str| s.iter().position(|y| y == x).unwrap_or_else(|| panic!("{x} missing: {s:?}"));
    assert!(pos("failed analysis 50%") < pos("rollback rollback"));
    assert!(pos("completed stop traffic") < pos("completed rollback relay"));
    assert!(pos("completed rollback relay") < pos("completed rollback hub"));
    assert!(pos("completed rollback hub") < pos("completed rollback proto"));
    // Verify ran after the rollbacks and its result is recorded (the flag is at 0 %: healthy again).
    assert!(pos("completed rollback proto") < pos("started verify"));
    assert!(s.iter().any(|x| x == "completed verify" || x == "failed verify"), "{s:?}");
    // deploying -> ready (rolled back) -> blocked, in the history.
    let moves: Vec<(String, String)> = history
        .iter()
        .filter(|e| e["action"] == "status" && e["subject"]["kind"] == "coordination")
        .map(|e| (e["from"].as_str().unwrap().to_string(), e["to"].as_str().unwrap().to_string()))
        .collect();
    let n = moves.len();
    assert_eq!(moves[n - 2], ("deploying".into(), "ready".into()), "{moves:?}");
    assert_eq!(moves[n - 1], ("ready".into(), "blocked".into()), "{moves:?}");

    // The metrics count the gate failure and the rolled-back deployment.
    let m = f.json(&["metrics"]);
    assert_eq!(m["gate_failures"], 1, "{m}");
    assert_eq!(m["deployments"]["rolled_back"], 1, "{m}");

    // Blocked: a new rollout is refused until someone unblocks it.
    let (code, _, err) = f.run(&["rollout", &id.to_string()]);
    assert_eq!(code, 1);
    assert!(err.contains("is blocked"), "{err}");
}

#[test]
fn a_rollout_killed_half_way_resumes_after_its_last_completed_step() {
    let dir = tempfile::tempdir().unwrap();
    let exporter = Exporter::start(dir.path().join("unused-flag"), 101);
    let prom = Prometheus::start(exporter.port);
    let once = dir.path().join("hub-once");
    let pid = dir.path().join("hub.pid");
    // The hub's first deploy hangs (until the test kills it); later ones finish.
    let hub = format!(
        "[repo.deploy]\ncommand = \"if [ ! -f '{o}' ]; then touch '{o}'; echo $$ > '{p}'; sleep 120; fi; echo deploy $TANDEM_REPO >> '{{ACTIONS}}'\"\n\
         rollback = \"echo rollback $TANDEM_REPO >> '{{ACTIONS}}'\"\n",
        o = once.display(),
        p = pid.display()
    );
    let mut settings = gates(&prom.url());
    settings = settings.replace("iterations = 2", "iterations = 3");
    let f = fleet(&FleetSpec { rollout: &settings, repo_extra: &[("hub", &hub)] });
    let id = f.ready_coordination("bugfix");
    let ids = id.to_string();
    let start = |extra: &[&str]| {
        let mut c = f.cmd();
        c.args(["rollout", &ids]).args(extra).stdout(Stdio::null()).stderr(Stdio::null());
        Running(c.spawn().expect("starting tandem rollout"))
    };
    let started = |key: &str| {
        let s = steps(&f.history(id));
        s.contains(&format!("started {key}"))
    };

    // Killed during the first analysis: the resumed run re-runs the analysis, not the deploy.
    let mut run = start(&[]);
    wait_for("the first analysis to start", Duration::from_secs(60), || started("analysis wave 1"));
    run.0.kill().expect("SIGKILL to tandem"); // the real binary, by its PID
    run.0.wait().unwrap();
    assert_eq!(f.status(id), "deploying");

    // Killed while the hub deploys: its outcome is unknown.
    let mut run = start(&[]);
    wait_for("the hub deploy to start", Duration::from_secs(60), || {
        std::fs::read_to_string(&pid).is_ok_and(|p| p.ends_with('\n'))
    });
    // A second run meanwhile is refused: one rollout of a coordination at a time.
    let (code, _, err) = f.run(&["rollout", &ids]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("is being rolled out by process"), "{err}");
    run.0.kill().expect("SIGKILL to tandem");
    run.0.wait().unwrap();
    kill_group(&pid, &once.display().to_string());
    drop(run);

    let status = f.json(&["rollout", "status", &ids]);
    assert_eq!(status["unfinished_deploy"], "deploy hub", "{status}");
    let (code, out, err) = f.run(&["rollout", "status", &ids]);
    assert_eq!(code, 0);
    assert!(out.contains("deploy hub") && out.contains("STARTED (unfinished)"), "{out}{err}");

    // Not declared idempotent: refused until the caller chooses.
    let (code, _, err) = f.run(&["rollout", &ids]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("the deploy of hub started") && err.contains("--retry-step"), "{err}");

    let (code, out, err) = f.run(&["rollout", &ids, "--retry-step"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(f.status(id), "done");
    // proto deployed once across three runs; hub once (its killed run never got to its echo).
    assert_eq!(f.actions(), ["deploy proto", "deploy hub", "deploy relay"]);
    let s = steps(&f.history(id));
    assert_eq!(count(&s, "started deploy proto"), 1, "{s:?}");
    assert_eq!(count(&s, "completed deploy proto"), 1, "{s:?}");
    assert_eq!(count(&s, "started deploy hub"), 2, "{s:?}");
    assert_eq!(count(&s, "completed deploy hub"), 1, "{s:?}");
    assert_eq!(count(&s, "started analysis wave 1"), 2, "{s:?}");
    assert_eq!(count(&s, "completed analysis wave 1"), 1, "{s:?}");
}

#[test]
fn a_failing_deploy_command_rolls_back_what_started_in_reverse_order() {
    let hub = "[repo.deploy]\ncommand = \"echo broken build >&2; exit 3\"\nrollback = \"echo rollback $TANDEM_REPO >> '{ACTIONS}'\"\n";
    let f = fleet(&FleetSpec { rollout: "interval = \"1s\"\n", repo_extra: &[("hub", hub)] });
    let id = f.ready_coordination("bugfix");
    let (code, out, err) = f.run(&["rollout", &id.to_string()]);
    assert_eq!(code, 1, "{out}\n{err}");
    // relay never deployed: only hub (which started) and proto are rolled back.
    assert_eq!(f.actions(), ["deploy proto", "rollback hub", "rollback proto"]);
    let show = f.json(&["coord", "show", &id.to_string()]);
    assert_eq!(show["coordination"]["status"], "blocked");
    let reason = show["coordination"]["hold"]["reason"].as_str().unwrap();
    assert!(reason.contains("deploy hub failed: exit status 3"), "{reason}");
    // The step's output is in its log, named in the history.
    let failed = f
        .history(id)
        .into_iter()
        .find(|e| e["action"] == "rollout_step_failed" && e["to"] == "deploy hub")
        .expect("the failed deploy is recorded");
    let detail = failed["reason"].as_str().unwrap();
    let log = detail.split("log ").nth(1).expect("a log path").trim();
    assert!(std::fs::read_to_string(log).unwrap().contains("broken build"), "{log}");
}

#[test]
fn a_hung_deploy_command_times_out_and_rolls_back() {
    let hub = "[repo.deploy]\ncommand = \"sleep 600\"\nrollback = \"echo rollback $TANDEM_REPO >> '{ACTIONS}'\"\ntimeout = \"2s\"\n";
    let f = fleet(&FleetSpec { rollout: "interval = \"1s\"\n", repo_extra: &[("hub", hub)] });
    let id = f.ready_coordination("bugfix");
    let start = std::time::Instant::now();
    let (code, out, err) = f.run(&["rollout", &id.to_string()]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(start.elapsed() < Duration::from_secs(120), "the timeout ended it");
    assert_eq!(f.actions(), ["deploy proto", "rollback hub", "rollback proto"]);
    let show = f.json(&["coord", "show", &id.to_string()]);
    let reason = show["coordination"]["hold"]["reason"].as_str().unwrap();
    assert!(reason.contains("deploy hub failed: timed out after 2s"), "{reason}");
}

#[test]
fn an_unreachable_prometheus_fails_the_gate_closed_with_a_clear_reason() {
    let port = free_port(); // nothing listens there
    let settings = format!(
        "interval = \"1s\"\nthreshold = 1\niterations = 2\nprometheus = \"http://127.0.0.1:{port}\"\n\
         [[rollout.gate]]\nname = \"p95 latency\"\nquery = \"max(fleet_latency_p95_seconds)\"\nmax = 0.2\n"
    );
    let f = fleet(&FleetSpec { rollout: &settings, repo_extra: &[] });
    let id = f.ready_coordination("bugfix");
    let (code, out, err) = f.run(&["rollout", &id.to_string()]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert_eq!(f.actions(), ["deploy proto", "rollback proto"]);
    let show = f.json(&["coord", "show", &id.to_string()]);
    let reason = show["coordination"]["hold"]["reason"].as_str().unwrap();
    assert!(
        reason.contains(&format!("Prometheus at http://127.0.0.1:{port}/ could not be reached: connection refused")),
        "{reason}"
    );
}

#[test]
fn a_dry_run_prints_what_would_run_and_changes_nothing_and_an_unready_coordination_is_refused() {
    let f = fleet(&FleetSpec { rollout: "interval = \"1s\"\nstep_timeout = \"90s\"\n", repo_extra: &[] });
    let created = f.json(&["coord", "create", "--title", "Not yet", "--type", "bugfix", "--repos", "proto,hub"]);
    let early = created["coordination"]["id"].as_i64().unwrap().to_string();
    let (code, _, err) = f.run(&["rollout", &early]);
    assert_eq!(code, 1);
    assert!(err.contains("not ready to deploy") && err.contains("children not done"), "{err}");

    let id = f.ready_coordination("bugfix");
    let (code, out, err) = f.run(&["rollout", &id.to_string(), "--dry-run"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("dry run"), "{out}");
    assert!(out.contains(&format!("$ echo deploy $TANDEM_REPO >> '{}'", f.actions_file().display())), "{out}");
    assert!(out.contains("timeout 90s"), "{out}");
    assert!(out.contains(&format!("TANDEM_COORDINATION={id}")) && out.contains("TANDEM_REPO=hub"), "{out}");
    assert!(out.contains("rollback relay"), "{out}");
    assert!(f.actions().is_empty());
    assert_eq!(f.status(id), "ready");
}

#[test]
fn a_rollout_killed_while_rolling_back_resumes_the_rollback_without_deploying_again() {
    let dir = tempfile::tempdir().unwrap();
    let once = dir.path().join("rollback-once");
    let pid = dir.path().join("rollback.pid");
    // The hub's deploy fails; its first rollback hangs (until the test kills the run).
    let hub = format!(
        "[repo.deploy]\ncommand = \"exit 1\"\n\
         rollback = \"if [ ! -f '{o}' ]; then touch '{o}'; echo $$ > '{p}'; sleep 120; fi; echo rollback $TANDEM_REPO >> '{{ACTIONS}}'\"\n",
        o = once.display(),
        p = pid.display()
    );
    let f = fleet(&FleetSpec { rollout: "interval = \"1s\"\n", repo_extra: &[("hub", &hub)] });
    let id = f.ready_coordination("bugfix");
    let ids = id.to_string();
    let mut c = f.cmd();
    c.args(["rollout", &ids]).stdout(Stdio::null()).stderr(Stdio::null());
    let mut run = Running(c.spawn().expect("starting tandem rollout"));
    wait_for("the hub rollback to start", Duration::from_secs(60), || {
        std::fs::read_to_string(&pid).is_ok_and(|p| p.ends_with('\n'))
    });
    run.0.kill().expect("SIGKILL to tandem");
    run.0.wait().unwrap();
    kill_group(&pid, &once.display().to_string());
    drop(run);
    let status = f.json(&["rollout", "status", &ids]);
    assert_eq!(status["phase"], "rolling_back", "{status}");
    assert_eq!(f.status(id), "deploying");

    // Rollbacks may run twice: no choice is asked for.
    let (code, out, err) = f.run(&["rollout", &ids]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert_eq!(f.actions(), ["deploy proto", "rollback hub", "rollback proto"]);
    assert_eq!(f.status(id), "blocked");
    let s = steps(&f.history(id));
    assert_eq!(count(&s, "started deploy proto"), 1, "{s:?}");
    assert_eq!(count(&s, "started rollback hub"), 2, "{s:?}");
    assert_eq!(count(&s, "completed rollback proto"), 1, "{s:?}");
    assert_eq!(count(&s, "rollback rollback"), 1, "{s:?}");
}

#[test]
fn feature_flag_stages_can_be_moved_by_an_http_call() {
    let dir = tempfile::tempdir().unwrap();
    let exporter = Exporter::start(dir.path().join("unused-flag"), 101);
    let settings = format!(
        "interval = \"1s\"\niterations = 1\n[rollout.flags]\n\
         url = \"http://127.0.0.1:{}/flags/checkout?percent={{percent}}\"\nstages = [50, 100]\n",
        exporter.port
    );
    let f = fleet(&FleetSpec { rollout: &settings, repo_extra: &[] });
    let id = f.ready_coordination("feature");
    let (code, out, err) = f.run(&["rollout", &id.to_string(), "--dry-run"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!("POST http://127.0.0.1:{}/flags/checkout?*** {{\"percent\": 50}}", exporter.port)),
        "{out}"
    );
    let (code, out, err) = f.run(&["rollout", &id.to_string()]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(
        *exporter.state.posts.lock().unwrap(),
        ["/flags/checkout?percent=50 {\"percent\": 50}", "/flags/checkout?percent=100 {\"percent\": 100}"]
    );
    assert_eq!(f.status(id), "done");
}
