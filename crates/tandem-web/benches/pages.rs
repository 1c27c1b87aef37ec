//! How long the server takes to render the heavy pages (SPEC targets: a coordination with 500
//! children under 50 ms; the list of 2,000 coordinations under 100 ms). Each iteration is the
//! whole render of a request: the engine's reads from SQLite and the HTML.
//!
//! `cargo bench -p tandem-web --bench pages`. Building the workspaces (500 repositories, 2,000
//! coordinations of 4 children, one of 500) takes a while before the first measurement.

use chrono::Utc;
use criterion::{criterion_group, criterion_main, Criterion};
use std::time::Duration;
use tandem_web::auth::Viewer;
use tandem_web::pages::{self, Ctx, History, ListQuery};

fn bench(c: &mut Criterion) {
    // `cargo test --all-targets` runs each benchmark once without `--bench`: small sizes there.
    let full = std::env::args().any(|a| a == "--bench");
    let (repos, coordinations) = if full { (500, 2000) } else { (60, 40) };
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest =
        tandem_web::sample::generated(dir.path(), repos, coordinations, 4, Utc::now()).expect("generated workspace");
    let engine = tandem_web::sample::open(&manifest, "bench").expect("engine");
    let wide = tandem_web::sample::wide_coordination(&engine, repos).expect("wide coordination");
    let viewer = Viewer::Signed { csrf: "0".repeat(64) };
    let ctx = |engine| Ctx { engine, viewer: &viewer, now: Utc::now(), event_id: 1 };

    let mut g = c.benchmark_group("dashboard");
    g.sample_size(20).measurement_time(Duration::from_secs(10));
    g.bench_function("coordination_500_children", |b| {
        b.iter(|| pages::coordination(&ctx(&engine), wide, History::Recent, None).expect("page"))
    });
    let all = ListQuery { show: "all".into(), ..Default::default() };
    g.bench_function("list_2001_coordinations", |b| b.iter(|| pages::list(&ctx(&engine), &all).expect("page")));
    g.bench_function("list_open_default", |b| {
        b.iter(|| pages::list(&ctx(&engine), &ListQuery::default()).expect("page"))
    });
    g.bench_function("graph_500_repos", |b| b.iter(|| pages::graph(&ctx(&engine)).expect("page")));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
