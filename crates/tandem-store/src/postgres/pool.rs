//! A small blocking connection pool: the engine calls the store from many threads at once, and
//! each call holds one connection for one transaction. Broken connections are dropped, not
//! reused; a caller waits (up to [`WAIT`]) when every connection is busy.

use postgres::{Client, Config, NoTls};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// How long a caller waits for a free connection before giving up with an error.
const WAIT: Duration = Duration::from_secs(30);

pub(crate) struct Pool {
    config: Config,
    max: usize,
    inner: Mutex<Inner>,
    freed: Condvar,
}

struct Inner {
    idle: Vec<Client>,
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
            while let Some(client) = inner.idle.pop() {
                if client.is_closed() {
                    inner.open -= 1;
                    continue;
                }
                return Ok(Conn { pool: self, client: Some(client) });
            }
            if inner.open < self.max {
                inner.open += 1;
                drop(inner);
                return match self.connect() {
                    Ok(client) => Ok(Conn { pool: self, client: Some(client) }),
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

/// A connection lent by the pool; it goes back when dropped (unless it broke).
pub(crate) struct Conn<'a> {
    pool: &'a Pool,
    client: Option<Client>,
}

impl std::ops::Deref for Conn<'_> {
    type Target = Client;
    fn deref(&self) -> &Client {
        self.client.as_ref().expect("present until drop")
    }
}

impl std::ops::DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        self.client.as_mut().expect("present until drop")
    }
}

impl Drop for Conn<'_> {
    fn drop(&mut self) {
        let Some(client) = self.client.take() else { return };
        let mut inner = self.pool.inner.lock().unwrap_or_else(|p| p.into_inner());
        if client.is_closed() || inner.idle.len() >= self.pool.max {
            inner.open -= 1;
        } else {
            inner.idle.push(client);
        }
        drop(inner);
        self.pool.freed.notify_one();
    }
}
