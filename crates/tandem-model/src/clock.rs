//! Time as a dependency: engine operations take a [`Clock`] so tests move time instead of sleeping.

use chrono::{DateTime, Duration, Utc};
use std::sync::Mutex;

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to; `step` is added after every reading (0 to stand still).
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
    step: Duration,
}

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        Self::stepping(start, Duration::zero())
    }

    /// A clock that advances by `step` after each reading (for readable, deterministic timelines).
    pub fn stepping(start: DateTime<Utc>, step: Duration) -> Self {
        ManualClock { now: Mutex::new(start), step }
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        let t = *now;
        *now += self.step;
        t
    }
}
