//! Protobuf comparison on large inputs, which must cost time linear in their size: an enum of
//! 40,000 values (21 s before the IR indexed values by number) and a file of 10,000 messages
//! (~1 MB). Run with `cargo bench -p tandem-analyze --bench protobuf`.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::sync::Arc;
use tandem_analyze::protobuf::{compare, Options};
use tandem_analyze::source::DirSource;

/// A directory with `previous/` and `current/`, each holding `a.proto`.
fn pair(previous: &str, current: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (side, text) in [("previous", previous), ("current", current)] {
        std::fs::create_dir_all(dir.path().join(side)).unwrap();
        std::fs::write(dir.path().join(side).join("a.proto"), text).unwrap();
    }
    dir
}

fn run(dir: &std::path::Path) -> usize {
    let prev = Arc::new(DirSource { root: dir.join("previous") });
    let cur = Arc::new(DirSource { root: dir.join("current") });
    compare(prev, cur, &Options::default()).unwrap().findings.len()
}

/// An enum of `n` values; `skip` leaves one out.
fn big_enum(n: usize, skip: Option<usize>) -> String {
    let mut s = String::from("syntax = \"proto3\";\npackage e;\nenum Big {\n");
    for i in (0..n).filter(|i| Some(*i) != skip) {
        s.push_str(&format!("  BIG_{i} = {i};\n"));
    }
    s.push_str("}\n");
    s
}

/// `n` messages of four fields and a map; `skip` drops field 2 of one message.
fn many_messages(n: usize, skip: Option<usize>) -> String {
    let mut s = String::from("syntax = \"proto3\";\npackage m;\n");
    for i in 0..n {
        let b = if Some(i) == skip { String::new() } else { "int32 b = 2; ".into() };
        s.push_str(&format!("message M{i} {{ string a = 1; {b}repeated M{i} c = 3; map<string, string> d = 4; }}\n"));
    }
    s
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("protobuf");
    g.sample_size(10);
    // `cargo test --all-targets` runs each benchmark once, unoptimized: a tenth of the size
    // keeps that to about a second
    let scale = if std::env::args().any(|a| a == "--bench") { 1 } else { 10 };
    let (values, messages) = (40_000 / scale, 10_000 / scale);
    for (name, n, previous, current) in [
        ("enum_values", values, big_enum(values, None), big_enum(values, Some(7))),
        ("messages", messages, many_messages(messages, None), many_messages(messages, Some(7))),
    ] {
        let dir = pair(&previous, &current);
        // one deleted value or field: the rules run on every pair and report exactly it
        assert!(run(dir.path()) >= 1);
        g.throughput(Throughput::Bytes(previous.len() as u64));
        g.bench_with_input(BenchmarkId::new(name, n), &dir, |b, d| b.iter(|| black_box(run(d.path()))));
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
