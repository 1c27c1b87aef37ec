//! One rollout of a coordination at a time: a lease in the store's named state
//! (`rollout.ID.lease` = `HOST PID EXPIRES_MS`), renewed while the run lives and released at its
//! end. A second run is refused while the lease is held; a lease whose holder is gone (expired,
//! or a process of this host that no longer exists — a run killed with SIGKILL) is taken over,
//! so a killed rollout resumes at once.
//!
//! The store's named state has no compare-and-set, so two runs started within the same
//! instant could both take the lease; the lease guards against the common mistake (a second
//! terminal, a retry while the first still runs), not against a race of milliseconds.

use crate::error::{EngineError, Result};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tandem_model::{CoordId, Refused};
use tandem_store::Store;

const TTL_MS: i64 = 30_000;
const RENEW_EVERY: Duration = Duration::from_secs(5);

fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty() && !h.contains(' '))
        .unwrap_or_else(|| "localhost".into())
}

fn alive_here(pid: u32) -> Option<bool> {
    let proc = std::path::Path::new("/proc");
    proc.is_dir().then(|| proc.join(pid.to_string()).exists())
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The held lease; renewed by a thread until dropped, then released.
pub struct Lease {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
    store: Arc<dyn Store>,
    key: String,
    mine: String,
}

impl Lease {
    pub fn acquire(store: &Arc<dyn Store>, id: CoordId) -> Result<Lease> {
        let key = format!("rollout.{id}.lease");
        let (host, pid) = (host(), std::process::id());
        if let Some(held) = store.get_state(&key)?.filter(|v| !v.is_empty()) {
            let parts: Vec<&str> = held.split(' ').collect();
            if let [h, p, expires] = parts[..] {
                let p: u32 = p.parse().unwrap_or(0);
                let expires: i64 = expires.parse().unwrap_or(0);
                let gone = expires < now_ms() || (h == host && (p == pid || alive_here(p) == Some(false)));
                if !gone {
                    return Err(EngineError::Refused(Refused::new(format!(
                        "coordination #{id} is being rolled out by process {p} on {h}; wait for it to end \
                         (its lease expires {} s after it stops)",
                        TTL_MS / 1000
                    ))));
                }
            }
        }
        let mine_prefix = format!("{host} {pid}");
        let value = |prefix: &str| format!("{prefix} {}", now_ms() + TTL_MS);
        store.set_state(&key, &value(&mine_prefix))?;
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (stop, store, key, prefix) = (stop.clone(), store.clone(), key.clone(), mine_prefix.clone());
            std::thread::spawn(move || {
                let mut waited = Duration::ZERO;
                while !stop.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(100));
                    waited += Duration::from_millis(100);
                    if waited >= RENEW_EVERY {
                        waited = Duration::ZERO;
                        let _ = store.set_state(&key, &value(&prefix));
                    }
                }
            })
        };
        Ok(Lease { stop, thread: Some(thread), store: store.clone(), key, mine: mine_prefix })
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        // Release only our own lease.
        if let Ok(Some(v)) = self.store.get_state(&self.key) {
            if v.starts_with(&format!("{} ", self.mine)) {
                let _ = self.store.set_state(&self.key, "");
            }
        }
    }
}
