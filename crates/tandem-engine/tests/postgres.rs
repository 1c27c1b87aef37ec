//! Several engines on one PostgreSQL schema stand for several `tandem serve` instances: what
//! they do at once through the shared database is neither lost nor done twice.

use std::sync::Arc;
use tandem_engine::{CreateRequest, Engine};
use tandem_forge::LocalForge;
use tandem_model::{Action, ChangeType, CoordStatus, Workspace};
use tandem_store::conformance::TestSchema;
use tandem_store::Store;

const LOQA: &str = include_str!("../src/examples/loqa.toml");

struct Instances {
    _dir: tempfile::TempDir,
    ws: Workspace,
    schema: TestSchema,
}

impl Instances {
    fn new() -> Instances {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("tandem.toml"), LOQA).unwrap();
        let ws = tandem_engine::load_workspace(dir.path()).unwrap();
        Instances { _dir: dir, ws, schema: TestSchema::new() }
    }

    /// A new instance: its own store (pool, listener) on the shared schema.
    fn engine(&self, actor: &str) -> Engine {
        let store: Arc<dyn Store> = Arc::new(self.schema.open());
        Engine::new(
            self.ws.clone(),
            store.clone(),
            Arc::new(LocalForge::new(store)),
            Arc::new(tandem_model::SystemClock),
            actor.into(),
        )
        .unwrap()
    }
}

#[test]
fn instances_creating_one_key_at_once_make_one_coordination_with_each_link_once() {
    let fx = Instances::new();
    let req = CreateRequest::new("Add auth", ChangeType::Protocol).from_repo("loqa-proto").key("race");
    let opened: usize = std::thread::scope(|s| {
        let runs: Vec<_> = (0..4)
            .map(|i| {
                let (fx, req) = (&fx, &req);
                s.spawn(move || fx.engine(&format!("instance-{i}")).create_coordination(req, &mut |_| {}).unwrap())
            })
            .collect();
        runs.into_iter().map(|r| r.join().unwrap().issues_opened).sum()
    });
    let store = fx.schema.open();
    let all = store.list_coordinations().unwrap();
    assert_eq!(all.len(), 1);
    let issues = store.list_issues(None).unwrap().len();
    assert_eq!(opened, issues, "each issue is counted once, by the run that linked it");
    let links = store.events(all[0].id).unwrap().iter().filter(|e| e.event.action == Action::IssueLinked).count();
    assert_eq!(links, issues);
}

#[test]
fn instances_writing_one_coordination_at_once_lose_no_update() {
    let fx = Instances::new();
    let repos = ["loqa-hub", "loqa-relay", "loqa-skills", "loqa-commander"];
    let first = fx.engine("lead");
    let req = CreateRequest::new("Bump deps", ChangeType::Feature).repos(&repos);
    let id = first.create_coordination(&req, &mut |_| {}).unwrap().coordination.id;
    first.set_status(id, CoordStatus::InProgress, None, false).unwrap();
    std::thread::scope(|s| {
        for repo in repos {
            let fx = &fx;
            s.spawn(move || {
                let e = fx.engine(repo);
                for i in 1..=4 {
                    e.check_item(id, repo, &i.to_string(), true).unwrap();
                }
            });
        }
    });
    let c = first.coordination(id).unwrap();
    for ch in &c.children {
        assert_eq!(ch.checklist.iter().filter(|i| i.checked).count(), 4, "{}", ch.repo);
    }
    let ticks = first.history(id).unwrap().iter().filter(|e| e.event.action == Action::Checked).count();
    assert_eq!(ticks, 16);
}
