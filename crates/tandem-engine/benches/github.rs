//! The GitHub forge's figures (BENCHMARKS.md), against the fake GitHub on 127.0.0.1:
//!
//! 1. a fan-out of N children with the fake's limits off and no pacing: wall time;
//! 2. the same fan-out with GitHub's limits on (5000 points an hour; 80 content-creating
//!    requests a minute, 500 an hour) and tandem's pacing, on the simulated clock: secondary-limit
//!    answers (must be 0), writes per child, and the simulated time it takes;
//! 3. a sync of that coordination that finds nothing changed, from a new process (ETags from the
//!    store): rate-limit points spent.
//!
//! `cargo bench -p tandem-engine --bench github` runs N = 500; under `cargo test` (no
//! `--bench`) it runs N = 20 as a smoke test. Figures go to standard output.

use std::sync::Arc;
use std::time::Instant;
use tandem_engine::{CreateRequest, Engine};
use tandem_forge::github::fake::{FakeGithub, Limits, SimClock};
use tandem_forge::github::{GithubForge, GithubSettings, Token, WritePace};
use tandem_model::{ChangeType, Workspace};
use tandem_store::{SqliteStore, Store};

const TOKEN: &str = "ghp_benchTOKEN";

fn manifest(n: usize) -> String {
    let mut m = String::from("[workspace]\nname = \"bench\"\n[coordination]\nforge = \"github\"\nrepo = \"hub\"\n");
    m.push_str("[[repo]]\nname = \"hub\"\nrole = \"config\"\ngithub = \"acme/hub\"\n");
    for k in 0..n {
        m.push_str(&format!("[[repo]]\nname = \"svc-{k:03}\"\nrole = \"service\"\ngithub = \"acme/svc-{k:03}\"\n"));
    }
    m
}

struct Run {
    dir: tempfile::TempDir,
    ws: Workspace,
    fake: Arc<FakeGithub>,
    clock: Arc<SimClock>,
    api: String,
}

impl Run {
    fn new(n: usize, limits: Limits) -> Run {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("tandem.toml"), manifest(n)).unwrap();
        let ws = tandem_engine::load_workspace(dir.path()).unwrap();
        let slugs: Vec<String> = ws.repos.iter().map(|r| r.github.clone().unwrap()).collect();
        let slugs: Vec<&str> = slugs.iter().map(String::as_str).collect();
        let clock = SimClock::new();
        let fake = FakeGithub::new(&slugs, TOKEN, limits, clock.clone());
        let api = fake.serve();
        Run { dir, ws, fake, clock, api }
    }

    fn engine(&self, pace: WritePace) -> Engine {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&self.dir.path().join("t.db")).unwrap());
        let mut settings = GithubSettings::from_workspace(&self.ws).unwrap();
        settings.api_url = self.api.clone();
        settings.token = Some(Token::new(TOKEN));
        settings.pace = pace;
        let forge = GithubForge::new(settings, Some(store.clone()), self.clock.clone(), Arc::new(|_: &str| {}));
        Engine::new(self.ws.clone(), store, Arc::new(forge), self.clock.clone(), "bench".into()).unwrap()
    }

    fn request(&self) -> CreateRequest {
        let repos: Vec<String> = self.ws.repos.iter().skip(1).map(|r| r.name.to_string()).collect();
        let repos: Vec<&str> = repos.iter().map(String::as_str).collect();
        CreateRequest::new("Rotate the signing keys", ChangeType::Feature).repos(&repos)
    }
}

fn main() {
    let n = if std::env::args().any(|a| a == "--bench") { 500 } else { 20 };

    let fast = Run::new(n, Limits::off());
    let t = Instant::now();
    let created = fast.engine(WritePace::unlimited()).create_coordination(&fast.request(), &mut |_| {}).unwrap();
    let wall = t.elapsed();
    assert_eq!(created.issues_opened, n + 2);
    println!(
        "github fan-out, {n} children, limits off: {:.2} s wall, {} requests",
        wall.as_secs_f64(),
        fast.fake.counts().requests
    );

    let paced = Run::new(n, Limits::github());
    let start = tandem_forge::github::Pacer::now(paced.clock.as_ref());
    let e = paced.engine(WritePace::default());
    let t = Instant::now();
    let c = e.create_coordination(&paced.request(), &mut |_| {}).unwrap().coordination;
    let wall = t.elapsed();
    let simulated = tandem_forge::github::Pacer::now(paced.clock.as_ref()) - start;
    let counts = paced.fake.counts();
    assert_eq!(counts.secondary_limited, 0, "pacing must keep below the secondary limits");
    // Writes: per child one issue and one sub-issue link; plus the parent, the integration
    // issue (and its link), the parent's task-list update, and each repository's missing labels.
    let labels: usize = paced.ws.repos.iter().map(|r| paced.fake.labels(r.github.as_deref().unwrap()).len()).sum();
    let per_child = (counts.writes as f64 - labels as f64) / (n as f64 + 2.0);
    println!(
        "github fan-out, {n} children, GitHub's limits on: {} secondary-limit answers, {} primary-limit answers, \
         {} writes ({labels} label creations), {per_child:.2} writes per issue besides labels, {} simulated \
         ({:.2} s wall)",
        counts.secondary_limited,
        counts.primary_limited,
        counts.writes,
        simulated,
        wall.as_secs_f64()
    );

    e.sync_from_forge(c.id).unwrap();
    let fresh = paced.engine(WritePace::default());
    let before = paced.fake.counts();
    let t = Instant::now();
    let report = fresh.sync_from_forge(c.id).unwrap();
    let after = paced.fake.counts();
    assert!(report.is_unchanged());
    let points = after.points - before.points;
    assert!(points <= 5, "a no-change sync spent {points} points");
    println!(
        "github no-change sync, {n} children, new process: {points} rate-limit points, {} requests (all 304), {:.2} s wall",
        after.requests - before.requests,
        t.elapsed().as_secs_f64()
    );
}
