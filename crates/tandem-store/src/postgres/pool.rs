//! A small blocking connection pool: the engine calls the store from many threads at once, and
//! each call holds one connection for one transaction. Broken connections are dropped, not
//! reused; a caller waits (up to [`WAIT`]) when every connection is busy.
//!
//! Each pooled connection keeps the statements it prepared, by their text: the client prepares
//! a statement before running it (one round trip) and runs it (another), so a statement met
//! again costs one round trip instead of two. Statements live as long as their connection.

use postgres::types::ToSql;
use postgres::{Client, Config, GenericClient, NoTls, Row, Statement, Transaction};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// How long a caller waits for a free connection before giving up with an error.
const WAIT: Duration = Duration::from_secs(30);

/// The most statements one connection keeps; past it, the cache starts afresh. tandem's
/// statements are a fixed set well below it; the bound only guards against a leak.
const MAX_STATEMENTS: usize = 256;

type Params<'p> = &'p [&'p (dyn ToSql + Sync)];

/// One connection's prepared statements, by text.
#[derive(Default)]
pub(crate) struct Statements(RefCell<HashMap<String, Statement>>);

impl Statements {
    /// The statement for `sql` on the connection `c` belongs to: prepared the first time.
    fn get(&self, c: &mut dyn Run, sql: &str) -> Result<Statement, postgres::Error> {
        if let Some(st) = self.0.borrow().get(sql) {
            return Ok(st.clone());
        }
        let st = c.prepare_statement(sql)?;
        let mut map = self.0.borrow_mut();
        if map.len() >= MAX_STATEMENTS {
            map.clear();
        }
        map.insert(sql.to_string(), st.clone());
        Ok(st)
    }

    /// Forgets every statement after an error that may have invalidated one (a schema changed
    /// under a running instance); they are prepared again on next use.
    fn forget_on(&self, e: &postgres::Error) {
        use postgres::error::SqlState;
        if matches!(e.code(), Some(c) if *c == SqlState::INVALID_SQL_STATEMENT_NAME || *c == SqlState::FEATURE_NOT_SUPPORTED)
        {
            self.0.borrow_mut().clear();
        }
    }
}

/// A pooled connection and the statements prepared on it.
struct Pooled {
    client: Client,
    statements: Statements,
}

pub(crate) struct Pool {
    config: Config,
    max: usize,
    inner: Mutex<Inner>,
    freed: Condvar,
}

struct Inner {
    idle: Vec<Pooled>,
    /// Connections open now, idle or lent out.
    open: usize,
}

impl Pool {
    pub(crate) fn new(config: Config, max: usize) -> Pool {
        Pool { config, max: max.max(1), inner: Mutex::new(Inner { idle: Vec::new(), open: 0 }), freed: Condvar::new() }
    }

    /// A new connection outside the pool (held for a session lock or `LISTEN`).
    pub(crate) fn connect(&self) -> Result<Client, postgres::Error> {
        self.config.connect(NoTls)
    }

    pub(crate) fn get(&self) -> crate::Result<Conn<'_>> {
        let deadline = Instant::now() + WAIT;
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            while let Some(pooled) = inner.idle.pop() {
                if pooled.client.is_closed() {
                    inner.open -= 1;
                    continue;
                }
                return Ok(Conn { pool: self, pooled: Some(pooled) });
            }
            if inner.open < self.max {
                inner.open += 1;
                drop(inner);
                return match self.connect() {
                    Ok(client) => {
                        Ok(Conn { pool: self, pooled: Some(Pooled { client, statements: Statements::default() }) })
                    }
                    Err(e) => {
                        self.release_slot();
                        Err(crate::StoreError::Sql { context: "connecting to PostgreSQL", source: e.into() })
                    }
                };
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(crate::StoreError::Unavailable(format!(
                    "all {} PostgreSQL connections stayed busy for {}s; raise pool_size in the database URL",
                    self.max,
                    WAIT.as_secs()
                )));
            }
            inner = self.freed.wait_timeout(inner, left).unwrap_or_else(|p| p.into_inner()).0;
        }
    }

    fn release_slot(&self) {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).open -= 1;
        self.freed.notify_one();
    }
}

/// A connection lent by the pool; it goes back when dropped (unless it broke). Statements run
/// through [`Session`] (on it or on a transaction from [`Conn::transaction`]) use the
/// connection's prepared statements; the client's own methods (through `Deref`) prepare afresh.
pub(crate) struct Conn<'a> {
    pool: &'a Pool,
    pooled: Option<Pooled>,
}

/// What runs a statement with the connection's prepared statements: a pooled connection
/// (each statement its own transaction) or a transaction on one.
pub(crate) trait Session {
    /// The client to prepare and run on, and the connection's statements.
    fn parts(&mut self) -> (&mut dyn Run, &Statements);

    fn execute(&mut self, sql: &str, params: Params<'_>) -> Result<u64, postgres::Error> {
        let (c, s) = self.parts();
        let st = s.get(c, sql)?;
        c.run_execute(&st, params).inspect_err(|e| s.forget_on(e))
    }

    fn query(&mut self, sql: &str, params: Params<'_>) -> Result<Vec<Row>, postgres::Error> {
        let (c, s) = self.parts();
        let st = s.get(c, sql)?;
        c.run_query(&st, params).inspect_err(|e| s.forget_on(e))
    }

    fn query_one(&mut self, sql: &str, params: Params<'_>) -> Result<Row, postgres::Error> {
        let (c, s) = self.parts();
        let st = s.get(c, sql)?;
        c.run_query_one(&st, params).inspect_err(|e| s.forget_on(e))
    }

    fn query_opt(&mut self, sql: &str, params: Params<'_>) -> Result<Option<Row>, postgres::Error> {
        let (c, s) = self.parts();
        let st = s.get(c, sql)?;
        c.run_query_opt(&st, params).inspect_err(|e| s.forget_on(e))
    }
}

/// The client calls [`Session`] needs, on a client or a transaction alike.
pub(crate) trait Run {
    fn prepare_statement(&mut self, sql: &str) -> Result<Statement, postgres::Error>;
    fn run_execute(&mut self, st: &Statement, params: Params<'_>) -> Result<u64, postgres::Error>;
    fn run_query(&mut self, st: &Statement, params: Params<'_>) -> Result<Vec<Row>, postgres::Error>;
    fn run_query_one(&mut self, st: &Statement, params: Params<'_>) -> Result<Row, postgres::Error>;
    fn run_query_opt(&mut self, st: &Statement, params: Params<'_>) -> Result<Option<Row>, postgres::Error>;
}

impl<C: GenericClient> Run for C {
    fn prepare_statement(&mut self, sql: &str) -> Result<Statement, postgres::Error> {
        self.prepare(sql)
    }
    fn run_execute(&mut self, st: &Statement, params: Params<'_>) -> Result<u64, postgres::Error> {
        self.execute(st, params)
    }
    fn run_query(&mut self, st: &Statement, params: Params<'_>) -> Result<Vec<Row>, postgres::Error> {
        self.query(st, params)
    }
    fn run_query_one(&mut self, st: &Statement, params: Params<'_>) -> Result<Row, postgres::Error> {
        self.query_one(st, params)
    }
    fn run_query_opt(&mut self, st: &Statement, params: Params<'_>) -> Result<Option<Row>, postgres::Error> {
        self.query_opt(st, params)
    }
}

impl Session for Conn<'_> {
    fn parts(&mut self) -> (&mut dyn Run, &Statements) {
        let p = self.pooled.as_mut().expect("present until drop");
        (&mut p.client, &p.statements)
    }
}

impl<'a> Conn<'a> {
    /// A read-write transaction whose statements are this connection's prepared ones.
    pub(crate) fn transaction(&mut self) -> Result<Tx<'_>, postgres::Error> {
        let p = self.pooled.as_mut().expect("present until drop");
        Ok(Tx { tx: p.client.transaction()?, statements: &p.statements })
    }
}

/// A transaction on a pooled connection, with the connection's prepared statements.
pub(crate) struct Tx<'a> {
    tx: Transaction<'a>,
    statements: &'a Statements,
}

impl Session for Tx<'_> {
    fn parts(&mut self) -> (&mut dyn Run, &Statements) {
        (&mut self.tx, self.statements)
    }
}

impl<'a> Tx<'a> {
    pub(crate) fn commit(self) -> Result<(), postgres::Error> {
        self.tx.commit()
    }

    /// The transaction itself, for statements not worth keeping prepared (a copy's).
    pub(crate) fn inner(&mut self) -> &mut Transaction<'a> {
        &mut self.tx
    }
}

impl std::ops::Deref for Conn<'_> {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.pooled.as_ref().expect("present until drop").client
    }
}

impl std::ops::DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        &mut self.pooled.as_mut().expect("present until drop").client
    }
}

impl Drop for Conn<'_> {
    fn drop(&mut self) {
        let Some(pooled) = self.pooled.take() else { return };
        let mut inner = self.pool.inner.lock().unwrap_or_else(|p| p.into_inner());
        if pooled.client.is_closed() || inner.idle.len() >= self.pool.max {
            inner.open -= 1;
        } else {
            inner.idle.push(pooled);
        }
        drop(inner);
        self.pool.freed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A statement run twice on a pooled connection is prepared once, on the server too, and
    /// the connection keeps it when it goes back to the pool.
    #[test]
    fn a_statement_is_prepared_once_per_connection() {
        // The test server (see `conformance::test_postgres_url`).
        let url = std::env::var("TANDEM_TEST_POSTGRES_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".into());
        let pool = Pool::new(url.parse().expect("test URL"), 1);
        let prepared = |c: &mut Conn| -> i64 {
            c.query_one("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'SELECT $1::int + 1%'", &[])
                .unwrap()
                .get(0)
        };
        let mut conn = pool.get().unwrap();
        for i in 0..3 {
            let row = conn.query_one("SELECT $1::int + 1", &[&i]).unwrap();
            assert_eq!(row.get::<_, i32>(0), i + 1);
        }
        assert_eq!(prepared(&mut conn), 1);
        drop(conn);
        let mut again = pool.get().unwrap();
        let mut tx = again.transaction().unwrap();
        assert_eq!(tx.query_one("SELECT $1::int + 1", &[&41]).unwrap().get::<_, i32>(0), 42);
        tx.commit().unwrap();
        assert_eq!(prepared(&mut again), 1, "the pooled connection came back with its statement");
    }
}
