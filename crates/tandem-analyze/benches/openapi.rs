//! The OpenAPI detector on documents with many paths: a new document of 20,000 and 80,000
//! paths (every operation is reported as added, each at its line), and a 20,000-path document
//! with one path deleted. Cost must grow linearly with the number of paths.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use tandem_analyze::detect::{DetectOptions, FilePair};

/// A document of `n` small path items, leaving out path `skip`.
fn spec(n: usize, skip: Option<usize>) -> String {
    let mut s = String::from("openapi: 3.0.3\ninfo:\n  title: many paths\n  version: '1'\npaths:\n");
    for i in (0..n).filter(|i| Some(*i) != skip) {
        s.push_str(&format!("  /p{i}:\n    get:\n      responses:\n        '200':\n          description: ok\n"));
    }
    s
}

fn compare(prev: Option<&str>, cur: &str) -> usize {
    let detector = tandem_analyze::openapi::detector().expect("the OpenAPI detector");
    let pair = FilePair { path: "api/openapi.yaml", prev: prev.map(str::as_bytes), cur: Some(cur.as_bytes()) };
    detector.compare(&pair, &DetectOptions::default()).len()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("openapi");
    group.sample_size(10);
    for n in [20_000, 80_000] {
        let doc = spec(n, None);
        assert_eq!(compare(None, &doc), n, "one OPERATION_ADDED per path");
        group.bench_function(format!("new_document/{n}_paths"), |b| b.iter(|| black_box(compare(None, &doc))));
    }
    let (prev, cur) = (spec(20_000, None), spec(20_000, Some(7)));
    assert_eq!(compare(Some(&prev), &cur), 1, "one PATH_NO_DELETE");
    group.bench_function("one_path_deleted/20000_paths", |b| b.iter(|| black_box(compare(Some(&prev), &cur))));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
