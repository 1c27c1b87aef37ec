//! `tandem analyze` on a commit that touches no contract file, in a repository of 10,000 files
//! (200 of them .proto): the answer must come without compiling anything.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use tandem_engine::analysis::{analyze, AnalyzeRequest};

fn commit(repo: &git2::Repository, msg: &str) {
    let mut index = repo.index().unwrap();
    index.add_all(["*"].iter(), git2::IndexAddOption::DEFAULT, None).unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = git2::Signature::now("bench", "bench@example.invalid").unwrap();
    let parents: Vec<git2::Commit> = repo.head().ok().and_then(|h| h.peel_to_commit().ok()).into_iter().collect();
    let refs: Vec<&git2::Commit> = parents.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, msg, &tree, &refs).unwrap();
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = git2::RepositoryInitOptions::new();
    opts.initial_head("main");
    let repo = git2::Repository::init_opts(dir.path(), &opts).unwrap();
    for i in 0..10_000 {
        let (sub, name) = if i % 50 == 0 {
            (format!("proto/p{}", i % 7), format!("f{i}.proto"))
        } else {
            (format!("src/m{}/d{}", i % 40, i % 13), format!("f{i}.rs"))
        };
        let d = dir.path().join(&sub);
        std::fs::create_dir_all(&d).unwrap();
        let body = if name.ends_with(".proto") {
            format!("syntax = \"proto3\";\npackage p{i};\nmessage M{i} {{ string a = 1; }}\n")
        } else {
            format!("pub fn f{i}() -> usize {{ {i} }}\n")
        };
        std::fs::write(d.join(name), body).unwrap();
    }
    commit(&repo, "initial");
    std::fs::write(dir.path().join("README.md"), "docs only\n").unwrap();
    std::fs::write(dir.path().join("src/m1/d1/f1.rs"), "pub fn f1() -> usize { 2 }\n").unwrap();
    commit(&repo, "docs and code, no contract");

    let req = AnalyzeRequest { path: Some(dir.path().to_path_buf()), ..Default::default() };
    let a = analyze(None, &req).unwrap();
    assert!(a.findings.is_empty() && a.files.is_empty());
    c.bench_function("analyze/no_contract_change/10k_files", |b| b.iter(|| black_box(analyze(None, &req).unwrap())));
}

/// A 2 MB OpenAPI document: `n` paths, each with a schema of a dozen properties.
fn openapi(n: usize, drop_path: Option<usize>, retype: bool) -> String {
    let mut s = String::from("openapi: 3.0.3\ninfo:\n  title: Big API\n  version: 1.0.0\npaths:\n");
    for i in 0..n {
        if Some(i) == drop_path {
            continue;
        }
        s.push_str(&format!(
            "  /things{i}/{{id}}:\n    get:\n      operationId: getThing{i}\n      parameters:\n        - name: id\n          in: path\n          required: true\n          schema:\n            type: string\n        - name: limit\n          in: query\n          schema:\n            type: integer\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema:\n                $ref: '#/components/schemas/Thing{i}'\n        '404':\n          description: missing\n"
        ));
    }
    s.push_str("components:\n  schemas:\n");
    for i in 0..n {
        s.push_str(&format!("    Thing{i}:\n      type: object\n      required: [id]\n      properties:\n"));
        for p in 0..12 {
            let ty = if retype && i == 3 && p == 2 { "integer" } else { "string" };
            s.push_str(&format!("        field{p}:\n          type: {ty}\n          description: Field {p} of thing {i}, with some words to make it realistic.\n"));
        }
    }
    s
}

fn bench_contracts(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = git2::RepositoryInitOptions::new();
    opts.initial_head("main");
    let repo = git2::Repository::init_opts(dir.path(), &opts).unwrap();
    let n = 975;
    let api = openapi(n, None, false);
    std::fs::create_dir_all(dir.path().join("api")).unwrap();
    std::fs::create_dir_all(dir.path().join("migrations")).unwrap();
    std::fs::create_dir_all(dir.path().join("config")).unwrap();
    std::fs::write(dir.path().join("api/openapi.yaml"), &api).unwrap();
    std::fs::write(
        dir.path().join("migrations/001_init.sql"),
        "CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT, name TEXT);\n",
    )
    .unwrap();
    for k in 0..10 {
        std::fs::write(
            dir.path().join(format!("config/service{k}.env.example")),
            format!("DATABASE_URL=postgres://db\nFEATURE_{k}=on\nTIMEOUT_MS=100\n"),
        )
        .unwrap();
    }
    commit(&repo, "v1");
    std::fs::write(dir.path().join("api/openapi.yaml"), openapi(n, Some(7), true)).unwrap();
    std::fs::write(
        dir.path().join("migrations/002_drop.sql"),
        "ALTER TABLE users DROP COLUMN name;\nCREATE INDEX users_email ON users (email);\n",
    )
    .unwrap();
    for k in 0..10 {
        std::fs::write(
            dir.path().join(format!("config/service{k}.env.example")),
            "DATABASE_URL=postgres://db\nTIMEOUT_MS=100\n",
        )
        .unwrap();
    }
    commit(&repo, "v2");
    eprintln!("openapi.yaml: {} bytes", api.len());
    let req = AnalyzeRequest { path: Some(dir.path().to_path_buf()), ..Default::default() };
    let a = analyze(None, &req).unwrap();
    eprintln!("{} findings in {} files", a.findings.len(), a.files.len());
    c.bench_function("analyze/openapi_2mb_migration_10_configs", |b| {
        b.iter(|| black_box(analyze(None, &req).unwrap()))
    });
}

criterion_group!(benches, bench, bench_contracts);
criterion_main!(benches);
