//! The GitHub forge: issues on GitHub.com or GitHub Enterprise Server through the REST API.
//!
//! - [`client`]: the HTTP agent, the token, GitHub's primary and secondary rate limits and the
//!   pacing of content-creating requests.
//! - [`issues`]: how tandem's issues look on GitHub (hidden metadata, tandem's own section).
//! - `subissues`: GitHub's sub-issues, linking every child to its parent.
//! - `sync`: conditional reads (ETags, whose 304 answers are free) kept across runs in the
//!   store, and pulls for the two-way sync.
//!
//! Creation is idempotent without GitHub's search API (which lags behind writes): before
//! opening an issue, the forge lists the repository's issues with the spec's first label and
//! looks for the marker in their hidden metadata; a request that failed in a way that could
//! have created the issue is only sent again after that check.

pub mod client;
#[cfg(feature = "github-fake")]
pub mod fake;
pub mod issues;
mod pulls;
mod subissues;
mod sync;

pub use client::{Client, Notify, Pacer, RealPacer, Stats, Token, WritePace, PUBLIC_API, TOKEN_SCOPES};

use crate::{Forge, ForgeError, Pulled, Result};
use chrono::{DateTime, Utc};
use client::{Method, Retry};
use issues::{compose, from_json, label_color, replace_section, Meta};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};
use tandem_model::manifest::ForgeKind;
use tandem_model::{Issue, IssueRef, IssueSpec, IssueUpdate, RepoName, Workspace};
use tandem_store::Store;

/// Where the GitHub forge finds its API, token and repositories.
#[derive(Debug, Clone)]
pub struct GithubSettings {
    /// The REST API root: [`PUBLIC_API`], or `https://HOST/api/v3` on GitHub Enterprise Server.
    pub api_url: String,
    pub token: Option<Token>,
    /// Each workspace repository and its GitHub `owner/name`.
    pub repos: Vec<(RepoName, String)>,
    pub pace: WritePace,
}

impl GithubSettings {
    /// The settings of a workspace whose forge is `github`: `api_url`, and the token from
    /// `GITHUB_TOKEN`, `GH_TOKEN` or the `token_file` of `[coordination]`.
    pub fn from_workspace(ws: &Workspace) -> Result<GithubSettings> {
        if ws.coordination.forge != ForgeKind::Github {
            return Err(ForgeError::Config("the workspace's forge is not github".into()));
        }
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty()).map(Token::new);
        let token = match env("GITHUB_TOKEN").or_else(|| env("GH_TOKEN")) {
            Some(t) => Some(t),
            None => match &ws.coordination.token_file {
                Some(p) => Some(read_token_file(p)?),
                None => None,
            },
        };
        let repos = ws.repos.iter().filter_map(|r| Some((r.name.clone(), r.github.clone()?))).collect();
        Ok(GithubSettings {
            api_url: ws.coordination.api_url.clone().unwrap_or_else(|| PUBLIC_API.to_string()),
            token,
            repos,
            pace: WritePace::default(),
        })
    }
}

fn read_token_file(p: &Path) -> Result<Token> {
    let text = std::fs::read_to_string(p)
        .map_err(|e| ForgeError::Config(format!("token_file {}: cannot be read ({e})", p.display())))?;
    let t = text.trim();
    if t.is_empty() || t.contains(char::is_whitespace) {
        return Err(ForgeError::Config(format!(
            "token_file {}: expected one GitHub token on its own (the file is empty or holds more)",
            p.display()
        )));
    }
    Ok(Token::new(t))
}

/// A GitHub issue as last read or written, with its ETag.
#[derive(Debug, Clone)]
struct Cached {
    etag: Option<String>,
    json: Value,
    /// Whether a sync has seen this version (read by a pull, or written by tandem itself).
    pulled: bool,
}

#[derive(Default)]
struct State {
    /// Per (repo, label): the issues tandem opened, as listed once, plus those opened since.
    listed: HashMap<(RepoName, String), Vec<Value>>,
    labels: HashMap<RepoName, HashSet<String>>,
    /// Per parent: the ids of its sub-issues.
    subs: HashMap<IssueRef, HashSet<u64>>,
    cache: HashMap<IssueRef, Cached>,
}

pub struct GithubForge {
    client: Client,
    slugs: HashMap<RepoName, String>,
    /// (tandem name, GitHub slug) of every repository, for issue references in bodies.
    to_github: Vec<(String, String)>,
    to_tandem: Vec<(String, String)>,
    store: Option<Arc<dyn Store>>,
    state: Mutex<State>,
    notify: Notify,
}

impl std::fmt::Debug for GithubForge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GithubForge").field("client", &self.client).finish_non_exhaustive()
    }
}

impl GithubForge {
    /// A forge for `settings`; `store` keeps ETags across runs (so no-change syncs are free),
    /// `pacer` is the time it waits in, `notify` hears about waits.
    pub fn new(
        settings: GithubSettings,
        store: Option<Arc<dyn Store>>,
        pacer: Arc<dyn Pacer>,
        notify: Notify,
    ) -> GithubForge {
        let client = Client::new(&settings.api_url, settings.token, pacer, settings.pace, notify.clone());
        let to_github: Vec<(String, String)> = settings.repos.iter().map(|(n, s)| (n.to_string(), s.clone())).collect();
        let to_tandem = to_github.iter().map(|(n, s)| (s.clone(), n.clone())).collect();
        GithubForge {
            client,
            to_github,
            to_tandem,
            slugs: settings.repos.into_iter().collect(),
            store,
            state: Mutex::new(State::default()),
            notify,
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn slug(&self, repo: &RepoName) -> Result<&str> {
        self.slugs.get(repo).map(String::as_str).ok_or_else(|| {
            ForgeError::Config(format!(
                "repository '{repo}' names no GitHub repository: add github = \"owner/name\" to its [[repo]] in tandem.toml"
            ))
        })
    }

    fn issue_path(&self, r: &IssueRef) -> Result<String> {
        Ok(format!("/repos/{}/issues/{}", self.slug(&r.repo)?, r.number))
    }

    /// The issues of `repo` carrying `label` (all of them when `label` is empty) that tandem
    /// opened; listed once, then kept up to date by this forge's own creations.
    fn listed(&self, repo: &RepoName, label: &str, fresh: bool) -> Result<Vec<Value>> {
        let key = (repo.clone(), label.to_string());
        if !fresh {
            if let Some(v) = self.lock().listed.get(&key) {
                return Ok(v.clone());
            }
        }
        let mut path = format!("/repos/{}/issues?state=all&per_page=100", self.slug(repo)?);
        if !label.is_empty() {
            path.push_str("&labels=");
            path.push_str(&percent_encoding::utf8_percent_encode(label, QUERY).to_string());
        }
        let all: Vec<Value> =
            self.client.get_all(&path)?.into_iter().filter(|v| from_json(repo, v).is_some()).collect();
        self.lock().listed.insert(key, all.clone());
        Ok(all)
    }

    fn find_marker(&self, spec: &IssueSpec, fresh: bool) -> Result<Option<Value>> {
        let label = spec.labels.first().map(String::as_str).unwrap_or("");
        Ok(self
            .listed(&spec.repo, label, fresh)?
            .into_iter()
            .find(|v| from_json(&spec.repo, v).is_some_and(|i| i.marker == spec.marker)))
    }

    /// Creates the labels of `labels` that `repo` does not have yet.
    fn ensure_labels(&self, repo: &RepoName, labels: &[String]) -> Result<()> {
        if labels.is_empty() {
            return Ok(());
        }
        let known = self.lock().labels.get(repo).cloned();
        let known = match known {
            Some(k) => k,
            None => {
                let path = format!("/repos/{}/labels?per_page=100", self.slug(repo)?);
                let names: HashSet<String> = self
                    .client
                    .get_all(&path)?
                    .iter()
                    .filter_map(|l| l.get("name").and_then(Value::as_str).map(str::to_string))
                    .collect();
                self.lock().labels.insert(repo.clone(), names.clone());
                names
            }
        };
        for l in labels.iter().filter(|l| !known.contains(*l)) {
            let path = format!("/repos/{}/labels", self.slug(repo)?);
            let body = json!({ "name": l, "color": label_color(l) });
            match self.client.send(Method::Post, &path, Some(&body), None, Retry::Idempotent) {
                // 422: it exists already (someone created it since the listing).
                Ok(_) => {}
                Err(ForgeError::Http(m)) if m.contains(" 422") => {}
                Err(e) => return Err(e),
            }
            self.lock().labels.entry(repo.clone()).or_default().insert(l.clone());
        }
        Ok(())
    }

    fn remember(&self, r: &IssueRef, etag: Option<String>, json: &Value, pulled: bool) {
        let cached = Cached { etag, json: sync::trim(json), pulled };
        sync::persist(self.store.as_deref(), self.slugs.get(&r.repo), r, &cached);
        self.lock().cache.insert(r.clone(), cached);
    }

    fn cached(&self, r: &IssueRef) -> Option<Cached> {
        if let Some(c) = self.lock().cache.get(r) {
            return Some(c.clone());
        }
        let c = sync::restore(self.store.as_deref(), self.slugs.get(&r.repo), r)?;
        self.lock().cache.insert(r.clone(), c.clone());
        Some(c)
    }

    /// The issue's JSON: a conditional GET (free when unchanged). `Some(true)` in the second
    /// place: GitHub answered 304 (unchanged since it was cached).
    fn fetch(&self, r: &IssueRef) -> Result<(Value, bool)> {
        let cached = self.cached(r);
        let path = self.issue_path(r)?;
        let etag = cached.as_ref().and_then(|c| c.etag.clone());
        let resp = match self.client.send(Method::Get, &path, None, etag.as_deref(), Retry::Idempotent) {
            Err(ForgeError::Missing(_)) => return Err(ForgeError::NotFound(r.clone())),
            other => other?,
        };
        if resp.status == 304 {
            if let Some(c) = cached {
                return Ok((c.json, true));
            }
        }
        let pulled = cached.is_some_and(|c| c.pulled && c.json == sync::trim(&resp.body));
        self.remember(r, resp.etag, &resp.body, pulled);
        Ok((resp.body, false))
    }

    /// tandem's view of an issue's JSON, references in tandem's spelling.
    fn issue_of(&self, repo: &RepoName, v: &Value) -> Option<Issue> {
        let mut i = from_json(repo, v)?;
        i.body = issues::rewrite_refs(&i.body, &self.to_tandem);
        Some(i)
    }

    fn to_issue(&self, r: &IssueRef, v: &Value) -> Result<Issue> {
        self.issue_of(&r.repo, v).ok_or_else(|| {
            ForgeError::Http(format!("{r} on GitHub carries no tandem metadata (was its body rewritten by hand?)"))
        })
    }

    fn create(&self, spec: &IssueSpec) -> Result<Value> {
        self.ensure_labels(&spec.repo, &spec.labels)?;
        let meta = Meta {
            marker: spec.marker.clone(),
            kind: spec.kind,
            coordination: spec.coordination.map(|c| c.0),
            parent: spec.parent.as_ref().map(|p| p.to_string()),
        };
        let section = issues::rewrite_refs(&spec.body, &self.to_github);
        let body = json!({ "title": spec.title, "body": compose(&meta, &section), "labels": spec.labels });
        let path = format!("/repos/{}/issues", self.slug(&spec.repo)?);
        let mut attempts = 0;
        loop {
            attempts += 1;
            match self.client.send(Method::Post, &path, Some(&body), None, Retry::CheckFirst) {
                Ok(resp) => {
                    // tandem's own write: a sync has nothing to learn from this version.
                    if let Some(n) = resp.body.get("number").and_then(Value::as_u64) {
                        let r = IssueRef { repo: spec.repo.clone(), number: n };
                        self.remember(&r, resp.etag.clone(), &resp.body, true);
                    }
                    return Ok(resp.body);
                }
                // It may have been created anyway: look before sending it again.
                Err(ForgeError::Transient(why)) if attempts < 6 => {
                    if let Some(found) = self.find_marker(spec, true)? {
                        return Ok(found);
                    }
                    tracing::debug!("creating an issue failed ({why}); nothing was created, sending it again");
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The login of the authenticated user (`GET /user`), to check a token.
    pub fn whoami(&self) -> Result<String> {
        let r = self.client.send(Method::Get, "/user", None, None, Retry::Idempotent)?;
        Ok(r.body.get("login").and_then(Value::as_str).unwrap_or_default().to_string())
    }
}

const QUERY: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

impl Forge for GithubForge {
    fn kind(&self) -> &'static str {
        "github"
    }

    fn ensure_issue(&self, spec: &IssueSpec, _now: DateTime<Utc>) -> Result<Issue> {
        let json = match self.find_marker(spec, false)? {
            Some(found) => found,
            None => {
                let created = self.create(spec)?;
                let label = spec.labels.first().cloned().unwrap_or_default();
                self.lock().listed.entry((spec.repo.clone(), label)).or_default().push(created.clone());
                created
            }
        };
        let issue = self.to_issue(&IssueRef { repo: spec.repo.clone(), number: 0 }, &json)?;
        if let Some(parent) = &spec.parent {
            self.ensure_sub_issue(parent, &issue.reference, &json)?;
        }
        Ok(issue)
    }

    fn update_issue(&self, r: &IssueRef, update: &IssueUpdate, _now: DateTime<Utc>) -> Result<Issue> {
        let (current, _) = self.fetch(r)?;
        let mut patch = serde_json::Map::new();
        if let Some(t) = &update.title {
            patch.insert("title".into(), json!(t));
        }
        if let Some(b) = &update.body {
            let text = current.get("body").and_then(Value::as_str).unwrap_or_default();
            let meta = issues::meta_of(text).ok_or_else(|| {
                ForgeError::Http(format!("{r} on GitHub carries no tandem metadata (was its body rewritten by hand?)"))
            })?;
            let section = issues::rewrite_refs(b, &self.to_github);
            patch.insert("body".into(), json!(replace_section(text, &meta, &section)));
        }
        if let Some(s) = update.state {
            patch.insert("state".into(), json!(s.as_str()));
        }
        if let Some(l) = &update.labels {
            self.ensure_labels(&r.repo, l)?;
            patch.insert("labels".into(), json!(l));
        }
        let same = patch.iter().all(|(k, v)| match k.as_str() {
            "labels" => json!(issues::labels_of(&current)) == *v,
            _ => current.get(k) == Some(v),
        });
        if same {
            return self.to_issue(r, &current);
        }
        let path = self.issue_path(r)?;
        let resp = match self.client.send(Method::Patch, &path, Some(&Value::Object(patch)), None, Retry::Idempotent) {
            Err(ForgeError::Missing(_)) => return Err(ForgeError::NotFound(r.clone())),
            other => other?,
        };
        // tandem's own write: the next sync has nothing to learn from it.
        self.remember(r, resp.etag.clone(), &resp.body, true);
        self.to_issue(r, &resp.body)
    }

    fn get_issue(&self, r: &IssueRef) -> Result<Issue> {
        let (json, _) = self.fetch(r)?;
        self.to_issue(r, &json)
    }

    fn list_issues(&self, repo: Option<&RepoName>) -> Result<Vec<Issue>> {
        let repos: Vec<RepoName> = match repo {
            Some(r) => vec![r.clone()],
            None => {
                let mut all: Vec<RepoName> = self.slugs.keys().cloned().collect();
                all.sort();
                all
            }
        };
        let mut out = Vec::new();
        for r in &repos {
            out.extend(self.listed(r, "", true)?.iter().filter_map(|v| self.issue_of(r, v)));
        }
        out.sort_by(|a, b| (&a.reference.repo, a.reference.number).cmp(&(&b.reference.repo, b.reference.number)));
        Ok(out)
    }

    fn comment(&self, r: &IssueRef, body: &str, _now: DateTime<Utc>) -> Result<()> {
        let path = format!("{}/comments", self.issue_path(r)?);
        match self.client.send(Method::Post, &path, Some(&json!({ "body": body })), None, Retry::CheckFirst) {
            Err(ForgeError::Missing(_)) => Err(ForgeError::NotFound(r.clone())),
            other => other.map(|_| ()),
        }
    }

    fn pull_issue(&self, r: &IssueRef) -> Result<Option<Pulled>> {
        self.pull(r)
    }

    fn linked_pull(&self, issue: &IssueRef, branch: Option<&str>) -> Result<Option<crate::PullLink>> {
        self.linked_pull_request(issue, branch)
    }
}
