//! `health` over 500 repos (each with a checkout to read) and 2,000 coordinations, endpoints
//! excluded; `metrics` over a history of 100,000 events. Both on SQLite files.

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use std::path::Path;
use std::sync::Arc;
use tandem_engine::{CreateRequest, Endpoints, Engine, HealthOptions, MetricsOptions};
use tandem_forge::LocalForge;
use tandem_model::{Action, ChangeType, ChildStatus, CoordStatus, Ctx, Event, ManualClock, Subject};
use tandem_store::{SqliteStore, Store};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

/// One protocol repo, 99 services on it, 400 clients each on two services; every repo has a
/// checkout with a package.json naming its version and pinning its providers (one in ten
/// clients pins an older version, so mismatches and pins behind are found).
fn workspace(dir: &Path) {
    let mut m = String::from("[coordination]\nrepo = \"proto\"\n");
    let mut repo = |name: &str, role: &str, deps: &[String]| {
        let list: Vec<String> = deps.iter().map(|d| format!("{{ repo = \"{d}\", via = \"library\" }}")).collect();
        m.push_str(&format!(
            "\n[[repo]]\nname = \"{name}\"\nrole = \"{role}\"\npath = \"{name}\"\ndepends_on = [{}]\n",
            list.join(", ")
        ));
        let co = dir.join(name);
        std::fs::create_dir_all(&co).unwrap();
        let pins: Vec<String> = deps
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let v = if name.ends_with('3') && i == 0 { "1.0.0" } else { "1.2.0" };
                format!("\"{d}\": \"{v}\"")
            })
            .collect();
        std::fs::write(
            co.join("package.json"),
            format!("{{\"name\": \"{name}\", \"version\": \"1.2.0\", \"dependencies\": {{{}}}}}", pins.join(", ")),
        )
        .unwrap();
    };
    repo("proto", "protocol", &[]);
    for i in 0..99 {
        repo(&format!("svc-{i:03}"), "service", &["proto".to_string()]);
    }
    for i in 0..400 {
        let deps = [format!("svc-{:03}", i % 99), format!("svc-{:03}", (i * 7 + 3) % 99)];
        let deps: Vec<String> = if deps[0] == deps[1] { deps[..1].to_vec() } else { deps.to_vec() };
        repo(&format!("client-{i:03}"), "client", &deps);
    }
    std::fs::write(dir.join("tandem.toml"), m).unwrap();
}

fn engine(dir: &Path, clock: Arc<ManualClock>) -> Engine {
    let ws = tandem_engine::load_workspace(dir).unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.join(".tandem/tandem.db")).unwrap());
    Engine::new(ws, store.clone(), Arc::new(LocalForge::new(store)), clock, "bench".into()).unwrap()
}

/// Inserts `n` coordinations of five children each and walks coordination `k` through a life
/// chosen by `k`; returns the number of events written. Time advances one minute per step.
fn coordinations(e: &Engine, n: usize) -> usize {
    let store = e.store();
    let mut now = t0();
    let mut written = 0;
    for k in 0..n {
        let repos: Vec<String> = (0..5).map(|j| format!("client-{:03}", (k * 5 + j) % 400)).collect();
        let refs: Vec<&str> = repos.iter().map(String::as_str).collect();
        let req = CreateRequest::new(&format!("change {k}"), ChangeType::Breaking).repos(&refs).key(&format!("k{k}"));
        let mut c = e.draft(&req).unwrap();
        c.created_at = now;
        c.updated_at = now;
        let created = Event {
            at: now,
            actor: "bench".into(),
            subject: Subject::Coordination,
            action: Action::Created,
            from: None,
            to: Some("planning".into()),
            reason: None,
        };
        let (id, _) = store.insert_coordination(&c, std::slice::from_ref(&created)).unwrap();
        written += 1;
        let mut c = store.load_coordination(id).unwrap();
        let mut events = Vec::new();
        let mut step = |c: &mut tandem_model::Coordination,
                        f: &dyn Fn(&mut tandem_model::Coordination, &Ctx) -> Vec<Event>| {
            now += Duration::minutes(1);
            events.extend(f(c, &Ctx { actor: "bench".into(), now }));
        };
        step(&mut c, &|c, ctx| c.set_status(CoordStatus::InProgress, None, false, ctx).unwrap());
        let names: Vec<_> = c.children.iter().map(|ch| ch.repo.clone()).collect();
        match k % 4 {
            // Blocked half way.
            0 => {
                step(&mut c, &|c, ctx| c.set_child_status(&names[0], ChildStatus::InProgress, None, ctx).unwrap());
                step(&mut c, &|c, ctx| c.set_status(CoordStatus::Blocked, Some("waiting"), false, ctx).unwrap());
            }
            // In progress.
            1 => step(&mut c, &|c, ctx| c.set_child_status(&names[1], ChildStatus::InProgress, None, ctx).unwrap()),
            // Done, with a rollback on the way for one in three.
            _ => {
                for r in &names {
                    for s in [ChildStatus::InProgress, ChildStatus::InReview, ChildStatus::Done] {
                        step(&mut c, &|c, ctx| c.set_child_status(r, s, None, ctx).unwrap());
                    }
                }
                step(&mut c, &|c, ctx| c.set_status(CoordStatus::Ready, None, false, ctx).unwrap());
                step(&mut c, &|c, ctx| c.set_status(CoordStatus::Deploying, None, false, ctx).unwrap());
                if k % 3 == 0 {
                    step(&mut c, &|c, ctx| c.set_status(CoordStatus::Ready, Some("rollback"), false, ctx).unwrap());
                    step(&mut c, &|c, ctx| c.set_status(CoordStatus::Deploying, None, false, ctx).unwrap());
                }
                step(&mut c, &|c, ctx| c.set_status(CoordStatus::Done, None, false, ctx).unwrap());
            }
        }
        written += events.len();
        store.save_coordination(&c, &events).unwrap();
    }
    written
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    workspace(dir.path());
    let clock = Arc::new(ManualClock::new(t0()));
    let e = engine(dir.path(), clock.clone());
    coordinations(&e, 2000);
    clock.advance(Duration::days(40));
    let report = e.health(&HealthOptions { stale_days: 7, endpoints: Endpoints::Skip }).unwrap();
    assert_eq!(report.coordinations_checked, 2000);
    assert_eq!(report.repos_checked, 500);
    assert!(report.findings.iter().any(|f| f.check == "VERSION_MISMATCH"));
    assert!(report.findings.iter().any(|f| f.check == "VERSION_BEHIND"));
    assert!(report.findings.iter().any(|f| f.check == "COORDINATION_BLOCKED"));
    let mut group = c.benchmark_group("health");
    group.sample_size(10);
    group.bench_function("500_repos_2000_coordinations_no_endpoints", |b| {
        b.iter(|| black_box(e.health(&HealthOptions { stale_days: 7, endpoints: Endpoints::Skip }).unwrap()))
    });
    group.finish();

    let dir = tempfile::tempdir().unwrap();
    workspace(dir.path());
    let clock = Arc::new(ManualClock::new(t0()));
    let e = engine(dir.path(), clock.clone());
    // 5,200 coordinations of this mix write about 100,000 events.
    let events = coordinations(&e, 5200);
    assert!((95_000..=110_000).contains(&events), "{events} events");
    eprintln!("metrics bench: {events} events in the history");
    clock.advance(Duration::days(400));
    let opts = MetricsOptions { window: Duration::days(3650), until: None };
    let m = e.metrics(&opts).unwrap();
    assert!(m.deployments.total > 0 && m.time_to_complete.count > 0);
    let mut group = c.benchmark_group("metrics");
    group.sample_size(10);
    group.bench_function("100k_events", |b| b.iter(|| black_box(e.metrics(&opts).unwrap())));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
