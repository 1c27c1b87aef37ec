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
use crate::{
    Delivery, DeliveryCounts, DeliveryState, IssueComment, LeaderGuard, NewDelivery, Snapshot, Store, StoredEvent,
};
use chrono::{DateTime, Utc};
use pool::Pool;
use postgres::{Config, GenericClient, Row, Transaction};
use std::sync::Arc;
use tandem_model::coordination::Hold;
use tandem_model::{
    Action, AnalysisRecord, Child, CoordId, Coordination, Event, Integration, Issue, IssueKind, IssueRef, IssueSpec,
    IssueState, IssueUpdate, RepoName, Subject,
};

/// Embedded migrations, applied in order under an advisory lock; `tandem_schema.version`
/// records how many ran.
const MIGRATIONS: &[&str] = &[include_str!("../../migrations/postgres/0001_initial.sql")];

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

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

fn integration_json(i: &Integration) -> String {
    to_json(&Integration { issue: None, ..i.clone() })
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

const CHILD_COLS: &str = "coord_id, repo, role, weight, status, hold, after, title, checklist, issue, updated_at";

fn child_row(r: &Row) -> Result<(i64, Child)> {
    let hold: Option<String> = get(r, 5)?;
    let weight: i64 = get(r, 3)?;
    Ok((
        get(r, 0)?,
        Child {
            repo: repo(get(r, 1)?)?,
            role: parse(get(r, 2)?)?,
            weight: u32::try_from(weight).map_err(|_| corrupt(format!("child weight {weight}")))?,
            status: parse(get(r, 4)?)?,
            hold: hold.as_deref().map(json::<Hold<_>>).transpose()?,
            after: json(&get::<String>(r, 6)?)?,
            title: get(r, 7)?,
            checklist: json(&get::<String>(r, 8)?)?,
            issue: issue_ref(get(r, 9)?)?,
            updated_at: get(r, 10)?,
        },
    ))
}

/// Writes (inserts or updates) every child in one statement: the positions, repos and columns
/// go as arrays, so a 500-child coordination costs one round trip.
fn write_children(tx: &mut Transaction, c: &Coordination) -> std::result::Result<(), postgres::Error> {
    if c.children.is_empty() {
        return Ok(());
    }
    let mut pos = Vec::new();
    let mut repo = Vec::new();
    let mut role = Vec::new();
    let mut weight = Vec::new();
    let mut status = Vec::new();
    let mut hold = Vec::new();
    let mut after = Vec::new();
    let mut title = Vec::new();
    let mut checklist = Vec::new();
    let mut issue = Vec::new();
    let mut updated = Vec::new();
    for (i, ch) in c.children.iter().enumerate() {
        pos.push(i as i64);
        repo.push(ch.repo.as_str().to_string());
        role.push(ch.role.as_str().to_string());
        weight.push(i64::from(ch.weight));
        status.push(ch.status.as_str().to_string());
        hold.push(ch.hold.as_ref().map(to_json));
        after.push(to_json(&ch.after));
        title.push(ch.title.clone());
        checklist.push(to_json(&ch.checklist));
        issue.push(ch.issue.as_ref().map(|i| i.to_string()));
        updated.push(ch.updated_at);
    }
    tx.execute(
        "INSERT INTO children (coord_id, position, repo, role, weight, status, hold, after, title, checklist, issue, updated_at)
         SELECT $1, * FROM UNNEST($2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[],
                                  $9::text[], $10::text[], $11::text[], $12::timestamptz[])
         ON CONFLICT (coord_id, repo) DO UPDATE SET position = excluded.position, role = excluded.role,
           weight = excluded.weight, status = excluded.status, hold = excluded.hold, after = excluded.after,
           title = excluded.title, checklist = excluded.checklist, updated_at = excluded.updated_at",
        &[&c.id.0, &pos, &repo, &role, &weight, &status, &hold, &after, &title, &checklist, &issue, &updated],
    )?;
    Ok(())
}

fn subject_cols(s: &Subject) -> (&'static str, Option<&str>) {
    match s {
        Subject::Coordination => ("coordination", None),
        Subject::Child(r) => ("child", Some(r.as_str())),
        Subject::Integration => ("integration", None),
    }
}

/// Appends events in one statement (so one notification announces them all).
fn write_events(tx: &mut Transaction, id: CoordId, events: &[Event]) -> std::result::Result<(), postgres::Error> {
    if events.is_empty() {
        return Ok(());
    }
    let mut at = Vec::new();
    let mut actor = Vec::new();
    let mut kind = Vec::new();
    let mut subject_repo = Vec::new();
    let mut action = Vec::new();
    let mut from = Vec::new();
    let mut to = Vec::new();
    let mut reason = Vec::new();
    for e in events {
        let (k, r) = subject_cols(&e.subject);
        at.push(e.at);
        actor.push(e.actor.clone());
        kind.push(k);
        subject_repo.push(r.map(str::to_string));
        action.push(e.action.as_str());
        from.push(e.from.clone());
        to.push(e.to.clone());
        reason.push(e.reason.clone());
    }
    tx.execute(
        "INSERT INTO events (coord_id, at, actor, subject_kind, subject_repo, action, from_state, to_state, reason)
         SELECT $1, e.at, e.actor, e.k, e.r, e.a, e.f, e.t, e.reason
         FROM UNNEST($2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                     $9::text[]) WITH ORDINALITY AS e(at, actor, k, r, a, f, t, reason, n)
         ORDER BY e.n",
        &[&id.0, &at, &actor, &kind, &subject_repo, &action, &from, &to, &reason],
    )
    .map(|_| ())
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

impl Store for PostgresStore {
    fn insert_coordination(&self, c: &Coordination, events: &[Event]) -> Result<(CoordId, bool)> {
        let mut conn = self.conn()?;
        let mut tx = conn.transaction().ctx("starting a transaction")?;
        if let Some(row) = tx
            .query_opt("SELECT id FROM coordinations WHERE key = $1", &[&c.key])
            .ctx("looking up the idempotency key")?
        {
            return Ok((CoordId(row.get(0)), false));
        }
        let inserted = tx
            .query_opt(
                "INSERT INTO coordinations (key, title, change_type, priority, strategy, status, hold, plan, milestone,
                   source_repo, home_repo, issue, integration, created_at, updated_at, version, integration_issue)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 1, $16)
                 ON CONFLICT (key) DO NOTHING RETURNING id",
                &[
                    &c.key,
                    &c.title,
                    &c.change_type.as_str(),
                    &c.priority.as_str(),
                    &c.strategy.as_str(),
                    &c.status.as_str(),
                    &c.hold.as_ref().map(to_json),
                    &c.plan,
                    &c.milestone,
                    &c.source_repo.as_ref().map(RepoName::as_str),
                    &c.home_repo.as_str(),
                    &c.issue.as_ref().map(|i| i.to_string()),
                    &integration_json(&c.integration),
                    &c.created_at,
                    &c.updated_at,
                    &c.integration.issue.as_ref().map(|i| i.to_string()),
                ],
            )
            .ctx("inserting a coordination")?;
        let Some(row) = inserted else {
            // Another instance inserted the same key meanwhile (and has committed: the insert
            // waited for it); this statement sees its row.
            let row = tx.query_one("SELECT id FROM coordinations WHERE key = $1", &[&c.key]).ctx("looking up a key")?;
            return Ok((CoordId(row.get(0)), false));
        };
        let id = CoordId(row.get(0));
        let mut with_id = c.clone();
        with_id.id = id;
        write_children(&mut tx, &with_id).ctx("inserting children")?;
        write_events(&mut tx, id, events).ctx("appending history")?;
        tx.commit().ctx("committing a new coordination")?;
        Ok((id, true))
    }

    fn find_coordination_by_key(&self, key: &str) -> Result<Option<CoordId>> {
        let row =
            self.conn()?.query_opt("SELECT id FROM coordinations WHERE key = $1", &[&key]).ctx("looking up a key")?;
        Ok(row.map(|r| CoordId(r.get(0))))
    }

    fn load_coordination(&self, id: CoordId) -> Result<Coordination> {
        let mut conn = self.conn()?;
        // One snapshot for the parent and its children.
        let mut tx = conn
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .ctx("starting a transaction")?;
        let row = tx
            .query_opt(&format!("SELECT {COORD_COLS} FROM coordinations WHERE id = $1"), &[&id.0])
            .ctx("loading a coordination")?
            .ok_or(StoreError::NotFound(id))?;
        let mut c = coordination_row(&row)?;
        let rows = tx
            .query(&format!("SELECT {CHILD_COLS} FROM children WHERE coord_id = $1 ORDER BY position"), &[&id.0])
            .ctx("loading children")?;
        c.children = rows.iter().map(|r| child_row(r).map(|(_, ch)| ch)).collect::<Result<_>>()?;
        tx.commit().ctx("ending a read")?;
        Ok(c)
    }

    fn save_coordination(&self, c: &Coordination, events: &[Event]) -> Result<()> {
        let mut conn = self.conn()?;
        let mut tx = conn.transaction().ctx("starting a transaction")?;
        // The row lock taken by this update makes a concurrent save of the same version wait,
        // then match no row: a conflict, never a lost write.
        let n = tx
            .execute(
                "UPDATE coordinations SET title = $1, priority = $2, status = $3, hold = $4, plan = $5, milestone = $6,
                   integration = $7, updated_at = $8, version = version + 1
                 WHERE id = $9 AND version = $10",
                &[
                    &c.title,
                    &c.priority.as_str(),
                    &c.status.as_str(),
                    &c.hold.as_ref().map(to_json),
                    &c.plan,
                    &c.milestone,
                    &integration_json(&c.integration),
                    &c.updated_at,
                    &c.id.0,
                    &c.version,
                ],
            )
            .ctx("saving a coordination")?;
        if n == 0 {
            let exists = tx
                .query_opt("SELECT 1 FROM coordinations WHERE id = $1", &[&c.id.0])
                .ctx("checking a coordination")?
                .is_some();
            return Err(if exists { StoreError::Conflict(c.id) } else { StoreError::NotFound(c.id) });
        }
        write_children(&mut tx, c).ctx("saving children")?;
        write_events(&mut tx, c.id, events).ctx("appending history")?;
        tx.commit().ctx("committing a coordination")?;
        Ok(())
    }

    fn link_issue(&self, id: CoordId, subject: &Subject, issue: &IssueRef, event: &Event) -> Result<bool> {
        let mut conn = self.conn()?;
        let mut tx = conn.transaction().ctx("starting a transaction")?;
        let r = issue.to_string();
        // FOR UPDATE: two instances resuming the same creation take turns here, and the second
        // sees the first one's link, so the history says it once.
        let current = match subject {
            Subject::Coordination => tx.query_opt("SELECT issue FROM coordinations WHERE id = $1 FOR UPDATE", &[&id.0]),
            Subject::Integration => {
                tx.query_opt("SELECT integration_issue FROM coordinations WHERE id = $1 FOR UPDATE", &[&id.0])
            }
            Subject::Child(repo) => tx.query_opt(
                "SELECT issue FROM children WHERE coord_id = $1 AND repo = $2 FOR UPDATE",
                &[&id.0, &repo.as_str()],
            ),
        }
        .ctx("reading an issue link")?;
        let current: Option<String> = match current {
            None => return Err(StoreError::NotFound(id)),
            Some(row) => get(&row, 0)?,
        };
        if current.as_deref() == Some(r.as_str()) {
            return Ok(false);
        }
        match subject {
            Subject::Coordination => tx.execute("UPDATE coordinations SET issue = $1 WHERE id = $2", &[&r, &id.0]),
            Subject::Integration => {
                tx.execute("UPDATE coordinations SET integration_issue = $1 WHERE id = $2", &[&r, &id.0])
            }
            Subject::Child(repo) => tx.execute(
                "UPDATE children SET issue = $1 WHERE coord_id = $2 AND repo = $3",
                &[&r, &id.0, &repo.as_str()],
            ),
        }
        .ctx("linking an issue")?;
        write_events(&mut tx, id, std::slice::from_ref(event)).ctx("appending history")?;
        tx.commit().ctx("committing an issue link")?;
        Ok(true)
    }

    fn list_coordinations(&self) -> Result<Vec<Coordination>> {
        let mut conn = self.conn()?;
        let mut tx = conn
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .ctx("starting a transaction")?;
        let mut coords = rows_ctx(
            tx.query(&format!("SELECT {COORD_COLS} FROM coordinations ORDER BY id"), &[]),
            "listing coordinations",
            coordination_row,
        )?;
        attach_children(&mut tx, &mut coords)?;
        tx.commit().ctx("ending a read")?;
        Ok(coords)
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
        let row = self
            .conn()?
            .query_one(
                "INSERT INTO analyses (repo, base, head, at, impact, breaking, findings, consumers, coord_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                &[
                    &a.repo.as_ref().map(RepoName::as_str),
                    &a.base,
                    &a.head,
                    &a.at,
                    &a.impact.as_str(),
                    &(a.breaking() as i64),
                    &to_json(&a.findings),
                    &to_json(&a.consumers),
                    &a.coordination.map(|c| c.0),
                ],
            )
            .ctx("recording an analysis")?;
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
        let mut tx = conn.transaction().ctx("starting a transaction")?;
        // Numbers are per repository: creators in one repository take turns (until commit).
        let lock = format!("{}:issues:{}", self.scope, spec.repo.as_str());
        tx.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", &[&LOCK_CLASS, &lock])
            .ctx("numbering an issue")?;
        let q = format!("SELECT {ISSUE_COLS} FROM issues WHERE marker = $1");
        if let Some(row) = tx.query_opt(&q, &[&spec.marker]).ctx("looking up an issue")? {
            return Ok((issue_row(&row)?, false));
        }
        let number: i64 = tx
            .query_one("SELECT COALESCE(MAX(number), 0) + 1 FROM issues WHERE repo = $1", &[&spec.repo.as_str()])
            .ctx("numbering an issue")?
            .get(0);
        let inserted = tx
            .execute(
                &format!(
                    "INSERT INTO issues ({ISSUE_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9, $10, $10)
                     ON CONFLICT (marker) DO NOTHING"
                ),
                &[
                    &spec.repo.as_str(),
                    &number,
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
        if inserted == 0 {
            // The same marker was created meanwhile for another repository's lock holder.
            let row = tx.query_one(&q, &[&spec.marker]).ctx("looking up an issue")?;
            return Ok((issue_row(&row)?, false));
        }
        tx.commit().ctx("committing an issue")?;
        let issue = Issue {
            reference: IssueRef { repo: spec.repo.clone(), number: number as u64 },
            kind: spec.kind,
            coordination: spec.coordination,
            marker: spec.marker.clone(),
            title: spec.title.clone(),
            body: spec.body.clone(),
            state: IssueState::Open,
            labels: spec.labels.clone(),
            parent: spec.parent.clone(),
            created_at: now,
            updated_at: now,
        };
        Ok((issue, true))
    }

    fn find_issue_by_marker(&self, marker: &str) -> Result<Option<Issue>> {
        let q = format!("SELECT {ISSUE_COLS} FROM issues WHERE marker = $1");
        self.conn()?.query_opt(&q, &[&marker]).ctx("looking up an issue")?.as_ref().map(issue_row).transpose()
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
        let row = self
            .conn()?
            .query_opt(
                &format!(
                    "WITH due AS (
                       SELECT id FROM deliveries WHERE state = 'pending' AND next_attempt_at <= $1
                         AND (lease_until IS NULL OR lease_until <= $1)
                       ORDER BY next_attempt_at, received_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
                     UPDATE deliveries d SET lease_owner = $2, lease_until = $3, attempts = d.attempts + 1
                     FROM due WHERE d.id = due.id RETURNING {}",
                    DELIVERY_COLS.split(", ").map(|c| format!("d.{c}")).collect::<Vec<_>>().join(", ")
                ),
                &[&now, &owner, &(now + lease)],
            )
            .ctx("claiming a delivery")?;
        row.as_ref().map(delivery_row).transpose()
    }

    fn finish_delivery(&self, id: &str, owner: &str, outcome: &str, now: DateTime<Utc>) -> Result<bool> {
        let n = self
            .conn()?
            .execute(
                "UPDATE deliveries SET state = 'done', outcome = $3, finished_at = $4, lease_owner = NULL,
                   lease_until = NULL WHERE id = $1 AND lease_owner = $2 AND state = 'pending'",
                &[&id, &owner, &outcome, &now],
            )
            .ctx("finishing a delivery")?;
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
        tx.batch_execute(
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
        for c in &s.coordinations {
            tx.execute(
                "INSERT INTO coordinations (id, key, title, change_type, priority, strategy, status, hold, plan, milestone,
                   source_repo, home_repo, issue, integration, created_at, updated_at, version, integration_issue)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
                &[
                    &c.id.0,
                    &c.key,
                    &c.title,
                    &c.change_type.as_str(),
                    &c.priority.as_str(),
                    &c.strategy.as_str(),
                    &c.status.as_str(),
                    &c.hold.as_ref().map(to_json),
                    &c.plan,
                    &c.milestone,
                    &c.source_repo.as_ref().map(RepoName::as_str),
                    &c.home_repo.as_str(),
                    &c.issue.as_ref().map(|i| i.to_string()),
                    &integration_json(&c.integration),
                    &c.created_at,
                    &c.updated_at,
                    &c.version,
                    &c.integration.issue.as_ref().map(|i| i.to_string()),
                ],
            )
            .ctx("copying a coordination")?;
            write_children(&mut tx, c).ctx("copying children")?;
        }
        for chunk in s.events.chunks(1000) {
            let ids: Vec<i64> = chunk.iter().map(|e| e.id).collect();
            let coords: Vec<i64> = chunk.iter().map(|e| e.coordination.0).collect();
            let at: Vec<DateTime<Utc>> = chunk.iter().map(|e| e.event.at).collect();
            let actor: Vec<&str> = chunk.iter().map(|e| e.event.actor.as_str()).collect();
            let kind: Vec<&str> = chunk.iter().map(|e| subject_cols(&e.event.subject).0).collect();
            let srepo: Vec<Option<&str>> = chunk.iter().map(|e| subject_cols(&e.event.subject).1).collect();
            let action: Vec<&str> = chunk.iter().map(|e| e.event.action.as_str()).collect();
            let from: Vec<Option<&str>> = chunk.iter().map(|e| e.event.from.as_deref()).collect();
            let to: Vec<Option<&str>> = chunk.iter().map(|e| e.event.to.as_deref()).collect();
            let reason: Vec<Option<&str>> = chunk.iter().map(|e| e.event.reason.as_deref()).collect();
            tx.execute(
                "INSERT INTO events (id, coord_id, at, actor, subject_kind, subject_repo, action, from_state, to_state, reason)
                 SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::timestamptz[], $4::text[], $5::text[], $6::text[],
                                      $7::text[], $8::text[], $9::text[], $10::text[])",
                &[&ids, &coords, &at, &actor, &kind, &srepo, &action, &from, &to, &reason],
            )
            .ctx("copying history")?;
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
        for a in &s.analyses {
            tx.execute(
                &format!(
                    "INSERT INTO analyses ({ANALYSIS_COLS}, breaking) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
                ),
                &[
                    &a.id,
                    &a.repo.as_ref().map(RepoName::as_str),
                    &a.base,
                    &a.head,
                    &a.at,
                    &a.impact.as_str(),
                    &to_json(&a.findings),
                    &to_json(&a.consumers),
                    &a.coordination.map(|c| c.0),
                    &(a.breaking() as i64),
                ],
            )
            .ctx("copying an analysis")?;
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
        tx.batch_execute(
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
