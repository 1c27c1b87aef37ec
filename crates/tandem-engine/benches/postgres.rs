//! Creating a 500-child coordination on PostgreSQL (the test server, a schema of its own):
//! the coordination, 500 child issues, the parent and the integration issue, all linked.

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion};
use std::sync::Arc;
use tandem_engine::{CreateRequest, Engine};
use tandem_forge::LocalForge;
use tandem_model::{ChangeType, SystemClock};
use tandem_store::conformance::TestSchema;
use tandem_store::Store;

/// One protocol repo, 100 services on it, 399 clients each on two services (as the SQLite bench).
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

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tandem.toml"), manifest()).unwrap();
    let schema = TestSchema::new();
    let ws = tandem_engine::load_workspace(dir.path()).unwrap();
    let store: Arc<dyn Store> = Arc::new(schema.open());
    let e = Engine::new(ws, store.clone(), Arc::new(LocalForge::new(store)), Arc::new(SystemClock), "bench".into())
        .unwrap();
    let mut n = 0u64;
    let mut group = c.benchmark_group("postgres");
    group.sample_size(10);
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
}

criterion_group!(benches, bench);
criterion_main!(benches);
