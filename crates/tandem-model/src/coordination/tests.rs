use super::*;
use crate::checklist::parse_checklist;
use chrono::TimeZone;

fn ctx() -> Ctx {
    Ctx { actor: "alice".into(), now: Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap() }
}

fn name(s: &str) -> RepoName {
    RepoName::parse(s).unwrap()
}

fn child(repo: &str, after: &[&str]) -> Child {
    Child {
        repo: name(repo),
        role: Role::Service,
        weight: 1,
        status: ChildStatus::Pending,
        hold: None,
        after: after.iter().map(|a| name(a)).collect(),
        title: format!("[{repo}] change"),
        checklist: parse_checklist("## Implementation\n- [ ] one\n- [ ] two\n"),
        issue: None,
        updated_at: ctx().now,
    }
}

/// proto <- hub <- relay, plus skills <- proto: a small sequential coordination in planning.
fn coord(strategy: Strategy) -> Coordination {
    Coordination {
        id: CoordId(1),
        key: "k".into(),
        title: "Add auth".into(),
        change_type: ChangeType::Protocol,
        priority: Priority::High,
        strategy,
        status: CoordStatus::Planning,
        hold: None,
        plan: None,
        milestone: None,
        source_repo: None,
        home_repo: name("loqa"),
        issue: None,
        children: vec![
            child("proto", &[]),
            child("hub", &["proto"]),
            child("skills", &["proto"]),
            child("relay", &["hub"]),
        ],
        integration: Integration {
            repo: name("loqa"),
            status: IntegrationStatus::Open,
            title: "integration".into(),
            checklist: parse_checklist("- [ ] e2e\n- [ ] perf\n"),
            issue: None,
        },
        created_at: ctx().now,
        updated_at: ctx().now,
        version: 0,
    }
}

fn status_of(c: &Coordination, repo: &str) -> ChildStatus {
    c.child(&name(repo)).unwrap().status
}

fn finish(c: &mut Coordination, repo: &str) {
    let r = name(repo);
    for s in [ChildStatus::Ready, ChildStatus::InProgress, ChildStatus::InReview, ChildStatus::Done] {
        // "ready" only when still pending: propagation may already have made it ready
        if s != ChildStatus::Ready || c.child(&r).unwrap().status == ChildStatus::Pending {
            c.set_child_status(&r, s, None, &ctx()).unwrap();
        }
    }
}

/// Drives a fresh coordination into `s` through legal transitions.
fn coord_in(s: CoordStatus) -> Coordination {
    use CoordStatus::*;
    let mut c = coord(Strategy::Sequential);
    let x = ctx();
    match s {
        Planning => {}
        InProgress => {
            c.set_status(InProgress, None, false, &x).unwrap();
        }
        Blocked => {
            c.set_status(InProgress, None, false, &x).unwrap();
            c.set_status(Blocked, Some("waiting on vendor"), false, &x).unwrap();
        }
        Cancelled => {
            c.set_status(Cancelled, None, true, &x).unwrap();
        }
        _ => {
            c.set_status(InProgress, None, false, &x).unwrap();
            for r in ["proto", "hub", "skills", "relay"] {
                finish(&mut c, r);
            }
            assert_eq!(c.status, Testing);
            if s != Testing {
                c.set_status(Ready, None, false, &x).unwrap();
            }
            if matches!(s, Deploying | Done) {
                c.set_status(Deploying, None, false, &x).unwrap();
            }
            if s == Done {
                c.set_status(Done, None, false, &x).unwrap();
            }
        }
    }
    assert_eq!(c.status, s);
    c
}

#[test]
fn every_coordination_transition_is_allowed_or_refused_with_a_reason() {
    use CoordStatus::*;
    let allowed: &[(CoordStatus, &[CoordStatus])] = &[
        (Planning, &[InProgress, Blocked]),
        (InProgress, &[Blocked]),
        (Testing, &[InProgress, Ready, Blocked, Cancelled]),
        (Ready, &[Deploying, InProgress, Blocked, Cancelled, Done]),
        (Deploying, &[Done, Ready, Blocked, Cancelled]),
        (Blocked, &[InProgress]),
        (Done, &[]),
        (Cancelled, &[]),
    ];
    for &(from, ok) in allowed {
        for &to in CoordStatus::ALL {
            let mut c = coord_in(from);
            let before = c.clone();
            let r = c.set_status(to, Some("because"), false, &ctx());
            if from == to {
                assert_eq!(r, Ok(vec![]), "{from} -> {to} is a no-op");
                assert_eq!(c, before);
            } else if ok.contains(&to) {
                let ev = r.unwrap_or_else(|e| panic!("{from} -> {to} should be allowed, refused: {e}"));
                assert_eq!(c.status, to, "{from} -> {to}");
                assert_eq!(ev[0].from.as_deref(), Some(from.as_str()));
                assert_eq!(ev[0].to.as_deref(), Some(to.as_str()));
            } else {
                let err = r.expect_err(&format!("{from} -> {to} should be refused"));
                assert!(err.message.len() > 20, "{from} -> {to}: reason too thin: {err}");
                assert_eq!(c, before, "a refused transition changes nothing");
            }
        }
    }
}

#[test]
fn every_child_transition_is_allowed_or_refused_with_a_reason() {
    use ChildStatus::*;
    let allowed: &[(ChildStatus, &[ChildStatus])] = &[
        (Pending, &[Ready, Blocked]),
        (Ready, &[InProgress, Blocked]),
        (InProgress, &[InReview, Blocked]),
        (InReview, &[Done, InProgress, Blocked]),
        (Done, &[InProgress]),
        (Blocked, &[InProgress]),
    ];
    let path = [Ready, InProgress, InReview, Done];
    for &(from, ok) in allowed {
        for &to in ChildStatus::ALL {
            // A parallel coordination keeps "pending" reachable: sequential makes proto ready at once.
            let mut c = coord(Strategy::Parallel);
            c.set_status(CoordStatus::InProgress, None, false, &ctx()).unwrap();
            let hub = name("hub");
            c.children[1].status = Pending;
            if from == Blocked {
                c.children[1].status = Ready;
                c.set_child_status(&hub, InProgress, None, &ctx()).unwrap();
                c.set_child_status(&hub, Blocked, Some("CI is red"), &ctx()).unwrap();
            } else {
                for s in path.iter().take(path.iter().position(|&p| p == from).map_or(0, |p| p + 1)) {
                    c.set_child_status(&hub, *s, None, &ctx()).unwrap();
                }
            }
            assert_eq!(status_of(&c, "hub"), from);
            let before = c.clone();
            let r = c.set_child_status(&hub, to, Some("because"), &ctx());
            if from == to {
                assert_eq!(r, Ok(vec![]));
            } else if ok.contains(&to) {
                r.unwrap_or_else(|e| panic!("{from} -> {to} should be allowed, refused: {e}"));
                assert_eq!(status_of(&c, "hub"), to);
            } else {
                let err = r.expect_err(&format!("{from} -> {to} should be refused"));
                assert!(err.message.len() > 20, "{from} -> {to}: {err}");
                assert_eq!(c, before);
            }
        }
    }
}

#[test]
fn parent_in_progress_makes_children_ready_providers_first_under_sequential() {
    let mut c = coord(Strategy::Sequential);
    let ev = c.set_status(CoordStatus::InProgress, None, false, &ctx()).unwrap();
    assert_eq!(status_of(&c, "proto"), ChildStatus::Ready);
    for r in ["hub", "skills", "relay"] {
        assert_eq!(status_of(&c, r), ChildStatus::Pending, "{r}");
    }
    assert_eq!(ev.len(), 2);
    assert_eq!(ev[1].actor, SYSTEM_ACTOR);
    finish(&mut c, "proto");
    assert_eq!(status_of(&c, "hub"), ChildStatus::Ready);
    assert_eq!(status_of(&c, "skills"), ChildStatus::Ready);
    assert_eq!(status_of(&c, "relay"), ChildStatus::Pending);
    let err = c.set_child_status(&name("relay"), ChildStatus::Ready, None, &ctx()).unwrap_err();
    assert!(err.message.contains("waits on hub (ready)"), "{err}");
}

#[test]
fn parent_in_progress_makes_every_child_ready_under_parallel() {
    let mut c = coord(Strategy::Parallel);
    c.set_status(CoordStatus::InProgress, None, false, &ctx()).unwrap();
    assert!(c.children.iter().all(|c| c.status == ChildStatus::Ready));
}

#[test]
fn parent_blocked_blocks_every_open_child_and_unblocking_restores_each() {
    let mut c = coord(Strategy::Sequential);
    c.set_status(CoordStatus::InProgress, None, false, &ctx()).unwrap();
    let proto = name("proto");
    c.set_child_status(&proto, ChildStatus::InProgress, None, &ctx()).unwrap();
    c.set_status(CoordStatus::Blocked, Some("security review"), false, &ctx()).unwrap();
    assert!(c.children.iter().all(|c| c.status == ChildStatus::Blocked));
    assert_eq!(c.children[0].hold.as_ref().unwrap().cause, BlockCause::Parent);
    let err = c.set_child_status(&proto, ChildStatus::InProgress, None, &ctx()).unwrap_err();
    assert!(err.message.contains("unblock the coordination first"), "{err}");
    c.set_status(CoordStatus::InProgress, None, false, &ctx()).unwrap();
    assert_eq!(status_of(&c, "proto"), ChildStatus::InProgress);
    assert_eq!(status_of(&c, "hub"), ChildStatus::Pending);
    assert!(c.children.iter().all(|c| c.hold.is_none()));
}

#[test]
fn a_child_blocked_on_its_own_stays_blocked_when_the_parent_unblocks() {
    let mut c = coord(Strategy::Parallel);
    c.set_status(CoordStatus::InProgress, None, false, &ctx()).unwrap();
    let hub = name("hub");
    c.set_child_status(&hub, ChildStatus::Blocked, Some("waiting for API review"), &ctx()).unwrap();
    c.set_status(CoordStatus::Blocked, Some("freeze"), false, &ctx()).unwrap();
    c.set_status(CoordStatus::InProgress, None, false, &ctx()).unwrap();
    assert_eq!(status_of(&c, "hub"), ChildStatus::Blocked);
    assert_eq!(c.child(&hub).unwrap().hold.as_ref().unwrap().reason, "waiting for API review");
    assert_eq!(status_of(&c, "proto"), ChildStatus::Ready);
}

#[test]
fn a_child_blocked_while_pending_is_unblocked_back_to_pending_or_straight_to_ready() {
    let mut c = coord(Strategy::Sequential);
    c.set_status(CoordStatus::InProgress, None, false, &ctx()).unwrap();
    let (proto, hub, relay) = (name("proto"), name("hub"), name("relay"));
    assert_eq!(status_of(&c, "hub"), ChildStatus::Pending);
    c.set_child_status(&hub, ChildStatus::Blocked, Some("API review"), &ctx()).unwrap();
    c.set_child_status(&relay, ChildStatus::Blocked, Some("freeze"), &ctx()).unwrap();
    let err = c.set_child_status(&hub, ChildStatus::Ready, None, &ctx()).unwrap_err();
    assert!(err.message.contains("'pending'"), "{}", err.message);
    c.set_child_status(&hub, ChildStatus::Pending, None, &ctx()).unwrap();
    assert_eq!(status_of(&c, "hub"), ChildStatus::Pending);
    assert!(c.child(&hub).unwrap().hold.is_none());
    // Its provider done while relay is blocked: hub becomes ready; relay, unblocked later once
    // its own provider is done, becomes ready at once.
    for s in [ChildStatus::InProgress, ChildStatus::InReview, ChildStatus::Done] {
        c.set_child_status(&proto, s, None, &ctx()).unwrap();
    }
    assert_eq!(status_of(&c, "hub"), ChildStatus::Ready);
    for s in [ChildStatus::InProgress, ChildStatus::InReview, ChildStatus::Done] {
        c.set_child_status(&hub, s, None, &ctx()).unwrap();
    }
    assert_eq!(status_of(&c, "relay"), ChildStatus::Blocked);
    let events = c.set_child_status(&relay, ChildStatus::Pending, None, &ctx()).unwrap();
    assert_eq!(status_of(&c, "relay"), ChildStatus::Ready);
    assert_eq!(events.len(), 2, "the unblock and the promotion: {events:?}");
    // Pending is still no place to return to from anywhere else.
    assert!(c.set_child_status(&proto, ChildStatus::Pending, None, &ctx()).is_err());
}

#[test]
fn any_child_blocked_shows_the_coordination_as_blocked() {
    let mut c = coord(Strategy::Parallel);
    c.set_status(CoordStatus::InProgress, None, false, &ctx()).unwrap();
    c.set_child_status(&name("relay"), ChildStatus::Blocked, Some("flaky tests"), &ctx()).unwrap();
    let p = c.progress();
    assert_eq!(p.status, CoordStatus::InProgress);
    assert_eq!(p.effective_status, CoordStatus::Blocked);
    assert_eq!(p.blockers.len(), 1);
    assert_eq!(p.blockers[0].reason, "flaky tests");
}

#[test]
fn all_children_done_moves_the_parent_to_testing_and_integration_passing_to_ready() {
    let mut c = coord(Strategy::Sequential);
    c.set_status(CoordStatus::InProgress, None, false, &ctx()).unwrap();
    for r in ["proto", "hub", "skills"] {
        finish(&mut c, r);
        assert_eq!(c.status, CoordStatus::InProgress);
    }
    finish(&mut c, "relay");
    assert_eq!(c.status, CoordStatus::Testing);
    c.check_item(&Target::Integration, &ItemSelector::Number(1), true, &ctx()).unwrap();
    assert_eq!(c.status, CoordStatus::Testing);
    let ev = c.check_item(&Target::Integration, &ItemSelector::Text("perf".into()), true, &ctx()).unwrap();
    assert_eq!(c.status, CoordStatus::Ready);
    assert_eq!(c.integration.status, IntegrationStatus::Passed);
    assert!(ev.iter().any(|e| e.to.as_deref() == Some("ready")));
    assert!(c.progress().readiness.ready);
}

#[test]
fn reopening_a_child_while_testing_returns_the_parent_to_in_progress() {
    let mut c = coord_in(CoordStatus::Testing);
    c.set_child_status(&name("hub"), ChildStatus::InProgress, Some("regression found"), &ctx()).unwrap();
    assert_eq!(c.status, CoordStatus::InProgress);
}

#[test]
fn closing_a_parent_with_open_children_is_refused_unless_forced() {
    let mut c = coord_in(CoordStatus::InProgress);
    let err = c.set_status(CoordStatus::Cancelled, None, false, &ctx()).unwrap_err();
    assert!(err.message.contains("4 children still open") && err.needs == Some(Needs::Force), "{err}");
    let err = c.set_status(CoordStatus::Done, None, false, &ctx()).unwrap_err();
    assert_eq!(err.needs, Some(Needs::Force), "{err}");
    c.set_status(CoordStatus::Done, Some("superseded"), true, &ctx()).unwrap();
    assert_eq!(c.status, CoordStatus::Done);
}

#[test]
fn blocking_needs_a_reason() {
    let mut c = coord_in(CoordStatus::InProgress);
    assert_eq!(c.set_status(CoordStatus::Blocked, None, false, &ctx()).unwrap_err().needs, Some(Needs::Reason));
    assert_eq!(
        c.set_child_status(&name("proto"), ChildStatus::Blocked, Some("  "), &ctx()).unwrap_err().needs,
        Some(Needs::Reason)
    );
}

#[test]
fn children_do_not_move_while_the_coordination_is_planning() {
    let mut c = coord(Strategy::Parallel);
    let err = c.set_child_status(&name("hub"), ChildStatus::Ready, None, &ctx()).unwrap_err();
    assert!(err.message.contains("still planning"), "{err}");
}

#[test]
fn unknown_child_lists_the_coordination_repos() {
    let mut c = coord_in(CoordStatus::InProgress);
    let err = c.set_child_status(&name("nope"), ChildStatus::Ready, None, &ctx()).unwrap_err();
    assert!(err.message.contains("proto, hub, skills, relay"), "{err}");
}

#[test]
fn progress_is_weighted_and_the_critical_path_follows_unfinished_work() {
    let mut c = coord(Strategy::Sequential);
    c.children[1].weight = 3; // hub
    c.set_status(CoordStatus::InProgress, None, false, &ctx()).unwrap();
    finish(&mut c, "proto");
    c.check_item(&Target::Child(name("hub")), &ItemSelector::Number(1), true, &ctx()).unwrap();
    let p = c.progress();
    // proto 1*1 + hub 3*0.5 + skills 0 + relay 0 over weight 6
    assert!((p.overall - 2.5 / 6.0).abs() < 1e-9, "{}", p.overall);
    let names: Vec<&str> = p.critical_path.repos.iter().map(RepoName::as_str).collect();
    assert_eq!(names, ["hub", "relay"]);
    assert!((p.critical_path.remaining - 2.5).abs() < 1e-9);
    assert!(!p.readiness.ready);
}

#[test]
fn a_summary_shows_the_figures_progress_computes() {
    let mut c = coord(Strategy::Sequential);
    c.children[1].weight = 3; // hub
    c.set_status(CoordStatus::InProgress, None, false, &ctx()).unwrap();
    finish(&mut c, "proto");
    c.check_item(&Target::Child(name("hub")), &ItemSelector::Number(1), true, &ctx()).unwrap();
    c.set_child_status(&name("hub"), ChildStatus::Blocked, Some("waits for a release"), &ctx()).unwrap();
    let (s, p) = (c.summary(), c.progress());
    assert_eq!(s.overall(), p.overall);
    assert_eq!((s.children_done(), s.children.len()), (p.children_done, p.children_total));
    assert_eq!(s.blockers(), p.blockers.len());
    assert_eq!(s.effective_status(), CoordStatus::Blocked);
    assert_eq!((s.children[1].checked, s.children[1].total), (p.children[1].checked, p.children[1].total));
    assert_eq!(s.children[1].hold.as_ref().map(|h| h.reason.as_str()), Some("waits for a release"));
    c.set_status(CoordStatus::Cancelled, Some("dropped"), true, &ctx()).unwrap();
    assert_eq!(c.summary().effective_status(), CoordStatus::Cancelled, "a closed coordination is not shown blocked");
    assert_eq!(c.summary().effective_status(), c.progress().effective_status);
}

#[test]
fn deploy_waves_put_providers_first_and_rollback_reverses_them() {
    let c = coord(Strategy::Sequential);
    let w = c.waves();
    let waves: Vec<Vec<&str>> = w.iter().map(|w| w.iter().map(RepoName::as_str).collect()).collect();
    assert_eq!(waves, vec![vec!["proto"], vec!["hub", "skills"], vec!["relay"]]);
    let rb = c.rollback_plan(None);
    assert_eq!(rb.steps[0].action, crate::plan::RollbackAction::StopTraffic);
    let order: Vec<&str> = rb.steps.iter().filter_map(|s| s.repo.as_ref().map(RepoName::as_str)).collect();
    assert_eq!(order, ["relay", "skills", "hub", "proto"]);
}
