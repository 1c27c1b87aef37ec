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

criterion_group!(benches, bench);
criterion_main!(benches);
