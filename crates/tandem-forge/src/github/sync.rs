//! Reading issues back for the two-way sync, cheaply.
//!
//! Every issue tandem reads or writes is kept with its ETag, in memory and in the store's named
//! state (so the next run has it too). A pull sends `If-None-Match`; GitHub answers 304, which
//! does not count against the rate limit, when nothing changed — a no-change sync of a
//! coordination costs no rate-limit points. Only an issue whose state or labels changed costs
//! one more request: its events, to name who changed it.

use super::issues::labels_of;
use super::{Cached, GithubForge};
use crate::{ForgeError, Pulled, Result};
use serde_json::{json, Value};
use tandem_model::IssueRef;
use tandem_store::Store;

/// The fields of an issue's JSON tandem uses (what is cached).
pub(super) fn trim(v: &Value) -> Value {
    let mut out = serde_json::Map::new();
    for k in ["id", "number", "title", "body", "state", "created_at", "updated_at", "closed_at", "pull_request"] {
        if let Some(x) = v.get(k).filter(|x| !x.is_null()) {
            out.insert(k.into(), x.clone());
        }
    }
    out.insert("labels".into(), json!(labels_of(v).into_iter().map(|n| json!({ "name": n })).collect::<Vec<_>>()));
    if let Some(login) = v.get("closed_by").and_then(|u| u.get("login")) {
        out.insert("closed_by".into(), json!({ "login": login }));
    }
    Value::Object(out)
}

fn key(slug: &str, r: &IssueRef) -> String {
    format!("github.issue:{slug}#{}", r.number)
}

pub(super) fn persist(store: Option<&dyn Store>, slug: Option<&String>, r: &IssueRef, c: &Cached) {
    let (Some(store), Some(slug)) = (store, slug) else { return };
    let value = json!({ "etag": c.etag, "json": c.json, "pulled": c.pulled }).to_string();
    // The cache only saves requests: failing to keep it costs a full read next time, no more.
    if let Err(e) = store.set_state(&key(slug, r), &value) {
        tracing::debug!("could not keep the ETag of {r}: {e}");
    }
}

pub(super) fn restore(store: Option<&dyn Store>, slug: Option<&String>, r: &IssueRef) -> Option<Cached> {
    let text = store?.get_state(&key(slug?, r)).ok()??;
    let v: Value = serde_json::from_str(&text).ok()?;
    Some(Cached {
        etag: v.get("etag").and_then(Value::as_str).map(str::to_string),
        json: v.get("json")?.clone(),
        pulled: v.get("pulled").and_then(Value::as_bool).unwrap_or(false),
    })
}

impl GithubForge {
    pub(super) fn pull(&self, r: &IssueRef) -> Result<Option<Pulled>> {
        let before = self.cached(r);
        let (json, unchanged) = self.fetch(r)?;
        if unchanged && before.as_ref().is_some_and(|c| c.pulled) {
            return Ok(None);
        }
        let issue = self.to_issue(r, &json)?;
        let mut actor = None;
        let mut at = issue.updated_at;
        let moved = before
            .as_ref()
            .is_none_or(|b| b.json.get("state") != json.get("state") || labels_of(&b.json) != labels_of(&json));
        if moved {
            if let Some((who, when)) = self.last_actor(r)? {
                actor = Some(who);
                at = when.unwrap_or(at);
            }
        }
        if actor.is_none() && issue.state == tandem_model::IssueState::Closed {
            actor = json.get("closed_by").and_then(|u| u.get("login")).and_then(Value::as_str).map(str::to_string);
        }
        if let Some(c) = self.lock().cache.get_mut(r) {
            c.pulled = true;
        }
        if let Some(c) = self.lock().cache.get(r).cloned() {
            super::sync::persist(self.store.as_deref(), self.slugs.get(&r.repo), r, &c);
        }
        Ok(Some(Pulled { issue, actor, at }))
    }

    /// Who last closed, reopened or labelled `r`, and when (its issue events).
    fn last_actor(&self, r: &IssueRef) -> Result<Option<(String, Option<chrono::DateTime<chrono::Utc>>)>> {
        let path = format!("{}/events?per_page=100", self.issue_path(r)?);
        let events = match self.client.get_all(&path) {
            Err(ForgeError::Missing(_)) => return Ok(None),
            other => other?,
        };
        Ok(events
            .iter()
            .rev()
            .find(|e| {
                matches!(e.get("event").and_then(Value::as_str), Some("closed" | "reopened" | "labeled" | "unlabeled"))
            })
            .and_then(|e| {
                let who = e.get("actor")?.get("login")?.as_str()?.to_string();
                let when = e
                    .get("created_at")
                    .and_then(Value::as_str)
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| t.with_timezone(&chrono::Utc));
                Some((who, when))
            }))
    }
}
