//! The embedded SQLite backend.

mod summaries;

use crate::error::{Context, Result, StoreError};
use crate::values::{integration_json, to_json, CoordText, COORD_WRITE_COLS};
use crate::{
    Delivery, DeliveryCounts, DeliveryState, IssueComment, LeaderGuard, NewDelivery, Snapshot, Store, StoredEvent,
};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tandem_model::coordination::Hold;
use tandem_model::{
    Action, AnalysisRecord, Child, CoordId, Coordination, Event, Integration, Issue, IssueKind, IssueRef, IssueSpec,
    IssueState, IssueUpdate, RepoName, Subject,
};

/// Embedded migrations, applied in order; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_initial.sql"),
    include_str!("../migrations/0002_analyses.sql"),
    include_str!("../migrations/0003_service.sql"),
    include_str!("../migrations/0004_issue_lookup.sql"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub struct SqliteStore {
    conn: Mutex<Connection>,
    path: PathBuf,
    /// Leader locks of an in-memory database (a file database locks files beside it).
    leaders: std::sync::Arc<Mutex<std::collections::HashSet<String>>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file, migrating it to the current schema.
    /// A database written by a newer schema is refused.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Url(format!("cannot create {}: {e}", dir.display())))?;
        }
        let conn = Connection::open(path)
            .map_err(|e| StoreError::Open { database: path.display().to_string(), source: e.into() })?;
        Self::init(conn, path.to_path_buf())
    }

    pub fn open_in_memory() -> Result<SqliteStore> {
        let conn = Connection::open_in_memory().ctx("opening an in-memory database")?;
        Self::init(conn, PathBuf::from(":memory:"))
    }

    fn init(mut conn: Connection, path: PathBuf) -> Result<SqliteStore> {
        let open_err = |e: rusqlite::Error| StoreError::Open { database: path.display().to_string(), source: e.into() };
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(open_err)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(open_err)?;
        let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(open_err)?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                database: path.display().to_string(),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        if found < SCHEMA_VERSION {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(open_err)?;
            // Re-read inside the write lock: another process may have migrated meanwhile.
            let now: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(open_err)?;
            for (i, sql) in MIGRATIONS.iter().enumerate().skip(now as usize) {
                tx.execute_batch(sql).map_err(open_err)?;
                tx.pragma_update(None, "user_version", i as i64 + 1).map_err(open_err)?;
            }
            tx.commit().map_err(open_err)?;
        }
        Ok(SqliteStore { conn: Mutex::new(conn), path, leaders: Default::default() })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn parse_ts(s: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).map_err(|e| corrupt(format!("timestamp '{s}': {e}")))
}

fn corrupt(msg: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, msg.into())
}

fn parse<T: std::str::FromStr>(s: String) -> rusqlite::Result<T>
where
    T::Err: std::fmt::Display,
{
    s.parse::<T>().map_err(|e| corrupt(e.to_string()))
}

fn json<T: serde::de::DeserializeOwned>(s: &str) -> rusqlite::Result<T> {
    serde_json::from_str(s).map_err(|e| corrupt(format!("{e}: {s}")))
}

fn issue_ref(s: Option<String>) -> rusqlite::Result<Option<IssueRef>> {
    s.map(|s| IssueRef::parse(&s).map_err(corrupt)).transpose()
}

fn repo(s: String) -> rusqlite::Result<RepoName> {
    RepoName::parse(&s).map_err(|e| corrupt(e.to_string()))
}

const COORD_COLS: &str = "id, key, title, change_type, priority, strategy, status, hold, plan, milestone, source_repo, home_repo, issue, integration, created_at, updated_at, version, integration_issue";

/// A coordination's values in the order of [`COORD_WRITE_COLS`], times as SQLite keeps them.
struct CoordValues<'a> {
    v: CoordText<'a>,
    times: [String; 2],
}

impl<'a> CoordValues<'a> {
    fn new(c: &'a Coordination) -> Self {
        CoordValues { v: CoordText::new(c), times: [ts(c.created_at), ts(c.updated_at)] }
    }

    fn params(&self) -> [&dyn rusqlite::ToSql; 16] {
        let (v, c) = (&self.v, self.v.c);
        let [change_type, priority, strategy, status] = &v.enums;
        let [created, updated] = &self.times;
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
            created,
            updated,
            &v.integration_issue,
        ]
    }
}

/// `?first, ?first+1, …` for `n` parameters.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ")
}

fn coordination_row(r: &Row) -> rusqlite::Result<Coordination> {
    let hold: Option<String> = r.get(7)?;
    let integration: String = r.get(13)?;
    Ok(Coordination {
        id: CoordId(r.get(0)?),
        key: r.get(1)?,
        title: r.get(2)?,
        change_type: parse(r.get(3)?)?,
        priority: parse(r.get(4)?)?,
        strategy: parse(r.get(5)?)?,
        status: parse(r.get(6)?)?,
        hold: hold.as_deref().map(json::<Hold<_>>).transpose()?,
        plan: r.get(8)?,
        milestone: r.get(9)?,
        source_repo: r.get::<_, Option<String>>(10)?.map(repo).transpose()?,
        home_repo: repo(r.get(11)?)?,
        issue: issue_ref(r.get(12)?)?,
        integration: Integration { issue: issue_ref(r.get(17)?)?, ..json::<Integration>(&integration)? },
        created_at: parse_ts(&r.get::<_, String>(14)?)?,
        updated_at: parse_ts(&r.get::<_, String>(15)?)?,
        version: r.get(16)?,
        children: Vec::new(),
    })
}

const CHILD_COLS: &str = "coord_id, repo, role, weight, status, hold, after, title, checklist, issue, updated_at";

fn child_row(r: &Row) -> rusqlite::Result<(i64, Child)> {
    let hold: Option<String> = r.get(5)?;
    Ok((
        r.get(0)?,
        Child {
            repo: repo(r.get(1)?)?,
            role: parse(r.get(2)?)?,
            weight: r.get(3)?,
            status: parse(r.get(4)?)?,
            hold: hold.as_deref().map(json::<Hold<_>>).transpose()?,
            after: json(&r.get::<_, String>(6)?)?,
            title: r.get(7)?,
            checklist: json(&r.get::<_, String>(8)?)?,
            issue: issue_ref(r.get(9)?)?,
            updated_at: parse_ts(&r.get::<_, String>(10)?)?,
        },
    ))
}

fn write_children(tx: &rusqlite::Transaction, c: &Coordination) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO children (coord_id, position, repo, role, weight, status, hold, after, title, checklist, issue, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (coord_id, repo) DO UPDATE SET position = ?2, role = ?4, weight = ?5, status = ?6, hold = ?7,
           after = ?8, title = ?9, checklist = ?10, updated_at = ?12",
    )?;
    for (pos, ch) in c.children.iter().enumerate() {
        stmt.execute(params![
            c.id.0,
            pos as i64,
            ch.repo.as_str(),
            ch.role.as_str(),
            ch.weight,
            ch.status.as_str(),
            ch.hold.as_ref().map(to_json),
            to_json(&ch.after),
            ch.title,
            to_json(&ch.checklist),
            ch.issue.as_ref().map(|i| i.to_string()),
            ts(ch.updated_at),
        ])?;
    }
    Ok(())
}

/// The columns of an event besides its id and coordination, written by every path that appends
/// history (and by `import`, which adds the two).
const EVENT_WRITE_COLS: &str = "at, actor, subject_kind, subject_repo, action, from_state, to_state, reason";

/// An event's values in the order of [`EVENT_WRITE_COLS`].
struct EventValues<'a> {
    e: &'a Event,
    at: String,
    kind: &'static str,
    subject_repo: Option<&'a str>,
    action: &'static str,
}

impl<'a> EventValues<'a> {
    fn new(e: &'a Event) -> Self {
        let (kind, subject_repo) = match &e.subject {
            Subject::Coordination => ("coordination", None),
            Subject::Child(r) => ("child", Some(r.as_str())),
            Subject::Integration => ("integration", None),
        };
        EventValues { e, at: ts(e.at), kind, subject_repo, action: e.action.as_str() }
    }

    fn params(&self) -> [&dyn rusqlite::ToSql; 8] {
        let e = self.e;
        [&self.at, &e.actor, &self.kind, &self.subject_repo, &self.action, &e.from, &e.to, &e.reason]
    }
}

fn write_events(tx: &rusqlite::Connection, id: CoordId, events: &[Event]) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare_cached(&format!(
        "INSERT INTO events (coord_id, {EVENT_WRITE_COLS}) VALUES (?1, {})",
        placeholders(2, 8)
    ))?;
    for e in events {
        let values = EventValues::new(e);
        let mut p: Vec<&dyn rusqlite::ToSql> = vec![&id.0];
        p.extend(values.params());
        stmt.execute(&*p)?;
    }
    Ok(())
}

fn event_row(r: &Row) -> rusqlite::Result<StoredEvent> {
    let kind: String = r.get(4)?;
    let subject_repo: Option<String> = r.get(5)?;
    let subject = match (kind.as_str(), subject_repo) {
        ("coordination", _) => Subject::Coordination,
        ("integration", _) => Subject::Integration,
        ("child", Some(repo_name)) => Subject::Child(repo(repo_name)?),
        (k, _) => return Err(corrupt(format!("event subject '{k}'"))),
    };
    let action: String = r.get(6)?;
    Ok(StoredEvent {
        id: r.get(0)?,
        coordination: CoordId(r.get(1)?),
        event: Event {
            at: parse_ts(&r.get::<_, String>(2)?)?,
            actor: r.get(3)?,
            subject,
            action: Action::parse(&action).ok_or_else(|| corrupt(format!("event action '{action}'")))?,
            from: r.get(7)?,
            to: r.get(8)?,
            reason: r.get(9)?,
        },
    })
}

const EVENT_COLS: &str = "id, coord_id, at, actor, subject_kind, subject_repo, action, from_state, to_state, reason";

const ISSUE_COLS: &str =
    "repo, number, kind, coord_id, marker, title, body, state, labels, parent, created_at, updated_at";

fn issue_row(r: &Row) -> rusqlite::Result<Issue> {
    let kind: String = r.get(2)?;
    let state: String = r.get(7)?;
    Ok(Issue {
        reference: IssueRef { repo: repo(r.get(0)?)?, number: r.get::<_, i64>(1)? as u64 },
        kind: IssueKind::parse(&kind).ok_or_else(|| corrupt(format!("issue kind '{kind}'")))?,
        coordination: r.get::<_, Option<i64>>(3)?.map(CoordId),
        marker: r.get(4)?,
        title: r.get(5)?,
        body: r.get(6)?,
        state: if state == "closed" { IssueState::Closed } else { IssueState::Open },
        labels: json(&r.get::<_, String>(8)?)?,
        parent: issue_ref(r.get(9)?)?,
        created_at: parse_ts(&r.get::<_, String>(10)?)?,
        updated_at: parse_ts(&r.get::<_, String>(11)?)?,
    })
}

fn map_row_err(context: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| match e {
        rusqlite::Error::FromSqlConversionFailure(_, _, msg) => StoreError::Corrupt(msg.to_string()),
        source => StoreError::Sql { context, source: source.into() },
    }
}

const ANALYSIS_COLS: &str = "id, repo, base, head, at, impact, findings, consumers, coord_id";

/// The columns an analysis is written with, by `record_analysis` (a new id) and `import` (its
/// own id) alike.
const ANALYSIS_WRITE_COLS: &str = "repo, base, head, at, impact, breaking, findings, consumers, coord_id";

/// An analysis's values in the order of [`ANALYSIS_WRITE_COLS`].
struct AnalysisValues<'a> {
    a: &'a AnalysisRecord,
    repo: Option<&'a str>,
    at: String,
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
            at: ts(a.at),
            impact: a.impact.as_str(),
            breaking: a.breaking() as i64,
            findings: to_json(&a.findings),
            consumers: to_json(&a.consumers),
            coordination: a.coordination.map(|c| c.0),
        }
    }

    fn params(&self) -> [&dyn rusqlite::ToSql; 9] {
        [
            &self.repo,
            &self.a.base,
            &self.a.head,
            &self.at,
            &self.impact,
            &self.breaking,
            &self.findings,
            &self.consumers,
            &self.coordination,
        ]
    }
}

const DELIVERY_COLS: &str = "id, event, payload, received_at, state, attempts, last_error, next_attempt_at, lease_owner, lease_until, finished_at, outcome";

fn delivery_row(r: &Row) -> rusqlite::Result<Delivery> {
    let state: String = r.get(4)?;
    let opt_ts = |i: usize| r.get::<_, Option<String>>(i)?.as_deref().map(parse_ts).transpose();
    Ok(Delivery {
        id: r.get(0)?,
        event: r.get(1)?,
        payload: r.get(2)?,
        received_at: parse_ts(&r.get::<_, String>(3)?)?,
        state: DeliveryState::parse(&state).ok_or_else(|| corrupt(format!("delivery state '{state}'")))?,
        attempts: r.get(5)?,
        last_error: r.get(6)?,
        next_attempt_at: parse_ts(&r.get::<_, String>(7)?)?,
        lease_owner: r.get(8)?,
        lease_until: opt_ts(9)?,
        finished_at: opt_ts(10)?,
        outcome: r.get(11)?,
    })
}

fn analysis_row(r: &Row) -> rusqlite::Result<AnalysisRecord> {
    let impact: String = r.get(5)?;
    Ok(AnalysisRecord {
        id: r.get(0)?,
        repo: r.get::<_, Option<String>>(1)?.map(repo).transpose()?,
        base: r.get(2)?,
        head: r.get(3)?,
        at: parse_ts(&r.get::<_, String>(4)?)?,
        impact: parse(impact)?,
        findings: json(&r.get::<_, String>(6)?)?,
        consumers: json(&r.get::<_, String>(7)?)?,
        coordination: r.get::<_, Option<i64>>(8)?.map(CoordId),
    })
}

/// Opens the issue `spec` describes, numbered next in its repository, unless one with its marker
/// exists; inside the caller's (immediate) transaction.
fn create_issue_in(tx: &rusqlite::Connection, spec: &IssueSpec, now: DateTime<Utc>) -> Result<(Issue, bool)> {
    let found = tx
        .prepare_cached(&format!("SELECT {ISSUE_COLS} FROM issues WHERE marker = ?1"))
        .and_then(|mut st| st.query_row([&spec.marker], issue_row).optional())
        .map_err(map_row_err("looking up an issue"))?;
    if let Some(issue) = found {
        return Ok((issue, false));
    }
    let number: i64 = tx
        .prepare_cached("SELECT COALESCE(MAX(number), 0) + 1 FROM issues WHERE repo = ?1")
        .and_then(|mut st| st.query_row([spec.repo.as_str()], |r| r.get(0)))
        .ctx("numbering an issue")?;
    tx.prepare_cached(&format!(
        "INSERT INTO issues ({ISSUE_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'open', ?8, ?9, ?10, ?10)"
    ))
    .and_then(|mut st| {
        st.execute(params![
            spec.repo.as_str(),
            number,
            spec.kind.as_str(),
            spec.coordination.map(|c| c.0),
            spec.marker,
            spec.title,
            spec.body,
            to_json(&spec.labels),
            spec.parent.as_ref().map(|p| p.to_string()),
            ts(now),
        ])
    })
    .ctx("creating an issue")?;
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

/// Links `issue` to `subject` unless it is linked so already, appending `event` only then;
/// inside the caller's (immediate) transaction.
fn link_issue_in(
    tx: &rusqlite::Connection,
    id: CoordId,
    subject: &Subject,
    issue: &IssueRef,
    event: &Event,
) -> Result<bool> {
    let r = issue.to_string();
    // Only a change of link writes (and records) anything: two processes resuming the same
    // creation both reach this point for the same issue, and the history must say it once.
    let current: Option<Option<String>> = match subject {
        Subject::Coordination => {
            tx.query_row("SELECT issue FROM coordinations WHERE id = ?1", params![id.0], |row| row.get(0)).optional()
        }
        Subject::Integration => tx
            .query_row("SELECT integration_issue FROM coordinations WHERE id = ?1", params![id.0], |row| row.get(0))
            .optional(),
        Subject::Child(repo) => tx
            .prepare_cached("SELECT issue FROM children WHERE coord_id = ?1 AND repo = ?2")
            .and_then(|mut st| st.query_row(params![id.0, repo.as_str()], |row| row.get(0)).optional()),
    }
    .ctx("reading an issue link")?;
    match current {
        None => return Err(StoreError::NotFound(id)),
        Some(Some(existing)) if existing == r => return Ok(false),
        Some(_) => {}
    }
    match subject {
        Subject::Coordination => tx.execute("UPDATE coordinations SET issue = ?1 WHERE id = ?2", params![r, id.0]),
        Subject::Integration => {
            tx.execute("UPDATE coordinations SET integration_issue = ?1 WHERE id = ?2", params![r, id.0])
        }
        Subject::Child(repo) => tx
            .prepare_cached("UPDATE children SET issue = ?1 WHERE coord_id = ?2 AND repo = ?3")
            .and_then(|mut st| st.execute(params![r, id.0, repo.as_str()])),
    }
    .ctx("linking an issue")?;
    write_events(tx, id, std::slice::from_ref(event)).ctx("appending history")?;
    Ok(true)
}

impl Store for SqliteStore {
    fn record_analysis(&self, a: &AnalysisRecord) -> Result<i64> {
        let conn = self.conn();
        conn.execute(
            &format!("INSERT INTO analyses ({ANALYSIS_WRITE_COLS}) VALUES ({})", placeholders(1, 9)),
            &AnalysisValues::new(a).params()[..],
        )
        .ctx("recording an analysis")?;
        Ok(conn.last_insert_rowid())
    }

    fn set_analysis_coordination(&self, analysis: i64, coordination: CoordId) -> Result<()> {
        self.conn()
            .execute("UPDATE analyses SET coord_id = ?1 WHERE id = ?2", params![coordination.0, analysis])
            .ctx("linking an analysis")?;
        Ok(())
    }

    fn list_analyses(&self) -> Result<Vec<AnalysisRecord>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare(&format!("SELECT {ANALYSIS_COLS} FROM analyses ORDER BY id")).ctx("listing analyses")?;
        let rows = stmt.query_map([], analysis_row).and_then(|rows| rows.collect());
        rows.map_err(map_row_err("listing analyses"))
    }

    fn insert_coordination(&self, c: &Coordination, events: &[Event]) -> Result<(CoordId, bool)> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).ctx("starting a transaction")?;
        let existing: Option<i64> = tx
            .query_row("SELECT id FROM coordinations WHERE key = ?1", [&c.key], |r| r.get(0))
            .optional()
            .ctx("looking up the idempotency key")?;
        if let Some(id) = existing {
            return Ok((CoordId(id), false));
        }
        tx.execute(
            &format!("INSERT INTO coordinations (version, {COORD_WRITE_COLS}) VALUES (1, {})", placeholders(1, 16)),
            &CoordValues::new(c).params()[..],
        )
        .ctx("inserting a coordination")?;
        let id = CoordId(tx.last_insert_rowid());
        let mut with_id = c.clone();
        with_id.id = id;
        write_children(&tx, &with_id).ctx("inserting children")?;
        write_events(&tx, id, events).ctx("appending history")?;
        tx.commit().ctx("committing a new coordination")?;
        Ok((id, true))
    }

    fn find_coordination_by_key(&self, key: &str) -> Result<Option<CoordId>> {
        self.conn()
            .query_row("SELECT id FROM coordinations WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .ctx("looking up a key")
            .map(|o| o.map(CoordId))
    }

    fn load_coordination(&self, id: CoordId) -> Result<Coordination> {
        let conn = self.conn();
        let mut c = conn
            .query_row(&format!("SELECT {COORD_COLS} FROM coordinations WHERE id = ?1"), [id.0], coordination_row)
            .optional()
            .map_err(map_row_err("loading a coordination"))?
            .ok_or(StoreError::NotFound(id))?;
        let mut stmt = conn
            .prepare_cached(&format!("SELECT {CHILD_COLS} FROM children WHERE coord_id = ?1 ORDER BY position"))
            .ctx("loading children")?;
        c.children = stmt
            .query_map([id.0], child_row)
            .and_then(|rows| rows.map(|r| r.map(|(_, ch)| ch)).collect())
            .map_err(map_row_err("loading children"))?;
        Ok(c)
    }

    fn save_coordination(&self, c: &Coordination, events: &[Event]) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).ctx("starting a transaction")?;
        let n = tx
            .execute(
                "UPDATE coordinations SET title = ?1, priority = ?2, status = ?3, hold = ?4, plan = ?5, milestone = ?6,
                   integration = ?7, updated_at = ?8, version = version + 1
                 WHERE id = ?9 AND version = ?10",
                params![
                    c.title,
                    c.priority.as_str(),
                    c.status.as_str(),
                    c.hold.as_ref().map(to_json),
                    c.plan,
                    c.milestone,
                    integration_json(&c.integration),
                    ts(c.updated_at),
                    c.id.0,
                    c.version,
                ],
            )
            .ctx("saving a coordination")?;
        if n == 0 {
            let exists: bool = tx
                .query_row("SELECT 1 FROM coordinations WHERE id = ?1", [c.id.0], |_| Ok(true))
                .optional()
                .ctx("checking a coordination")?
                .unwrap_or(false);
            return Err(if exists { StoreError::Conflict(c.id) } else { StoreError::NotFound(c.id) });
        }
        write_children(&tx, c).ctx("saving children")?;
        write_events(&tx, c.id, events).ctx("appending history")?;
        tx.commit().ctx("committing a coordination")?;
        Ok(())
    }

    fn link_issue(&self, id: CoordId, subject: &Subject, issue: &IssueRef, event: &Event) -> Result<bool> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).ctx("starting a transaction")?;
        let linked = link_issue_in(&tx, id, subject, issue, event)?;
        tx.commit().ctx("committing an issue link")?;
        Ok(linked)
    }

    fn create_and_link_issues(
        &self,
        id: CoordId,
        items: &[(Subject, IssueSpec)],
        now: DateTime<Utc>,
        event: &dyn Fn(&Subject, &IssueRef) -> Event,
    ) -> Result<Vec<(Issue, bool)>> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).ctx("starting a transaction")?;
        let mut out = Vec::with_capacity(items.len());
        for (subject, spec) in items {
            let (issue, _) = create_issue_in(&tx, spec, now)?;
            let linked = link_issue_in(&tx, id, subject, &issue.reference, &event(subject, &issue.reference))?;
            out.push((issue, linked));
        }
        tx.commit().ctx("committing issues")?;
        Ok(out)
    }

    fn list_coordinations(&self) -> Result<Vec<Coordination>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("SELECT {COORD_COLS} FROM coordinations ORDER BY id")).ctx("listing")?;
        let mut coords: Vec<Coordination> = stmt
            .query_map([], coordination_row)
            .and_then(|rows| rows.collect())
            .map_err(map_row_err("listing coordinations"))?;
        let mut stmt = conn
            .prepare(&format!("SELECT {CHILD_COLS} FROM children ORDER BY coord_id, position"))
            .ctx("listing children")?;
        let children: Vec<(i64, Child)> =
            stmt.query_map([], child_row).and_then(|rows| rows.collect()).map_err(map_row_err("listing children"))?;
        let index: std::collections::HashMap<i64, usize> =
            coords.iter().enumerate().map(|(i, c)| (c.id.0, i)).collect();
        for (cid, ch) in children {
            if let Some(&i) = index.get(&cid) {
                coords[i].children.push(ch);
            }
        }
        Ok(coords)
    }

    fn coordination_with_issue(&self, r: &IssueRef) -> Result<Option<Coordination>> {
        let found: Option<i64> = self
            .conn()
            .query_row(
                "SELECT min(id) FROM (SELECT id FROM coordinations WHERE issue = ?1 OR integration_issue = ?1
                 UNION ALL SELECT coord_id FROM children WHERE issue = ?1)",
                [r.to_string()],
                |row| row.get(0),
            )
            .map_err(map_row_err("finding an issue's coordination"))?;
        // a coordination is never deleted: the one found is there to load
        found.map(|id| self.load_coordination(CoordId(id))).transpose()
    }

    fn list_summaries(&self) -> Result<Vec<tandem_model::CoordinationSummary>> {
        summaries::list(&mut self.conn())
    }

    fn events(&self, id: CoordId) -> Result<Vec<StoredEvent>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(&format!("SELECT {EVENT_COLS} FROM events WHERE coord_id = ?1 ORDER BY id"))
            .ctx("reading history")?;
        let rows = stmt.query_map([id.0], event_row).and_then(|rows| rows.collect());
        rows.map_err(map_row_err("reading history"))
    }

    fn all_events(&self) -> Result<Vec<StoredEvent>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("SELECT {EVENT_COLS} FROM events ORDER BY id")).ctx("reading history")?;
        let rows = stmt.query_map([], event_row).and_then(|rows| rows.collect());
        rows.map_err(map_row_err("reading history"))
    }

    fn events_since(&self, at: DateTime<Utc>) -> Result<Vec<StoredEvent>> {
        let conn = self.conn();
        // Timestamps are stored as fixed-width RFC 3339 in UTC, so text order is time order.
        let mut stmt = conn
            .prepare_cached(&format!("SELECT {EVENT_COLS} FROM events WHERE at >= ?1 ORDER BY id"))
            .ctx("reading history")?;
        let rows = stmt.query_map([ts(at)], event_row).and_then(|rows| rows.collect());
        rows.map_err(map_row_err("reading history"))
    }

    fn create_issue(&self, spec: &IssueSpec, now: DateTime<Utc>) -> Result<(Issue, bool)> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).ctx("starting a transaction")?;
        let created = create_issue_in(&tx, spec, now)?;
        tx.commit().ctx("committing an issue")?;
        Ok(created)
    }

    fn find_issue_by_marker(&self, marker: &str) -> Result<Option<Issue>> {
        self.conn()
            .query_row(&format!("SELECT {ISSUE_COLS} FROM issues WHERE marker = ?1"), [marker], issue_row)
            .optional()
            .map_err(map_row_err("looking up an issue"))
    }

    fn update_issue(&self, r: &IssueRef, u: &IssueUpdate, now: DateTime<Utc>) -> Result<Issue> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).ctx("starting a transaction")?;
        let n = tx
            .execute(
                "UPDATE issues SET title = COALESCE(?1, title), body = COALESCE(?2, body), state = COALESCE(?3, state),
                   labels = COALESCE(?4, labels), updated_at = ?5 WHERE repo = ?6 AND number = ?7",
                params![
                    u.title,
                    u.body,
                    u.state.map(IssueState::as_str),
                    u.labels.as_ref().map(to_json),
                    ts(now),
                    r.repo.as_str(),
                    r.number as i64
                ],
            )
            .ctx("updating an issue")?;
        if n == 0 {
            return Err(StoreError::IssueNotFound(r.to_string()));
        }
        let issue = tx
            .query_row(
                &format!("SELECT {ISSUE_COLS} FROM issues WHERE repo = ?1 AND number = ?2"),
                params![r.repo.as_str(), r.number as i64],
                issue_row,
            )
            .map_err(map_row_err("reading an issue"))?;
        tx.commit().ctx("committing an issue")?;
        Ok(issue)
    }

    fn get_issue(&self, r: &IssueRef) -> Result<Option<Issue>> {
        self.conn()
            .query_row(
                &format!("SELECT {ISSUE_COLS} FROM issues WHERE repo = ?1 AND number = ?2"),
                params![r.repo.as_str(), r.number as i64],
                issue_row,
            )
            .optional()
            .map_err(map_row_err("reading an issue"))
    }

    fn list_issues(&self, repo: Option<&RepoName>) -> Result<Vec<Issue>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!("SELECT {ISSUE_COLS} FROM issues WHERE ?1 IS NULL OR repo = ?1 ORDER BY id"))
            .ctx("listing issues")?;
        let rows = stmt.query_map([repo.map(RepoName::as_str)], issue_row).and_then(|rows| rows.collect());
        rows.map_err(map_row_err("listing issues"))
    }

    fn add_issue_comment(&self, r: &IssueRef, author: &str, body: &str, now: DateTime<Utc>) -> Result<IssueComment> {
        let conn = self.conn();
        let found: Option<i64> = conn
            .query_row(
                "SELECT 1 FROM issues WHERE repo = ?1 AND number = ?2",
                params![r.repo.as_str(), r.number as i64],
                |row| row.get(0),
            )
            .optional()
            .ctx("looking up an issue")?;
        if found.is_none() {
            return Err(StoreError::IssueNotFound(r.to_string()));
        }
        conn.execute(
            "INSERT INTO issue_comments (repo, number, author, body, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![r.repo.as_str(), r.number as i64, author, body, ts(now)],
        )
        .ctx("adding a comment")?;
        Ok(IssueComment {
            id: conn.last_insert_rowid(),
            issue: r.clone(),
            author: author.to_string(),
            body: body.to_string(),
            at: now,
        })
    }

    fn add_issue_comment_once(
        &self,
        r: &IssueRef,
        author: &str,
        body: &str,
        now: DateTime<Utc>,
        once: &str,
    ) -> Result<Option<IssueComment>> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).ctx("starting a transaction")?;
        let found = tx
            .prepare_cached("SELECT 1 FROM issues WHERE repo = ?1 AND number = ?2")
            .and_then(|mut st| st.exists(params![r.repo.as_str(), r.number as i64]))
            .ctx("looking up an issue")?;
        if !found {
            return Err(StoreError::IssueNotFound(r.to_string()));
        }
        let fresh = tx
            .prepare_cached("INSERT INTO state (key, value) VALUES (?1, 'posted') ON CONFLICT (key) DO NOTHING")
            .and_then(|mut st| st.execute([once]))
            .ctx("recording a comment")?;
        if fresh == 0 {
            return Ok(None);
        }
        tx.prepare_cached("INSERT INTO issue_comments (repo, number, author, body, at) VALUES (?1, ?2, ?3, ?4, ?5)")
            .and_then(|mut st| st.execute(params![r.repo.as_str(), r.number as i64, author, body, ts(now)]))
            .ctx("adding a comment")?;
        let id = tx.last_insert_rowid();
        tx.commit().ctx("committing a comment")?;
        Ok(Some(IssueComment { id, issue: r.clone(), author: author.into(), body: body.into(), at: now }))
    }

    fn issue_comments(&self, r: &IssueRef) -> Result<Vec<IssueComment>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(
                "SELECT id, author, body, at FROM issue_comments WHERE repo = ?1 AND number = ?2 ORDER BY id",
            )
            .ctx("reading comments")?;
        let rows = stmt
            .query_map(params![r.repo.as_str(), r.number as i64], |row| {
                Ok(IssueComment {
                    id: row.get(0)?,
                    issue: r.clone(),
                    author: row.get(1)?,
                    body: row.get(2)?,
                    at: parse_ts(&row.get::<_, String>(3)?)?,
                })
            })
            .and_then(|rows| rows.collect());
        rows.map_err(map_row_err("reading comments"))
    }

    fn last_event_id(&self) -> Result<i64> {
        self.conn().query_row("SELECT COALESCE(MAX(id), 0) FROM events", [], |r| r.get(0)).ctx("reading history")
    }

    fn insert_delivery(&self, d: &NewDelivery) -> Result<bool> {
        let n = self
            .conn()
            .execute(
                "INSERT INTO deliveries (id, event, payload, received_at, state, next_attempt_at)
                 VALUES (?1, ?2, ?3, ?4, 'pending', ?4) ON CONFLICT (id) DO NOTHING",
                params![d.id, d.event, d.payload, ts(d.received_at)],
            )
            .ctx("recording a delivery")?;
        Ok(n == 1)
    }

    fn claim_delivery(&self, owner: &str, now: DateTime<Utc>, lease: chrono::Duration) -> Result<Option<Delivery>> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).ctx("starting a transaction")?;
        let id: Option<String> = tx
            .query_row(
                "SELECT id FROM deliveries WHERE state = 'pending' AND next_attempt_at <= ?1
                   AND (lease_until IS NULL OR lease_until <= ?1)
                 ORDER BY next_attempt_at, received_at, id LIMIT 1",
                [ts(now)],
                |r| r.get(0),
            )
            .optional()
            .ctx("finding a due delivery")?;
        let Some(id) = id else { return Ok(None) };
        tx.execute(
            "UPDATE deliveries SET lease_owner = ?2, lease_until = ?3, attempts = attempts + 1 WHERE id = ?1",
            params![id, owner, ts(now + lease)],
        )
        .ctx("claiming a delivery")?;
        let d = tx
            .query_row(&format!("SELECT {DELIVERY_COLS} FROM deliveries WHERE id = ?1"), [&id], delivery_row)
            .map_err(map_row_err("reading a delivery"))?;
        tx.commit().ctx("committing a claim")?;
        Ok(Some(d))
    }

    fn finish_delivery(&self, id: &str, owner: &str, outcome: &str, now: DateTime<Utc>) -> Result<bool> {
        let n = self
            .conn()
            .execute(
                "UPDATE deliveries SET state = 'done', outcome = ?3, finished_at = ?4, lease_owner = NULL,
                   lease_until = NULL WHERE id = ?1 AND lease_owner = ?2 AND state = 'pending'",
                params![id, owner, outcome, ts(now)],
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
            .conn()
            .execute(
                "UPDATE deliveries SET last_error = ?3, lease_owner = NULL, lease_until = NULL,
                   state = CASE WHEN ?4 IS NULL THEN 'failed' ELSE 'pending' END,
                   next_attempt_at = COALESCE(?4, next_attempt_at),
                   finished_at = CASE WHEN ?4 IS NULL THEN ?5 ELSE NULL END
                 WHERE id = ?1 AND lease_owner = ?2 AND state = 'pending'",
                params![id, owner, error, retry_at.map(ts), ts(now)],
            )
            .ctx("recording a failed delivery")?;
        Ok(n == 1)
    }

    fn get_delivery(&self, id: &str) -> Result<Option<Delivery>> {
        self.conn()
            .query_row(&format!("SELECT {DELIVERY_COLS} FROM deliveries WHERE id = ?1"), [id], delivery_row)
            .optional()
            .map_err(map_row_err("reading a delivery"))
    }

    fn delivery_counts(&self) -> Result<DeliveryCounts> {
        self.conn()
            .query_row(
                "SELECT COALESCE(SUM(state = 'pending'), 0), COALESCE(SUM(state = 'done'), 0),
                        COALESCE(SUM(state = 'failed'), 0) FROM deliveries",
                [],
                |r| {
                    let n = |i: usize| r.get::<_, i64>(i).map(|v| v.max(0) as u64);
                    Ok(DeliveryCounts { pending: n(0)?, done: n(1)?, failed: n(2)? })
                },
            )
            .ctx("counting deliveries")
    }

    fn get_state(&self, key: &str) -> Result<Option<String>> {
        self.conn()
            .query_row("SELECT value FROM state WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .ctx("reading state")
    }

    fn set_state(&self, key: &str, value: &str) -> Result<()> {
        self.conn()
            .execute(
                "INSERT INTO state (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .ctx("writing state")?;
        Ok(())
    }

    fn try_lock_leader(&self, name: &str) -> Result<Option<Box<dyn LeaderGuard>>> {
        if self.path == Path::new(":memory:") {
            let mut held = self.leaders.lock().unwrap_or_else(|p| p.into_inner());
            if !held.insert(name.to_string()) {
                return Ok(None);
            }
            return Ok(Some(Box::new(MemoryLeader { name: name.to_string(), leaders: self.leaders.clone() })));
        }
        // One lock file per name beside the database; the OS lock goes with the open file, so
        // a crashed holder never keeps it.
        let hex: String = name.bytes().map(|b| format!("{b:02x}")).collect();
        let file = PathBuf::from(format!("{}.leader-{hex}.lock", self.path.display()));
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&file)
            .map_err(|e| StoreError::Url(format!("cannot open {}: {e}", file.display())))?;
        match f.try_lock() {
            Ok(()) => Ok(Some(Box::new(FileLeader { name: name.to_string(), _file: f }))),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(StoreError::Url(format!("cannot lock {}: {e}", file.display())))
            }
        }
    }

    fn wait_for_change(&self, after: i64, timeout: std::time::Duration) -> Result<i64> {
        // One file, one writer at a time: polling the newest id is cheap and enough here.
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let last = self.last_event_id()?;
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if last > after || left.is_zero() {
                return Ok(last);
            }
            std::thread::sleep(left.min(std::time::Duration::from_millis(100)));
        }
    }

    fn export(&self) -> Result<Snapshot> {
        let mut conn = self.conn();
        let tx = conn.transaction().ctx("starting a transaction")?;
        let mut coordinations = query_all(
            &tx,
            &format!("SELECT {COORD_COLS} FROM coordinations ORDER BY id"),
            coordination_row,
            "exporting coordinations",
        )?;
        let index: std::collections::HashMap<i64, usize> =
            coordinations.iter().enumerate().map(|(i, c)| (c.id.0, i)).collect();
        for (cid, ch) in query_all(
            &tx,
            &format!("SELECT {CHILD_COLS} FROM children ORDER BY coord_id, position"),
            child_row,
            "exporting children",
        )? {
            if let Some(&i) = index.get(&cid) {
                coordinations[i].children.push(ch);
            }
        }
        let snapshot = Snapshot {
            coordinations,
            events: query_all(
                &tx,
                &format!("SELECT {EVENT_COLS} FROM events ORDER BY id"),
                event_row,
                "exporting history",
            )?,
            issues: query_all(
                &tx,
                &format!("SELECT {ISSUE_COLS} FROM issues ORDER BY id"),
                issue_row,
                "exporting issues",
            )?,
            comments: query_all(
                &tx,
                "SELECT id, repo, number, author, body, at FROM issue_comments ORDER BY id",
                comment_row,
                "exporting comments",
            )?,
            analyses: query_all(
                &tx,
                &format!("SELECT {ANALYSIS_COLS} FROM analyses ORDER BY id"),
                analysis_row,
                "exporting analyses",
            )?,
            deliveries: query_all(
                &tx,
                &format!("SELECT {DELIVERY_COLS} FROM deliveries ORDER BY received_at, id"),
                delivery_row,
                "exporting deliveries",
            )?,
            state: query_all(
                &tx,
                "SELECT key, value FROM state ORDER BY key",
                |r| Ok((r.get(0)?, r.get(1)?)),
                "exporting state",
            )?,
        };
        tx.commit().ctx("ending a read")?;
        Ok(snapshot)
    }

    fn import(&self, s: &Snapshot) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).ctx("starting a transaction")?;
        let used: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM coordinations) OR EXISTS (SELECT 1 FROM events)
                   OR EXISTS (SELECT 1 FROM issues) OR EXISTS (SELECT 1 FROM analyses)
                   OR EXISTS (SELECT 1 FROM deliveries) OR EXISTS (SELECT 1 FROM state)",
                [],
                |r| r.get(0),
            )
            .ctx("checking the target is empty")?;
        if used {
            return Err(StoreError::NotEmpty(self.path.display().to_string()));
        }
        import_rows(&tx, s)?;
        tx.commit().ctx("committing the copy")?;
        Ok(())
    }
}

fn query_all<T>(
    tx: &rusqlite::Transaction,
    sql: &str,
    f: impl FnMut(&Row) -> rusqlite::Result<T>,
    context: &'static str,
) -> Result<Vec<T>> {
    let mut stmt = tx.prepare(sql).ctx(context)?;
    let rows = stmt.query_map([], f).and_then(|rows| rows.collect());
    rows.map_err(map_row_err(context))
}

fn comment_row(r: &Row) -> rusqlite::Result<IssueComment> {
    Ok(IssueComment {
        id: r.get(0)?,
        issue: IssueRef { repo: repo(r.get(1)?)?, number: r.get::<_, i64>(2)? as u64 },
        author: r.get(3)?,
        body: r.get(4)?,
        at: parse_ts(&r.get::<_, String>(5)?)?,
    })
}

/// Writes every record of a snapshot with its ids (the target was checked empty).
fn import_rows(tx: &rusqlite::Transaction, s: &Snapshot) -> Result<()> {
    let insert_coordination =
        format!("INSERT INTO coordinations (id, version, {COORD_WRITE_COLS}) VALUES (?1, ?2, {})", placeholders(3, 16));
    for c in &s.coordinations {
        let values = CoordValues::new(c);
        let mut p: Vec<&dyn rusqlite::ToSql> = vec![&c.id.0, &c.version];
        p.extend(values.params());
        tx.execute(&insert_coordination, &*p).ctx("copying a coordination")?;
        write_children(tx, c).ctx("copying children")?;
    }
    let mut stmt = tx
        .prepare(&format!(
            "INSERT INTO events (id, coord_id, {EVENT_WRITE_COLS}) VALUES (?1, ?2, {})",
            placeholders(3, 8)
        ))
        .ctx("copying history")?;
    for e in &s.events {
        let values = EventValues::new(&e.event);
        let mut p: Vec<&dyn rusqlite::ToSql> = vec![&e.id, &e.coordination.0];
        p.extend(values.params());
        stmt.execute(&*p).ctx("copying history")?;
    }
    for i in &s.issues {
        tx.execute(
            &format!("INSERT INTO issues ({ISSUE_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"),
            params![
                i.reference.repo.as_str(),
                i.reference.number as i64,
                i.kind.as_str(),
                i.coordination.map(|c| c.0),
                i.marker,
                i.title,
                i.body,
                i.state.as_str(),
                to_json(&i.labels),
                i.parent.as_ref().map(|p| p.to_string()),
                ts(i.created_at),
                ts(i.updated_at),
            ],
        )
        .ctx("copying an issue")?;
    }
    for c in &s.comments {
        tx.execute(
            "INSERT INTO issue_comments (id, repo, number, author, body, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![c.id, c.issue.repo.as_str(), c.issue.number as i64, c.author, c.body, ts(c.at)],
        )
        .ctx("copying a comment")?;
    }
    let insert_analysis =
        format!("INSERT INTO analyses (id, {ANALYSIS_WRITE_COLS}) VALUES (?1, {})", placeholders(2, 9));
    for a in &s.analyses {
        let values = AnalysisValues::new(a);
        let mut p: Vec<&dyn rusqlite::ToSql> = vec![&a.id];
        p.extend(values.params());
        tx.execute(&insert_analysis, &*p).ctx("copying an analysis")?;
    }
    for d in &s.deliveries {
        tx.execute(
            &format!(
                "INSERT INTO deliveries ({DELIVERY_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
            ),
            params![
                d.id,
                d.event,
                d.payload,
                ts(d.received_at),
                d.state.as_str(),
                d.attempts,
                d.last_error,
                ts(d.next_attempt_at),
                d.lease_owner,
                d.lease_until.map(ts),
                d.finished_at.map(ts),
                d.outcome,
            ],
        )
        .ctx("copying a delivery")?;
    }
    for (k, v) in &s.state {
        tx.execute("INSERT INTO state (key, value) VALUES (?1, ?2)", params![k, v]).ctx("copying state")?;
    }
    Ok(())
}

struct MemoryLeader {
    name: String,
    leaders: std::sync::Arc<Mutex<std::collections::HashSet<String>>>,
}

impl LeaderGuard for MemoryLeader {
    fn name(&self) -> &str {
        &self.name
    }
    fn is_held(&self) -> bool {
        true
    }
}

impl Drop for MemoryLeader {
    fn drop(&mut self) {
        self.leaders.lock().unwrap_or_else(|p| p.into_inner()).remove(&self.name);
    }
}

/// Held while the lock file stays open (the OS releases it with the process, crash or not).
struct FileLeader {
    name: String,
    _file: std::fs::File,
}

impl LeaderGuard for FileLeader {
    fn name(&self) -> &str {
        &self.name
    }
    fn is_held(&self) -> bool {
        true
    }
}
