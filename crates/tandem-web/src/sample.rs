//! Sample workspaces for the dashboard's example server, tests and benchmarks, built with the
//! same engine calls as `tandem demo` (no rule of their own):
//! - [`demo`]: the Loqa example with a handful of coordinations in every state, one child
//!   blocked (a ready one: a child blocked while pending resumes to pending, which the model refuses), one coordination finished (so the charts have data);
//! - [`generated`]: N repositories in layers and M coordinations over them, for scale.

use chrono::{DateTime, Duration, Utc};
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tandem_engine::render::{self, Example};
use tandem_engine::{CreateRequest, Engine, EngineOptions, Result};
use tandem_model::{ChangeType, ChildStatus, CoordId, CoordStatus, ManualClock, Priority};

/// An engine on `manifest` that reads the real clock (what a server runs).
pub fn open(manifest: &Path, actor: &str) -> Result<Engine> {
    let ws = tandem_engine::load_workspace(manifest)?;
    Engine::open(ws, EngineOptions { database: None, actor: Some(actor.into()), clock: None })
}

fn scripted(manifest: &Path, start: DateTime<Utc>) -> Result<(Engine, Arc<ManualClock>)> {
    let ws = tandem_engine::load_workspace(manifest)?;
    let clock = Arc::new(ManualClock::new(start));
    let engine =
        Engine::open(ws, EngineOptions { database: None, actor: Some("maya".into()), clock: Some(clock.clone()) })?;
    Ok((engine, clock))
}

/// Walks a child to done, ticking its checklist.
fn finish(engine: &Engine, id: CoordId, repo: &str) -> Result<()> {
    engine.set_child_status(id, repo, ChildStatus::InProgress, None)?;
    let n = engine.coordination(id)?.children.iter().find(|c| c.repo.as_str() == repo).map_or(0, |c| c.checklist.len());
    for i in 1..=n {
        engine.check_item(id, repo, &i.to_string(), true)?;
    }
    engine.set_child_status(id, repo, ChildStatus::InReview, None)?;
    engine.set_child_status(id, repo, ChildStatus::Done, Some("merged"))?;
    Ok(())
}

/// Ticks the integration checklist (which passes integration testing).
fn pass_integration(engine: &Engine, id: CoordId) -> Result<()> {
    let n = engine.coordination(id)?.integration.checklist.len();
    for i in 1..=n {
        engine.check_item(id, "integration", &i.to_string(), true)?;
    }
    Ok(())
}

/// The Loqa workspace in `dir` with five coordinations; returns the manifest's path.
pub fn demo(dir: &Path, now: DateTime<Utc>) -> Result<PathBuf> {
    let manifest = render::init_workspace(dir, Example::Loqa, false)?;
    let (e, clock) = scripted(&manifest, now - Duration::days(20))?;
    let tick = |h: i64| clock.advance(Duration::hours(h));

    // A finished documentation change, three weeks ago → two weeks ago.
    let docs = e
        .create_coordination(
            &CreateRequest::new("Document the voice-events API", ChangeType::Docs)
                .repos(&["loqa-hub", "loqa-commander"])
                .priority(Priority::Low),
            &mut |_| {},
        )?
        .coordination
        .id;
    tick(2);
    e.set_status(docs, CoordStatus::InProgress, None, false)?;
    for r in ["loqa-hub", "loqa-commander"] {
        tick(20);
        finish(&e, docs, r)?;
    }
    tick(6);
    pass_integration(&e, docs)?;
    tick(3);
    e.set_status(docs, CoordStatus::Deploying, None, false)?;
    tick(1);
    e.set_status(docs, CoordStatus::Done, Some("deployed"), false)?;

    // A cancelled experiment.
    tick(30);
    let exp = e
        .create_coordination(
            &CreateRequest::new("Try NATS JetStream for voice events", ChangeType::Feature)
                .repos(&["loqa-hub", "loqa"]),
            &mut |_| {},
        )?
        .coordination
        .id;
    tick(48);
    e.set_status(exp, CoordStatus::Cancelled, Some("JetStream adds too much to the relay's footprint"), true)?;

    // The protocol change under way: proto and hub done, relay in progress, skills blocked.
    tick(100);
    let req = CreateRequest {
        title: "Add authentication metadata to AudioStream".into(),
        change_type: Some(ChangeType::Protocol),
        from_repo: Some("loqa-proto".into()),
        priority: Some(Priority::High),
        plan: Some("Add an `auth` field (JWT) to AudioChunk; the hub validates it, relays send it, skills and commander pass it through.".into()),
        key: Some("demo-audiostream-auth".into()),
        ..Default::default()
    };
    let proto = e.create_coordination(&req, &mut |_| {})?.coordination.id;
    tick(1);
    e.set_status(proto, CoordStatus::InProgress, None, false)?;
    tick(5);
    finish(&e, proto, "loqa-proto")?;
    tick(8);
    finish(&e, proto, "loqa-hub")?;
    tick(4);
    e.set_child_status(proto, "loqa-relay", ChildStatus::InProgress, None)?;
    e.check_item(proto, "loqa-relay", "1", true)?;
    tick(2);
    e.set_child_status(
        proto,
        "loqa-skills",
        ChildStatus::Blocked,
        Some("needs the hub's new auth interceptor released as v0.5.0"),
    )?;

    // A security fix, expedited: everything at once.
    tick(20);
    let sec = e
        .create_coordination(
            &CreateRequest::new("Rotate NATS credentials and require TLS", ChangeType::Security)
                .repos(&["loqa-hub", "loqa-relay", "loqa"])
                .priority(Priority::Critical),
            &mut |_| {},
        )?
        .coordination
        .id;
    tick(1);
    e.set_status(sec, CoordStatus::InProgress, None, false)?;
    tick(3);
    finish(&e, sec, "loqa")?;
    e.set_child_status(sec, "loqa-hub", ChildStatus::InProgress, None)?;

    // A dependency bump still being planned.
    tick(5);
    e.create_coordination(
        &CreateRequest::new("Bump gRPC to 1.66 across the Go services", ChangeType::Dependency)
            .repos(&["loqa-hub", "loqa-relay", "loqa-skills"])
            .priority(Priority::Medium),
        &mut |_| {},
    )?;
    Ok(manifest)
}

/// The manifest of `repos` repositories in layers of 50: each depends on up to two repos of the
/// layer before it.
pub fn generated_manifest(repos: usize) -> String {
    let mut m =
        String::from("[workspace]\nname = \"generated\"\n\n[coordination]\nrepo = \"r0000\"\nforge = \"local\"\n");
    let vias = ["grpc", "http", "library", "docker", "config"];
    let roles = ["protocol", "service", "client", "frontend", "library"];
    for i in 0..repos {
        let layer = i / 50;
        let _ = write!(m, "\n[[repo]]\nname = \"r{i:04}\"\nrole = \"{}\"\n", roles[layer.min(4)]);
        if layer > 0 {
            let base = (layer - 1) * 50;
            let a = base + (i * 7) % 50;
            let b = base + (i * 13 + 3) % 50;
            let mut deps = vec![format!("{{ repo = \"r{a:04}\", via = \"{}\" }}", vias[i % 5])];
            if b != a {
                deps.push(format!("{{ repo = \"r{b:04}\", via = \"{}\" }}", vias[(i + 2) % 5]));
            }
            let _ = writeln!(m, "depends_on = [{}]", deps.join(", "));
        }
    }
    m
}

/// Why the generated workspace's children are blocked, in turn (people write free text; a few
/// reasons recur).
const BLOCK_REASONS: [&str; 5] = [
    "waiting for a provider release",
    "waiting for a provider release",
    "CI is red on the main branch",
    "needs a security review before merging",
    "the staging cluster is down",
];

/// A generated workspace in `dir`: `repos` repositories and `coordinations` coordinations of
/// `children` repos each (two in three started; one in twenty of those with a blocked child,
/// one in two hundred blocked as a whole).
pub fn generated(
    dir: &Path,
    repos: usize,
    coordinations: usize,
    children: usize,
    now: DateTime<Utc>,
) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|source| tandem_engine::EngineError::Io { path: dir.into(), source })?;
    let manifest = dir.join(tandem_engine::MANIFEST);
    std::fs::write(&manifest, generated_manifest(repos))
        .map_err(|source| tandem_engine::EngineError::Io { path: manifest.clone(), source })?;
    let (e, clock) = scripted(&manifest, now - Duration::days(60))?;
    let step = Duration::seconds((60 * 86_400 / coordinations.max(1) as i64).max(1));
    for k in 0..coordinations {
        clock.advance(step);
        let picked: Vec<String> =
            (0..children.min(repos)).map(|j| format!("r{:04}", (k * 31 + j * 50 + j) % repos)).collect();
        let refs: Vec<&str> = picked.iter().map(String::as_str).collect();
        let types = ChangeType::ALL;
        let id = e
            .create_coordination(
                &CreateRequest::new(&format!("Change {k} across {} repos", refs.len()), types[k % types.len()])
                    .repos(&refs)
                    .priority(Priority::ALL[k % Priority::ALL.len()])
                    .key(&format!("gen-{k}")),
                &mut |_| {},
            )?
            .coordination
            .id;
        if k % 3 == 0 {
            continue;
        }
        e.set_status(id, CoordStatus::InProgress, None, false)?;
        if k % 20 == 1 {
            let reason = BLOCK_REASONS[(k / 20) % BLOCK_REASONS.len()];
            e.set_child_status(id, &picked[picked.len() - 1], ChildStatus::Blocked, Some(reason))?;
        } else if k % 200 == 7 {
            e.set_status(id, CoordStatus::Blocked, Some("release freeze until the quarterly audit ends"), false)?;
        }
    }
    Ok(manifest)
}

/// A coordination over the first `n` repositories of `engine`'s workspace (benchmarks: one
/// coordination with many children).
pub fn wide_coordination(engine: &Engine, n: usize) -> Result<CoordId> {
    let names: Vec<String> = engine.workspace().repos.iter().take(n).map(|r| r.name.to_string()).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let id = engine
        .create_coordination(
            &CreateRequest::new("One change across everything", ChangeType::Breaking).repos(&refs).key("wide"),
            &mut |_| {},
        )?
        .coordination
        .id;
    engine.set_status(id, CoordStatus::InProgress, None, false)?;
    Ok(id)
}
