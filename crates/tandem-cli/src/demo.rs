//! `tandem demo`: the Loqa ecosystem as eight real git repositories, and a protocol change
//! walked through its whole life with the same engine calls the CLI makes.

use crate::output;
use crate::Failure;
use anyhow::Context;
use chrono::{DateTime, Duration, DurationRound, Utc};
use std::path::Path;
use std::sync::Arc;
use tandem_engine::render::{self, Example};
use tandem_engine::{CreateRequest, Engine, EngineOptions};
use tandem_model::{ChangeType, ChildStatus, CoordId, CoordStatus, ManualClock, Priority};

/// (repo, [(path, content)]) — believable content for each Loqa repository.
fn repos() -> Vec<(&'static str, Vec<(&'static str, &'static str)>)> {
    vec![
        (
            "loqa-proto",
            vec![
                ("README.md", "# loqa-proto\n\nProtocol buffers shared by the Loqa services.\n"),
                ("buf.yaml", "version: v2\nmodules:\n  - path: proto\nbreaking:\n  use:\n    - FILE\n"),
                (
                    "proto/loqa/audio/v1/audio.proto",
                    "syntax = \"proto3\";\n\npackage loqa.audio.v1;\n\noption go_package = \"github.com/loqalabs/loqa-proto/go/audio/v1;audiov1\";\n\n// A chunk of captured audio streamed from a relay to the hub.\nmessage AudioChunk {\n  string relay_id = 1;\n  bytes pcm = 2;\n  uint32 sample_rate = 3;\n  bool end_of_utterance = 4;\n}\n\nmessage Transcript {\n  string text = 1;\n  float confidence = 2;\n}\n\nservice AudioService {\n  // Streams audio from a relay and returns transcripts.\n  rpc AudioStream(stream AudioChunk) returns (stream Transcript);\n}\n",
                ),
                ("go/go.mod", "module github.com/loqalabs/loqa-proto/go\n\ngo 1.22\n\nrequire (\n\tgoogle.golang.org/grpc v1.64.0\n\tgoogle.golang.org/protobuf v1.34.2\n)\n"),
            ],
        ),
        (
            "loqa-hub",
            vec![
                ("README.md", "# loqa-hub\n\nThe central service: gRPC audio intake, STT/TTS pipeline, HTTP API.\n"),
                ("go.mod", "module github.com/loqalabs/loqa-hub\n\ngo 1.22\n\nrequire (\n\tgithub.com/loqalabs/loqa-proto/go v0.3.1\n\tgithub.com/nats-io/nats.go v1.36.0\n\tgoogle.golang.org/grpc v1.64.0\n)\n"),
                ("cmd/loqa-hub/main.go", "package main\n\nimport \"log\"\n\nfunc main() {\n\tlog.Println(\"loqa-hub listening on :50051 (gRPC) and :3000 (HTTP)\")\n}\n"),
                ("api/openapi.yaml", "openapi: 3.0.3\ninfo:\n  title: loqa-hub API\n  version: 0.4.0\npaths:\n  /health:\n    get:\n      responses:\n        '200':\n          description: healthy\n  /api/voice-events:\n    get:\n      parameters:\n        - name: limit\n          in: query\n          schema:\n            type: integer\n      responses:\n        '200':\n          description: recent voice events\n"),
                ("migrations/001_voice_events.sql", "CREATE TABLE voice_events (\n  id TEXT PRIMARY KEY,\n  relay_id TEXT NOT NULL,\n  transcript TEXT,\n  created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP\n);\n"),
            ],
        ),
        (
            "loqa-relay",
            vec![
                ("README.md", "# loqa-relay\n\nCaptures audio and streams it to the hub over gRPC.\n"),
                ("go.mod", "module github.com/loqalabs/loqa-relay\n\ngo 1.22\n\nrequire (\n\tgithub.com/loqalabs/loqa-proto/go v0.2.0\n\tgoogle.golang.org/grpc v1.64.0\n)\n"),
                ("cmd/relay/main.go", "package main\n\nimport \"log\"\n\nfunc main() {\n\tlog.Println(\"relay streaming to hub:50051\")\n}\n"),
            ],
        ),
        (
            "loqa-skills",
            vec![
                ("README.md", "# loqa-skills\n\nSkill plugins loaded by the hub.\n"),
                ("go.mod", "module github.com/loqalabs/loqa-skills\n\ngo 1.22\n\nrequire github.com/loqalabs/loqa-proto/go v0.3.1\n"),
                ("timer/skill.go", "package timer\n\n// Name is the skill's identifier.\nconst Name = \"timer\"\n"),
            ],
        ),
        (
            "loqa-commander",
            vec![
                ("README.md", "# loqa-commander\n\nWeb dashboard on the hub's HTTP API.\n"),
                ("package.json", "{\n  \"name\": \"loqa-commander\",\n  \"version\": \"0.4.0\",\n  \"private\": true,\n  \"scripts\": { \"dev\": \"vite\", \"build\": \"vite build\" },\n  \"dependencies\": { \"vue\": \"^3.4.0\" },\n  \"devDependencies\": { \"vite\": \"^5.2.0\" }\n}\n"),
                ("src/api.ts", "export const HUB_URL = import.meta.env.VITE_HUB_URL ?? 'http://localhost:3000';\n\nexport async function voiceEvents(limit = 20) {\n  const res = await fetch(`${HUB_URL}/api/voice-events?limit=${limit}`);\n  return res.json();\n}\n"),
            ],
        ),
        (
            "loqa",
            vec![
                ("README.md", "# loqa\n\nRun the whole Loqa stack with `docker compose up`.\n"),
                ("docker-compose.yml", "services:\n  nats:\n    image: nats:2.10\n  loqa-hub:\n    image: ghcr.io/loqalabs/loqa-hub:0.4.0\n    ports: [\"3000:3000\", \"50051:50051\"]\n    environment:\n      NATS_URL: nats://nats:4222\n      HUB_AUTH_MODE: none\n    depends_on: [nats]\n  loqa-relay:\n    image: ghcr.io/loqalabs/loqa-relay:0.4.0\n    environment:\n      HUB_ADDRESS: loqa-hub:50051\n  loqa-skills:\n    image: ghcr.io/loqalabs/loqa-skills:0.4.0\n  loqa-commander:\n    image: ghcr.io/loqalabs/loqa-commander:0.4.0\n    ports: [\"5173:5173\"]\n"),
                (".env.example", "NATS_URL=nats://localhost:4222\nHUB_AUTH_MODE=none\n"),
            ],
        ),
        (
            "www-loqalabs-com",
            vec![
                ("README.md", "# www.loqalabs.com\n\nThe public website.\n"),
                ("package.json", "{\n  \"name\": \"www-loqalabs-com\",\n  \"private\": true,\n  \"dependencies\": { \"astro\": \"^4.8.0\" }\n}\n"),
            ],
        ),
        (
            "loqalabs-github-config",
            vec![
                ("README.md", "# loqalabs-github-config\n\nOrganisation-wide GitHub settings, labels and templates.\n"),
                ("labels.yml", "- name: coordination\n  color: 5319e7\n- name: breaking-change\n  color: b60205\n"),
            ],
        ),
    ]
}

fn init_git_repo(dir: &Path, files: &[(&str, &str)], when: i64) -> anyhow::Result<()> {
    for (path, content) in files {
        let p = dir.join(path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&p, content).with_context(|| format!("writing {}", p.display()))?;
    }
    let mut opts = git2::RepositoryInitOptions::new();
    opts.initial_head("main");
    let repo = git2::Repository::init_opts(dir, &opts).with_context(|| format!("git init {}", dir.display()))?;
    let mut index = repo.index()?;
    index.add_all(["*"].iter(), git2::IndexAddOption::DEFAULT, None)?;
    index.write()?;
    let tree = repo.find_tree(index.write_tree()?)?;
    let sig = git2::Signature::new("Loqa Labs", "dev@loqalabs.invalid", &git2::Time::new(when, 0))?;
    let commit = repo.commit(Some("HEAD"), &sig, &sig, "Initial commit", &tree, &[])?;
    if dir.file_name().is_some_and(|n| n == "loqa-proto") {
        // the protocol's current release; loqa-relay still pins v0.2.0
        repo.tag_lightweight("go/v0.3.1", &repo.find_object(commit, None)?, false)?;
        repo.tag_lightweight("v0.3.1", &repo.find_object(commit, None)?, false)?;
    }
    Ok(())
}

fn heading(title: &str) {
    println!("\n== {title} ==");
}

/// How long the scripted life of the demo's coordination takes, from its creation to its last
/// event (the sum of the script's clock ticks; a test checks that the last event lands on `now`).
const SCRIPT_SPAN_HOURS: i64 = 37;

/// Builds the demo in `dir`. The scripted clock is anchored so that the coordination's last
/// event happens at `now`: right after the demo its history reads as recent (not stale), and
/// the same `now` gives the same output.
pub fn run(dir: &Path, now: DateTime<Utc>, json: bool) -> Result<(), Failure> {
    if dir.exists() && std::fs::read_dir(dir).map(|mut d| d.next().is_some()).unwrap_or(true) {
        return Err(Failure::Error(anyhow::anyhow!(
            "{} already exists and is not empty; choose another place with --dir DIR",
            dir.display()
        )));
    }
    let now = now.duration_trunc(Duration::minutes(1)).context("rounding the demo's clock to the minute")?;
    let start = now - Duration::hours(SCRIPT_SPAN_HOURS);
    let manifest = render::init_workspace(dir, Example::Loqa, false)?;
    for (name, files) in repos() {
        init_git_repo(&dir.join(name), &files, start.timestamp() - 86_400).map_err(Failure::Error)?;
    }
    let ws = tandem_engine::load_workspace(&manifest)?;
    let clock = Arc::new(ManualClock::new(start));
    let engine =
        Engine::open(ws, EngineOptions { database: None, actor: Some("maya".into()), clock: Some(clock.clone()) })?;
    let tick = |hours: i64| clock.advance(Duration::hours(hours));

    heading(&format!(
        "1. The Loqa workspace: {} repositories as git checkouts in {}",
        engine.workspace().repos.len(),
        dir.display()
    ));
    print!("{}", output::graph_table(&engine.graph_view()));

    heading("2. Discovery: what the checkouts reference");
    let d = engine.discover();
    print!("{}", output::discovery(&d));

    heading("3. A protocol change: open the coordination from loqa-proto");
    let req = CreateRequest {
        title: "Add authentication metadata to AudioStream".into(),
        change_type: Some(ChangeType::Protocol),
        from_repo: Some("loqa-proto".into()),
        priority: Some(Priority::High),
        plan: Some("Add an `auth` field (JWT) to AudioChunk; the hub validates it, relays send it, skills and commander pass it through.".into()),
        key: Some("demo-audiostream-auth".into()),
        ..Default::default()
    };
    let created = engine.create_coordination(&req, &mut |_| {})?;
    print!("{}", output::created(&created));
    let id = created.coordination.id;

    heading("4. The child issue in loqa-hub, with its checklist");
    let hub_issue =
        created.coordination.children.iter().find(|c| c.repo.as_str() == "loqa-hub").and_then(|c| c.issue.clone());
    if let Some(r) = hub_issue {
        print!("{}", output::issue(&engine.issue(&r.to_string())?));
    }

    heading("5. Start: under the sequential strategy only loqa-proto is ready");
    tick(1);
    print!("{}", output::change(&engine.set_status(id, CoordStatus::InProgress, None, false)?));

    heading("6. loqa-proto does its part; its consumers become ready");
    walk(&engine, id, "loqa-proto", &tick)?;

    heading("7. loqa-hub is under way; loqa-skills hits a blocker");
    tick(2);
    engine.set_child_status(id, "loqa-hub", ChildStatus::InProgress, None)?;
    engine.check_item(id, "loqa-hub", "1", true)?;
    engine.check_item(id, "loqa-hub", "2", true)?;
    tick(1);
    print!("{}", output::change(&engine.set_child_status(id, "loqa-hub", ChildStatus::InReview, None)?));
    let (c, p) = engine.progress(id)?;
    print!("{}", output::progress(&c, &p));

    heading("8. loqa-hub is done: relay, skills and commander become ready; skills is blocked, then unblocked");
    tick(3);
    for i in 3..=engine
        .coordination(id)?
        .children
        .iter()
        .find(|c| c.repo.as_str() == "loqa-hub")
        .map_or(0, |c| c.checklist.len())
    {
        engine.check_item(id, "loqa-hub", &i.to_string(), true)?;
    }
    print!("{}", output::change(&engine.set_child_status(id, "loqa-hub", ChildStatus::Done, Some("merged"))?));
    tick(1);
    print!(
        "{}",
        output::change(&engine.set_child_status(
            id,
            "loqa-skills",
            ChildStatus::Blocked,
            Some("needs the hub's new auth interceptor released as v0.5.0")
        )?)
    );
    let (c, p) = engine.progress(id)?;
    print!("{}", output::progress(&c, &p));
    tick(5);
    print!(
        "{}",
        output::change(&engine.set_child_status(id, "loqa-skills", ChildStatus::Ready, Some("hub v0.5.0 released"))?)
    );

    heading("9. The remaining repos finish; all done moves the coordination to testing");
    for repo in ["loqa-relay", "loqa-skills", "loqa-commander"] {
        walk(&engine, id, repo, &tick)?;
    }
    let change = walk(&engine, id, "loqa", &tick)?;
    print!("{}", output::change(&change));

    heading("10. Integration testing passes: the coordination is ready to deploy");
    let n = engine.coordination(id)?.integration.checklist.len();
    let mut last = None;
    for i in 1..=n {
        tick(1);
        last = Some(engine.check_item(id, "integration", &i.to_string(), true)?);
    }
    if let Some(change) = last {
        print!("{}", output::change(&change));
    }
    let (c, p) = engine.progress(id)?;
    print!("{}", output::progress(&c, &p));

    heading("11. Deployment and rollback plans");
    print!("{}", output::deploy_plan(&engine.deploy_plan(id)?));
    print!("{}", output::rollback_plan(&engine.rollback_plan(id)?));

    heading("12. History");
    let history = engine.history(id)?;
    println!("  {} events recorded; the last ten:", history.len());
    print!("{}", output::history(&history[history.len().saturating_sub(10)..]));

    let shown = output::shell_word(&dir.display().to_string());
    let tandem = output::program();
    println!("\nThe workspace is in {shown}. Keep going:");
    println!("  cd {shown}");
    println!("  {tandem} coord show {id}");
    println!("  {tandem} coord status {id} deploying      # then: done");
    println!("  {tandem} issues list --repo loqa");
    println!("  {tandem} graph --format mermaid");
    if tandem != "tandem" {
        println!("(this binary is not the `tandem` on your PATH; `cargo install --locked --path crates/tandem-cli` puts it there)");
    }
    if json {
        eprintln!("(the demo prints text; use the commands above with --json)");
    }
    Ok(())
}

/// Walks one child from ready to done, ticking its checklist on the way.
fn walk(engine: &Engine, id: CoordId, repo: &str, tick: &dyn Fn(i64)) -> Result<tandem_engine::Change, Failure> {
    tick(1);
    engine.set_child_status(id, repo, ChildStatus::InProgress, None)?;
    let items = engine
        .coordination(id)?
        .child(&tandem_model::RepoName::parse(repo).map_err(|e| Failure::Error(e.into()))?)
        .map(|c| c.checklist.len())
        .unwrap_or(0);
    for i in 1..=items {
        engine.check_item(id, repo, &i.to_string(), true)?;
    }
    tick(2);
    engine.set_child_status(id, repo, ChildStatus::InReview, None)?;
    tick(1);
    let change = engine.set_child_status(id, repo, ChildStatus::Done, Some("merged"))?;
    if repo == "loqa-proto" {
        print!("{}", output::change(&change));
    }
    Ok(change)
}
