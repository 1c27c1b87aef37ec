//! The conformance suite's operations on SQLite (a file, WAL) and PostgreSQL (the test server,
//! a schema of its own), side by side: `store/<operation>/<backend>`.

use chrono::{TimeZone, Utc};
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use tandem_model::{Action, CoordId, Event, IssueKind, IssueRef, IssueSpec, RepoName, Subject};
use tandem_store::conformance::{sample, TestSchema};
use tandem_store::{NewDelivery, SqliteStore, Store};

fn event(subject: Subject) -> Event {
    Event {
        at: Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap(),
        actor: "bench".into(),
        subject,
        action: Action::Created,
        from: None,
        to: Some("planning".into()),
        reason: None,
    }
}

fn ops(c: &mut Criterion, backend: &str, s: &dyn Store) {
    let mut g = c.benchmark_group("store");
    g.sample_size(30);
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    // A history to read: 100 coordinations.
    let mut ids = Vec::new();
    for i in 0..100 {
        let c = sample(&format!("seed-{i}"));
        ids.push(s.insert_coordination(&c, &[event(Subject::Coordination)]).unwrap().0);
    }
    let id: CoordId = ids[0];
    let mut n = 0u64;
    g.bench_function(format!("insert_coordination/{backend}"), |b| {
        b.iter(|| {
            n += 1;
            let c = sample(&format!("bench-{n}"));
            black_box(s.insert_coordination(&c, &[event(Subject::Coordination)]).unwrap())
        })
    });
    g.bench_function(format!("load_coordination/{backend}"), |b| {
        b.iter(|| black_box(s.load_coordination(id).unwrap()))
    });
    g.bench_function(format!("load_then_save_coordination/{backend}"), |b| {
        b.iter(|| {
            let mut c = s.load_coordination(id).unwrap();
            c.title = format!("title {}", c.version);
            s.save_coordination(&c, &[event(Subject::Coordination)]).unwrap()
        })
    });
    let hub = RepoName::parse("hub").unwrap();
    let mut k = 0u64;
    g.bench_function(format!("link_issue/{backend}"), |b| {
        b.iter(|| {
            k += 1;
            let r = IssueRef { repo: hub.clone(), number: k };
            black_box(s.link_issue(id, &Subject::Child(hub.clone()), &r, &event(Subject::Child(hub.clone()))).unwrap())
        })
    });
    let mut m = 0u64;
    g.bench_function(format!("create_issue/{backend}"), |b| {
        b.iter(|| {
            m += 1;
            let spec = IssueSpec {
                repo: hub.clone(),
                kind: IssueKind::Child,
                coordination: Some(id),
                marker: format!("bench-marker-{m}"),
                title: "t".into(),
                body: "b".into(),
                labels: vec!["coordination".into()],
                parent: None,
            };
            black_box(s.create_issue(&spec, now).unwrap())
        })
    });
    g.bench_function(format!("list_coordinations_100/{backend}"), |b| {
        b.iter(|| black_box(s.list_coordinations().unwrap()))
    });
    g.bench_function(format!("events_of_one/{backend}"), |b| b.iter(|| black_box(s.events(id).unwrap())));
    g.bench_function(format!("last_event_id/{backend}"), |b| b.iter(|| black_box(s.last_event_id().unwrap())));
    let mut d = 0u64;
    let lease = chrono::Duration::seconds(30);
    g.bench_function(format!("delivery_insert_claim_finish/{backend}"), |b| {
        b.iter(|| {
            d += 1;
            let id = format!("bench-delivery-{d}");
            let nd = NewDelivery { id: id.clone(), event: "issues".into(), payload: "{}".into(), received_at: now };
            assert!(s.insert_delivery(&nd).unwrap());
            let claimed = s.claim_delivery("bench", now, lease).unwrap().expect("due");
            assert!(s.finish_delivery(&claimed.id, "bench", "ok", now).unwrap());
        })
    });
    g.bench_function(format!("set_then_get_state/{backend}"), |b| {
        b.iter(|| {
            s.set_state("bench.key", "value").unwrap();
            black_box(s.get_state("bench.key").unwrap())
        })
    });
    g.finish();
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqliteStore::open(&dir.path().join("bench.db")).unwrap();
    ops(c, "sqlite", &sqlite);
    let schema = TestSchema::new();
    let pg = schema.open();
    ops(c, "postgres", &pg);
}

criterion_group!(benches, bench);
criterion_main!(benches);
