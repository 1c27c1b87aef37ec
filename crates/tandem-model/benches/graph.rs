//! Graph operations on a generated workspace of 10,000 repos and 50,000 edges.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use tandem_model::{Graph, RepoName, Via};

/// A layered DAG: repo i depends on 5 repos with smaller indices (deterministic LCG).
pub fn generate(n: usize, edges_per_repo: usize) -> (Vec<RepoName>, Vec<(usize, usize, Via)>) {
    let names: Vec<RepoName> = (0..n).map(|i| RepoName::parse(&format!("repo-{i:05}")).unwrap()).collect();
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    let mut edges = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for c in 1..n {
        let want = edges_per_repo.min(c);
        let mut got = 0;
        while got < want {
            // prefer nearby providers so the graph has depth, with some long jumps
            let p = if next() % 4 == 0 { next() % c } else { c - 1 - next() % c.min(50) };
            if seen.insert((c, p)) {
                edges.push((c, p, Via::Grpc));
                got += 1;
            }
        }
    }
    // top up to exactly n * edges_per_repo edges
    while edges.len() < n * edges_per_repo {
        let c = 1 + next() % (n - 1);
        let p = next() % c;
        if seen.insert((c, p)) {
            edges.push((c, p, Via::Grpc));
        }
    }
    (names, edges)
}

fn bench(c: &mut Criterion) {
    let (names, edges) = generate(10_000, 5);
    let g = Graph::new(names.clone(), edges.clone()).unwrap();
    eprintln!("graph: {} repos, {} edges, {} waves", g.len(), edges.len(), g.waves().len());
    // A repo in the upper middle: thousands of transitive consumers.
    let probe = 2_000;
    eprintln!("repo-{probe:05} has {} transitive consumers", g.transitive_consumers(probe).len());
    c.bench_function("transitive_consumers/10k_repos_50k_edges", |b| {
        b.iter(|| black_box(g.transitive_consumers(black_box(probe))))
    });
    c.bench_function("build_graph_order_and_waves/10k_repos_50k_edges", |b| {
        b.iter(|| {
            let g = Graph::new(names.clone(), edges.iter().copied()).unwrap();
            black_box(g.waves())
        })
    });
}

/// Issue 10: a tandem.toml whose 20,000 repos form one dependency chain (the longest possible
/// waves and the largest transitive closure: 200 million consumer pairs) — parsed from its TOML
/// text, then everything `tandem graph` computes.
fn chain(c: &mut Criterion) {
    let n = 20_000;
    let mut toml = String::from("[workspace]\nname = \"chain\"\n");
    for i in 0..n {
        toml.push_str(&format!("[[repo]]\nname = \"r{i}\"\nrole = \"service\"\n"));
        if i > 0 {
            toml.push_str(&format!("depends_on = [{{ repo = \"r{}\", via = \"grpc\" }}]\n", i - 1));
        }
    }
    let path = std::path::Path::new("tandem.toml");
    let mut group = c.benchmark_group("chain_20k");
    group.sample_size(10);
    group.bench_function("parse_manifest_and_graph", |b| {
        b.iter(|| black_box(tandem_model::Workspace::parse(black_box(&toml), path).unwrap().graph().len()))
    });
    let ws = tandem_model::Workspace::parse(&toml, path).unwrap();
    let g = ws.graph();
    group.bench_function("transitive_consumer_counts", |b| b.iter(|| black_box(g.transitive_consumer_counts())));
    group.finish();
}

criterion_group!(benches, bench, chain);
criterion_main!(benches);
