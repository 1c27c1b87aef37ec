//! The PostgreSQL backend: one database (or one schema of it) shared by every `tandem serve`
//! instance of a team. PostgreSQL is the only coordination between instances: each method is
//! one transaction; aggregates keep optimistic versions (a stale save is a conflict the engine
//! retries); deliveries are claimed with `FOR UPDATE SKIP LOCKED` and a lease; migrations and
//! the scheduler's leadership take advisory locks; new history is announced with
//! `LISTEN/NOTIFY`.
//!
//! URL: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=NAME][&pool_size=N]` plus the
//! client's own parameters (`sslmode`, `connect_timeout`, `options`, …). `schema` puts tandem's
//! tables in that schema (created if missing): several teams, or tests, share one database.

mod changes;
mod pool;
mod summaries;

use crate::error::{Context, Result, StoreError};
use crate::values::{integration_json, to_json, CoordText, COORD_WRITE_COLS};
use crate::{
    Delivery, DeliveryCounts, DeliveryState, IssueComment, LeaderGuard, NewDelivery, Snapshot, Store, StoredEvent,
};
use chrono::{DateTime, Utc};
use pool::{Pool, Session};
use postgres::types::ToSql;
use postgres::{Config, GenericClient, Row, Transaction};
use std::sync::Arc;
use tandem_model::coordination::Hold;
use tandem_model::{
    Action, AnalysisRecord, Child, CoordId, Coordination, Event, Integration, Issue, IssueKind, IssueRef, IssueSpec,
    IssueState, IssueUpdate, RepoName, Subject,
};

/// Embedded migrations, applied in order under an advisory lock; `tandem_schema.version`
/// records how many ran.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/postgres/0001_initial.sql"),
    include_str!("../../migrations/postgres/0002_issue_lookup.sql"),
];

/// The PostgreSQL schema version this build writes.
pub const PG_SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The first key of every advisory lock tandem takes ("tand"); the second is a hash of the
/// schema and the lock's name, so teams in different schemas never wait for each other.
const LOCK_CLASS: i32 = 0x7461_6e64;

/// Connections per store unless the URL says `pool_size`.
const DEFAULT_POOL_SIZE: usize = 8;

pub struct PostgresStore {
    pool: Arc<Pool>,
    /// The schema tandem's tables live in: names its advisory locks and notifications.
    scope: String,
    /// The URL without its password, for messages.
    shown: String,
    changes: changes::Changes,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore").field("database", &self.shown).field("schema", &self.scope).finish()
    }
}

/// A database URL fit to show: any password replaced by `***`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let (auth, host) = match rest.split_once('@') {
        Some((auth, host)) if !auth.contains('/') => (auth, host),
        _ => return url.to_string(),
    };
    let mut shown = url.to_string();
    if let Some((user, _)) = auth.split_once(':') {
        shown = format!("{scheme}://{user}:***@{host}");
    }
    // A password given as a query parameter.
    if let Some((base, query)) = shown.clone().split_once('?') {
        let q: Vec<String> = query
            .split('&')
            .map(|kv| if kv.starts_with("password=") { "password=***".to_string() } else { kv.to_string() })
            .collect();
        shown = format!("{base}?{}", q.join("&"));
    }
    shown
}

/// A schema name tandem accepts: a plain lower-case SQL identifier, so it needs no quoting.
fn valid_schema(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

struct Target {
    config: Config,
    schema: Option<String>,
    pool_size: usize,
}

fn parse_url(url: &str, shown: &str) -> Result<Target> {
    let bad = |what: String| StoreError::Url(format!("database URL {shown}: {what}"));
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut schema = None;
    let mut pool_size = DEFAULT_POOL_SIZE;
    let mut rest = Vec::new();
    for kv in query.split('&').filter(|kv| !kv.is_empty()) {
        match kv.split_once('=') {
            Some(("schema", v)) => {
                if !valid_schema(v) {
                    return Err(bad(format!(
                        "schema '{v}' is not a plain lower-case name (letters, digits, _; at most 63)"
                    )));
                }
                schema = Some(v.to_string());
            }
            Some(("pool_size", v)) => {
                pool_size = v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=100).contains(n))
                    .ok_or_else(|| bad(format!("pool_size '{v}' is not a number from 1 to 100")))?;
            }
            _ => rest.push(kv),
        }
    }
    let client_url = if rest.is_empty() { base.to_string() } else { format!("{base}?{}", rest.join("&")) };
    let mut config: Config = client_url.parse().map_err(|e: postgres::Error| bad(e.to_string()))?;
    if let Some(s) = &schema {
        let options = match config.get_options() {
            Some(o) if !o.is_empty() => format!("{o} -c search_path={s}"),
            _ => format!("-c search_path={s}"),
        };
        config.options(&options);
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(std::time::Duration::from_secs(10));
    }
    if config.get_application_name().is_none() {
        config.application_name("tandem");
    }
    Ok(Target { config, schema, pool_size })
}

impl PostgresStore {
    /// Connects, migrating the database (or the URL's schema, created if missing) to the current
    /// version under an advisory lock, so that instances starting together migrate once. A
    /// database written by a newer tandem is refused.
    pub fn open(url: &str) -> Result<PostgresStore> {
        let shown = redact(url);
        let target = parse_url(url, &shown)?;
        let pool = Arc::new(Pool::new(target.config, target.pool_size));
        let open_err = |e: postgres::Error| StoreError::Open { database: shown.clone(), source: e.into() };
        let mut client = pool.connect().map_err(open_err)?;
        let scope = match &target.schema {
            Some(s) => s.clone(),
            None => client
                .query_one("SELECT current_schema()", &[])
                .and_then(|r| r.try_get::<_, Option<String>>(0))
                .map_err(open_err)?
                .ok_or_else(|| StoreError::Url(format!("database URL {shown}: its search_path names no schema")))?,
        };
        migrate(&mut client, &scope, target.schema.is_some(), &shown)?;
        drop(client);
        let changes = changes::Changes::new(pool.clone(), scope.clone());
        Ok(PostgresStore { pool, scope, shown, changes })
    }

    /// The schema tandem's tables live in.
    pub fn schema(&self) -> &str {
        &self.scope
    }
}

fn migrate(client: &mut postgres::Client, scope: &str, create_schema: bool, shown: &str) -> Result<()> {
    let open_err = |e: postgres::Error| StoreError::Open { database: shown.to_string(), source: e.into() };
    let lock = format!("{scope}:migrate");
    client.execute("SELECT pg_advisory_lock($1, hashtext($2))", &[&LOCK_CLASS, &lock]).map_err(open_err)?;
    // The lock is a session lock: it goes with the connection whatever happens below.
    if create_schema {
        client.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {scope}")).map_err(open_err)?;
    }
    client.batch_execute("CREATE TABLE IF NOT EXISTS tandem_schema (version BIGINT NOT NULL)").map_err(open_err)?;
    let found: Option<i64> =
        client.query_opt("SELECT version FROM tandem_schema", &[]).map_err(open_err)?.map(|r| r.get(0));
    let found = match found {
        Some(v) => v,
        None => {
            client.execute("INSERT INTO tandem_schema (version) VALUES (0)", &[]).map_err(open_err)?;
            0
        }
    };
    if found > PG_SCHEMA_VERSION {
        return Err(StoreError::NewerSchema { database: shown.to_string(), found, supported: PG_SCHEMA_VERSION });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let mut tx = client.transaction().map_err(open_err)?;
        tx.batch_execute(sql).map_err(open_err)?;
        tx.execute("UPDATE tandem_schema SET version = $1", &[&(i as i64 + 1)]).map_err(open_err)?;
        tx.commit().map_err(open_err)?;
    }
    client.execute("SELECT pg_advisory_unlock($1, hashtext($2))", &[&LOCK_CLASS, &lock]).map_err(open_err)?;
    Ok(())
}

// ---- conversions -------------------------------------------------------------------------

fn corrupt(msg: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(msg.to_string())
}

fn get<'a, T: postgres::types::FromSql<'a>>(r: &'a Row, i: usize) -> Result<T> {
    r.try_get(i).map_err(|e| corrupt(format!("column {}: {}", r.columns()[i].name(), crate::DbError::from(e))))
}

fn parse<T: std::str::FromStr>(s: String) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    s.parse::<T>().map_err(corrupt)
}

fn json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| corrupt(format!("{e}: {s}")))
}

fn issue_ref(s: Option<String>) -> Result<Option<IssueRef>> {
    s.map(|s| IssueRef::parse(&s).map_err(corrupt)).transpose()
}

fn repo(s: String) -> Result<RepoName> {
    RepoName::parse(&s).map_err(corrupt)
}

fn rows_ctx<T>(
    r: std::result::Result<Vec<Row>, postgres::Error>,
    context: &'static str,
    f: fn(&Row) -> Result<T>,
) -> Result<Vec<T>> {
    r.ctx(context)?.iter().map(f).collect()
}

const COORD_COLS: &str = "id, key, title, change_type, priority, strategy, status, hold, plan, milestone, source_repo, home_repo, issue, integration, created_at, updated_at, version, integration_issue";

/// [`COORD_COLS`] of the table `c`, then [`CHILD_COLS`] of the table `ch`: a coordination and
/// its children read in one statement (`coordinations c LEFT JOIN children ch`), one snapshot.
fn coordination_with_children_cols() -> String {
    let prefixed = |cols: &str, t: &str| cols.split(", ").map(|c| format!("{t}.{c}")).collect::<Vec<_>>().join(", ");
    format!("{}, {}", prefixed(COORD_COLS, "c"), prefixed(CHILD_COLS, "ch"))
}

/// A coordination's values in the order of [`COORD_WRITE_COLS`].
struct CoordValues<'a>(CoordText<'a>);

impl<'a> CoordValues<'a> {
    fn new(c: &'a Coordination) -> Self {
        CoordValues(CoordText::new(c))
    }

    fn params(&self) -> [&(dyn ToSql + Sync); 16] {
        let (v, c) = (&self.0, self.0.c);
        let [change_type, priority, strategy, status] = &v.enums;
        [
            &c.key,
            &c.title,
            change_type,
            priority,
            strategy,
            status,
            &v.hold,
            &c.plan,
            &c.milestone,
            &v.source_repo,
            &v.home_repo,
            &v.issue,
            &v.integration,
            &c.created_at,
            &c.updated_at,
            &v.integration_issue,
        ]
    }
}

/// `$first, $first+1, …` for `n` parameters.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

fn coordination_row(r: &Row) -> Result<Coordination> {
    let hold: Option<String> = get(r, 7)?;
    let integration: String = get(r, 13)?;
    Ok(Coordination {
        id: CoordId(get(r, 0)?),
        key: get(r, 1)?,
        title: get(r, 2)?,
        change_type: parse(get(r, 3)?)?,
        priority: parse(get(r, 4)?)?,
        strategy: parse(get(r, 5)?)?,
        status: parse(get(r, 6)?)?,
        hold: hold.as_deref().map(json::<Hold<_>>).transpose()?,
        plan: get(r, 8)?,
        milestone: get(r, 9)?,
        source_repo: get::<Option<String>>(r, 10)?.map(repo).transpose()?,
        home_repo: repo(get(r, 11)?)?,
        issue: issue_ref(get(r, 12)?)?,
        integration: Integration { issue: issue_ref(get(r, 17)?)?, ..json::<Integration>(&integration)? },
        created_at: get(r, 14)?,
        updated_at: get(r, 15)?,
        version: get(r, 16)?,
        children: Vec::new(),
    })
}

/// Coordinations with their children from rows of [`coordination_with_children_cols`], ordered
/// by coordination (a coordination without children has one row, its child columns NULL).
fn coordinations_with_children(rows: &[Row]) -> Result<Vec<Coordination>> {
    let width = COORD_COLS.split(", ").count();
    let mut out: Vec<Coordination> = Vec::new();
    for r in rows {
        let id: i64 = get(r, 0)?;
        if out.last().map(|c| c.id.0) != Some(id) {
            out.push(coordination_row(r)?);
        }
        if get::<Option<String>>(r, width + 1)?.is_some() {
            let (_, ch) = child_row_at(r, width)?;
            out.last_mut().expect("pushed above").children.push(ch);
        }
    }
    Ok(out)
}

const CHILD_COLS: &str = "coord_id, repo, role, weight, status, hold, after, title, checklist, issue, updated_at";

fn child_row(r: &Row) -> Result<(i64, Child)> {
    child_row_at(r, 0)
}

/// A child from the [`CHILD_COLS`] that start at column `at`.
fn child_row_at(r: &Row, at: usize) -> Result<(i64, Child)> {
    let hold: Option<String> = get(r, at + 5)?;
    let weight: i64 = get(r, at + 3)?;
    Ok((
        get(r, at)?,
        Child {
            repo: repo(get(r, at + 1)?)?,
            role: parse(get(r, at + 2)?)?,
            weight: u32::try_from(weight).map_err(|_| corrupt(format!("child weight {weight}")))?,
            status: parse(get(r, at + 4)?)?,
            hold: hold.as_deref().map(json::<Hold<_>>).transpose()?,
            after: json(&get::<String>(r, at + 6)?)?,
            title: get(r, at + 7)?,
            checklist: json(&get::<String>(r, at + 8)?)?,
            issue: issue_ref(get(r, at + 9)?)?,
            updated_at: get(r, at + 10)?,
        },
    ))
}

/// A coordination's children as column arrays: one statement writes them all (inserts or
/// updates), so a 500-child coordination costs one round trip.
struct ChildArrays {
    pos: Vec<i64>,
    repo: Vec<String>,
    role: Vec<&'static str>,
    weight: Vec<i64>,
    status: Vec<&'static str>,
    hold: Vec<Option<String>>,
    after: Vec<String>,
    title: Vec<String>,
    checklist: Vec<String>,
    issue: Vec<Option<String>>,
    updated: Vec<DateTime<Utc>>,
}

impl ChildArrays {
    fn new(children: &[Child]) -> ChildArrays {
        ChildArrays {
            pos: (0..children.len() as i64).collect(),
            repo: children.iter().map(|ch| ch.repo.as_str().to_string()).collect(),
            role: children.iter().map(|ch| ch.role.as_str()).collect(),
            weight: children.iter().map(|ch| i64::from(ch.weight)).collect(),
            status: children.iter().map(|ch| ch.status.as_str()).collect(),
            hold: children.iter().map(|ch| ch.hold.as_ref().map(to_json)).collect(),
            after: children.iter().map(|ch| to_json(&ch.after)).collect(),
            title: children.iter().map(|ch| ch.title.clone()).collect(),
            checklist: children.iter().map(|ch| to_json(&ch.checklist)).collect(),
            issue: children.iter().map(|ch| ch.issue.as_ref().map(|i| i.to_string())).collect(),
            updated: children.iter().map(|ch| ch.updated_at).collect(),
        }
    }

    fn params(&self) -> [&(dyn ToSql + Sync); 11] {
        [
            &self.pos,
            &self.repo,
            &self.role,
            &self.weight,
            &self.status,
            &self.hold,
            &self.after,
            &self.title,
            &self.checklist,
            &self.issue,
            &self.updated,
        ]
    }

    /// The statement writing the children of the coordination `coord` (an expression over
    /// `from`, e.g. `ins.id` from `ins, `), the arrays being parameters `$first` … `$first+10`.
    /// A child that exists is updated, except for its issue link (written by `link_issue` only).
    fn upsert(coord: &str, from: &str, first: usize) -> String {
        let p = |i: usize| first + i;
        format!(
            "INSERT INTO children (coord_id, position, repo, role, weight, status, hold, after, title, checklist, issue, updated_at)
             SELECT {coord}, u.* FROM {from}UNNEST(${}::bigint[], ${}::text[], ${}::text[], ${}::bigint[], ${}::text[],
                 ${}::text[], ${}::text[], ${}::text[], ${}::text[], ${}::text[], ${}::timestamptz[]) AS u
             ON CONFLICT (coord_id, repo) DO UPDATE SET position = excluded.position, role = excluded.role,
               weight = excluded.weight, status = excluded.status, hold = excluded.hold, after = excluded.after,
               title = excluded.title, checklist = excluded.checklist, updated_at = excluded.updated_at",
            p(0),
            p(1),
            p(2),
            p(3),
            p(4),
            p(5),
            p(6),
            p(7),
            p(8),
            p(9),
            p(10)
        )
    }
}

fn subject_cols(s: &Subject) -> (&'static str, Option<&str>) {
    match s {
        Subject::Coordination => ("coordination", None),
        Subject::Child(r) => ("child", Some(r.as_str())),
        Subject::Integration => ("integration", None),
    }
}

/// The columns of an event besides its id and coordination, written by every path that appends
/// history (and by `import`, which adds the two).
const EVENT_WRITE_COLS: &str = "at, actor, subject_kind, subject_repo, action, from_state, to_state, reason";

/// Events as column arrays in the order of [`EVENT_WRITE_COLS`]: one statement appends them
/// all, so one notification announces them.
struct EventArrays<'a> {
    at: Vec<DateTime<Utc>>,
    actor: Vec<&'a str>,
    kind: Vec<&'static str>,
    subject_repo: Vec<Option<&'a str>>,
    action: Vec<&'static str>,
    from: Vec<Option<&'a str>>,
    to: Vec<Option<&'a str>>,
    reason: Vec<Option<&'a str>>,
}

impl<'a> EventArrays<'a> {
    fn new(events: impl Iterator<Item = &'a Event>) -> EventArrays<'a> {
        let mut a = EventArrays {
            at: Vec::new(),
            actor: Vec::new(),
            kind: Vec::new(),
            subject_repo: Vec::new(),
            action: Vec::new(),
            from: Vec::new(),
            to: Vec::new(),
            reason: Vec::new(),
        };
        for e in events {
            let (k, r) = subject_cols(&e.subject);
            a.at.push(e.at);
            a.actor.push(&e.actor);
            a.kind.push(k);
            a.subject_repo.push(r);
            a.action.push(e.action.as_str());
            a.from.push(e.from.as_deref());
            a.to.push(e.to.as_deref());
            a.reason.push(e.reason.as_deref());
        }
        a
    }

    fn params(&self) -> [&(dyn ToSql + Sync); 8] {
        [&self.at, &self.actor, &self.kind, &self.subject_repo, &self.action, &self.from, &self.to, &self.reason]
    }

    /// `UNNEST(…) WITH ORDINALITY AS e(<EVENT_WRITE_COLS>, n)` over parameters `$first` …
    /// `$first+7`: select `e.*` columns and `ORDER BY e.n` to keep the given order in the ids.
    fn unnest(first: usize) -> String {
        let types = ["timestamptz", "text", "text", "text", "text", "text", "text", "text"];
        let arrays: Vec<String> = types.iter().enumerate().map(|(i, t)| format!("${}::{t}[]", first + i)).collect();
        format!("UNNEST({}) WITH ORDINALITY AS e({EVENT_WRITE_COLS}, n)", arrays.join(", "))
    }

    /// The statement appending these events to the coordination `coord` (an expression over
    /// `from`), the arrays being parameters `$first` … `$first+7`.
    fn append(coord: &str, from: &str, first: usize) -> String {
        let cols = EVENT_WRITE_COLS.split(", ").map(|c| format!("e.{c}")).collect::<Vec<_>>().join(", ");
        format!(
            "INSERT INTO events (coord_id, {EVENT_WRITE_COLS}) SELECT {coord}, {cols} FROM {from}{} ORDER BY e.n",
            Self::unnest(first)
        )
    }
}

const EVENT_COLS: &str = "id, coord_id, at, actor, subject_kind, subject_repo, action, from_state, to_state, reason";

fn event_row(r: &Row) -> Result<StoredEvent> {
    let kind: String = get(r, 4)?;
    let subject_repo: Option<String> = get(r, 5)?;
    let subject = match (kind.as_str(), subject_repo) {
        ("coordination", _) => Subject::Coordination,
        ("integration", _) => Subject::Integration,
        ("child", Some(name)) => Subject::Child(repo(name)?),
        (k, _) => return Err(corrupt(format!("event subject '{k}'"))),
    };
    let action: String = get(r, 6)?;
    Ok(StoredEvent {
        id: get(r, 0)?,
        coordination: CoordId(get(r, 1)?),
        event: Event {
            at: get(r, 2)?,
            actor: get(r, 3)?,
            subject,
            action: Action::parse(&action).ok_or_else(|| corrupt(format!("event action '{action}'")))?,
            from: get(r, 7)?,
            to: get(r, 8)?,
            reason: get(r, 9)?,
        },
    })
}

const ISSUE_COLS: &str =
    "repo, number, kind, coord_id, marker, title, body, state, labels, parent, created_at, updated_at";

fn issue_row(r: &Row) -> Result<Issue> {
    let kind: String = get(r, 2)?;
    let state: String = get(r, 7)?;
    let number: i64 = get(r, 1)?;
    Ok(Issue {
        reference: IssueRef {
            repo: repo(get(r, 0)?)?,
            number: u64::try_from(number).map_err(|_| corrupt(format!("issue number {number}")))?,
        },
        kind: IssueKind::parse(&kind).ok_or_else(|| corrupt(format!("issue kind '{kind}'")))?,
        coordination: get::<Option<i64>>(r, 3)?.map(CoordId),
        marker: get(r, 4)?,
        title: get(r, 5)?,
        body: get(r, 6)?,
        state: if state == "closed" { IssueState::Closed } else { IssueState::Open },
        labels: json(&get::<String>(r, 8)?)?,
        parent: issue_ref(get(r, 9)?)?,
        created_at: get(r, 10)?,
        updated_at: get(r, 11)?,
    })
}

const ANALYSIS_COLS: &str = "id, repo, base, head, at, impact, findings, consumers, coord_id";

/// The columns an analysis is written with, by `record_analysis` (a new id) and `import` (its
/// own id) alike.
const ANALYSIS_WRITE_COLS: &str = "repo, base, head, at, impact, breaking, findings, consumers, coord_id";

/// An analysis's values in the order of [`ANALYSIS_WRITE_COLS`].
struct AnalysisValues<'a> {
    a: &'a AnalysisRecord,
    repo: Option<&'a str>,
    impact: &'static str,
    breaking: i64,
    findings: String,
    consumers: String,
    coordination: Option<i64>,
}

impl<'a> AnalysisValues<'a> {
    fn new(a: &'a AnalysisRecord) -> Self {
        AnalysisValues {
            a,
            repo: a.repo.as_ref().map(RepoName::as_str),
            impact: a.impact.as_str(),
            breaking: a.breaking() as i64,
            findings: to_json(&a.findings),
            consumers: to_json(&a.consumers),
            coordination: a.coordination.map(|c| c.0),
        }
    }

    fn params(&self) -> [&(dyn ToSql + Sync); 9] {
        [
            &self.repo,
            &self.a.base,
            &self.a.head,
            &self.a.at,
            &self.impact,
            &self.breaking,
            &self.findings,
            &self.consumers,
            &self.coordination,
        ]
    }
}

fn analysis_row(r: &Row) -> Result<AnalysisRecord> {
    Ok(AnalysisRecord {
        id: get(r, 0)?,
        repo: get::<Option<String>>(r, 1)?.map(repo).transpose()?,
        base: get(r, 2)?,
        head: get(r, 3)?,
        at: get(r, 4)?,
        impact: parse(get(r, 5)?)?,
        findings: json(&get::<String>(r, 6)?)?,
        consumers: json(&get::<String>(r, 7)?)?,
        coordination: get::<Option<i64>>(r, 8)?.map(CoordId),
    })
}

const DELIVERY_COLS: &str = "id, event, payload, received_at, state, attempts, last_error, next_attempt_at, lease_owner, lease_until, finished_at, outcome";

fn delivery_row(r: &Row) -> Result<Delivery> {
    let state: String = get(r, 4)?;
    let attempts: i32 = get(r, 5)?;
    Ok(Delivery {
        id: get(r, 0)?,
        event: get(r, 1)?,
        payload: get(r, 2)?,
        received_at: get(r, 3)?,
        state: DeliveryState::parse(&state).ok_or_else(|| corrupt(format!("delivery state '{state}'")))?,
        attempts: u32::try_from(attempts).map_err(|_| corrupt(format!("delivery attempts {attempts}")))?,
        last_error: get(r, 6)?,
        next_attempt_at: get(r, 7)?,
        lease_owner: get(r, 8)?,
        lease_until: get(r, 9)?,
        finished_at: get(r, 10)?,
        outcome: get(r, 11)?,
    })
}

const COMMENT_COLS: &str = "id, repo, number, author, body, at";

fn comment_row(r: &Row) -> Result<IssueComment> {
    let number: i64 = get(r, 2)?;
    Ok(IssueComment {
        id: get(r, 0)?,
        issue: IssueRef {
            repo: repo(get(r, 1)?)?,
            number: u64::try_from(number).map_err(|_| corrupt(format!("issue number {number}")))?,
        },
        author: get(r, 3)?,
        body: get(r, 4)?,
        at: get(r, 5)?,
    })
}

/// Children of the given coordinations (all when `None`), attached in position order.
fn attach_children(c: &mut impl GenericClient, coords: &mut [Coordination]) -> Result<()> {
    let rows = c
        .query(&format!("SELECT {CHILD_COLS} FROM children ORDER BY coord_id, position"), &[])
        .ctx("listing children")?;
    let index: std::collections::HashMap<i64, usize> = coords.iter().enumerate().map(|(i, c)| (c.id.0, i)).collect();
    for row in &rows {
        let (cid, ch) = child_row(row)?;
        if let Some(&i) = index.get(&cid) {
            coords[i].children.push(ch);
        }
    }
    Ok(())
}

fn issue_number(r: &IssueRef) -> i64 {
    i64::try_from(r.number).unwrap_or(i64::MAX)
}

impl PostgresStore {
    fn conn(&self) -> Result<pool::Conn<'_>> {
        self.pool.get()
    }
}

/// Statements built once from the column lists. Every write that the engine makes often is one
/// statement (data-modifying `WITH` clauses where it touches several tables): one round trip,
/// one implicit transaction, no `BEGIN`/`COMMIT` of its own.
mod sql {
    use super::*;
    use std::sync::LazyLock;

    /// Inserts a coordination (`$1`…`$16`, [`COORD_WRITE_COLS`]) with its children (`$17`…`$27`)
    /// and, `with_events`, its first events (`$28`…`$35`), unless its key exists; answers
    /// `(id, inserted)` — no row when a concurrent insert of the key won meanwhile.
    fn insert_coordination(with_events: bool) -> String {
        let events = if with_events {
            format!(", ev AS ({})", EventArrays::append("ins.id", "ins, ", 28))
        } else {
            String::new()
        };
        format!(
            "WITH ins AS (
               INSERT INTO coordinations (version, {COORD_WRITE_COLS}) SELECT 1, {}
               WHERE NOT EXISTS (SELECT 1 FROM coordinations WHERE key = $1)
               ON CONFLICT (key) DO NOTHING RETURNING id),
             ch AS ({}){events}
             SELECT id, true FROM ins UNION ALL SELECT id, false FROM coordinations WHERE key = $1",
            placeholders(1, 16),
            ChildArrays::upsert("ins.id", "ins, ", 17)
        )
    }
    pub(super) static INSERT_COORDINATION: LazyLock<[String; 2]> =
        LazyLock::new(|| [insert_coordination(false), insert_coordination(true)]);

    /// Saves a coordination if `$10` is still its version (`$9` its id), with its children
    /// (`$11`…`$21`) and, `with_events`, new events (`$22`…`$29`); answers `(saved, exists)`.
    /// The row lock of the update makes a concurrent save of the same version wait, then match
    /// no row: a conflict, never a lost write.
    fn save_coordination(with_events: bool) -> String {
        let events = if with_events {
            format!(", ev AS ({})", EventArrays::append("upd.id", "upd, ", 22))
        } else {
            String::new()
        };
        format!(
            "WITH upd AS (
               UPDATE coordinations SET title = $1, priority = $2, status = $3, hold = $4, plan = $5, milestone = $6,
                 integration = $7, updated_at = $8, version = version + 1
               WHERE id = $9 AND version = $10 RETURNING id),
             ch AS ({}){events}
             SELECT EXISTS (SELECT 1 FROM upd), EXISTS (SELECT 1 FROM coordinations WHERE id = $9)",
            ChildArrays::upsert("upd.id", "upd, ", 11)
        )
    }
    pub(super) static SAVE_COORDINATION: LazyLock<[String; 2]> =
        LazyLock::new(|| [save_coordination(false), save_coordination(true)]);

    pub(super) static LOAD_COORDINATION: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT {} FROM coordinations c LEFT JOIN children ch ON ch.coord_id = c.id WHERE c.id = $1
             ORDER BY ch.position",
            coordination_with_children_cols()
        )
    });

    /// The oldest coordination whose parent, integration or child issue is `$1` (as text).
    pub(super) static COORDINATION_WITH_ISSUE: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT {} FROM coordinations c LEFT JOIN children ch ON ch.coord_id = c.id
             WHERE c.id = (SELECT min(id) FROM (
               SELECT id FROM coordinations WHERE issue = $1 OR integration_issue = $1
               UNION ALL SELECT coord_id FROM children WHERE issue = $1) found)
             ORDER BY ch.position",
            coordination_with_children_cols()
        )
    });

    pub(super) static LIST_COORDINATIONS: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT {} FROM coordinations c LEFT JOIN children ch ON ch.coord_id = c.id ORDER BY c.id, ch.position",
            coordination_with_children_cols()
        )
    });

    /// Links issue `$2` to coordination `$1`'s parent, integration or child `$11` unless it is
    /// linked already, appending the event (`$3`…`$10`) only then; answers `(linked, exists)`.
    /// Two instances resuming the same creation take turns on the row lock, and the second
    /// finds the link made: the history says it once.
    fn link_issue(subject: &str) -> String {
        let (table, column, key, exists) = match subject {
            "coordination" => ("coordinations", "issue", "id = $1", "coordinations WHERE id = $1"),
            "integration" => ("coordinations", "integration_issue", "id = $1", "coordinations WHERE id = $1"),
            _ => ("children", "issue", "coord_id = $1 AND repo = $11", "children WHERE coord_id = $1 AND repo = $11"),
        };
        format!(
            "WITH upd AS (
               UPDATE {table} SET {column} = $2 WHERE {key} AND {column} IS DISTINCT FROM $2 RETURNING $1::bigint AS id),
             ev AS ({})
             SELECT EXISTS (SELECT 1 FROM upd), EXISTS (SELECT 1 FROM {exists})",
            EventArrays::append("upd.id", "upd, ", 3)
        )
    }
    pub(super) static LINK_ISSUE: LazyLock<[String; 3]> =
        LazyLock::new(|| [link_issue("coordination"), link_issue("integration"), link_issue("child")]);

    /// Opens issue `$4` (its marker) in repository `$1` with the next number there, unless the
    /// marker exists; answers the issue's [`ISSUE_COLS`] and whether it was opened now. No row
    /// when a concurrent creation of the same marker won meanwhile; a unique violation when one
    /// took the same number: both are asked again.
    pub(super) static CREATE_ISSUE: LazyLock<String> = LazyLock::new(|| {
        format!(
            "WITH found AS (SELECT {ISSUE_COLS} FROM issues WHERE marker = $4),
             ins AS (
               INSERT INTO issues ({ISSUE_COLS})
               SELECT $1, COALESCE((SELECT MAX(number) FROM issues WHERE repo = $1), 0) + 1, $2, $3, $4, $5, $6, 'open',
                 $7, $8, $9, $9
               WHERE NOT EXISTS (SELECT 1 FROM found)
               ON CONFLICT (marker) DO NOTHING RETURNING {ISSUE_COLS})
             SELECT *, true FROM ins UNION ALL SELECT *, false FROM found"
        )
    });

    /// A one-row table whose reading turns off the wait for the WAL flush at this statement's
    /// commit (`synchronous_commit` for this transaction only). For a delivery's claim and
    /// outcome alone: a claim or an outcome that a crash of the database server loses leaves the
    /// delivery pending, to be handled again, and the handlers are idempotent (the delivery's
    /// receipt and its effects keep the durable commit). WAL is written in order, so an outcome
    /// is never kept while the effect before it is lost.
    pub(super) const RELAXED: &str = "(SELECT set_config('synchronous_commit', 'off', true)) relaxed";

    /// Records outcome `$3` at `$4` of delivery `$1` if `$2` still holds its lease.
    pub(super) static FINISH_DELIVERY: LazyLock<String> = LazyLock::new(|| {
        format!(
            "UPDATE deliveries SET state = 'done', outcome = $3, finished_at = $4, lease_owner = NULL,
               lease_until = NULL FROM {RELAXED} WHERE id = $1 AND lease_owner = $2 AND state = 'pending'"
        )
    });

    /// Claims the oldest due delivery whose lease is free or expired for `$2` until `$3`.
    pub(super) static CLAIM_DELIVERY: LazyLock<String> = LazyLock::new(|| {
        format!(
            "WITH due AS (
               SELECT id FROM deliveries WHERE state = 'pending' AND next_attempt_at <= $1
                 AND (lease_until IS NULL OR lease_until <= $1)
               ORDER BY next_attempt_at, received_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
             UPDATE deliveries d SET lease_owner = $2, lease_until = $3, attempts = d.attempts + 1
             FROM due, {RELAXED} WHERE d.id = due.id RETURNING {}",
            DELIVERY_COLS.split(", ").map(|c| format!("d.{c}")).collect::<Vec<_>>().join(", ")
        )
    });

    /// Opens the issues of a batch (arrays `$1`…`$8`: repo, kind, coordination, marker, title,
    /// body, labels, parent; `$9` the time) whose markers do not exist, numbered on in each
    /// repository in the batch's order; answers each item's issue ([`ISSUE_COLS`]) and its
    /// position (from 1). An item without a row lost its marker to a concurrent creation.
    pub(super) static CREATE_ISSUES: LazyLock<String> = LazyLock::new(|| {
        let found = ISSUE_COLS.split(", ").map(|c| format!("x.{c}")).collect::<Vec<_>>().join(", ");
        format!(
            "WITH items AS (
               SELECT * FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[],
                                    $7::text[], $8::text[])
                 WITH ORDINALITY AS i(repo, kind, coord_id, marker, title, body, labels, parent, n)),
             found AS (SELECT {found} FROM issues x WHERE x.marker IN (SELECT marker FROM items)),
             fresh AS (SELECT DISTINCT ON (i.marker) i.* FROM items i
                       WHERE i.marker NOT IN (SELECT marker FROM found) ORDER BY i.marker, i.n),
             numbered AS (SELECT f.*, COALESCE((SELECT MAX(x.number) FROM issues x WHERE x.repo = f.repo), 0)
                                   + row_number() OVER (PARTITION BY f.repo ORDER BY f.n) AS number FROM fresh f),
             ins AS (INSERT INTO issues ({ISSUE_COLS})
                     SELECT repo, number, kind, coord_id, marker, title, body, 'open', labels, parent,
                            $9::timestamptz, $9::timestamptz
                     FROM numbered ORDER BY n
                     ON CONFLICT (marker) DO NOTHING RETURNING {ISSUE_COLS})
             SELECT r.*, i.n FROM items i JOIN (SELECT * FROM ins UNION ALL SELECT * FROM found) r ON r.marker = i.marker
             ORDER BY i.n"
        )
    });

    /// Links the issues `$4` to the subjects (`$2` kinds, `$3` child repos) of coordination `$1`
    /// unless linked so already, appending the events (`$5`…`$12`) of the new links in order;
    /// answers per item its position, whether it was linked now and whether its subject exists.
    /// The subjects are distinct and touch the coordination's row at most once.
    pub(super) static LINK_ISSUES: LazyLock<String> = LazyLock::new(|| {
        let cols = EVENT_WRITE_COLS.split(", ").map(|c| format!("e.{c}")).collect::<Vec<_>>().join(", ");
        format!(
            "WITH l AS (SELECT * FROM UNNEST($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS l(kind, repo, ref, n)),
             ch AS (UPDATE children c SET issue = l.ref FROM l
                    WHERE l.kind = 'child' AND c.coord_id = $1 AND c.repo = l.repo AND c.issue IS DISTINCT FROM l.ref
                    RETURNING l.n),
             pa AS (UPDATE coordinations c SET issue = l.ref FROM l
                    WHERE l.kind = 'coordination' AND c.id = $1 AND c.issue IS DISTINCT FROM l.ref RETURNING l.n),
             it AS (UPDATE coordinations c SET integration_issue = l.ref FROM l
                    WHERE l.kind = 'integration' AND c.id = $1 AND c.integration_issue IS DISTINCT FROM l.ref
                    RETURNING l.n),
             changed AS (SELECT n FROM ch UNION ALL SELECT n FROM pa UNION ALL SELECT n FROM it),
             ev AS (INSERT INTO events (coord_id, {EVENT_WRITE_COLS}) SELECT $1, {cols} FROM {}
                    WHERE e.n IN (SELECT n FROM changed) ORDER BY e.n)
             SELECT l.n, l.n IN (SELECT n FROM changed),
                    CASE WHEN l.kind = 'child' THEN EXISTS (SELECT 1 FROM children WHERE coord_id = $1 AND repo = l.repo)
                         ELSE EXISTS (SELECT 1 FROM coordinations WHERE id = $1) END
             FROM l ORDER BY l.n",
            EventArrays::unnest(5)
        )
    });

    /// Takes, until the transaction ends, the numbering lock of each repository in `$2` (`$1`
    /// the schema's prefix), in name order so that two batches never wait for each other in a
    /// cycle. Creations in one repository then number one after the other: the statement after
    /// this one sees every number committed before the lock was granted.
    pub(super) const LOCK_NUMBERING: &str =
        "SELECT pg_advisory_xact_lock($3, hashtext($1 || r)) FROM (SELECT DISTINCT r FROM UNNEST($2::text[]) r ORDER BY r) s";

    pub(super) static ISSUE_BY_MARKER: LazyLock<String> =
        LazyLock::new(|| format!("SELECT {ISSUE_COLS} FROM issues WHERE marker = $1"));
}

/// Whether a statement failed only because a concurrent one won a race (a number taken, a
/// deadlock broken): asked again, it succeeds.
fn lost_a_race(e: &StoreError) -> bool {
    use postgres::error::SqlState;
    let StoreError::Sql { source: crate::DbError::Postgres(e), .. } = e else { return false };
    matches!(e.code(), Some(c) if *c == SqlState::UNIQUE_VIOLATION || *c == SqlState::T_R_DEADLOCK_DETECTED
        || *c == SqlState::T_R_SERIALIZATION_FAILURE)
}

/// How often an operation that lost a race is tried again before its error is returned.
const RACE_RETRIES: usize = 20;

/// Serializes issue numbering in `repos` for the rest of the transaction `s` (see
/// [`sql::LOCK_NUMBERING`]). Without it, creations racing for the next number in one repository
/// could lose to each other over and over under load (each losing try is asked again, but
/// nothing bounds how often the same creation loses).
fn lock_numbering<'a>(s: &mut impl Session, scope: &str, repos: impl IntoIterator<Item = &'a str>) -> Result<()> {
    let prefix = format!("{scope}:issue-number:");
    let repos: Vec<&str> = repos.into_iter().collect();
    s.execute(sql::LOCK_NUMBERING, &[&prefix, &repos, &LOCK_CLASS]).ctx("waiting to number issues")?;
    Ok(())
}

/// Opens the issue `spec` describes unless its marker exists (one statement); `None` when a
/// concurrent creation of the marker won meanwhile (asked again, it is found).
fn create_issue_once(s: &mut impl Session, spec: &IssueSpec, now: DateTime<Utc>) -> Result<Option<(Issue, bool)>> {
    let row = s
        .query_opt(
            &sql::CREATE_ISSUE,
            &[
                &spec.repo.as_str(),
                &spec.kind.as_str(),
                &spec.coordination.map(|c| c.0),
                &spec.marker,
                &spec.title,
                &spec.body,
                &to_json(&spec.labels),
                &spec.parent.as_ref().map(|p| p.to_string()),
                &now,
            ],
        )
        .ctx("creating an issue")?;
    row.map(|r| Ok((issue_row(&r)?, get::<bool>(&r, 12)?))).transpose()
}

/// Links `issue` to `subject` of coordination `id` unless it is so already (one statement).
fn link_issue_once(
    s: &mut impl Session,
    id: CoordId,
    subject: &Subject,
    issue: &IssueRef,
    event: &Event,
) -> Result<bool> {
    let r = issue.to_string();
    let ev = EventArrays::new(std::iter::once(event));
    let (which, repo) = match subject {
        Subject::Coordination => (0, None),
        Subject::Integration => (1, None),
        Subject::Child(repo) => (2, Some(repo.as_str())),
    };
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&id.0, &r];
    params.extend(ev.params());
    if let Some(repo) = &repo {
        params.push(repo);
    }
    let row = s.query_one(&sql::LINK_ISSUE[which], &params).ctx("linking an issue")?;
    let (linked, exists): (bool, bool) = (get(&row, 0)?, get(&row, 1)?);
    if !exists {
        return Err(StoreError::NotFound(id));
    }
    Ok(linked)
}

/// Opens and links a batch of issues on `s` (a transaction): see [`Store::create_and_link_issues`].
/// Two statements for the whole batch (one opening the issues, one linking them with their
/// events) when its subjects are distinct and not both the parent and the integration (which
/// share a row); else two statements per issue.
fn create_and_link_in(
    s: &mut impl Session,
    id: CoordId,
    items: &[(Subject, IssueSpec)],
    now: DateTime<Utc>,
    event: &dyn Fn(&Subject, &IssueRef) -> Event,
) -> Result<Vec<(Issue, bool)>> {
    let mut subjects = std::collections::HashSet::new();
    let distinct = items.iter().all(|(subject, _)| subjects.insert(subject_cols(subject)));
    let one_row = !(subjects.contains(&("coordination", None)) && subjects.contains(&("integration", None)));
    if items.len() > 1 && distinct && one_row {
        let issues = create_issues_batch(s, items, now)?;
        let linked = link_issues_batch(s, id, items, &issues, event)?;
        return Ok(issues.into_iter().zip(linked).collect());
    }
    let mut out = Vec::with_capacity(items.len());
    for (subject, spec) in items {
        let issue = match create_issue_once(s, spec, now)? {
            Some((issue, _)) => issue,
            // A concurrent creation of this marker committed meanwhile: this statement sees it.
            None => s
                .query_opt(&sql::ISSUE_BY_MARKER, &[&spec.marker])
                .ctx("looking up an issue")?
                .as_ref()
                .map(issue_row)
                .transpose()?
                .ok_or_else(|| corrupt(format!("issue {} neither created nor found", spec.marker)))?,
        };
        let linked = link_issue_once(s, id, subject, &issue.reference, &event(subject, &issue.reference))?;
        out.push((issue, linked));
    }
    Ok(out)
}

/// Opens the issues of a batch that do not exist yet (by marker) in one statement, numbered on
/// in each repository in the batch's order; returns every item's issue.
fn create_issues_batch(s: &mut impl Session, items: &[(Subject, IssueSpec)], now: DateTime<Utc>) -> Result<Vec<Issue>> {
    let specs = items.iter().map(|(_, spec)| spec);
    let repo: Vec<&str> = specs.clone().map(|p| p.repo.as_str()).collect();
    let kind: Vec<&str> = specs.clone().map(|p| p.kind.as_str()).collect();
    let coord: Vec<Option<i64>> = specs.clone().map(|p| p.coordination.map(|c| c.0)).collect();
    let marker: Vec<&str> = specs.clone().map(|p| p.marker.as_str()).collect();
    let title: Vec<&str> = specs.clone().map(|p| p.title.as_str()).collect();
    let body: Vec<&str> = specs.clone().map(|p| p.body.as_str()).collect();
    let labels: Vec<String> = specs.clone().map(|p| to_json(&p.labels)).collect();
    let parent: Vec<Option<String>> = specs.map(|p| p.parent.as_ref().map(|r| r.to_string())).collect();
    for _ in 0..RACE_RETRIES {
        let rows = s
            .query(&sql::CREATE_ISSUES, &[&repo, &kind, &coord, &marker, &title, &body, &labels, &parent, &now])
            .ctx("creating issues")?;
        let mut issues: Vec<Option<Issue>> = vec![None; items.len()];
        for r in &rows {
            let n: i64 = get(r, 12)?;
            if let Some(slot) = usize::try_from(n - 1).ok().and_then(|i| issues.get_mut(i)) {
                *slot = Some(issue_row(r)?);
            }
        }
        // An item missing lost the race for its marker to a concurrent creation, committed
        // since: asked again, the statement finds it.
        if let Some(all) = issues.into_iter().collect::<Option<Vec<Issue>>>() {
            return Ok(all);
        }
    }
    Err(StoreError::Unavailable(format!(
        "{RACE_RETRIES} concurrent creations in a row took issues of this batch; try again"
    )))
}

/// Links each item's issue to its subject unless it is so already, appending the events of the
/// new links in order, in one statement; returns whether each was linked now.
fn link_issues_batch(
    s: &mut impl Session,
    id: CoordId,
    items: &[(Subject, IssueSpec)],
    issues: &[Issue],
    event: &dyn Fn(&Subject, &IssueRef) -> Event,
) -> Result<Vec<bool>> {
    let kind: Vec<&str> = items.iter().map(|(subject, _)| subject_cols(subject).0).collect();
    let repo: Vec<Option<&str>> = items.iter().map(|(subject, _)| subject_cols(subject).1).collect();
    let refs: Vec<String> = issues.iter().map(|i| i.reference.to_string()).collect();
    let events: Vec<Event> = items.iter().zip(issues).map(|((subject, _), i)| event(subject, &i.reference)).collect();
    let ev = EventArrays::new(events.iter());
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&id.0, &kind, &repo, &refs];
    params.extend(ev.params());
    let rows = s.query(&sql::LINK_ISSUES, &params).ctx("linking issues")?;
    let mut linked = Vec::with_capacity(items.len());
    for r in &rows {
        if !get::<bool>(r, 2)? {
            return Err(StoreError::NotFound(id));
        }
        linked.push(get::<bool>(r, 1)?);
    }
    Ok(linked)
}

impl Store for PostgresStore {
    fn insert_coordination(&self, c: &Coordination, events: &[Event]) -> Result<(CoordId, bool)> {
        let mut conn = self.conn()?;
        let values = CoordValues::new(c);
        let children = ChildArrays::new(&c.children);
        let ev = EventArrays::new(events.iter());
        let mut params: Vec<&(dyn ToSql + Sync)> = values.params().to_vec();
        params.extend(children.params());
        if !events.is_empty() {
            params.extend(ev.params());
        }
        let row = conn
            .query_opt(&sql::INSERT_COORDINATION[usize::from(!events.is_empty())], &params)
            .ctx("inserting a coordination")?;
        if let Some(row) = row {
            return Ok((CoordId(get(&row, 0)?), get(&row, 1)?));
        }
        // Another instance inserted the same key meanwhile (and has committed: the insert waited
        // for it); a new statement sees its row.
        let row = conn.query_one("SELECT id FROM coordinations WHERE key = $1", &[&c.key]).ctx("looking up a key")?;
        Ok((CoordId(get(&row, 0)?), false))
    }

    fn find_coordination_by_key(&self, key: &str) -> Result<Option<CoordId>> {
        let row =
            self.conn()?.query_opt("SELECT id FROM coordinations WHERE key = $1", &[&key]).ctx("looking up a key")?;
        Ok(row.map(|r| CoordId(r.get(0))))
    }

    fn load_coordination(&self, id: CoordId) -> Result<Coordination> {
        // One statement: the parent and its children from one snapshot.
        let rows = self.conn()?.query(&sql::LOAD_COORDINATION, &[&id.0]).ctx("loading a coordination")?;
        coordinations_with_children(&rows)?.pop().ok_or(StoreError::NotFound(id))
    }

    fn save_coordination(&self, c: &Coordination, events: &[Event]) -> Result<()> {
        let mut conn = self.conn()?;
        let hold = c.hold.as_ref().map(to_json);
        let integration = integration_json(&c.integration);
        let (priority, status) = (c.priority.as_str(), c.status.as_str());
        let children = ChildArrays::new(&c.children);
        let ev = EventArrays::new(events.iter());
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![
            &c.title,
            &priority,
            &status,
            &hold,
            &c.plan,
            &c.milestone,
            &integration,
            &c.updated_at,
            &c.id.0,
            &c.version,
        ];
        params.extend(children.params());
        if !events.is_empty() {
            params.extend(ev.params());
        }
        let row = conn
            .query_one(&sql::SAVE_COORDINATION[usize::from(!events.is_empty())], &params)
            .ctx("saving a coordination")?;
        match (get::<bool>(&row, 0)?, get::<bool>(&row, 1)?) {
            (true, _) => Ok(()),
            (false, true) => Err(StoreError::Conflict(c.id)),
            (false, false) => Err(StoreError::NotFound(c.id)),
        }
    }

    fn link_issue(&self, id: CoordId, subject: &Subject, issue: &IssueRef, event: &Event) -> Result<bool> {
        link_issue_once(&mut self.conn()?, id, subject, issue, event)
    }

    fn create_and_link_issues(
        &self,
        id: CoordId,
        items: &[(Subject, IssueSpec)],
        now: DateTime<Utc>,
        event: &dyn Fn(&Subject, &IssueRef) -> Event,
    ) -> Result<Vec<(Issue, bool)>> {
        let mut conn = self.conn()?;
        let mut tries = 0;
        loop {
            tries += 1;
            let mut tx = conn.transaction().ctx("starting a transaction")?;
            let created = lock_numbering(&mut tx, &self.scope, items.iter().map(|(_, spec)| spec.repo.as_str()))
                .and_then(|()| create_and_link_in(&mut tx, id, items, now, event));
            match created {
                Ok(out) => {
                    tx.commit().ctx("committing issues")?;
                    return Ok(out);
                }
                // Dropping the transaction rolls it back: nothing of this try stays.
                Err(e) if lost_a_race(&e) && tries < RACE_RETRIES => {}
                Err(e) => return Err(e),
            }
        }
    }

    fn list_coordinations(&self) -> Result<Vec<Coordination>> {
        let rows = self.conn()?.query(&sql::LIST_COORDINATIONS, &[]).ctx("listing coordinations")?;
        coordinations_with_children(&rows)
    }

    fn coordination_with_issue(&self, r: &IssueRef) -> Result<Option<Coordination>> {
        // One statement: the lookup and the aggregate from one snapshot.
        let rows = self
            .conn()?
            .query(&sql::COORDINATION_WITH_ISSUE, &[&r.to_string()])
            .ctx("finding an issue's coordination")?;
        Ok(coordinations_with_children(&rows)?.pop())
    }

    fn list_summaries(&self) -> Result<Vec<tandem_model::CoordinationSummary>> {
        summaries::list(&self.pool)
    }

    fn events(&self, id: CoordId) -> Result<Vec<StoredEvent>> {
        let q = format!("SELECT {EVENT_COLS} FROM events WHERE coord_id = $1 ORDER BY id");
        rows_ctx(self.conn()?.query(&q, &[&id.0]), "reading history", event_row)
    }

    fn all_events(&self) -> Result<Vec<StoredEvent>> {
        let q = format!("SELECT {EVENT_COLS} FROM events ORDER BY id");
        rows_ctx(self.conn()?.query(&q, &[]), "reading history", event_row)
    }

    fn events_since(&self, at: DateTime<Utc>) -> Result<Vec<StoredEvent>> {
        let q = format!("SELECT {EVENT_COLS} FROM events WHERE at >= $1 ORDER BY id");
        rows_ctx(self.conn()?.query(&q, &[&at]), "reading history", event_row)
    }

    fn record_analysis(&self, a: &AnalysisRecord) -> Result<i64> {
        let sql = format!("INSERT INTO analyses ({ANALYSIS_WRITE_COLS}) VALUES ({}) RETURNING id", placeholders(1, 9));
        let row = self.conn()?.query_one(&sql, &AnalysisValues::new(a).params()).ctx("recording an analysis")?;
        Ok(row.get(0))
    }

    fn set_analysis_coordination(&self, analysis: i64, coordination: CoordId) -> Result<()> {
        self.conn()?
            .execute("UPDATE analyses SET coord_id = $1 WHERE id = $2", &[&coordination.0, &analysis])
            .ctx("linking an analysis")?;
        Ok(())
    }

    fn list_analyses(&self) -> Result<Vec<AnalysisRecord>> {
        let q = format!("SELECT {ANALYSIS_COLS} FROM analyses ORDER BY id");
        rows_ctx(self.conn()?.query(&q, &[]), "listing analyses", analysis_row)
    }

    fn create_issue(&self, spec: &IssueSpec, now: DateTime<Utc>) -> Result<(Issue, bool)> {
        let mut conn = self.conn()?;
        // The repository's numbering lock, then one statement, in a transaction: creations in
        // one repository take their numbers in turn. A lost race that remains possible (the
        // marker created meanwhile in another repository, or a writer that takes no lock)
        // committed nothing and is asked again.
        let mut tries = 0;
        loop {
            tries += 1;
            let mut tx = conn.transaction().ctx("starting a transaction")?;
            let created = lock_numbering(&mut tx, &self.scope, [spec.repo.as_str()])
                .and_then(|()| create_issue_once(&mut tx, spec, now));
            match created {
                Ok(Some(found)) => {
                    tx.commit().ctx("committing an issue")?;
                    return Ok(found);
                }
                Ok(None) => {}
                Err(e) if lost_a_race(&e) && tries < RACE_RETRIES => {}
                Err(e) => return Err(e),
            }
            if tries >= RACE_RETRIES {
                return Err(StoreError::Unavailable(format!(
                    "issue {} in {}: {RACE_RETRIES} concurrent creations in a row took its number; try again",
                    spec.marker, spec.repo
                )));
            }
        }
    }

    fn find_issue_by_marker(&self, marker: &str) -> Result<Option<Issue>> {
        self.conn()?
            .query_opt(&sql::ISSUE_BY_MARKER, &[&marker])
            .ctx("looking up an issue")?
            .as_ref()
            .map(issue_row)
            .transpose()
    }

    fn update_issue(&self, r: &IssueRef, u: &IssueUpdate, now: DateTime<Utc>) -> Result<Issue> {
        let row = self
            .conn()?
            .query_opt(
                &format!(
                    "UPDATE issues SET title = COALESCE($1, title), body = COALESCE($2, body),
                       state = COALESCE($3, state), labels = COALESCE($4, labels), updated_at = $5
                     WHERE repo = $6 AND number = $7 RETURNING {ISSUE_COLS}"
                ),
                &[
                    &u.title,
                    &u.body,
                    &u.state.map(IssueState::as_str),
                    &u.labels.as_ref().map(to_json),
                    &now,
                    &r.repo.as_str(),
                    &issue_number(r),
                ],
            )
            .ctx("updating an issue")?;
        match row {
            Some(row) => issue_row(&row),
            None => Err(StoreError::IssueNotFound(r.to_string())),
        }
    }

    fn get_issue(&self, r: &IssueRef) -> Result<Option<Issue>> {
        let q = format!("SELECT {ISSUE_COLS} FROM issues WHERE repo = $1 AND number = $2");
        let row = self.conn()?.query_opt(&q, &[&r.repo.as_str(), &issue_number(r)]).ctx("reading an issue")?;
        row.as_ref().map(issue_row).transpose()
    }

    fn list_issues(&self, repo: Option<&RepoName>) -> Result<Vec<Issue>> {
        let q = format!("SELECT {ISSUE_COLS} FROM issues WHERE $1::text IS NULL OR repo = $1 ORDER BY id");
        rows_ctx(self.conn()?.query(&q, &[&repo.map(RepoName::as_str)]), "listing issues", issue_row)
    }

    fn add_issue_comment(&self, r: &IssueRef, author: &str, body: &str, now: DateTime<Utc>) -> Result<IssueComment> {
        let row = self
            .conn()?
            .query_opt(
                "INSERT INTO issue_comments (repo, number, author, body, at)
                 SELECT repo, number, $3, $4, $5 FROM issues WHERE repo = $1 AND number = $2 RETURNING id",
                &[&r.repo.as_str(), &issue_number(r), &author, &body, &now],
            )
            .ctx("adding a comment")?
            .ok_or_else(|| StoreError::IssueNotFound(r.to_string()))?;
        Ok(IssueComment { id: row.get(0), issue: r.clone(), author: author.into(), body: body.into(), at: now })
    }

    fn add_issue_comment_once(
        &self,
        r: &IssueRef,
        author: &str,
        body: &str,
        now: DateTime<Utc>,
        once: &str,
    ) -> Result<Option<IssueComment>> {
        // One statement: the record of the comment and the comment itself, or neither. A
        // concurrent call with the same `once` waits for this one, then writes nothing.
        let row = self
            .conn()?
            .query_one(
                "WITH issue AS (SELECT repo, number FROM issues WHERE repo = $1 AND number = $2),
                 once AS (INSERT INTO state (key, value) SELECT $3, 'posted' WHERE EXISTS (SELECT 1 FROM issue)
                          ON CONFLICT (key) DO NOTHING RETURNING key),
                 added AS (INSERT INTO issue_comments (repo, number, author, body, at)
                           SELECT $1, $2, $4, $5, $6 FROM once RETURNING id)
                 SELECT EXISTS (SELECT 1 FROM issue), (SELECT id FROM added)",
                &[&r.repo.as_str(), &issue_number(r), &once, &author, &body, &now],
            )
            .ctx("adding a comment")?;
        if !get::<bool>(&row, 0)? {
            return Err(StoreError::IssueNotFound(r.to_string()));
        }
        Ok(get::<Option<i64>>(&row, 1)?.map(|id| IssueComment {
            id,
            issue: r.clone(),
            author: author.into(),
            body: body.into(),
            at: now,
        }))
    }

    fn issue_comments(&self, r: &IssueRef) -> Result<Vec<IssueComment>> {
        let q = format!("SELECT {COMMENT_COLS} FROM issue_comments WHERE repo = $1 AND number = $2 ORDER BY id");
        rows_ctx(self.conn()?.query(&q, &[&r.repo.as_str(), &issue_number(r)]), "reading comments", comment_row)
    }

    fn last_event_id(&self) -> Result<i64> {
        last_event_id(&mut *self.conn()?)
    }

    fn insert_delivery(&self, d: &NewDelivery) -> Result<bool> {
        let n = self
            .conn()?
            .execute(
                "INSERT INTO deliveries (id, event, payload, received_at, state, next_attempt_at)
                 VALUES ($1, $2, $3, $4, 'pending', $4) ON CONFLICT (id) DO NOTHING",
                &[&d.id, &d.event, &d.payload, &d.received_at],
            )
            .ctx("recording a delivery")?;
        Ok(n == 1)
    }

    fn claim_delivery(&self, owner: &str, now: DateTime<Utc>, lease: chrono::Duration) -> Result<Option<Delivery>> {
        // SKIP LOCKED: instances claiming at once each take a different delivery instead of
        // queueing behind one another's row lock.
        let row =
            self.conn()?.query_opt(&sql::CLAIM_DELIVERY, &[&now, &owner, &(now + lease)]).ctx("claiming a delivery")?;
        row.as_ref().map(delivery_row).transpose()
    }

    fn finish_delivery(&self, id: &str, owner: &str, outcome: &str, now: DateTime<Utc>) -> Result<bool> {
        let n =
            self.conn()?.execute(&sql::FINISH_DELIVERY, &[&id, &owner, &outcome, &now]).ctx("finishing a delivery")?;
        Ok(n == 1)
    }

    fn fail_delivery(
        &self,
        id: &str,
        owner: &str,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let n = self
            .conn()?
            .execute(
                "UPDATE deliveries SET last_error = $3, lease_owner = NULL, lease_until = NULL,
                   state = CASE WHEN $4::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,
                   next_attempt_at = COALESCE($4, next_attempt_at),
                   finished_at = CASE WHEN $4::timestamptz IS NULL THEN $5::timestamptz ELSE NULL END
                 WHERE id = $1 AND lease_owner = $2 AND state = 'pending'",
                &[&id, &owner, &error, &retry_at, &now],
            )
            .ctx("recording a failed delivery")?;
        Ok(n == 1)
    }

    fn get_delivery(&self, id: &str) -> Result<Option<Delivery>> {
        let q = format!("SELECT {DELIVERY_COLS} FROM deliveries WHERE id = $1");
        self.conn()?.query_opt(&q, &[&id]).ctx("reading a delivery")?.as_ref().map(delivery_row).transpose()
    }

    fn delivery_counts(&self) -> Result<DeliveryCounts> {
        let row = self
            .conn()?
            .query_one(
                "SELECT count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE state = 'done'),
                        count(*) FILTER (WHERE state = 'failed') FROM deliveries",
                &[],
            )
            .ctx("counting deliveries")?;
        let n = |i: usize| row.get::<_, i64>(i).max(0) as u64;
        Ok(DeliveryCounts { pending: n(0), done: n(1), failed: n(2) })
    }

    fn get_state(&self, key: &str) -> Result<Option<String>> {
        let row = self.conn()?.query_opt("SELECT value FROM state WHERE key = $1", &[&key]).ctx("reading state")?;
        Ok(row.map(|r| r.get(0)))
    }

    fn set_state(&self, key: &str, value: &str) -> Result<()> {
        self.conn()?
            .execute(
                "INSERT INTO state (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&key, &value],
            )
            .ctx("writing state")?;
        Ok(())
    }

    fn try_lock_leader(&self, name: &str) -> Result<Option<Box<dyn LeaderGuard>>> {
        changes::try_lock_leader(&self.pool, &self.scope, name)
    }

    fn wait_for_change(&self, after: i64, timeout: std::time::Duration) -> Result<i64> {
        self.changes.wait(after, timeout, || self.last_event_id())
    }

    fn export(&self) -> Result<Snapshot> {
        let mut conn = self.conn()?;
        let mut tx = conn
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .ctx("starting a transaction")?;
        let mut coordinations = rows_ctx(
            tx.query(&format!("SELECT {COORD_COLS} FROM coordinations ORDER BY id"), &[]),
            "exporting coordinations",
            coordination_row,
        )?;
        attach_children(&mut tx, &mut coordinations)?;
        let q = |t: &mut Transaction, sql: String| t.query(&sql, &[]);
        let events = rows_ctx(
            q(&mut tx, format!("SELECT {EVENT_COLS} FROM events ORDER BY id")),
            "exporting history",
            event_row,
        )?;
        let issues = rows_ctx(
            q(&mut tx, format!("SELECT {ISSUE_COLS} FROM issues ORDER BY id")),
            "exporting issues",
            issue_row,
        )?;
        let comments = rows_ctx(
            q(&mut tx, format!("SELECT {COMMENT_COLS} FROM issue_comments ORDER BY id")),
            "exporting comments",
            comment_row,
        )?;
        let analyses = rows_ctx(
            q(&mut tx, format!("SELECT {ANALYSIS_COLS} FROM analyses ORDER BY id")),
            "exporting analyses",
            analysis_row,
        )?;
        let deliveries = rows_ctx(
            q(&mut tx, format!("SELECT {DELIVERY_COLS} FROM deliveries ORDER BY received_at, id")),
            "exporting deliveries",
            delivery_row,
        )?;
        let state = rows_ctx(q(&mut tx, "SELECT key, value FROM state ORDER BY key".into()), "exporting state", |r| {
            Ok((get(r, 0)?, get(r, 1)?))
        })?;
        tx.commit().ctx("ending a read")?;
        Ok(Snapshot { coordinations, events, issues, comments, analyses, deliveries, state })
    }

    fn import(&self, s: &Snapshot) -> Result<()> {
        let mut conn = self.conn()?;
        let mut tx = conn.transaction().ctx("starting a transaction")?;
        // No one writes while the copy lands (and a second copy waits, then finds data).
        tx.inner()
            .batch_execute(
                "LOCK TABLE coordinations, children, events, issues, issue_comments, analyses, deliveries, state
             IN EXCLUSIVE MODE",
            )
            .ctx("locking the target")?;
        let used: bool = tx
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM coordinations) OR EXISTS (SELECT 1 FROM events)
                   OR EXISTS (SELECT 1 FROM issues) OR EXISTS (SELECT 1 FROM analyses)
                   OR EXISTS (SELECT 1 FROM deliveries) OR EXISTS (SELECT 1 FROM state)",
                &[],
            )
            .ctx("checking the target is empty")?
            .get(0);
        if used {
            return Err(StoreError::NotEmpty(self.shown.clone()));
        }
        let insert_coordination = format!(
            "INSERT INTO coordinations (id, version, {COORD_WRITE_COLS}) VALUES ($1, $2, {})",
            placeholders(3, 16)
        );
        let insert_children = ChildArrays::upsert("$1::bigint", "", 2);
        for c in &s.coordinations {
            let values = CoordValues::new(c);
            let mut params: Vec<&(dyn ToSql + Sync)> = vec![&c.id.0, &c.version];
            params.extend(values.params());
            tx.execute(&insert_coordination, &params).ctx("copying a coordination")?;
            let children = ChildArrays::new(&c.children);
            let mut params: Vec<&(dyn ToSql + Sync)> = vec![&c.id.0];
            params.extend(children.params());
            tx.execute(&insert_children, &params).ctx("copying children")?;
        }
        let insert_events = format!(
            "INSERT INTO events (id, coord_id, {EVENT_WRITE_COLS})
             SELECT i.id, i.coord_id, {} FROM UNNEST($1::bigint[], $2::bigint[]) WITH ORDINALITY AS i(id, coord_id, n)
             JOIN {} ON e.n = i.n",
            EVENT_WRITE_COLS.split(", ").map(|c| format!("e.{c}")).collect::<Vec<_>>().join(", "),
            EventArrays::unnest(3)
        );
        for chunk in s.events.chunks(1000) {
            let ids: Vec<i64> = chunk.iter().map(|e| e.id).collect();
            let coords: Vec<i64> = chunk.iter().map(|e| e.coordination.0).collect();
            let ev = EventArrays::new(chunk.iter().map(|e| &e.event));
            let mut params: Vec<&(dyn ToSql + Sync)> = vec![&ids, &coords];
            params.extend(ev.params());
            tx.execute(&insert_events, &params).ctx("copying history")?;
        }
        for i in &s.issues {
            tx.execute(
                &format!(
                    "INSERT INTO issues ({ISSUE_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                ),
                &[
                    &i.reference.repo.as_str(),
                    &issue_number(&i.reference),
                    &i.kind.as_str(),
                    &i.coordination.map(|c| c.0),
                    &i.marker,
                    &i.title,
                    &i.body,
                    &i.state.as_str(),
                    &to_json(&i.labels),
                    &i.parent.as_ref().map(|p| p.to_string()),
                    &i.created_at,
                    &i.updated_at,
                ],
            )
            .ctx("copying an issue")?;
        }
        for c in &s.comments {
            tx.execute(
                &format!("INSERT INTO issue_comments ({COMMENT_COLS}) VALUES ($1, $2, $3, $4, $5, $6)"),
                &[&c.id, &c.issue.repo.as_str(), &issue_number(&c.issue), &c.author, &c.body, &c.at],
            )
            .ctx("copying a comment")?;
        }
        let insert_analysis =
            format!("INSERT INTO analyses (id, {ANALYSIS_WRITE_COLS}) VALUES ($1, {})", placeholders(2, 9));
        for a in &s.analyses {
            let values = AnalysisValues::new(a);
            let mut params: Vec<&(dyn ToSql + Sync)> = vec![&a.id];
            params.extend(values.params());
            tx.execute(&insert_analysis, &params).ctx("copying an analysis")?;
        }
        for d in &s.deliveries {
            let attempts = i32::try_from(d.attempts).unwrap_or(i32::MAX);
            tx.execute(
                &format!(
                    "INSERT INTO deliveries ({DELIVERY_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                ),
                &[
                    &d.id,
                    &d.event,
                    &d.payload,
                    &d.received_at,
                    &d.state.as_str(),
                    &attempts,
                    &d.last_error,
                    &d.next_attempt_at,
                    &d.lease_owner,
                    &d.lease_until,
                    &d.finished_at,
                    &d.outcome,
                ],
            )
            .ctx("copying a delivery")?;
        }
        for (k, v) in &s.state {
            tx.execute("INSERT INTO state (key, value) VALUES ($1, $2)", &[k, v]).ctx("copying state")?;
        }
        // New rows continue after the copied ids.
        tx.inner().batch_execute(
            "SELECT setval(pg_get_serial_sequence('coordinations', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM coordinations;
             SELECT setval(pg_get_serial_sequence('events', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM events;
             SELECT setval(pg_get_serial_sequence('issues', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM issues;
             SELECT setval(pg_get_serial_sequence('issue_comments', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM issue_comments;
             SELECT setval(pg_get_serial_sequence('analyses', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM analyses;",
        )
        .ctx("continuing the ids")?;
        tx.commit().ctx("committing the copy")?;
        Ok(())
    }
}

fn last_event_id(c: &mut impl GenericClient) -> Result<i64> {
    Ok(c.query_one("SELECT COALESCE(MAX(id), 0) FROM events", &[]).ctx("reading history")?.get(0))
}
