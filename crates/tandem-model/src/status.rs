//! Status vocabularies of coordinations and their children.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::kinds::UnknownValue;

macro_rules! statuses {
    ($(#[$meta:meta])* $name:ident, $what:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $text),+ } }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }
        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, UnknownValue> {
                let norm = s.trim().to_ascii_lowercase().replace('-', "_");
                Self::ALL.iter().copied().find(|v| v.as_str() == norm).ok_or_else(|| UnknownValue {
                    what: $what,
                    given: s.to_string(),
                    choices: Self::ALL.iter().map(|v| v.as_str()).collect(),
                })
            }
        }
    };
}

statuses!(
    /// The life of a coordination: planning → in_progress → testing → ready → deploying → done,
    /// plus blocked and cancelled.
    CoordStatus, "coordination status", {
    Planning => "planning",
    InProgress => "in_progress",
    Testing => "testing",
    Ready => "ready",
    Deploying => "deploying",
    Done => "done",
    Blocked => "blocked",
    Cancelled => "cancelled",
});

statuses!(
    /// The life of a child issue: pending → ready → in_progress → in_review → done, plus blocked.
    ChildStatus, "child status", {
    Pending => "pending",
    Ready => "ready",
    InProgress => "in_progress",
    InReview => "in_review",
    Done => "done",
    Blocked => "blocked",
});

statuses!(
    /// The state of a coordination's integration-testing issue.
    IntegrationStatus, "integration status", {
    Open => "open",
    Passed => "passed",
    Failed => "failed",
});

impl CoordStatus {
    /// Done and cancelled coordinations never change again.
    pub fn is_closed(self) -> bool {
        matches!(self, CoordStatus::Done | CoordStatus::Cancelled)
    }
}

impl ChildStatus {
    /// Anything but done is open work.
    pub fn is_open(self) -> bool {
        self != ChildStatus::Done
    }
}
