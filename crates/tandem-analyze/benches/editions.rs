//! What editions cost against proto3 and proto2 on the same content: the same module of
//! `FILES` files written three ways (proto3; proto2 with `optional` labels; edition 2023 with
//! `features.field_presence = IMPLICIT`, which means what proto3 means), parsed alone and
//! compared whole (previous against current, a few fields deleted). Run with
//! `cargo bench -p tandem-analyze --bench editions`; the figures are in BENCHMARKS.md.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use std::sync::Arc;
use tandem_analyze::protobuf::{compare, editions, Options};
use tandem_analyze::source::DirSource;

const MESSAGES: usize = 15;
const FIELDS: usize = 9;
const TYPES: [&str; 8] = ["int32", "int64", "uint32", "sint64", "bool", "string", "bytes", "double"];

#[derive(Clone, Copy)]
enum Syntax {
    Proto3,
    Proto2,
    Edition2023,
}

impl Syntax {
    fn name(self) -> &'static str {
        match self {
            Syntax::Proto3 => "proto3",
            Syntax::Proto2 => "proto2",
            Syntax::Edition2023 => "edition2023",
        }
    }
}

/// File `n` of the module, importing its predecessor (in runs of ten); `drop` leaves out field 2 of message 0.
fn file(syntax: Syntax, n: usize, drop: bool) -> String {
    let mut s = match syntax {
        Syntax::Proto3 => "syntax = \"proto3\";\n".to_string(),
        Syntax::Proto2 => "syntax = \"proto2\";\n".to_string(),
        Syntax::Edition2023 => "edition = \"2023\";\n".to_string(),
    };
    s.push_str(&format!("\npackage bench.p{}.v1;\n\n", n % 10));
    if let Syntax::Edition2023 = syntax {
        s.push_str("option features.field_presence = IMPLICIT;\n\n");
    }
    if !n.is_multiple_of(10) {
        s.push_str(&format!("import \"bench/f{}.proto\";\n\n", n - 1));
    }
    let label = if let Syntax::Proto2 = syntax { "optional " } else { "" };
    for m in 0..MESSAGES {
        s.push_str(&format!("// Message {m} of file {n}.\nmessage M{n}_{m} {{\n"));
        for f in 1..=FIELDS {
            if drop && m == 0 && f == 2 {
                continue;
            }
            let ty = match (f, m, n) {
                (3, m, _) if m > 0 => format!("M{n}_{}", m - 1),
                (4, _, n) if !n.is_multiple_of(10) => format!("bench.p{}.v1.M{}_{}", (n - 1) % 10, n - 1, m),
                _ => TYPES[(n + m + f) % TYPES.len()].to_string(),
            };
            s.push_str(&format!("  {label}{ty} field_{f} = {f};\n"));
        }
        s.push_str(&format!("  repeated string names = {};\n}}\n\n", FIELDS + 1));
    }
    s
}

/// A directory with `previous/` and `current/`, each holding the module; every tenth file of
/// `current` loses a field.
fn module(syntax: Syntax, files: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for side in ["previous", "current"] {
        let root = dir.path().join(side).join("bench");
        std::fs::create_dir_all(&root).unwrap();
        for n in 0..files {
            let drop = side == "current" && n.is_multiple_of(10);
            std::fs::write(root.join(format!("f{n}.proto")), file(syntax, n, drop)).unwrap();
        }
    }
    dir
}

fn run(dir: &std::path::Path) -> usize {
    let prev = Arc::new(DirSource { root: dir.join("previous") });
    let cur = Arc::new(DirSource { root: dir.join("current") });
    compare(prev, cur, &Options::default()).unwrap().findings.len()
}

/// Parses a file as the compiler's front end does: editions files through tandem's.
fn parse(n: usize, text: &str) -> usize {
    let name = format!("bench/f{n}.proto");
    match editions::declaration(text) {
        Some(decl) => match editions::parse(&name, &name, text, &decl.unwrap(), false) {
            Ok(p) => p.fd().message_type.len(),
            Err(_) => panic!("{name} does not parse"),
        },
        None => protox_parse::parse(&name, text).unwrap().message_type.len(),
    }
}

fn bench(c: &mut Criterion) {
    // `cargo test --all-targets` runs each benchmark once, unoptimized: a tenth of the size
    let files = if std::env::args().any(|a| a == "--bench") { 200 } else { 20 };
    let mut g = c.benchmark_group("editions");
    g.sample_size(20);
    for syntax in [Syntax::Proto3, Syntax::Proto2, Syntax::Edition2023] {
        let texts: Vec<String> = (0..files).map(|n| file(syntax, n, false)).collect();
        assert_eq!(texts.iter().enumerate().map(|(n, t)| parse(n, t)).sum::<usize>(), files * MESSAGES);
        g.bench_with_input(BenchmarkId::new("parse", syntax.name()), &texts, |b, texts| {
            b.iter(|| texts.iter().enumerate().map(|(n, t)| parse(n, black_box(t))).sum::<usize>())
        });
        let dir = module(syntax, files);
        // each deleted field is one FIELD_NO_DELETE, whatever the syntax
        let found = run(dir.path());
        assert!(found >= files / 10, "{}: {found} findings", syntax.name());
        g.bench_function(BenchmarkId::new("compare", syntax.name()), |b| b.iter(|| run(black_box(dir.path()))));
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
