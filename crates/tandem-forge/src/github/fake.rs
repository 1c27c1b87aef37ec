//! A fake GitHub for tests and benchmarks (feature `github-fake`): the REST endpoints tandem
//! uses, on 127.0.0.1, answering in the shapes of GitHub's published API description, with
//! GitHub's limits enforced on a simulated clock.
//!
//! - Primary limit: `limit` points an hour; 304 answers are free; exhausted → 403 with
//!   `x-ratelimit-remaining: 0` until the reset.
//! - Secondary limits: more than 80 content-creating requests in a minute or 500 in an hour →
//!   403 with `retry-after` (and the request is not carried out).
//! - ETags on issues; `If-None-Match` → 304.
//!
//! Test hooks let a "person" tick boxes, close, reopen and label issues, and make the server
//! lose the answer to a creation (the issue exists, the client sees a 502), as after a kill.

use super::client::Pacer;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex};

/// A clock that moves only when someone sleeps on it (or a test advances it).
#[derive(Debug)]
pub struct SimClock {
    now: Mutex<DateTime<Utc>>,
}

impl SimClock {
    pub fn new() -> Arc<SimClock> {
        let start = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).single().unwrap_or_default();
        Arc::new(SimClock { now: Mutex::new(start) })
    }
    pub fn advance(&self, d: std::time::Duration) {
        let mut n = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *n += Duration::from_std(d).unwrap_or_default();
    }
}

impl Pacer for SimClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }
    fn sleep(&self, d: std::time::Duration) {
        self.advance(d)
    }
}

impl tandem_model::Clock for SimClock {
    fn now(&self) -> DateTime<Utc> {
        Pacer::now(self)
    }
}

/// Which of GitHub's limits the fake enforces.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Primary: points an hour (GitHub: 5000 for a user token); `None` = off.
    pub primary: Option<u64>,
    /// Secondary: content-creating requests a minute and an hour (GitHub: 80 and 500).
    pub secondary: Option<(usize, usize)>,
}

impl Limits {
    pub fn off() -> Limits {
        Limits { primary: None, secondary: None }
    }
    pub fn github() -> Limits {
        Limits { primary: Some(5000), secondary: Some((80, 500)) }
    }
}

#[derive(Debug, Clone)]
struct FakeIssue {
    id: u64,
    number: u64,
    title: String,
    body: String,
    state: String,
    labels: Vec<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    closed_at: Option<DateTime<Utc>>,
    closed_by: Option<String>,
    subs: Vec<u64>,
    events: Vec<(String, String, Option<String>, DateTime<Utc>)>,
    comments: Vec<String>,
}

#[derive(Debug, Default)]
struct FakeRepo {
    issues: Vec<FakeIssue>,
    labels: BTreeSet<String>,
    pulls: Vec<FakePull>,
}

#[derive(Debug, Clone)]
struct FakePull {
    number: u64,
    id: u64,
    head: String,
    body: String,
    author: String,
    merged_at: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
}

/// Counters a test reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub requests: u64,
    pub writes: u64,
    pub issues_created: u64,
    pub points: u64,
    pub not_modified: u64,
    pub primary_limited: u64,
    pub secondary_limited: u64,
}

struct World {
    repos: BTreeMap<String, FakeRepo>,
    next_id: u64,
    counts: Counts,
    window_start: DateTime<Utc>,
    window_points: u64,
    writes: VecDeque<DateTime<Utc>>,
    /// Per owner: lose the answers of that owner's creations number N.. (1-based): the issue is made.
    lose_answers: BTreeMap<String, u64>,
    created_per_owner: BTreeMap<String, u64>,
    /// Per owner: after that owner's creation number N (made, its answer lost), every request
    /// to the owner's repositories answers 503 — GitHub gone in the middle of a fan-out.
    outage_after: BTreeMap<String, u64>,
    /// Owners whose issue answers leave out `number` (an answer GitHub's description forbids).
    broken: BTreeSet<String>,
    log: Vec<String>,
}

pub struct FakeGithub {
    world: Mutex<World>,
    clock: Arc<SimClock>,
    token: String,
    limits: Limits,
    port: Mutex<u16>,
    /// Real time each answer takes (so that a test can kill a client half way).
    delay_ms: std::sync::atomic::AtomicU64,
}

pub const LOGIN: &str = "tandem-bot";

impl FakeGithub {
    /// A fake knowing `slugs` (`owner/name`), accepting `token`, on `clock`.
    pub fn new(slugs: &[&str], token: &str, limits: Limits, clock: Arc<SimClock>) -> Arc<FakeGithub> {
        let start = Pacer::now(clock.as_ref());
        let repos = slugs.iter().map(|s| (s.to_string(), FakeRepo::default())).collect();
        Arc::new(FakeGithub {
            world: Mutex::new(World {
                repos,
                next_id: 1000,
                counts: Counts::default(),
                window_start: start,
                window_points: 0,
                writes: VecDeque::new(),
                lose_answers: BTreeMap::new(),
                created_per_owner: BTreeMap::new(),
                broken: BTreeSet::new(),
                outage_after: BTreeMap::new(),
                log: Vec::new(),
            }),
            clock,
            token: token.to_string(),
            limits,
            port: Mutex::new(0),
            delay_ms: std::sync::atomic::AtomicU64::new(0),
        })
    }

    fn world(&self) -> std::sync::MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Serves on 127.0.0.1 (port 0) on a thread of its own; returns the API root URL.
    pub fn serve(self: &Arc<Self>) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("non-blocking listener");
        let port = listener.local_addr().expect("local address").port();
        *self.port.lock().unwrap_or_else(|p| p.into_inner()) = port;
        let me = self.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                let app = axum::Router::new().fallback(move |m: Method, u: Uri, h: HeaderMap, b: Bytes| {
                    let me = me.clone();
                    async move {
                        let delay = me.delay_ms.load(std::sync::atomic::Ordering::SeqCst);
                        if delay > 0 {
                            tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
                        }
                        me.handle(&m, &u, &h, &b)
                    }
                });
                let _ = axum::serve(listener, app).await;
            });
        });
        format!("http://127.0.0.1:{port}")
    }

    /// Every answer from now on takes `d` of real time.
    pub fn set_delay(&self, d: std::time::Duration) {
        self.delay_ms.store(d.as_millis() as u64, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn counts(&self) -> Counts {
        self.world().counts
    }

    /// Every request as `METHOD /path?query`, in order.
    pub fn log(&self) -> Vec<String> {
        self.world().log.clone()
    }

    pub fn reset_counts(&self) {
        self.world().counts = Counts::default();
    }

    /// From `owner`'s `n`-th issue creation on (1-based), the issue is made but the answer is
    /// lost (502); `None` ends it.
    pub fn lose_answers_from(&self, owner: &str, n: Option<u64>) {
        let mut w = self.world();
        match n {
            Some(n) => w.lose_answers.insert(owner.to_string(), n),
            None => w.lose_answers.remove(owner),
        };
    }

    /// After `owner`'s `n`-th issue creation (which is made, its answer lost), every request to
    /// `owner`'s repositories answers 503 until this is called with `None`.
    pub fn outage_after_creation(&self, owner: &str, n: Option<u64>) {
        let mut w = self.world();
        w.created_per_owner.remove(owner);
        match n {
            Some(n) => w.outage_after.insert(owner.to_string(), n),
            None => w.outage_after.remove(owner),
        };
    }

    /// From now on, answers about `owner`'s issues leave out the required `number`.
    pub fn break_answers_for(&self, owner: &str) {
        self.world().broken.insert(owner.to_string());
    }

    /// The requests to `owner`'s repositories that counted against the primary limit (all but 304s).
    pub fn points_for(&self, owner: &str) -> usize {
        let prefix = format!("/repos/{owner}/");
        self.world().log.iter().filter(|l| l.contains(&prefix) && !l.ends_with(" -> 304")).count()
    }

    /// The content-creating requests (POST, PATCH, PUT, DELETE) sent to `owner`'s repositories.
    pub fn writes_to(&self, owner: &str) -> usize {
        let prefix = format!("/repos/{owner}/");
        self.world().log.iter().filter(|l| !l.starts_with("GET ") && l.contains(&prefix)).count()
    }

    /// Issue `number` of `slug` as JSON (for assertions).
    pub fn issue(&self, slug: &str, number: u64) -> Option<Value> {
        let w = self.world();
        let i = w.repos.get(slug)?.issues.iter().find(|i| i.number == number)?;
        Some(self.issue_json(slug, i))
    }

    /// Every issue of `slug` as JSON.
    pub fn issues(&self, slug: &str) -> Vec<Value> {
        let w = self.world();
        w.repos.get(slug).map(|r| r.issues.iter().map(|i| self.issue_json(slug, i)).collect()).unwrap_or_default()
    }

    /// The numbers of the sub-issues of `slug#number` (as `slug#n`).
    pub fn sub_issues(&self, slug: &str, number: u64) -> Vec<String> {
        let w = self.world();
        let Some(parent) = w.repos.get(slug).and_then(|r| r.issues.iter().find(|i| i.number == number)) else {
            return vec![];
        };
        parent
            .subs
            .iter()
            .filter_map(|id| {
                w.repos
                    .iter()
                    .find_map(|(s, r)| r.issues.iter().find(|i| i.id == *id).map(|i| format!("{s}#{}", i.number)))
            })
            .collect()
    }

    /// `login` opens a pull request in `slug` from branch `head` with `body`; returns its number.
    pub fn open_pull(&self, slug: &str, head: &str, body: &str, login: &str) -> u64 {
        let now = Pacer::now(self.clock.as_ref());
        let mut w = self.world();
        w.next_id += 1;
        let id = w.next_id;
        let repo = w.repos.get_mut(slug).expect("the fake holds that repository");
        // Pull requests and issues share their numbers on GitHub.
        let number = repo.issues.len() as u64 + repo.pulls.len() as u64 + 1_000;
        repo.pulls.push(FakePull {
            number,
            id,
            head: head.into(),
            body: body.into(),
            author: login.into(),
            merged_at: None,
            at: now,
        });
        number
    }

    /// Merges pull request `number` of `slug`.
    pub fn merge_pull(&self, slug: &str, number: u64) {
        let now = Pacer::now(self.clock.as_ref());
        let mut w = self.world();
        let p = w.repos.get_mut(slug).and_then(|r| r.pulls.iter_mut().find(|p| p.number == number)).expect("a pull");
        p.merged_at = Some(now);
        p.at = now;
    }

    fn repo_json(&self, slug: &str) -> Value {
        let base = self.base();
        let api = format!("{base}/repos/{slug}");
        let (owner, name) = slug.split_once('/').unwrap_or((slug, slug));
        let mut v = json!({
            "id": 77, "node_id": "R_77", "name": name, "full_name": slug, "owner": self.user(owner),
            "private": false, "description": null, "fork": false, "url": api, "html_url": format!("{base}/{slug}"),
            "homepage": null, "language": null, "archived": false, "disabled": false, "mirror_url": null,
            "license": null, "pushed_at": null, "created_at": null, "updated_at": null,
            "forks": 0, "forks_count": 0, "open_issues": 0, "open_issues_count": 0, "size": 0,
            "stargazers_count": 0, "watchers": 0, "watchers_count": 0, "default_branch": "main",
            "has_downloads": true, "has_issues": true, "has_projects": false, "has_wiki": false, "has_pages": false,
            "clone_url": format!("{base}/{slug}.git"), "git_url": format!("git://127.0.0.1/{slug}.git"),
            "ssh_url": format!("git@127.0.0.1:{slug}.git"), "svn_url": format!("{base}/{slug}")
        });
        for k in [
            "archive_url",
            "assignees_url",
            "blobs_url",
            "branches_url",
            "collaborators_url",
            "comments_url",
            "commits_url",
            "compare_url",
            "contents_url",
            "contributors_url",
            "deployments_url",
            "downloads_url",
            "events_url",
            "forks_url",
            "git_commits_url",
            "git_refs_url",
            "git_tags_url",
            "hooks_url",
            "issue_comment_url",
            "issue_events_url",
            "issues_url",
            "keys_url",
            "labels_url",
            "languages_url",
            "merges_url",
            "milestones_url",
            "notifications_url",
            "pulls_url",
            "releases_url",
            "stargazers_url",
            "statuses_url",
            "subscribers_url",
            "subscription_url",
            "tags_url",
            "teams_url",
            "trees_url",
        ] {
            v[k] = json!(format!("{api}/{}", k.trim_end_matches("_url")));
        }
        v
    }

    fn pull_json(&self, slug: &str, p: &FakePull) -> Value {
        let base = self.base();
        let api = format!("{base}/repos/{slug}/pulls/{}", p.number);
        let t = |d: &DateTime<Utc>| d.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let link = |h: String| json!({ "href": h });
        let side = |r: &str| {
            json!({ "label": format!("{}:{r}", slug.split('/').next().unwrap_or_default()), "ref": r,
                    "repo": self.repo_json(slug), "sha": "0123456789abcdef0123456789abcdef01234567",
                    "user": self.user(&p.author) })
        };
        json!({
            "url": api, "id": p.id, "node_id": format!("PR_{}", p.id), "html_url": format!("{base}/{slug}/pull/{}", p.number),
            "diff_url": format!("{api}.diff"), "patch_url": format!("{api}.patch"),
            "issue_url": format!("{base}/repos/{slug}/issues/{}", p.number),
            "commits_url": format!("{api}/commits"), "review_comments_url": format!("{api}/comments"),
            "review_comment_url": format!("{base}/repos/{slug}/pulls/comments{{/number}}"),
            "comments_url": format!("{base}/repos/{slug}/issues/{}/comments", p.number),
            "statuses_url": format!("{base}/repos/{slug}/statuses/0123456789abcdef0123456789abcdef01234567"),
            "number": p.number, "state": if p.merged_at.is_some() { "closed" } else { "open" }, "locked": false,
            "title": format!("Work from {}", p.head), "user": self.user(&p.author), "body": p.body,
            "labels": [], "milestone": null, "created_at": t(&p.at), "updated_at": t(&p.at),
            "closed_at": p.merged_at.as_ref().map(t), "merged_at": p.merged_at.as_ref().map(t),
            "merge_commit_sha": null, "assignee": null, "head": side(&p.head), "base": side("main"),
            "_links": {
                "self": link(api.clone()), "html": link(format!("{base}/{slug}/pull/{}", p.number)),
                "issue": link(format!("{base}/repos/{slug}/issues/{}", p.number)),
                "comments": link(format!("{base}/repos/{slug}/issues/{}/comments", p.number)),
                "review_comments": link(format!("{api}/comments")),
                "review_comment": link(format!("{base}/repos/{slug}/pulls/comments{{/number}}")),
                "commits": link(format!("{api}/commits")),
                "statuses": link(format!("{base}/repos/{slug}/statuses/0123456789abcdef0123456789abcdef01234567"))
            },
            "author_association": "MEMBER", "auto_merge": null
        })
    }

    pub fn labels(&self, slug: &str) -> Vec<String> {
        self.world().repos.get(slug).map(|r| r.labels.iter().cloned().collect()).unwrap_or_default()
    }

    pub fn comments(&self, slug: &str, number: u64) -> Vec<String> {
        let w = self.world();
        w.repos
            .get(slug)
            .and_then(|r| r.issues.iter().find(|i| i.number == number))
            .map(|i| i.comments.clone())
            .unwrap_or_default()
    }

    /// A person (`login`) edits issue `number` of `slug` on GitHub.
    pub fn person(&self, slug: &str, number: u64, login: &str, edit: impl FnOnce(&mut PersonEdit)) {
        let now = Pacer::now(self.clock.as_ref());
        let mut w = self.world();
        let issue = w
            .repos
            .get_mut(slug)
            .and_then(|r| r.issues.iter_mut().find(|i| i.number == number))
            .expect("the fake holds that issue");
        let mut e = PersonEdit { body: issue.body.clone(), state: issue.state.clone(), labels: issue.labels.clone() };
        edit(&mut e);
        if e.state != issue.state {
            let ev = if e.state == "closed" { "closed" } else { "reopened" };
            issue.events.push((ev.into(), login.into(), None, now));
            issue.closed_at = (e.state == "closed").then_some(now);
            issue.closed_by = (e.state == "closed").then(|| login.to_string());
        }
        for l in e.labels.iter().filter(|l| !issue.labels.contains(l)) {
            issue.events.push(("labeled".into(), login.into(), Some(l.clone()), now));
        }
        for l in issue.labels.iter().filter(|l| !e.labels.contains(l)) {
            issue.events.push(("unlabeled".into(), login.into(), Some(l.clone()), now));
        }
        issue.body = e.body;
        issue.state = e.state;
        issue.labels = e.labels.clone();
        issue.updated_at = now;
        let repo = w.repos.get_mut(slug).expect("repo");
        repo.labels.extend(e.labels);
    }

    fn user(&self, login: &str) -> Value {
        let base = format!("http://127.0.0.1:{}", *self.port.lock().unwrap_or_else(|p| p.into_inner()));
        json!({
            "login": login, "id": 1, "node_id": "MDQ6VXNlcjE=", "avatar_url": format!("{base}/avatars/{login}"),
            "gravatar_id": "", "url": format!("{base}/users/{login}"), "html_url": format!("{base}/{login}"),
            "followers_url": format!("{base}/users/{login}/followers"),
            "following_url": format!("{base}/users/{login}/following{{/other_user}}"),
            "gists_url": format!("{base}/users/{login}/gists{{/gist_id}}"),
            "starred_url": format!("{base}/users/{login}/starred{{/owner}}{{/repo}}"),
            "subscriptions_url": format!("{base}/users/{login}/subscriptions"),
            "organizations_url": format!("{base}/users/{login}/orgs"),
            "repos_url": format!("{base}/users/{login}/repos"),
            "events_url": format!("{base}/users/{login}/events{{/privacy}}"),
            "received_events_url": format!("{base}/users/{login}/received_events"),
            "type": "User", "site_admin": false
        })
    }

    fn label_json(&self, slug: &str, name: &str) -> Value {
        let base = format!("http://127.0.0.1:{}", *self.port.lock().unwrap_or_else(|p| p.into_inner()));
        let id = name.bytes().fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64)) % 1_000_000_000;
        json!({
            "id": id, "node_id": format!("LA_{id}"), "url": format!("{base}/repos/{slug}/labels/{}", enc(name)),
            "name": name, "description": null, "color": super::issues::label_color(name), "default": false
        })
    }

    fn issue_json(&self, slug: &str, i: &FakeIssue) -> Value {
        let base = format!("http://127.0.0.1:{}", *self.port.lock().unwrap_or_else(|p| p.into_inner()));
        let url = format!("{base}/repos/{slug}/issues/{}", i.number);
        let t = |d: &DateTime<Utc>| d.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        json!({
            "id": i.id, "node_id": format!("I_{}", i.id), "url": url,
            "repository_url": format!("{base}/repos/{slug}"),
            "labels_url": format!("{url}/labels{{/name}}"), "comments_url": format!("{url}/comments"),
            "events_url": format!("{url}/events"), "html_url": format!("{base}/{slug}/issues/{}", i.number),
            "number": i.number, "state": i.state, "title": i.title, "body": i.body,
            "user": self.user(LOGIN),
            "labels": i.labels.iter().map(|l| self.label_json(slug, l)).collect::<Vec<_>>(),
            "assignee": null, "assignees": [], "milestone": null, "locked": false, "comments": i.comments.len(),
            "closed_at": i.closed_at.as_ref().map(t), "created_at": t(&i.created_at), "updated_at": t(&i.updated_at),
            "closed_by": i.closed_by.as_ref().map(|l| self.user(l)),
            "author_association": "OWNER"
        })
    }

    fn handle(&self, method: &Method, uri: &Uri, headers: &HeaderMap, body: &Bytes) -> Response {
        let now = Pacer::now(self.clock.as_ref());
        let mut w = self.world();
        w.log.push(format!("{method} {uri}"));
        w.counts.requests += 1;
        let write = method != Method::GET && method != Method::HEAD;
        let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
        if auth != format!("Bearer {}", self.token) {
            drop(w);
            return error(StatusCode::UNAUTHORIZED, "Bad credentials", &[]);
        }
        // Primary limit: an hourly window of points.
        if now - w.window_start >= Duration::hours(1) {
            w.window_start = now;
            w.window_points = 0;
        }
        let reset = (w.window_start + Duration::hours(1)).timestamp();
        let limit = self.limits.primary.unwrap_or(5000);
        if self.limits.primary.is_some() && w.window_points >= limit {
            w.counts.primary_limited += 1;
            let h = [
                ("x-ratelimit-limit", limit.to_string()),
                ("x-ratelimit-remaining", "0".to_string()),
                ("x-ratelimit-reset", reset.to_string()),
            ];
            drop(w);
            return error(StatusCode::FORBIDDEN, "API rate limit exceeded for user ID 1.", &h);
        }
        // Secondary limits on content-creating requests.
        if write {
            while w.writes.front().is_some_and(|t| now - *t >= Duration::hours(1)) {
                w.writes.pop_front();
            }
            if let Some((per_minute, per_hour)) = self.limits.secondary {
                let in_minute = w.writes.iter().filter(|t| now - **t < Duration::minutes(1)).count();
                if in_minute >= per_minute || w.writes.len() >= per_hour {
                    w.counts.secondary_limited += 1;
                    drop(w);
                    return error(
                        StatusCode::FORBIDDEN,
                        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                        &[("retry-after", "60".to_string())],
                    );
                }
            }
            w.writes.push_back(now);
            w.counts.writes += 1;
        }
        let path = uri.path().to_string();
        let owner = path.strip_prefix("/repos/").and_then(|p| p.split('/').next()).unwrap_or_default().to_string();
        if let Some(n) = w.outage_after.get(&owner) {
            if w.created_per_owner.get(&owner).is_some_and(|made| made >= n) {
                drop(w);
                return error(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable", &[]);
            }
        }
        let query: BTreeMap<String, String> = uri
            .query()
            .unwrap_or_default()
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), dec(v)))
            .collect();
        let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let if_none_match = headers.get("if-none-match").and_then(|v| v.to_str().ok()).map(str::to_string);
        let (status, mut value, link) = self.route(&mut w, method, &path, &query, &body, now);
        if w.broken
            .iter()
            .any(|o| path.starts_with(&format!("/repos/{o}/issues")) || path.contains(&format!("/repos/{o}/")))
        {
            if let Some(Value::Object(m)) = value.as_mut() {
                m.remove("number");
            }
        }
        let etag = value.as_ref().map(|v| format!("W/\"{:016x}\"", hash(&v.to_string())));
        let not_modified = status == StatusCode::OK && method == Method::GET && etag.is_some() && if_none_match == etag;
        if let Some(last) = w.log.last_mut() {
            last.push_str(if not_modified { " -> 304" } else { "" });
        }
        if not_modified {
            w.counts.not_modified += 1;
        } else {
            w.window_points += 1;
            w.counts.points += 1;
        }
        let remaining = limit.saturating_sub(w.window_points);
        drop(w);
        let mut resp = if not_modified {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            match value {
                Some(v) => {
                    (status, [("content-type", "application/json; charset=utf-8")], v.to_string()).into_response()
                }
                None => status.into_response(),
            }
        };
        let h = resp.headers_mut();
        let mut set = |k: &'static str, v: String| {
            if let Ok(v) = HeaderValue::from_str(&v) {
                h.insert(k, v);
            }
        };
        set("x-ratelimit-limit", limit.to_string());
        set("x-ratelimit-remaining", remaining.to_string());
        set("x-ratelimit-reset", reset.to_string());
        set("x-ratelimit-resource", "core".into());
        if let Some(e) = etag {
            set("etag", e);
        }
        if let Some(l) = link {
            set("link", l);
        }
        resp
    }

    #[allow(clippy::type_complexity)]
    fn route(
        &self,
        w: &mut World,
        method: &Method,
        path: &str,
        query: &BTreeMap<String, String>,
        body: &Value,
        now: DateTime<Utc>,
    ) -> (StatusCode, Option<Value>, Option<String>) {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        let not_found = (
            StatusCode::NOT_FOUND,
            Some(json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})),
            None,
        );
        let invalid = |m: &str| {
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(json!({"message": m, "documentation_url": "https://docs.github.com/rest"})),
                None,
            )
        };
        if parts == ["user"] && method == Method::GET {
            return (StatusCode::OK, Some(self.user(LOGIN)), None);
        }
        if parts.len() < 4 || parts[0] != "repos" {
            return not_found;
        }
        let slug = format!("{}/{}", parts[1], parts[2]);
        if !w.repos.contains_key(&slug) {
            return not_found;
        }
        let number = parts.get(4).and_then(|n| n.parse::<u64>().ok());
        match (method.clone(), &parts[3..]) {
            (Method::GET, ["labels"]) => {
                let all: Vec<Value> = w.repos[&slug].labels.iter().map(|l| self.label_json(&slug, l)).collect();
                let (page, link) = paginate(&all, query, &format!("/repos/{slug}/labels"), self.base());
                (StatusCode::OK, Some(Value::Array(page)), link)
            }
            (Method::POST, ["labels"]) => {
                let Some(name) = body.get("name").and_then(Value::as_str) else { return invalid("Validation Failed") };
                let repo = w.repos.get_mut(&slug).expect("repo");
                if !repo.labels.insert(name.to_string()) {
                    return invalid("Validation Failed: already_exists");
                }
                (StatusCode::CREATED, Some(self.label_json(&slug, name)), None)
            }
            (Method::GET, ["pulls"]) => {
                let state = query.get("state").map(String::as_str).unwrap_or("open");
                let all: Vec<Value> = w.repos[&slug]
                    .pulls
                    .iter()
                    .rev()
                    .filter(|p| state == "all" || (state == "open") == p.merged_at.is_none())
                    .map(|p| self.pull_json(&slug, p))
                    .collect();
                let (page, link) = paginate(&all, query, &format!("/repos/{slug}/pulls"), self.base());
                (StatusCode::OK, Some(Value::Array(page)), link)
            }
            (Method::GET, ["issues"]) => {
                let state = query.get("state").map(String::as_str).unwrap_or("open");
                let label = query.get("labels").cloned();
                let all: Vec<Value> = w.repos[&slug]
                    .issues
                    .iter()
                    .filter(|i| state == "all" || i.state == state)
                    .filter(|i| label.as_ref().is_none_or(|l| l.split(',').all(|l| i.labels.iter().any(|x| x == l))))
                    .rev()
                    .map(|i| self.issue_json(&slug, i))
                    .collect();
                let (page, link) = paginate(&all, query, &format!("/repos/{slug}/issues"), self.base());
                (StatusCode::OK, Some(Value::Array(page)), link)
            }
            (Method::POST, ["issues"]) => {
                let Some(title) = body.get("title").and_then(Value::as_str) else {
                    return invalid("Invalid request.\n\n\"title\" wasn't supplied.");
                };
                let labels: Vec<String> = body
                    .get("labels")
                    .and_then(Value::as_array)
                    .map(|ls| ls.iter().filter_map(|l| l.as_str().map(str::to_string)).collect())
                    .unwrap_or_default();
                w.next_id += 1;
                let id = w.next_id;
                let repo = w.repos.get_mut(&slug).expect("repo");
                repo.labels.extend(labels.iter().cloned());
                let issue = FakeIssue {
                    id,
                    number: repo.issues.len() as u64 + 1,
                    title: title.to_string(),
                    body: body.get("body").and_then(Value::as_str).unwrap_or_default().to_string(),
                    state: "open".into(),
                    labels,
                    created_at: now,
                    updated_at: now,
                    closed_at: None,
                    closed_by: None,
                    subs: vec![],
                    events: vec![],
                    comments: vec![],
                };
                repo.issues.push(issue.clone());
                w.counts.issues_created += 1;
                let owner = parts[1].to_string();
                let made = {
                    let n = w.created_per_owner.entry(owner.clone()).or_default();
                    *n += 1;
                    *n
                };
                let lost = w.lose_answers.get(&owner).is_some_and(|n| made >= *n);
                if lost || w.outage_after.get(&owner).is_some_and(|n| made >= *n) {
                    return (StatusCode::BAD_GATEWAY, None, None);
                }
                (StatusCode::CREATED, Some(self.issue_json(&slug, &issue)), None)
            }
            (m, [_issues, _n, rest @ ..]) if parts[3] == "issues" && number.is_some() => {
                let n = number.unwrap_or_default();
                let Some(idx) = w.repos[&slug].issues.iter().position(|i| i.number == n) else { return not_found };
                match (m, rest) {
                    (Method::GET, []) => {
                        (StatusCode::OK, Some(self.issue_json(&slug, &w.repos[&slug].issues[idx])), None)
                    }
                    (Method::PATCH, []) => {
                        let repo = w.repos.get_mut(&slug).expect("repo");
                        let i = &mut repo.issues[idx];
                        if let Some(t) = body.get("title").and_then(Value::as_str) {
                            i.title = t.into();
                        }
                        if let Some(b) = body.get("body").and_then(Value::as_str) {
                            i.body = b.into();
                        }
                        if let Some(s) = body.get("state").and_then(Value::as_str) {
                            if s != i.state {
                                i.events.push((
                                    if s == "closed" { "closed" } else { "reopened" }.into(),
                                    LOGIN.into(),
                                    None,
                                    now,
                                ));
                                i.closed_at = (s == "closed").then_some(now);
                                i.closed_by = (s == "closed").then(|| LOGIN.to_string());
                                i.state = s.into();
                            }
                        }
                        if let Some(ls) = body.get("labels").and_then(Value::as_array) {
                            let ls: Vec<String> = ls.iter().filter_map(|l| l.as_str().map(str::to_string)).collect();
                            for l in ls.iter().filter(|l| !i.labels.contains(l)) {
                                i.events.push(("labeled".into(), LOGIN.into(), Some(l.clone()), now));
                            }
                            i.labels = ls.clone();
                            repo.labels.extend(ls);
                        }
                        let i = &mut w.repos.get_mut(&slug).expect("repo").issues[idx];
                        i.updated_at = now;
                        let i = i.clone();
                        (StatusCode::OK, Some(self.issue_json(&slug, &i)), None)
                    }
                    (Method::GET, ["sub_issues"]) => {
                        let subs = w.repos[&slug].issues[idx].subs.clone();
                        let all: Vec<Value> = subs
                            .iter()
                            .filter_map(|id| {
                                w.repos.iter().find_map(|(s, r)| {
                                    r.issues.iter().find(|i| i.id == *id).map(|i| self.issue_json(s, i))
                                })
                            })
                            .collect();
                        let (page, link) =
                            paginate(&all, query, &format!("/repos/{slug}/issues/{n}/sub_issues"), self.base());
                        (StatusCode::OK, Some(Value::Array(page)), link)
                    }
                    (Method::POST, ["sub_issues"]) => {
                        let Some(id) = body.get("sub_issue_id").and_then(Value::as_u64) else {
                            return invalid("Validation Failed");
                        };
                        let owner = slug.split('/').next().unwrap_or_default().to_string();
                        let found = w.repos.iter().find_map(|(s, r)| {
                            r.issues
                                .iter()
                                .find(|i| i.id == id)
                                .map(|_| s.split('/').next().unwrap_or_default() == owner)
                        });
                        match found {
                            None => return invalid("Validation Failed: sub-issue not found"),
                            Some(false) => {
                                return invalid("Validation Failed: sub-issue must belong to the same owner")
                            }
                            Some(true) => {}
                        }
                        let already = w.repos.values().any(|r| r.issues.iter().any(|i| i.subs.contains(&id)));
                        if already {
                            return invalid("Validation Failed: an issue may only have one parent");
                        }
                        let i = &mut w.repos.get_mut(&slug).expect("repo").issues[idx];
                        i.subs.push(id);
                        let i = i.clone();
                        (StatusCode::CREATED, Some(self.issue_json(&slug, &i)), None)
                    }
                    (Method::GET, ["events"]) => {
                        let i = &w.repos[&slug].issues[idx];
                        let base = self.base();
                        let all: Vec<Value> = i
                            .events
                            .iter()
                            .enumerate()
                            .map(|(k, (ev, who, label, at))| {
                                let mut e = json!({
                                    "id": i.id * 1000 + k as u64, "node_id": format!("E_{}_{k}", i.id),
                                    "url": format!("{base}/repos/{slug}/issues/events/{}", i.id * 1000 + k as u64),
                                    "actor": self.user(who), "event": ev, "commit_id": null, "commit_url": null,
                                    "created_at": at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                                    "performed_via_github_app": null
                                });
                                if let Some(l) = label {
                                    e["label"] = json!({ "name": l, "color": super::issues::label_color(l) });
                                }
                                e
                            })
                            .collect();
                        let (page, link) = paginate(&all, query, &format!("/repos/{slug}/issues/{n}/events"), base);
                        (StatusCode::OK, Some(Value::Array(page)), link)
                    }
                    (Method::POST, ["comments"]) => {
                        let Some(text) = body.get("body").and_then(Value::as_str) else {
                            return invalid("Validation Failed");
                        };
                        let i = &mut w.repos.get_mut(&slug).expect("repo").issues[idx];
                        i.comments.push(text.to_string());
                        let id = i.id * 10_000 + i.comments.len() as u64;
                        let base = self.base();
                        let t = now.format("%Y-%m-%dT%H:%M:%SZ").to_string();
                        (
                            StatusCode::CREATED,
                            Some(json!({
                                "id": id, "node_id": format!("IC_{id}"),
                                "url": format!("{base}/repos/{slug}/issues/comments/{id}"),
                                "html_url": format!("{base}/{slug}/issues/{n}#issuecomment-{id}"),
                                "issue_url": format!("{base}/repos/{slug}/issues/{n}"),
                                "body": text, "user": self.user(LOGIN), "created_at": t, "updated_at": t,
                                "author_association": "OWNER"
                            })),
                            None,
                        )
                    }
                    _ => not_found,
                }
            }
            _ => not_found,
        }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", *self.port.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// A person's edit of an issue on GitHub.
#[derive(Debug, Clone)]
pub struct PersonEdit {
    pub body: String,
    /// `open` or `closed`.
    pub state: String,
    pub labels: Vec<String>,
}

impl PersonEdit {
    /// Ticks (or unticks) the first checkbox whose text contains `item`.
    pub fn tick(&mut self, item: &str, checked: bool) {
        let mut done = false;
        self.body = self
            .body
            .lines()
            .map(|l| {
                let t = l.trim_start();
                if !done && (t.starts_with("- [ ] ") || t.starts_with("- [x] ")) && t.contains(item) {
                    done = true;
                    let indent = &l[..l.len() - t.len()];
                    format!("{indent}- [{}] {}", if checked { "x" } else { " " }, &t[6..])
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        if !self.body.ends_with('\n') {
            self.body.push('\n');
        }
    }
}

fn paginate(all: &[Value], q: &BTreeMap<String, String>, path: &str, base: String) -> (Vec<Value>, Option<String>) {
    let per = q.get("per_page").and_then(|p| p.parse::<usize>().ok()).unwrap_or(30).clamp(1, 100);
    let page = q.get("page").and_then(|p| p.parse::<usize>().ok()).unwrap_or(1).max(1);
    let items: Vec<Value> = all.iter().skip((page - 1) * per).take(per).cloned().collect();
    let link = (all.len() > page * per).then(|| {
        let mut others: Vec<String> =
            q.iter().filter(|(k, _)| *k != "page").map(|(k, v)| format!("{k}={}", enc(v))).collect();
        others.push(format!("page={}", page + 1));
        format!("<{base}{path}?{}>; rel=\"next\"", others.join("&"))
    });
    (items, link)
}

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn dec(s: &str) -> String {
    percent_encoding::percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned()
}

fn hash(s: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

fn error(status: StatusCode, message: &str, headers: &[(&str, String)]) -> Response {
    let body = json!({ "message": message, "documentation_url": "https://docs.github.com/rest" }).to_string();
    let mut resp = (status, [("content-type", "application/json; charset=utf-8")], body).into_response();
    for (k, v) in headers {
        if let (Ok(k), Ok(v)) = (axum::http::HeaderName::from_bytes(k.as_bytes()), HeaderValue::from_str(v)) {
            resp.headers_mut().insert(k, v);
        }
    }
    resp
}

/// Prism (npm `@stoplight/prism-cli`) in proxy mode in front of an upstream (the fake): it
/// validates every request and every response against GitHub's published description and,
/// with `--errors`, answers a violation with an error the client sees. Killed when dropped, and
/// by a watchdog when the test process ends without dropping it (a panic in a static).
pub struct Prism {
    child: std::process::Child,
    url: String,
}

impl Prism {
    /// The tools directory of `scripts/setup.sh`.
    pub fn tools_dir() -> std::path::PathBuf {
        match std::env::var_os("TANDEM_TOOLS_DIR") {
            Some(d) => d.into(),
            None => std::path::PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/tandem-tools"),
        }
    }

    /// The description Prism is given (written by scripts/setup.sh).
    pub fn description() -> std::path::PathBuf {
        Self::tools_dir().join("github-npm/api.github.com.prism.json")
    }

    /// Starts Prism in front of `upstream` on a free loopback port and waits until it answers.
    pub fn start(upstream: &str) -> Result<Prism, String> {
        let prism = Self::tools_dir().join("github-npm/node_modules/.bin/prism");
        let spec = Self::description();
        if !prism.exists() || !spec.exists() {
            return Err(format!(
                "{} or {} is missing: run `bash scripts/setup.sh` first",
                prism.display(),
                spec.display()
            ));
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        // The watchdog: Prism runs as a child of a shell that kills it when the test process
        // is gone (checked each second), so no Prism outlives its tests.
        let script = format!(
            "\"$0\" proxy \"$1\" \"$2\" --errors --host 127.0.0.1 --port {port} >/dev/null 2>&1 & p=$!; \
             trap 'kill $p 2>/dev/null; exit 0' TERM INT; \
             while kill -0 {parent} 2>/dev/null && kill -0 $p 2>/dev/null; do sleep 1; done; kill $p 2>/dev/null",
            parent = std::process::id()
        );
        let child = std::process::Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg(&prism)
            .arg(&spec)
            .arg(upstream)
            .stdin(std::process::Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start Prism: {e}"))?;
        let url = format!("http://127.0.0.1:{port}");
        let p = Prism { child, url };
        // Ready when it answers any request (Prism's start-up reads the description: seconds).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
        while std::time::Instant::now() < deadline {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(p);
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        Err("Prism did not start listening within 180 s".into())
    }

    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        // SIGTERM to the watchdog shell, whose trap kills Prism; then reap it.
        let _ = std::process::Command::new("kill").arg(self.child.id().to_string()).status();
        let _ = self.child.wait();
    }
}
