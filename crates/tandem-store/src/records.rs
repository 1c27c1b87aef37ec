//! Records the service layer keeps beside coordinations: webhook deliveries (received once,
//! processed once, retried with a kept error), comments on the local forge's issues, and small
//! named state that must survive restarts (the scheduler's next run).

use chrono::{DateTime, Utc};
use tandem_model::IssueRef;

/// A webhook delivery as received; GitHub's `X-GitHub-Delivery` is its key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NewDelivery {
    /// `X-GitHub-Delivery`.
    pub id: String,
    /// `X-GitHub-Event`.
    pub event: String,
    /// The raw JSON body, after its signature was checked.
    pub payload: String,
    pub received_at: DateTime<Utc>,
}

/// Where a delivery is in its processing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting for (another) attempt.
    Pending,
    /// Processed; `outcome` says what it did.
    Done,
    /// Given up after its last failed attempt; `last_error` says why.
    Failed,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Done => "done",
            DeliveryState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryState> {
        [DeliveryState::Pending, DeliveryState::Done, DeliveryState::Failed].into_iter().find(|d| d.as_str() == s)
    }
}

/// A stored delivery with its processing state.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Delivery {
    pub id: String,
    pub event: String,
    pub payload: String,
    pub received_at: DateTime<Utc>,
    pub state: DeliveryState,
    /// Attempts started so far (a claim is an attempt).
    pub attempts: u32,
    pub last_error: Option<String>,
    /// When the next attempt is due (pending deliveries only).
    pub next_attempt_at: DateTime<Utc>,
    /// Who holds the delivery now, and until when; an expired lease may be taken over.
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// One line: what processing did (done deliveries).
    pub outcome: Option<String>,
}

/// How many deliveries are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct DeliveryCounts {
    pub pending: u64,
    pub done: u64,
    pub failed: u64,
}

/// A comment on an issue of the local forge.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IssueComment {
    pub id: i64,
    pub issue: IssueRef,
    pub author: String,
    pub body: String,
    pub at: DateTime<Utc>,
}

/// Everything a store holds, ids included, in the order it was written: the unit of
/// `tandem store copy` (`Store::export` on the source, `Store::import` on an empty target).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Snapshot {
    /// With their children, versions and issue links.
    pub coordinations: Vec<tandem_model::Coordination>,
    pub events: Vec<crate::StoredEvent>,
    /// Oldest first (their numbers are per repository).
    pub issues: Vec<tandem_model::Issue>,
    pub comments: Vec<IssueComment>,
    pub analyses: Vec<tandem_model::AnalysisRecord>,
    pub deliveries: Vec<Delivery>,
    /// Named state, by key.
    pub state: Vec<(String, String)>,
}

/// How many records of each kind a snapshot holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct SnapshotCounts {
    pub coordinations: usize,
    pub children: usize,
    pub events: usize,
    pub issues: usize,
    pub comments: usize,
    pub analyses: usize,
    pub deliveries: usize,
    pub state: usize,
}

impl Snapshot {
    pub fn counts(&self) -> SnapshotCounts {
        SnapshotCounts {
            coordinations: self.coordinations.len(),
            children: self.coordinations.iter().map(|c| c.children.len()).sum(),
            events: self.events.len(),
            issues: self.issues.len(),
            comments: self.comments.len(),
            analyses: self.analyses.len(),
            deliveries: self.deliveries.len(),
            state: self.state.len(),
        }
    }

    /// SHA-256 (hex) of the whole history as JSON, ids and order included: equal on both sides
    /// of a lossless copy.
    pub fn history_checksum(&self) -> String {
        digest(&self.events)
    }

    /// SHA-256 (hex) of everything in the snapshot.
    pub fn checksum(&self) -> String {
        digest(self)
    }

    pub fn is_empty(&self) -> bool {
        self.counts() == SnapshotCounts::default()
    }
}

fn digest<T: serde::Serialize + ?Sized>(v: &T) -> String {
    use sha2::Digest;
    let bytes = serde_json::to_vec(v).unwrap_or_default();
    sha2::Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect()
}
