//! The behaviour every [`Forge`] must have, written against the trait so that each forge (the
//! local one, GitHub's) runs the same suite: `conformance::run_all(&|| Box::new(MyForge::new()))`.
//! Behind the `conformance` feature: test support, not part of the forge API.

use crate::{Forge, ForgeError};
use chrono::{TimeZone, Utc};
use tandem_model::{IssueKind, IssueRef, IssueSpec, IssueState, IssueUpdate, RepoName};

fn name(s: &str) -> RepoName {
    RepoName::parse(s).expect("valid test name")
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).single().expect("valid date")
}

/// An issue spec under `marker` in `repo`.
pub fn spec(repo: &str, marker: &str) -> IssueSpec {
    IssueSpec {
        repo: name(repo),
        kind: IssueKind::Child,
        coordination: None,
        marker: marker.into(),
        title: format!("[{repo}] Add auth"),
        body: "## Implementation\n- [ ] Update server\n- [ ] Tests\n".into(),
        labels: vec!["coordination".into(), "status:pending".into()],
        parent: None,
    }
}

/// Opening the same marker twice gives the same issue, unchanged by the second spec: a resumed
/// fan-out must never open a duplicate nor overwrite what people wrote since.
pub fn ensure_is_idempotent_by_marker(forge: &dyn Forge) {
    let first = forge.ensure_issue(&spec("hub", "m-1"), now()).unwrap();
    assert_eq!(first.reference.repo, name("hub"));
    assert_eq!(first.title, "[hub] Add auth");
    assert_eq!(first.state, IssueState::Open);
    assert_eq!(first.labels, ["coordination", "status:pending"]);
    let mut changed = spec("hub", "m-1");
    changed.title = "something else".into();
    let again = forge.ensure_issue(&changed, now()).unwrap();
    assert_eq!(again.reference, first.reference);
    assert_eq!(again.title, first.title, "a second ensure must not rewrite the issue");
    assert_eq!(forge.list_issues(Some(&name("hub"))).unwrap().len(), 1);
}

/// Different markers are different issues, numbered within their repository.
pub fn different_markers_are_different_issues(forge: &dyn Forge) {
    let a = forge.ensure_issue(&spec("hub", "m-a"), now()).unwrap();
    let b = forge.ensure_issue(&spec("hub", "m-b"), now()).unwrap();
    let c = forge.ensure_issue(&spec("relay", "m-c"), now()).unwrap();
    assert_ne!(a.reference, b.reference);
    assert_eq!(c.reference.repo, name("relay"));
    let hub = forge.list_issues(Some(&name("hub"))).unwrap();
    assert_eq!(hub.len(), 2);
    assert!(hub.iter().all(|i| i.reference.repo == name("hub")));
    assert_eq!(forge.list_issues(None).unwrap().len(), 3);
}

/// An update changes the fields it names and leaves the others.
pub fn update_changes_only_the_named_fields(forge: &dyn Forge) {
    let issue = forge.ensure_issue(&spec("hub", "m-u"), now()).unwrap();
    let body = "## Implementation\n- [x] Update server\n- [ ] Tests\n".to_string();
    let update = IssueUpdate { body: Some(body.clone()), ..Default::default() };
    let after = forge.update_issue(&issue.reference, &update, now()).unwrap();
    assert_eq!(after.body, body);
    assert_eq!(after.title, issue.title);
    assert_eq!(after.labels, issue.labels);
    let closed = IssueUpdate {
        state: Some(IssueState::Closed),
        labels: Some(vec!["coordination".into(), "status:done".into()]),
        ..Default::default()
    };
    forge.update_issue(&issue.reference, &closed, now()).unwrap();
    let read = forge.get_issue(&issue.reference).unwrap();
    assert_eq!(read.state, IssueState::Closed);
    assert_eq!(read.labels, ["coordination", "status:done"]);
    assert_eq!(read.body, body, "the body survives an update that does not name it");
}

/// Reading or updating an issue that does not exist is `NotFound`, naming it.
pub fn missing_issues_are_not_found(forge: &dyn Forge) {
    let missing = IssueRef { repo: name("hub"), number: 9999 };
    assert!(matches!(forge.get_issue(&missing), Err(ForgeError::NotFound(r)) if r == missing));
    let update = IssueUpdate { title: Some("x".into()), ..Default::default() };
    assert!(matches!(forge.update_issue(&missing, &update, now()), Err(ForgeError::NotFound(r)) if r == missing));
    assert!(matches!(forge.comment(&missing, "hello", now()), Err(ForgeError::NotFound(r)) if r == missing));
}

/// Comments can be added to an issue the forge holds.
pub fn comments_are_added_to_existing_issues(forge: &dyn Forge) {
    let issue = forge.ensure_issue(&spec("hub", "m-comment"), now()).unwrap();
    forge.comment(&issue.reference, "Progress: 1/3 done", now()).unwrap();
    forge.comment(&issue.reference, "Progress: 2/3 done", now()).unwrap();
    assert_eq!(forge.get_issue(&issue.reference).unwrap().title, issue.title);
}

/// A sub-issue keeps its parent.
pub fn children_keep_their_parent(forge: &dyn Forge) {
    let mut parent = spec("loqa", "m-p");
    parent.kind = IssueKind::Parent;
    let parent = forge.ensure_issue(&parent, now()).unwrap();
    let mut child = spec("hub", "m-ch");
    child.parent = Some(parent.reference.clone());
    let child = forge.ensure_issue(&child, now()).unwrap();
    assert_eq!(forge.get_issue(&child.reference).unwrap().parent, Some(parent.reference));
    assert!(!forge.kind().is_empty());
}

/// Runs every conformance check, each on a fresh forge from `make`.
pub fn run_all(make: &dyn Fn() -> Box<dyn Forge>) {
    ensure_is_idempotent_by_marker(make().as_ref());
    different_markers_are_different_issues(make().as_ref());
    update_changes_only_the_named_fields(make().as_ref());
    missing_issues_are_not_found(make().as_ref());
    children_keep_their_parent(make().as_ref());
    comments_are_added_to_existing_issues(make().as_ref());
}
