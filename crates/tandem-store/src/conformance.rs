//! The behaviour every [`Store`] backend must have, written against the trait so that each
//! backend runs the same suite (`conformance::run_all(&|| Box::new(MyStore::new())))`).

use crate::{Store, StoreError};
use chrono::{TimeZone, Utc};
use tandem_model::checklist::parse_checklist;
use tandem_model::{
    Action, ChangeType, Child, ChildStatus, CoordId, CoordStatus, Coordination, Ctx, Event, Integration,
    IntegrationStatus, IssueKind, IssueRef, IssueSpec, IssueState, IssueUpdate, Priority, RepoName, Role, Strategy,
    Subject,
};

fn name(s: &str) -> RepoName {
    RepoName::parse(s).expect("valid test name")
}

/// A small coordination in planning, as the engine would build it.
pub fn sample(key: &str) -> Coordination {
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).single().expect("valid date");
    let child = |repo: &str, after: &[&str]| Child {
        repo: name(repo),
        role: Role::Service,
        weight: 2,
        status: ChildStatus::Pending,
        hold: None,
        after: after.iter().map(|a| name(a)).collect(),
        title: format!("[{repo}] Add auth"),
        checklist: parse_checklist("## Implementation\n- [ ] Update server\n- [ ] Tests\n"),
        issue: None,
        updated_at: now,
    };
    Coordination {
        id: CoordId(0),
        key: key.to_string(),
        title: "Add auth".into(),
        change_type: ChangeType::Protocol,
        priority: Priority::High,
        strategy: Strategy::Sequential,
        status: CoordStatus::Planning,
        hold: None,
        plan: Some("Ship it".into()),
        milestone: None,
        source_repo: Some(name("proto")),
        home_repo: name("loqa"),
        issue: None,
        children: vec![child("proto", &[]), child("hub", &["proto"])],
        integration: Integration {
            repo: name("loqa"),
            status: IntegrationStatus::Open,
            title: "Integration".into(),
            checklist: parse_checklist("- [ ] e2e\n"),
            issue: None,
        },
        created_at: now,
        updated_at: now,
        version: 0,
    }
}

fn created(c: &Coordination) -> Vec<Event> {
    vec![Event {
        at: c.created_at,
        actor: "alice".into(),
        subject: Subject::Coordination,
        action: Action::Created,
        from: None,
        to: Some("planning".into()),
        reason: None,
    }]
}

fn ctx() -> Ctx {
    Ctx { actor: "bob".into(), now: Utc.with_ymd_and_hms(2026, 3, 3, 10, 0, 0).single().expect("valid date") }
}

pub fn insert_is_idempotent_by_key(store: &dyn Store) {
    let c = sample("k1");
    let (id, fresh) = store.insert_coordination(&c, &created(&c)).unwrap();
    assert!(fresh);
    let (again, fresh) = store.insert_coordination(&c, &created(&c)).unwrap();
    assert_eq!((again, fresh), (id, false));
    assert_eq!(store.list_coordinations().unwrap().len(), 1);
    assert_eq!(store.events(id).unwrap().len(), 1);
    assert_eq!(store.find_coordination_by_key("k1").unwrap(), Some(id));
    assert_eq!(store.find_coordination_by_key("other").unwrap(), None);
}

pub fn load_round_trips_the_aggregate(store: &dyn Store) {
    let c = sample("k2");
    let (id, _) = store.insert_coordination(&c, &created(&c)).unwrap();
    let loaded = store.load_coordination(id).unwrap();
    let mut want = c.clone();
    want.id = id;
    want.version = 1;
    assert_eq!(loaded, want);
    assert!(matches!(store.load_coordination(CoordId(999)), Err(StoreError::NotFound(_))));
}

pub fn save_applies_changes_and_appends_events(store: &dyn Store) {
    let c = sample("k3");
    let (id, _) = store.insert_coordination(&c, &created(&c)).unwrap();
    let mut c = store.load_coordination(id).unwrap();
    let events = c.set_status(CoordStatus::InProgress, None, false, &ctx()).unwrap();
    store.save_coordination(&c, &events).unwrap();
    let again = store.load_coordination(id).unwrap();
    assert_eq!(again.status, CoordStatus::InProgress);
    assert_eq!(again.children[0].status, ChildStatus::Ready);
    assert_eq!(again.version, c.version + 1);
    let history = store.events(id).unwrap();
    assert_eq!(history.len(), 1 + events.len());
    assert!(history.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(history[1].event, events[0]);
}

pub fn stale_save_is_a_conflict(store: &dyn Store) {
    let c = sample("k4");
    let (id, _) = store.insert_coordination(&c, &created(&c)).unwrap();
    let mut first = store.load_coordination(id).unwrap();
    let mut second = first.clone();
    let ev = first.set_status(CoordStatus::InProgress, None, false, &ctx()).unwrap();
    store.save_coordination(&first, &ev).unwrap();
    let ev = second.set_status(CoordStatus::Blocked, Some("x"), false, &ctx()).unwrap();
    assert!(matches!(store.save_coordination(&second, &ev), Err(StoreError::Conflict(_))));
    assert_eq!(store.load_coordination(id).unwrap().status, CoordStatus::InProgress);
    assert_eq!(store.events(id).unwrap().len(), 1 + 2, "the refused save appended nothing");
}

pub fn issues_are_idempotent_by_marker_and_numbered_per_repo(store: &dyn Store) {
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).single().expect("valid date");
    let spec = |repo: &str, marker: &str| IssueSpec {
        repo: name(repo),
        kind: IssueKind::Child,
        coordination: None,
        marker: marker.into(),
        title: "t".into(),
        body: "b".into(),
        labels: vec!["coordination".into()],
        parent: None,
    };
    let (a, fresh) = store.create_issue(&spec("hub", "m1"), now).unwrap();
    assert!(fresh);
    assert_eq!(a.reference.number, 1);
    let (again, fresh) = store.create_issue(&spec("hub", "m1"), now).unwrap();
    assert!(!fresh);
    assert_eq!(again, a);
    assert_eq!(store.create_issue(&spec("hub", "m2"), now).unwrap().0.reference.number, 2);
    assert_eq!(store.create_issue(&spec("relay", "m3"), now).unwrap().0.reference.number, 1);
    assert_eq!(store.list_issues(None).unwrap().len(), 3);
    assert_eq!(store.list_issues(Some(&name("hub"))).unwrap().len(), 2);

    let upd = IssueUpdate { state: Some(IssueState::Closed), body: Some("new".into()), ..Default::default() };
    let u = store.update_issue(&a.reference, &upd, now).unwrap();
    assert_eq!((u.state, u.body.as_str(), u.title.as_str()), (IssueState::Closed, "new", "t"));
    assert_eq!(store.get_issue(&a.reference).unwrap().unwrap().state, IssueState::Closed);
    assert_eq!(store.find_issue_by_marker("m1").unwrap().unwrap().body, "new");
    let missing = IssueRef { repo: name("hub"), number: 99 };
    assert!(matches!(store.update_issue(&missing, &upd, now), Err(StoreError::IssueNotFound(_))));
    assert!(store.get_issue(&missing).unwrap().is_none());
}

pub fn issue_links_survive_saves_of_stale_aggregates(store: &dyn Store) {
    let c = sample("k5");
    let (id, _) = store.insert_coordination(&c, &created(&c)).unwrap();
    let mut loaded = store.load_coordination(id).unwrap();
    let r = IssueRef { repo: name("hub"), number: 7 };
    let ev = Event {
        at: c.created_at,
        actor: "tandem".into(),
        subject: Subject::Child(name("hub")),
        action: Action::IssueLinked,
        from: None,
        to: Some(r.to_string()),
        reason: None,
    };
    store.link_issue(id, &Subject::Child(name("hub")), &r, &ev).unwrap();
    let parent = IssueRef { repo: name("loqa"), number: 1 };
    store.link_issue(id, &Subject::Coordination, &parent, &ev).unwrap();
    store.link_issue(id, &Subject::Integration, &parent, &ev).unwrap();
    // `loaded` predates the links; saving it must not erase them.
    let events = loaded.set_status(CoordStatus::InProgress, None, false, &ctx()).unwrap();
    store.save_coordination(&loaded, &events).unwrap();
    let again = store.load_coordination(id).unwrap();
    assert_eq!(again.child(&name("hub")).unwrap().issue.as_ref(), Some(&r));
    assert_eq!(again.issue.as_ref(), Some(&parent));
    assert_eq!(again.integration.issue.as_ref(), Some(&parent));
    assert_eq!(again.status, CoordStatus::InProgress);
    let missing = Subject::Child(name("nope"));
    assert!(store.link_issue(id, &missing, &r, &ev).is_err());
}

/// Regression (issue 10): concurrent creations with the same key each linked every issue, so
/// the history held each `issue_linked` event two or three times.
pub fn linking_the_same_issue_again_appends_no_event(store: &dyn Store) {
    let c = sample("k8");
    let (id, _) = store.insert_coordination(&c, &created(&c)).unwrap();
    let r = IssueRef { repo: name("hub"), number: 3 };
    let ev = Event {
        at: c.created_at,
        actor: "tandem".into(),
        subject: Subject::Child(name("hub")),
        action: Action::IssueLinked,
        from: None,
        to: Some(r.to_string()),
        reason: None,
    };
    assert!(store.link_issue(id, &Subject::Child(name("hub")), &r, &ev).unwrap());
    assert!(!store.link_issue(id, &Subject::Child(name("hub")), &r, &ev).unwrap());
    let linked =
        |store: &dyn Store| store.events(id).unwrap().iter().filter(|e| e.event.action == Action::IssueLinked).count();
    assert_eq!(linked(store), 1);
    // A different issue is a real change of link, recorded as such.
    let other = IssueRef { repo: name("hub"), number: 4 };
    assert!(store.link_issue(id, &Subject::Child(name("hub")), &other, &ev).unwrap());
    assert_eq!(linked(store), 2);
    assert_eq!(store.load_coordination(id).unwrap().child(&name("hub")).unwrap().issue.as_ref(), Some(&other));
}

pub fn analyses_are_recorded_and_linked(store: &dyn Store) {
    use tandem_model::{AnalysisRecord, Finding, ImpactLevel, Severity};
    let c = sample("k6");
    let (id, _) = store.insert_coordination(&c, &created(&c)).unwrap();
    let a = AnalysisRecord {
        id: 0,
        repo: Some(name("proto")),
        base: "abc".into(),
        head: "def".into(),
        at: c.created_at,
        findings: vec![Finding {
            rule: "FIELD_NO_DELETE".into(),
            severity: Severity::Breaking,
            kind: "protobuf".into(),
            path: "a.proto".into(),
            line: 3,
            column: 1,
            end_line: 5,
            end_column: 2,
            message: "Previously present field \"2\" with name \"x\" on message \"A\" was deleted.".into(),
        }],
        impact: ImpactLevel::Critical,
        consumers: vec![name("hub")],
        coordination: None,
    };
    let aid = store.record_analysis(&a).unwrap();
    store.set_analysis_coordination(aid, id).unwrap();
    let all = store.list_analyses().unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].id, aid);
    assert_eq!(all[0].coordination, Some(id));
    assert_eq!(all[0].findings, a.findings);
    assert_eq!(all[0].breaking(), 1);
}

pub fn events_since_returns_the_window_in_order(store: &dyn Store) {
    let c = sample("k7");
    let (id, _) = store.insert_coordination(&c, &created(&c)).unwrap();
    let mut c = store.load_coordination(id).unwrap();
    let later = ctx();
    let events = c.set_status(CoordStatus::InProgress, None, false, &later).unwrap();
    store.save_coordination(&c, &events).unwrap();
    let all = store.all_events().unwrap();
    assert_eq!(all.len(), 1 + events.len());
    // At the instant of an event: included; a microsecond later: excluded.
    let since = store.events_since(later.now).unwrap();
    assert_eq!(since, all[1..].to_vec());
    assert!(since.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(store.events_since(c.created_at).unwrap(), all);
    let after = later.now + chrono::Duration::microseconds(1);
    assert!(store.events_since(after).unwrap().is_empty());
}

/// Runs every conformance check, each on a fresh store from `make`.
pub fn run_all(make: &dyn Fn() -> Box<dyn Store>) {
    insert_is_idempotent_by_key(make().as_ref());
    load_round_trips_the_aggregate(make().as_ref());
    save_applies_changes_and_appends_events(make().as_ref());
    stale_save_is_a_conflict(make().as_ref());
    issues_are_idempotent_by_marker_and_numbered_per_repo(make().as_ref());
    issue_links_survive_saves_of_stale_aggregates(make().as_ref());
    linking_the_same_issue_again_appends_no_event(make().as_ref());
    analyses_are_recorded_and_linked(make().as_ref());
    events_since_returns_the_window_in_order(make().as_ref());
}
