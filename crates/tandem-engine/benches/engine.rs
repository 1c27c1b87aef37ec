//! Coordination creation and progress on SQLite with 500 children.

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion};
use std::sync::Arc;
use tandem_engine::{CreateRequest, Engine};
use tandem_forge::LocalForge;
use tandem_model::{ChangeType, ChildStatus, CoordStatus, SystemClock};
use tandem_store::{SqliteStore, Store};

/// One protocol repo, 100 services on it, 400 clients each on two services.
fn manifest() -> String {
    let mut m = String::from("[coordination]\nrepo = \"proto\"\n\n[[repo]]\nname = \"proto\"\nrole = \"protocol\"\n");
    for i in 0..100 {
        m.push_str(&format!("\n[[repo]]\nname = \"svc-{i:03}\"\nrole = \"service\"\nweight = 3\ndepends_on = [{{ repo = \"proto\", via = \"grpc\" }}]\n"));
    }
    for i in 0..399 {
        m.push_str(&format!(
            "\n[[repo]]\nname = \"client-{i:03}\"\nrole = \"client\"\ndepends_on = [{{ repo = \"svc-{:03}\", via = \"grpc\" }}, {{ repo = \"svc-{:03}\", via = \"http\" }}]\n",
            i % 100,
            (i * 7 + 3) % 100
        ));
    }
    m
}

fn engine(dir: &std::path::Path) -> Engine {
    let ws = tandem_engine::load_workspace(dir).unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.join(".tandem/tandem.db")).unwrap());
    Engine::new(ws, store.clone(), Arc::new(LocalForge::new(store)), Arc::new(SystemClock), "bench".into()).unwrap()
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tandem.toml"), manifest()).unwrap();
    let e = engine(dir.path());
    let mut n = 0u64;
    let mut group = c.benchmark_group("sqlite");
    group.sample_size(20);
    group.bench_function("create_coordination/500_children", |b| {
        b.iter_batched(
            || {
                n += 1;
                CreateRequest::new("Add auth", ChangeType::Protocol).from_repo("proto").key(&format!("bench-{n}"))
            },
            |req| {
                let created = e.create_coordination(&req, &mut |_| {}).unwrap();
                assert_eq!(created.coordination.children.len(), 500);
                black_box(created)
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();

    // A coordination half way through: some children done, others checked off partly.
    let id = e
        .create_coordination(&CreateRequest::new("Half way", ChangeType::Feature).from_repo("proto"), &mut |_| {})
        .unwrap()
        .coordination
        .id;
    e.set_status(id, CoordStatus::InProgress, None, false).unwrap();
    for s in [ChildStatus::InProgress, ChildStatus::InReview, ChildStatus::Done] {
        e.set_child_status(id, "proto", s, None).unwrap();
    }
    for i in 0..50 {
        e.check_item(id, &format!("svc-{i:03}"), "1", true).unwrap();
    }
    c.bench_function("progress_and_critical_path/500_children (load + compute)", |b| {
        b.iter(|| {
            let (_, p) = e.progress(id).unwrap();
            assert!(!p.critical_path.repos.is_empty());
            black_box(p)
        })
    });
    let coord = e.coordination(id).unwrap();
    c.bench_function("progress_and_critical_path/500_children (compute only)", |b| {
        b.iter(|| black_box(coord.progress()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
