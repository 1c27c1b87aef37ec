//! The behaviour every [`Store`] backend must have, written against the trait so that each
//! backend runs the same suite (`conformance::run_all(&|| Box::new(MyStore::new())))`).

use crate::{Store, StoreError};
use chrono::{TimeZone, Utc};
use tandem_model::checklist::parse_checklist;
use tandem_model::{
    Action, ChangeType, Child, ChildStatus, CoordId, CoordStatus, Coordination, Ctx, Event, Integration,
    IntegrationStatus, IssueKind, IssueRef, IssueSpec, IssueState, IssueUpdate, ItemSelector, Priority, RepoName, Role,
    Strategy, Subject, Target,
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

/// A coordination is found by its parent, integration or child issue, the oldest when two
/// share one, and by no other issue; what is found is the whole aggregate, as loaded.
pub fn a_coordination_is_found_by_its_issues(store: &dyn Store) {
    let first = sample("by-issue-1");
    let (a, _) = store.insert_coordination(&first, &created(&first)).unwrap();
    let second = sample("by-issue-2");
    let (b, _) = store.insert_coordination(&second, &created(&second)).unwrap();
    let ev = |r: &IssueRef| Event {
        at: first.created_at,
        actor: "tandem".into(),
        subject: Subject::Coordination,
        action: Action::IssueLinked,
        from: None,
        to: Some(r.to_string()),
        reason: None,
    };
    let issue = |repo: &str, number: u64| IssueRef { repo: name(repo), number };
    let found = |r: &IssueRef| store.coordination_with_issue(r).unwrap().map(|c| c.id);
    assert_eq!(found(&issue("hub", 1)), None, "nothing linked yet");
    store.link_issue(a, &Subject::Coordination, &issue("loqa", 1), &ev(&issue("loqa", 1))).unwrap();
    store.link_issue(a, &Subject::Integration, &issue("loqa", 2), &ev(&issue("loqa", 2))).unwrap();
    store.link_issue(b, &Subject::Child(name("hub")), &issue("hub", 5), &ev(&issue("hub", 5))).unwrap();
    // the same child issue in both: the older coordination answers
    store.link_issue(a, &Subject::Child(name("hub")), &issue("hub", 9), &ev(&issue("hub", 9))).unwrap();
    store.link_issue(b, &Subject::Child(name("hub")), &issue("hub", 9), &ev(&issue("hub", 9))).unwrap();
    assert_eq!(found(&issue("loqa", 1)), Some(a));
    assert_eq!(found(&issue("loqa", 2)), Some(a));
    assert_eq!(found(&issue("hub", 9)), Some(a));
    assert_eq!(found(&issue("hub", 5)), None, "hub's issue in b is 9 now");
    assert_eq!(found(&issue("hub", 1)), None);
    assert_eq!(found(&issue("loqa", 3)), None);
    let whole = store.coordination_with_issue(&issue("loqa", 1)).unwrap().unwrap();
    assert_eq!(whole, store.load_coordination(a).unwrap());
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

/// A batch of issues opened and linked in one call: each issue once (a marker opened by an
/// earlier run is reused), each link once (asking again appends nothing), numbered per
/// repository; a batch that fails half way leaves nothing of itself behind.
pub fn issues_are_opened_and_linked_in_batches(store: &dyn Store) {
    let c = sample("batch");
    let (id, _) = store.insert_coordination(&c, &created(&c)).unwrap();
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 9, 30, 0).single().expect("valid date");
    let spec = |repo: &str, marker: &str| IssueSpec {
        repo: name(repo),
        kind: IssueKind::Child,
        coordination: Some(id),
        marker: marker.into(),
        title: format!("t {marker}"),
        body: "b".into(),
        labels: vec!["coordination".into()],
        parent: None,
    };
    let event = |subject: &Subject, r: &IssueRef| Event {
        at: now,
        actor: "tandem".into(),
        subject: subject.clone(),
        action: Action::IssueLinked,
        from: None,
        to: Some(r.to_string()),
        reason: None,
    };
    // An earlier run opened proto's issue and died before linking it.
    let (earlier, _) = store.create_issue(&spec("proto", "b-proto"), now).unwrap();
    let items = vec![
        (Subject::Coordination, spec("loqa", "b-parent")),
        (Subject::Child(name("proto")), spec("proto", "b-proto")),
        (Subject::Child(name("hub")), spec("hub", "b-hub")),
        (Subject::Integration, spec("loqa", "b-integration")),
    ];
    let out = store.create_and_link_issues(id, &items, now, &event).unwrap();
    let refs: Vec<String> = out.iter().map(|(i, _)| i.reference.to_string()).collect();
    assert_eq!(refs, ["loqa#1", "proto#1", "hub#1", "loqa#2"]);
    assert!(out.iter().all(|(_, linked)| *linked));
    assert_eq!(out[1].0, earlier, "the issue of the earlier run, not a second one");
    assert_eq!((out[2].0.title.as_str(), out[2].0.state), ("t b-hub", IssueState::Open));
    let loaded = store.load_coordination(id).unwrap();
    assert_eq!(loaded.issue.as_ref(), Some(&out[0].0.reference));
    assert_eq!(loaded.child(&name("proto")).unwrap().issue.as_ref(), Some(&out[1].0.reference));
    assert_eq!(loaded.child(&name("hub")).unwrap().issue.as_ref(), Some(&out[2].0.reference));
    assert_eq!(loaded.integration.issue.as_ref(), Some(&out[3].0.reference));
    let linked = |store: &dyn Store| -> Vec<(Subject, Option<String>)> {
        let history = store.events(id).unwrap();
        history
            .into_iter()
            .filter(|e| e.event.action == Action::IssueLinked)
            .map(|e| (e.event.subject, e.event.to))
            .collect()
    };
    let want: Vec<(Subject, Option<String>)> =
        items.iter().map(|(s, _)| s.clone()).zip(refs.iter().map(|r| Some(r.clone()))).collect();
    assert_eq!(linked(store), want, "one event per link, in order");

    // Asked again (a resumed or concurrent run): the same issues, nothing new.
    let again = store.create_and_link_issues(id, &items, now, &event).unwrap();
    assert_eq!(
        again.iter().map(|(i, l)| (i.reference.to_string(), *l)).collect::<Vec<_>>(),
        refs.iter().map(|r| (r.clone(), false)).collect::<Vec<_>>()
    );
    assert_eq!(store.list_issues(None).unwrap().len(), 4);
    assert_eq!(linked(store).len(), 4);

    // Children only (one statement per step on PostgreSQL): one of them linked already.
    let children = vec![
        (Subject::Child(name("hub")), spec("hub", "b-hub")),
        (Subject::Child(name("proto")), spec("proto", "b-proto-2")),
    ];
    let out2 = store.create_and_link_issues(id, &children, now, &event).unwrap();
    let got: Vec<(String, bool)> = out2.iter().map(|(i, l)| (i.reference.to_string(), *l)).collect();
    assert_eq!(got, [("hub#1".to_string(), false), ("proto#2".to_string(), true)]);
    assert_eq!(linked(store).len(), 5);
    assert_eq!(linked(store)[4], (Subject::Child(name("proto")), Some("proto#2".into())));
    let relinked = store.load_coordination(id).unwrap();
    assert_eq!(
        relinked.child(&name("proto")).unwrap().issue.as_ref().map(|r| r.to_string()).as_deref(),
        Some("proto#2")
    );
    // A batch whose second item cannot be linked (no such child): none of it stays, not even
    // the first item's new issue and link.
    let failing = vec![
        (Subject::Child(name("hub")), spec("hub", "b-hub-2")),
        (Subject::Child(name("nope")), spec("nope", "b-nope")),
    ];
    assert!(matches!(store.create_and_link_issues(id, &failing, now, &event), Err(StoreError::NotFound(_))));
    assert_eq!(store.list_issues(None).unwrap().len(), 5, "the failed batch opened nothing");
    assert_eq!(
        store.load_coordination(id).unwrap().child(&name("hub")).unwrap().issue.as_ref(),
        Some(&out[2].0.reference)
    );
    assert_eq!(linked(store).len(), 5);
    assert!(store.create_and_link_issues(id, &[], now, &event).unwrap().is_empty());
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

/// The list's read agrees with the aggregates it summarizes: ticked and total checklist items,
/// the holds of the coordination and of its children, links, order.
pub fn summaries_agree_with_the_aggregates(store: &dyn Store) {
    assert!(store.list_summaries().unwrap().is_empty());
    let a = sample("sum-a");
    let (a_id, _) = store.insert_coordination(&a, &created(&a)).unwrap();

    // In progress: two of proto's three items ticked (one whose text looks like a ticked item),
    // then proto blocked on its own.
    let mut b = sample("sum-b");
    b.children[0].checklist =
        parse_checklist("- [ ] Update server\n- [ ] Say \"checked\":true in the docs\n- [ ] Tests\n");
    let (b_id, _) = store.insert_coordination(&b, &created(&b)).unwrap();
    let mut b = store.load_coordination(b_id).unwrap();
    let proto = Target::Child(name("proto"));
    let mut events = b.set_status(CoordStatus::InProgress, None, false, &ctx()).unwrap();
    events.extend(b.check_item(&proto, &ItemSelector::Number(1), true, &ctx()).unwrap());
    events.extend(b.check_item(&proto, &ItemSelector::Number(3), true, &ctx()).unwrap());
    events
        .extend(b.set_child_status(&name("proto"), ChildStatus::Blocked, Some("waits for a release"), &ctx()).unwrap());
    store.save_coordination(&b, &events).unwrap();

    // Blocked as a whole (every open child held because of it), with a parent issue.
    let c = sample("sum-c");
    let (c_id, _) = store.insert_coordination(&c, &created(&c)).unwrap();
    let mut c = store.load_coordination(c_id).unwrap();
    let mut events = c.set_status(CoordStatus::InProgress, None, false, &ctx()).unwrap();
    events.extend(c.set_status(CoordStatus::Blocked, Some("release freeze"), false, &ctx()).unwrap());
    store.save_coordination(&c, &events).unwrap();
    let parent = IssueRef { repo: name("loqa"), number: 12 };
    let ev = Event {
        at: c.created_at,
        actor: "tandem".into(),
        subject: Subject::Coordination,
        action: Action::IssueLinked,
        from: None,
        to: Some(parent.to_string()),
        reason: None,
    };
    store.link_issue(c_id, &Subject::Coordination, &parent, &ev).unwrap();

    let got = store.list_summaries().unwrap();
    let want: Vec<_> = store.list_coordinations().unwrap().iter().map(Coordination::summary).collect();
    assert_eq!(got, want);
    assert_eq!(got.iter().map(|s| s.id).collect::<Vec<_>>(), [a_id, b_id, c_id]);

    assert_eq!((got[0].effective_status(), got[0].blockers(), got[0].overall()), (CoordStatus::Planning, 0, 0.0));
    let b = &got[1];
    let counts: Vec<(usize, usize)> = b.children.iter().map(|ch| (ch.checked, ch.total)).collect();
    assert_eq!(counts, [(2, 3), (0, 2)]);
    assert_eq!(
        b.children[0].hold.as_ref().map(|h| (h.reason.as_str(), h.resume)),
        Some(("waits for a release", ChildStatus::Ready))
    );
    assert_eq!((b.status, b.effective_status(), b.blockers()), (CoordStatus::InProgress, CoordStatus::Blocked, 1));
    assert!((b.overall() - 2.0 / 3.0 / 2.0).abs() < 1e-9, "{}", b.overall());
    let c = &got[2];
    assert_eq!(c.hold.as_ref().map(|h| h.reason.as_str()), Some("release freeze"));
    assert_eq!((c.effective_status(), c.blockers()), (CoordStatus::Blocked, 3));
    assert!(c.children.iter().all(|ch| ch.hold.as_ref().is_some_and(|h| h.cause == tandem_model::BlockCause::Parent)));
    assert_eq!(c.issue.as_ref(), Some(&parent));
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
    a_coordination_is_found_by_its_issues(make().as_ref());
    issues_are_opened_and_linked_in_batches(make().as_ref());
    analyses_are_recorded_and_linked(make().as_ref());
    events_since_returns_the_window_in_order(make().as_ref());
    summaries_agree_with_the_aggregates(make().as_ref());
    deliveries_are_inserted_once_and_claimed_by_one(make().as_ref());
    failed_deliveries_retry_then_give_up(make().as_ref());
    expired_leases_are_taken_over(make().as_ref());
    comments_state_and_last_event_id(make().as_ref());
    a_comment_once_is_posted_once(make().as_ref());
    leader_lock_is_held_by_one_at_a_time(make().as_ref());
    waiting_for_a_change_wakes_on_new_history(make().as_ref());
    export_then_import_keeps_everything(make().as_ref(), make().as_ref());
}

fn at(minute: u32, second: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 10, minute, second).single().expect("valid date")
}

fn delivery(id: &str, received: chrono::DateTime<Utc>) -> crate::NewDelivery {
    crate::NewDelivery {
        id: id.into(),
        event: "issues".into(),
        payload: format!("{{\"n\":\"{id}\"}}"),
        received_at: received,
    }
}

/// A delivery is stored once; a redelivery of its id changes nothing; claims go oldest first and
/// a held delivery is not claimed twice.
pub fn deliveries_are_inserted_once_and_claimed_by_one(s: &dyn Store) {
    use crate::DeliveryState;
    let lease = chrono::Duration::seconds(30);
    assert!(s.insert_delivery(&delivery("d-2", at(0, 2))).unwrap());
    assert!(s.insert_delivery(&delivery("d-1", at(0, 1))).unwrap());
    let mut again = delivery("d-1", at(5, 0));
    again.payload = "{}".into();
    assert!(!s.insert_delivery(&again).unwrap(), "a redelivery is not inserted");
    let d1 = s.get_delivery("d-1").unwrap().expect("stored");
    assert_eq!((d1.payload.as_str(), d1.received_at, d1.state), ("{\"n\":\"d-1\"}", at(0, 1), DeliveryState::Pending));
    assert_eq!(s.delivery_counts().unwrap(), crate::DeliveryCounts { pending: 2, done: 0, failed: 0 });
    assert!(s.claim_delivery("a", at(0, 0), lease).unwrap().is_none(), "nothing is due before it was received");

    let first = s.claim_delivery("a", at(1, 0), lease).unwrap().expect("due");
    assert_eq!((first.id.as_str(), first.attempts, first.lease_owner.as_deref()), ("d-1", 1, Some("a")));
    assert_eq!(first.lease_until, Some(at(1, 30)));
    let second = s.claim_delivery("b", at(1, 0), lease).unwrap().expect("the other one");
    assert_eq!(second.id, "d-2");
    assert!(s.claim_delivery("c", at(1, 0), lease).unwrap().is_none(), "both are held");

    assert!(!s.finish_delivery("d-1", "b", "wrong owner", at(1, 1)).unwrap());
    assert!(s.finish_delivery("d-1", "a", "moved loqa-core to in_progress", at(1, 2)).unwrap());
    assert!(!s.finish_delivery("d-1", "a", "twice", at(1, 3)).unwrap(), "a done delivery is not finished again");
    let done = s.get_delivery("d-1").unwrap().unwrap();
    assert_eq!(done.state, DeliveryState::Done);
    assert_eq!(done.outcome.as_deref(), Some("moved loqa-core to in_progress"));
    assert_eq!((done.finished_at, done.lease_owner), (Some(at(1, 2)), None));
    assert!(s.claim_delivery("c", at(9, 0), lease).unwrap().map(|d| d.id) == Some("d-2".into()));
    assert!(!s.insert_delivery(&delivery("d-1", at(9, 0))).unwrap(), "a processed id stays known");
}

/// A failed attempt keeps its error and waits for its retry time; without one it fails for good.
pub fn failed_deliveries_retry_then_give_up(s: &dyn Store) {
    use crate::DeliveryState;
    let lease = chrono::Duration::seconds(30);
    s.insert_delivery(&delivery("f", at(0, 0))).unwrap();
    let d = s.claim_delivery("a", at(0, 1), lease).unwrap().unwrap();
    assert!(!s.fail_delivery(&d.id, "b", "not mine", Some(at(0, 5)), at(0, 2)).unwrap());
    assert!(s.fail_delivery(&d.id, "a", "forge unreachable", Some(at(2, 0)), at(0, 2)).unwrap());
    let kept = s.get_delivery("f").unwrap().unwrap();
    assert_eq!(
        (kept.state, kept.last_error.as_deref(), kept.next_attempt_at),
        (DeliveryState::Pending, Some("forge unreachable"), at(2, 0))
    );
    assert!(s.claim_delivery("a", at(1, 59), lease).unwrap().is_none(), "not before its retry time");
    let d = s.claim_delivery("b", at(2, 0), lease).unwrap().expect("due again");
    assert_eq!(d.attempts, 2);
    assert!(s.fail_delivery("f", "b", "still unreachable", None, at(2, 1)).unwrap());
    let gone = s.get_delivery("f").unwrap().unwrap();
    assert_eq!(
        (gone.state, gone.last_error.as_deref(), gone.finished_at),
        (DeliveryState::Failed, Some("still unreachable"), Some(at(2, 1)))
    );
    assert!(s.claim_delivery("a", at(59, 0), lease).unwrap().is_none(), "a failed delivery is not retried");
    assert_eq!(s.delivery_counts().unwrap(), crate::DeliveryCounts { pending: 0, done: 0, failed: 1 });
}

/// The holder of an expired lease loses the delivery to the next claimer and can no longer finish it.
pub fn expired_leases_are_taken_over(s: &dyn Store) {
    let lease = chrono::Duration::seconds(30);
    s.insert_delivery(&delivery("x", at(0, 0))).unwrap();
    s.claim_delivery("crashed", at(0, 0), lease).unwrap().unwrap();
    assert!(s.claim_delivery("b", at(0, 29), lease).unwrap().is_none(), "the lease still holds");
    let taken = s.claim_delivery("b", at(0, 30), lease).unwrap().expect("taken over");
    assert_eq!((taken.lease_owner.as_deref(), taken.attempts), (Some("b"), 2));
    assert!(!s.finish_delivery("x", "crashed", "late", at(0, 31)).unwrap(), "the old holder lost it");
    assert!(s.finish_delivery("x", "b", "ok", at(0, 32)).unwrap());
}

/// Comments on local issues, named state and the newest event's id.
pub fn comments_state_and_last_event_id(s: &dyn Store) {
    assert_eq!(s.last_event_id().unwrap(), 0);
    let c = sample("comments");
    let (id, _) = s.insert_coordination(&c, &created(&c)).unwrap();
    let first = s.last_event_id().unwrap();
    assert!(first > 0);
    let mut loaded = s.load_coordination(id).unwrap();
    let events = loaded.set_status(CoordStatus::InProgress, None, false, &ctx()).unwrap();
    s.save_coordination(&loaded, &events).unwrap();
    assert!(s.last_event_id().unwrap() > first);

    let spec = IssueSpec {
        repo: name("loqa-core"),
        kind: IssueKind::Child,
        coordination: Some(id),
        marker: "comment-marker".into(),
        title: "t".into(),
        body: "b".into(),
        labels: vec![],
        parent: None,
    };
    let (issue, _) = s.create_issue(&spec, at(0, 0)).unwrap();
    let a = s.add_issue_comment(&issue.reference, "tandem", "Progress: 1/3", at(0, 1)).unwrap();
    let b = s.add_issue_comment(&issue.reference, "alice", "second", at(0, 2)).unwrap();
    assert!(b.id > a.id);
    let all = s.issue_comments(&issue.reference).unwrap();
    assert_eq!(
        all.iter().map(|c| (c.author.as_str(), c.body.as_str(), c.at)).collect::<Vec<_>>(),
        vec![("tandem", "Progress: 1/3", at(0, 1)), ("alice", "second", at(0, 2))]
    );
    let missing = IssueRef { repo: name("loqa-core"), number: 999 };
    assert!(matches!(s.add_issue_comment(&missing, "a", "b", at(0, 3)), Err(StoreError::IssueNotFound(_))));
    assert!(s.issue_comments(&missing).unwrap().is_empty());

    assert_eq!(s.get_state("scheduler.health.next_run").unwrap(), None);
    s.set_state("scheduler.health.next_run", "2026-03-02T10:00:00Z").unwrap();
    s.set_state("scheduler.health.next_run", "2026-03-02T10:05:00Z").unwrap();
    assert_eq!(s.get_state("scheduler.health.next_run").unwrap().as_deref(), Some("2026-03-02T10:05:00Z"));
}

/// A comment posted "once" under a name is posted the first time only, and the name is kept as
/// state; an unknown issue is an error that records nothing.
pub fn a_comment_once_is_posted_once(s: &dyn Store) {
    let spec = IssueSpec {
        repo: name("loqa-core"),
        kind: IssueKind::Child,
        coordination: None,
        marker: "once-marker".into(),
        title: "t".into(),
        body: "b".into(),
        labels: vec![],
        parent: None,
    };
    let (issue, _) = s.create_issue(&spec, at(0, 0)).unwrap();
    let r = &issue.reference;
    let first = s.add_issue_comment_once(r, "tandem", "answer", at(0, 1), "reply:d-1").unwrap().expect("posted");
    assert_eq!((first.author.as_str(), first.body.as_str(), first.at), ("tandem", "answer", at(0, 1)));
    assert!(s.add_issue_comment_once(r, "tandem", "answer again", at(0, 2), "reply:d-1").unwrap().is_none());
    let other = s.add_issue_comment_once(r, "tandem", "another", at(0, 3), "reply:d-2").unwrap().expect("posted");
    assert!(other.id > first.id);
    let bodies: Vec<String> = s.issue_comments(r).unwrap().into_iter().map(|c| c.body).collect();
    assert_eq!(bodies, ["answer", "another"]);
    assert_eq!(s.get_state("reply:d-1").unwrap().as_deref(), Some("posted"));
    let missing = IssueRef { repo: name("loqa-core"), number: 999 };
    let err = s.add_issue_comment_once(&missing, "tandem", "x", at(0, 4), "reply:d-3");
    assert!(matches!(err, Err(StoreError::IssueNotFound(_))), "{err:?}");
    assert_eq!(s.get_state("reply:d-3").unwrap(), None, "nothing recorded for an unknown issue");
}

/// One holder per name at a time; dropping the guard frees it.
pub fn leader_lock_is_held_by_one_at_a_time(s: &dyn Store) {
    let first = s.try_lock_leader("scheduler").unwrap().expect("free at first");
    assert_eq!(first.name(), "scheduler");
    assert!(first.is_held());
    assert!(s.try_lock_leader("scheduler").unwrap().is_none(), "held by the first guard");
    let other = s.try_lock_leader("other work").unwrap().expect("another name is another lock");
    drop(first);
    let again = s.try_lock_leader("scheduler").unwrap().expect("free after the guard was dropped");
    assert!(again.is_held() && other.is_held());
}

/// A waiter returns at once when the history is already newer, waits out its timeout when
/// nothing happens, and wakes when another thread appends an event.
pub fn waiting_for_a_change_wakes_on_new_history(s: &dyn Store) {
    use std::time::{Duration, Instant};
    let c = sample("wait-1");
    s.insert_coordination(&c, &created(&c)).unwrap();
    let first = s.last_event_id().unwrap();
    assert_eq!(s.wait_for_change(first - 1, Duration::from_secs(60)).unwrap(), first, "already newer");
    let started = Instant::now();
    assert_eq!(s.wait_for_change(first, Duration::from_millis(200)).unwrap(), first, "nothing happened");
    assert!(started.elapsed() >= Duration::from_millis(200));
    std::thread::scope(|scope| {
        let waiter = scope.spawn(|| s.wait_for_change(first, Duration::from_secs(60)).unwrap());
        // The waiter may start before or after this append: either way it must see it.
        let c = sample("wait-2");
        s.insert_coordination(&c, &created(&c)).unwrap();
        let seen = waiter.join().expect("waiter");
        assert!(seen > first, "woke with the new event ({seen} > {first})");
        assert_eq!(seen, s.last_event_id().unwrap());
    });
}

/// Everything a store holds survives an export and an import into an empty store, ids included;
/// an import into a store that holds anything is refused; new records continue after the ids.
pub fn export_then_import_keeps_everything(from: &dyn Store, to: &dyn Store) {
    fill(from);
    let snapshot = from.export().unwrap();
    let counts = snapshot.counts();
    assert_eq!((counts.coordinations, counts.children, counts.issues, counts.comments), (2, 4, 2, 1));
    assert_eq!((counts.analyses, counts.deliveries, counts.state), (1, 2, 1));
    assert!(counts.events >= 4, "{counts:?}");
    to.import(&snapshot).unwrap();
    let copied = to.export().unwrap();
    assert_eq!(copied, snapshot);
    assert_eq!(copied.history_checksum(), snapshot.history_checksum());
    assert_eq!(copied.checksum(), snapshot.checksum());
    assert!(matches!(to.import(&snapshot), Err(StoreError::NotEmpty(_))));
    assert_eq!(to.export().unwrap(), snapshot, "the refused import wrote nothing");
    let c = sample("after-copy");
    let (id, fresh) = to.insert_coordination(&c, &created(&c)).unwrap();
    assert!(fresh && snapshot.coordinations.iter().all(|c| c.id.0 < id.0));
    assert!(to.last_event_id().unwrap() > snapshot.events.last().map(|e| e.id).unwrap_or(0));
    let issue = &snapshot.issues[0].reference;
    let comment = to.add_issue_comment(issue, "bob", "after", at(9, 0)).unwrap();
    assert!(snapshot.comments.iter().all(|c| c.id < comment.id));
}

/// A store with one of everything (and a bit more).
pub fn fill(s: &dyn Store) {
    let lease = chrono::Duration::seconds(30);
    let c = sample("fill-1");
    let (id, _) = s.insert_coordination(&c, &created(&c)).unwrap();
    let mut loaded = s.load_coordination(id).unwrap();
    let events = loaded.set_status(CoordStatus::InProgress, None, false, &ctx()).unwrap();
    s.save_coordination(&loaded, &events).unwrap();
    let c2 = sample("fill-2");
    let (id2, _) = s.insert_coordination(&c2, &created(&c2)).unwrap();
    let spec = |marker: &str, coordination| IssueSpec {
        repo: name("hub"),
        kind: IssueKind::Child,
        coordination: Some(coordination),
        marker: marker.into(),
        title: "t".into(),
        body: "b\nwith lines".into(),
        labels: vec!["coordination".into()],
        parent: None,
    };
    let (issue, _) = s.create_issue(&spec("fill-m1", id), at(0, 0)).unwrap();
    s.create_issue(&spec("fill-m2", id2), at(0, 1)).unwrap();
    let ev = Event {
        at: at(0, 2),
        actor: "tandem".into(),
        subject: Subject::Child(name("hub")),
        action: Action::IssueLinked,
        from: None,
        to: Some(issue.reference.to_string()),
        reason: None,
    };
    s.link_issue(id, &Subject::Child(name("hub")), &issue.reference, &ev).unwrap();
    s.add_issue_comment(&issue.reference, "tandem", "Progress: 1/3", at(0, 3)).unwrap();
    let a = tandem_model::AnalysisRecord {
        id: 0,
        repo: Some(name("proto")),
        base: "abc".into(),
        head: "def".into(),
        at: at(0, 4),
        findings: vec![],
        impact: tandem_model::ImpactLevel::Critical,
        consumers: vec![name("hub")],
        coordination: Some(id),
    };
    s.record_analysis(&a).unwrap();
    s.insert_delivery(&delivery("fill-d1", at(0, 5))).unwrap();
    s.insert_delivery(&delivery("fill-d2", at(0, 6))).unwrap();
    let d = s.claim_delivery("a", at(0, 7), lease).unwrap().unwrap();
    s.finish_delivery(&d.id, "a", "ok", at(0, 8)).unwrap();
    s.set_state("scheduler.health.next_run", "2026-03-02T10:05:00Z").unwrap();
}

/// The PostgreSQL server tests use: `$TANDEM_TEST_POSTGRES_URL`, else the local test server
/// (127.0.0.1:5432, trust auth, database `test`).
pub fn test_postgres_url() -> String {
    std::env::var("TANDEM_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A schema of its own for one test on the test server, with a random name; dropped (with
/// everything in it) when the guard is. Tests running in parallel never see each other's data
/// or locks, and leave nothing behind.
pub struct TestSchema {
    name: String,
    base: String,
}

impl TestSchema {
    /// Panics when the test server cannot be reached: PostgreSQL is part of the test setup.
    pub fn new() -> TestSchema {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let name = format!(
            "tandem_test_{}_{}_{}",
            std::process::id(),
            nanos % 1_000_000_000_000,
            N.fetch_add(1, Ordering::Relaxed)
        );
        TestSchema { name, base: test_postgres_url() }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The store URL that puts tandem's tables in this schema (created on first open).
    pub fn url(&self) -> String {
        let sep = if self.base.contains('?') { '&' } else { '?' };
        format!("{}{sep}schema={}", self.base, self.name)
    }

    pub fn open(&self) -> crate::PostgresStore {
        crate::PostgresStore::open(&self.url()).unwrap_or_else(|e| panic!("PostgreSQL test server: {e}"))
    }
}

impl Default for TestSchema {
    fn default() -> Self {
        TestSchema::new()
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        let Ok(mut client) = postgres::Client::connect(&self.base, postgres::NoTls) else { return };
        let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
    }
}
