//! What several instances share beyond rows: the newest event (every instance's live views wake
//! on `LISTEN tandem_events`, fed by the trigger on `events`) and leadership (a session advisory
//! lock held on a connection of its own for as long as the guard lives).

use super::pool::Pool;
use super::LOCK_CLASS;
use crate::error::{Context, Result};
use crate::LeaderGuard;
use postgres::fallible_iterator::FallibleIterator;
use postgres::Client;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// How often a waiter re-reads the newest id itself, in case a notification was missed while the
/// listener reconnected; and how often the listener looks whether its store is gone.
const SAFETY_NET: Duration = Duration::from_secs(2);
const LISTENER_TICK: Duration = Duration::from_millis(500);

pub(crate) struct Changes {
    pool: Arc<Pool>,
    scope: String,
    shared: Arc<Shared>,
    started: Mutex<bool>,
}

struct Shared {
    /// The newest event id announced for this schema.
    latest: Mutex<i64>,
    announced: Condvar,
    stop: AtomicBool,
}

impl Changes {
    pub(crate) fn new(pool: Arc<Pool>, scope: String) -> Changes {
        let shared =
            Arc::new(Shared { latest: Mutex::new(0), announced: Condvar::new(), stop: AtomicBool::new(false) });
        Changes { pool, scope, shared, started: Mutex::new(false) }
    }

    /// Starts the listener thread the first time anyone waits.
    fn start(&self) {
        let mut started = self.started.lock().unwrap_or_else(|p| p.into_inner());
        if *started {
            return;
        }
        let (pool, scope, shared) = (self.pool.clone(), self.scope.clone(), self.shared.clone());
        let spawned =
            std::thread::Builder::new().name("tandem-pg-listen".into()).spawn(move || listen(&pool, &scope, &shared));
        // Without a listener, waiters still see changes through the safety net's polling.
        *started = spawned.is_ok();
    }

    pub(crate) fn wait(&self, after: i64, timeout: Duration, current: impl Fn() -> Result<i64>) -> Result<i64> {
        self.start();
        let deadline = Instant::now() + timeout;
        let mut last = current()?;
        loop {
            if last > after {
                return Ok(last);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(last);
            }
            let latest = self.shared.latest.lock().unwrap_or_else(|p| p.into_inner());
            let (latest, _) = self
                .shared
                .announced
                .wait_timeout_while(latest, left.min(SAFETY_NET), |l| *l <= after)
                .unwrap_or_else(|p| p.into_inner());
            drop(latest);
            // The database has the last word: a notification only says "look now".
            last = current()?;
        }
    }
}

impl Drop for Changes {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
    }
}

fn listen(pool: &Pool, scope: &str, shared: &Shared) {
    while !shared.stop.load(Ordering::Relaxed) {
        let mut client = match pool.connect() {
            Ok(c) => c,
            Err(_) => {
                std::thread::sleep(Duration::from_secs(1));
                continue;
            }
        };
        if client.batch_execute("LISTEN tandem_events").is_err() {
            std::thread::sleep(Duration::from_secs(1));
            continue;
        }
        while !shared.stop.load(Ordering::Relaxed) && !client.is_closed() {
            let mut notes = client.notifications();
            let mut iter = notes.timeout_iter(LISTENER_TICK);
            loop {
                match iter.next() {
                    Ok(Some(n)) => announce(shared, scope, n.payload()),
                    Ok(None) => break,
                    Err(_) => break,
                }
            }
        }
    }
}

/// Payload "<schema> <newest id>" from the trigger; other schemas' news is not ours.
fn announce(shared: &Shared, scope: &str, payload: &str) {
    let Some((schema, id)) = payload.rsplit_once(' ') else { return };
    let Ok(id) = id.parse::<i64>() else { return };
    if schema != scope {
        return;
    }
    let mut latest = shared.latest.lock().unwrap_or_else(|p| p.into_inner());
    if id > *latest {
        *latest = id;
        shared.announced.notify_all();
    }
}

/// Leadership held by one session's advisory lock.
struct PgLeader {
    name: String,
    client: Mutex<Client>,
}

impl LeaderGuard for PgLeader {
    fn name(&self) -> &str {
        &self.name
    }

    fn is_held(&self) -> bool {
        // The lock lives exactly as long as its session: a live connection still holds it.
        let mut client = self.client.lock().unwrap_or_else(|p| p.into_inner());
        !client.is_closed() && client.is_valid(Duration::from_secs(10)).is_ok()
    }
}

impl Drop for PgLeader {
    fn drop(&mut self) {
        let mut client = self.client.lock().unwrap_or_else(|p| p.into_inner());
        // Closing the session releases the lock too; unlocking first makes it prompt.
        let _ = client.batch_execute("SELECT pg_advisory_unlock_all()");
    }
}

pub(crate) fn try_lock_leader(pool: &Pool, scope: &str, name: &str) -> Result<Option<Box<dyn LeaderGuard>>> {
    let mut client = pool.connect().ctx("connecting for a leader lock")?;
    let key = format!("{scope}:leader:{name}");
    let got: bool = client
        .query_one("SELECT pg_try_advisory_lock($1, hashtext($2))", &[&LOCK_CLASS, &key])
        .ctx("taking a leader lock")?
        .get(0);
    Ok(got.then(|| Box::new(PgLeader { name: name.to_string(), client: Mutex::new(client) }) as Box<dyn LeaderGuard>))
}
