//! Live updates: one poll loop per router learns that something changed (a new event in the
//! store, whoever wrote it: the CLI, MCP, a webhook or another browser) and fans it out to every
//! open page over server-sent events. The page then fetches itself again and swaps the parts
//! marked `data-live`.
//!
//! [`wait_for_change`] is the only place that asks the store: it waits on the store's own
//! change notice (LISTEN/NOTIFY on PostgreSQL, polling on SQLite).

use axum::response::sse::Event;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tandem_engine::Engine;
use tokio::sync::{mpsc, watch};

/// How often the loop asks the store for its newest event id.
pub const POLL_EVERY: Duration = Duration::from_millis(400);

/// The shared ticker: the newest event id seen, and whether the loop runs.
pub struct Live {
    tx: watch::Sender<i64>,
    running: Arc<AtomicBool>,
}

impl Default for Live {
    fn default() -> Self {
        Live { tx: watch::channel(0).0, running: Arc::new(AtomicBool::new(false)) }
    }
}

/// The newest event id, read off the async runtime.
pub async fn newest_event(engine: &Arc<Engine>) -> Option<i64> {
    let e = engine.clone();
    tokio::task::spawn_blocking(move || e.store().last_event_id()).await.ok()?.ok()
}

/// How long one blocking wait on the store lasts before it is asked again.
const WAIT: Duration = Duration::from_secs(2);

/// Waits until the store's newest event id differs from `seen`, and returns it: through
/// [`tandem_store::Store::wait_for_change`] (PostgreSQL's LISTEN/NOTIFY, so a change made through
/// any instance wakes this one; SQLite polls), on a blocking thread for at most [`WAIT`] at a time.
pub async fn wait_for_change(engine: &Arc<Engine>, seen: i64) -> i64 {
    loop {
        let e = engine.clone();
        match tokio::task::spawn_blocking(move || e.store().wait_for_change(seen, WAIT)).await {
            Ok(Ok(id)) if id != seen => return id,
            Ok(Ok(_)) => {}
            // the store could not be read: look again a little later
            _ => tokio::time::sleep(POLL_EVERY).await,
        }
    }
}

impl Live {
    /// A receiver of the newest event id; starts the loop if it is not running.
    pub fn subscribe(&self, engine: &Arc<Engine>, current: i64) -> watch::Receiver<i64> {
        let rx = self.tx.subscribe();
        if !self.running.swap(true, Ordering::SeqCst) {
            self.tx.send_replace(current);
            tokio::spawn(run(engine.clone(), self.tx.clone(), self.running.clone()));
        }
        rx
    }
}

/// The loop: runs while anyone listens.
async fn run(engine: Arc<Engine>, tx: watch::Sender<i64>, running: Arc<AtomicBool>) {
    loop {
        let seen = *tx.borrow();
        tokio::select! {
            id = wait_for_change(&engine, seen) => { tx.send_replace(id); }
            _ = tx.closed() => {}
        }
        if tx.receiver_count() == 0 {
            running.store(false, Ordering::SeqCst);
            // A subscriber that came in between sees `running` false and starts a loop itself,
            // or arrived before the store and is served by this one.
            if tx.receiver_count() == 0 || running.swap(true, Ordering::SeqCst) {
                return;
            }
        }
    }
}

/// The SSE stream of one page: the current id first, then every change.
pub fn stream(mut rx: watch::Receiver<i64>, first: i64) -> EventStream {
    let (etx, erx) = mpsc::channel::<Event>(4);
    tokio::spawn(async move {
        let event = |id: i64| Event::default().event("change").id(id.to_string()).data(id.to_string());
        if etx.send(event(first)).await.is_err() {
            return;
        }
        let mut last = first;
        loop {
            tokio::select! {
                r = rx.changed() => {
                    if r.is_err() { return; }
                    let id = *rx.borrow_and_update();
                    if id != last {
                        last = id;
                        if etx.send(event(id)).await.is_err() { return; }
                    }
                }
                _ = etx.closed() => return,
            }
        }
    });
    EventStream(erx)
}

/// The events of one page, as a `Stream` for axum's `Sse`.
pub struct EventStream(mpsc::Receiver<Event>);

impl futures_core::Stream for EventStream {
    type Item = Result<Event, std::convert::Infallible>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.poll_recv(cx).map(|e| e.map(Ok))
    }
}
