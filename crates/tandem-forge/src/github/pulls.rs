//! Pull requests linked to child issues, for `tandem branches status` and the sync: a pull
//! request whose body closes the child (`Closes #N`, `Fixes owner/name#N`, …), or whose head is
//! the coordination's branch. The list is read with a conditional request, free when unchanged.

use super::client::{Method, Retry};
use super::GithubForge;
use crate::{PullLink, Result};
use serde_json::Value;
use tandem_model::IssueRef;

/// Whether `body` closes issue `number` of `slug` (GitHub's closing keywords).
pub(super) fn closes(body: &str, slug: &str, number: u64) -> bool {
    let lower = body.to_ascii_lowercase();
    let words = ["close", "closes", "closed", "fix", "fixes", "fixed", "resolve", "resolves", "resolved"];
    let targets = [format!("#{number}"), format!("{}#{number}", slug.to_ascii_lowercase())];
    let tokens: Vec<&str> = lower.split(|c: char| c.is_whitespace() || c == ',').filter(|t| !t.is_empty()).collect();
    tokens.windows(2).any(|w| {
        let word = w[0].trim_end_matches(':');
        let target = w[1].trim_end_matches(['.', ')', ';']);
        words.contains(&word) && targets.iter().any(|t| t == target)
    })
}

impl GithubForge {
    pub(super) fn linked_pull_request(&self, issue: &IssueRef, branch: Option<&str>) -> Result<Option<PullLink>> {
        let slug = self.slug(&issue.repo)?.to_string();
        let path = format!("/repos/{slug}/pulls?state=all&per_page=100");
        let key = format!("github.pulls:{slug}");
        let cached: Option<(String, Value)> = self
            .store
            .as_deref()
            .and_then(|s| s.get_state(&key).ok().flatten())
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .and_then(|v| Some((v.get("etag")?.as_str()?.to_string(), v.get("json")?.clone())));
        let resp =
            self.client.send(Method::Get, &path, None, cached.as_ref().map(|c| c.0.as_str()), Retry::Idempotent)?;
        let pulls = match (resp.status, cached) {
            (304, Some((_, json))) => json,
            _ => {
                let slim: Vec<Value> = resp
                    .body
                    .as_array()
                    .map(|ps| {
                        ps.iter()
                            .map(|p| {
                                serde_json::json!({
                                    "number": p.get("number"), "html_url": p.get("html_url"), "state": p.get("state"),
                                    "merged_at": p.get("merged_at"), "body": p.get("body"),
                                    "head": { "ref": p.get("head").and_then(|h| h.get("ref")) },
                                    "user": { "login": p.get("user").and_then(|u| u.get("login")) },
                                    "updated_at": p.get("updated_at")
                                })
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let slim = Value::Array(slim);
                if let (Some(store), Some(etag)) = (self.store.as_deref(), resp.etag.as_ref()) {
                    let _ = store.set_state(&key, &serde_json::json!({ "etag": etag, "json": slim }).to_string());
                }
                slim
            }
        };
        let found = pulls.as_array().into_iter().flatten().find(|p| {
            let body = p.get("body").and_then(Value::as_str).unwrap_or_default();
            let head = p.get("head").and_then(|h| h.get("ref")).and_then(Value::as_str);
            closes(body, &slug, issue.number) || (branch.is_some() && head == branch)
        });
        Ok(found.map(|p| {
            let merged = p.get("merged_at").is_some_and(|m| !m.is_null());
            let time = |k: &str| {
                p.get(k)
                    .and_then(Value::as_str)
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| t.with_timezone(&chrono::Utc))
            };
            PullLink {
                number: p.get("number").and_then(Value::as_u64).unwrap_or_default(),
                url: p.get("html_url").and_then(Value::as_str).unwrap_or_default().to_string(),
                state: if merged {
                    "merged".into()
                } else {
                    p.get("state").and_then(Value::as_str).unwrap_or("open").to_string()
                },
                author: p.get("user").and_then(|u| u.get("login")).and_then(Value::as_str).map(str::to_string),
                at: time("merged_at").or_else(|| time("updated_at")),
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::closes;

    #[test]
    fn closing_keywords_name_the_issue() {
        assert!(closes("This change.\n\nCloses #12", "acme/hub", 12));
        assert!(closes("fixes: acme/hub#12.", "acme/hub", 12));
        assert!(!closes("Closes #123", "acme/hub", 12));
        assert!(!closes("see #12", "acme/hub", 12));
    }
}
