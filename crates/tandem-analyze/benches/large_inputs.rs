//! The large inputs of issue 10 through the detectors as the engine calls them: a go.mod with
//! 40,000 requires (both revisions, every tenth dependency bumped to a new major version) and a
//! 13 MB SQL migration. Under `cargo bench` the inputs are full size; when `cargo test
//! --all-targets` runs this once in test mode they are a hundredth of it, so the suite stays
//! fast.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use tandem_analyze::detect::{DetectOptions, FilePair};

/// Full size under `cargo bench`, a hundredth under `cargo test`.
fn scale(full: usize) -> usize {
    if std::env::args().any(|a| a == "--bench") {
        full
    } else {
        full / 100
    }
}

/// A go.mod requiring `n` modules; `bumped` moves every tenth one to its `/v2`.
fn go_mod(n: usize, bumped: bool) -> String {
    let mut out = String::from("module example.com/big\n\ngo 1.22\n\nrequire (\n");
    for i in 0..n {
        if bumped && i % 10 == 0 {
            out.push_str(&format!("\texample.com/dep{i}/v2 v2.0.0\n"));
        } else {
            out.push_str(&format!("\texample.com/dep{i} v1.{}.0\n", i % 7));
        }
    }
    out.push_str(")\n");
    out
}

/// A PostgreSQL migration of about `bytes` bytes: tables, columns, indexes, constraints,
/// functions and comments, as a big schema dump reads.
pub fn migration(bytes: usize) -> String {
    let mut out = String::with_capacity(bytes + 1024);
    let mut i = 0;
    while out.len() < bytes {
        out.push_str(&format!(
            "CREATE TABLE t{i} (id bigint PRIMARY KEY, name text NOT NULL, note varchar(200), created_at timestamptz DEFAULT now());\n\
             ALTER TABLE t{i} ADD COLUMN extra{i} integer;\n\
             CREATE INDEX CONCURRENTLY t{i}_name_idx ON t{i} (name);\n\
             ALTER TABLE t{i} ADD CONSTRAINT t{i}_chk CHECK (id > 0) NOT VALID;\n\
             COMMENT ON TABLE t{i} IS 'table number {i}; generated';\n\
             CREATE FUNCTION f{i}() RETURNS int AS $$ SELECT {i}; $$ LANGUAGE sql;\n"
        ));
        i += 1;
    }
    out
}

fn gomod(c: &mut Criterion) {
    let n = scale(40_000);
    let (prev, cur) = (go_mod(n, false), go_mod(n, true));
    let detector = tandem_analyze::deps::detector().unwrap();
    let pair = FilePair { path: "go.mod", prev: Some(prev.as_bytes()), cur: Some(cur.as_bytes()) };
    let mut group = c.benchmark_group("deps");
    group.sample_size(10);
    group.bench_function(format!("go.mod with {n} requires, both revisions"), |b| {
        b.iter(|| black_box(detector.compare(black_box(&pair), &DetectOptions::default())))
    });
    group.finish();
}

fn sql(c: &mut Criterion) {
    let bytes = scale(13_000_000);
    let text = migration(bytes);
    let detector = tandem_analyze::sql::detector().unwrap();
    let pair = FilePair { path: "migrations/001_big.sql", prev: None, cur: Some(text.as_bytes()) };
    let mut group = c.benchmark_group("sql");
    group.sample_size(10);
    group.bench_function(format!("migration of {} bytes", text.len()), |b| {
        b.iter(|| black_box(detector.compare(black_box(&pair), &DetectOptions::default())))
    });
    group.finish();
}

criterion_group!(benches, gomod, sql);
criterion_main!(benches);
