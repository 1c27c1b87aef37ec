//! How long the server takes to render the heavy pages (targets: a coordination with 500
//! children under 50 ms; the list of 2,000 coordinations under 100 ms). Each iteration is the
//! whole render of a request: the engine's reads from SQLite and the HTML.
//!
//! `cargo bench -p tandem-web --bench pages`. Building the workspace (500 repositories, 2,000
//! coordinations of 4 children, and one of 500) takes a few minutes before the first
//! measurement.

use chrono::Utc;
use criterion::{criterion_group, criterion_main, Criterion};
use std::time::Duration;
use tandem_engine::Engine;
use tandem_web::auth::Viewer;
use tandem_web::pages::{self, Ctx, History, ListQuery, Snapshot};

/// Renders with the given snapshot (a fresh one: the aggregates are loaded as after a change).
fn with<T>(engine: &Engine, snapshot: &Snapshot, f: impl FnOnce(&Ctx<'_>) -> T) -> T {
    let viewer = Viewer::Signed { csrf: "0".repeat(64) };
    let ctx = Ctx { engine, snapshot, viewer: &viewer, now: Utc::now(), event_id: 1 };
    f(&ctx)
}

fn bench(c: &mut Criterion) {
    // `cargo test --all-targets` runs each benchmark once without `--bench`: small sizes there.
    let full = std::env::args().any(|a| a == "--bench");
    let (repos, coordinations) = if full { (500, 2000) } else { (60, 40) };
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest =
        tandem_web::sample::generated(dir.path(), repos, coordinations, 4, Utc::now()).expect("generated workspace");
    let engine = tandem_web::sample::open(&manifest, "bench").expect("engine");
    let wide = tandem_web::sample::wide_coordination(&engine, repos).expect("wide coordination");

    let mut g = c.benchmark_group("dashboard");
    g.sample_size(20).measurement_time(Duration::from_secs(10));
    g.bench_function("coordination_500_children", |b| {
        b.iter(|| {
            with(&engine, &Snapshot::default(), |ctx| pages::coordination(ctx, wide, History::Recent, None))
                .expect("page")
        })
    });
    let all = ListQuery { show: "all".into(), ..Default::default() };
    g.bench_function("list_2001_coordinations_cold", |b| {
        b.iter(|| with(&engine, &Snapshot::default(), |ctx| pages::list(ctx, &all)).expect("page"))
    });
    // The store's reads behind it: the summaries the list uses, and (for comparison) every
    // aggregate with its progress, which the list read before `Store::list_summaries`.
    g.bench_function("store_list_summaries_2001", |b| {
        b.iter(|| engine.store().list_summaries().expect("summaries").len())
    });
    g.bench_function("store_list_coordinations_2001_with_progress", |b| {
        b.iter(|| {
            engine.store().list_coordinations().expect("aggregates").iter().map(|c| c.progress().overall).sum::<f64>()
        })
    });
    let warm = Snapshot::default();
    g.bench_function("list_2001_coordinations_warm", |b| {
        b.iter(|| with(&engine, &warm, |ctx| pages::list(ctx, &all)).expect("page"))
    });
    g.bench_function("graph_500_repos", |b| {
        b.iter(|| with(&engine, &Snapshot::default(), pages::graph).expect("page"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
