//! Closed vocabularies of the domain: roles, change types, priorities, strategies, edge kinds.
//!
//! Each is an enum with a stable lowercase spelling; parsing an unknown spelling yields an
//! [`UnknownValue`] that lists the valid choices.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A value outside a closed vocabulary; its message names the valid choices.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} '{}'; expected one of: {}", crate::manifest::clip(.given), .choices.join(", "))]
pub struct UnknownValue {
    pub what: &'static str,
    pub given: String,
    pub choices: Vec<&'static str>,
}

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $what:literal, { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "kebab-case")]
        pub enum $name { $($(#[$vmeta])* #[serde(rename = $text)] $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The stable spelling used in manifests, the CLI and JSON.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            /// The valid spellings, for error messages and CLI help.
            pub fn choices() -> Vec<&'static str> {
                Self::ALL.iter().map(|v| v.as_str()).collect()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, UnknownValue> {
                let norm = s.trim().to_ascii_lowercase().replace('_', "-");
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str().replace('_', "-") == norm)
                    .ok_or_else(|| UnknownValue { what: $what, given: s.to_string(), choices: Self::choices() })
            }
        }
    };
}

vocabulary!(
    /// What a repository is in the ecosystem; drives the checklist templates.
    Role, "role", {
    Protocol => "protocol",
    Service => "service",
    Client => "client",
    Frontend => "frontend",
    Library => "library",
    Docs => "docs",
    Config => "config",
});

vocabulary!(
    /// The kind of cross-repository change a coordination carries.
    ChangeType, "change type", {
    Protocol => "protocol",
    Breaking => "breaking",
    Feature => "feature",
    Security => "security",
    Bugfix => "bugfix",
    Performance => "performance",
    Docs => "docs",
    Dependency => "dependency",
    Config => "config",
});

vocabulary!(
    /// How urgent a coordination is.
    Priority, "priority", {
    Low => "low",
    Medium => "medium",
    High => "high",
    Critical => "critical",
});

vocabulary!(
    /// How a consumer depends on a provider.
    Via, "dependency kind (via)", {
    Grpc => "grpc",
    Http => "http",
    Library => "library",
    Docker => "docker",
    Config => "config",
});

vocabulary!(
    /// The kind of contract a repository publishes.
    ContractKind, "contract kind", {
    Protobuf => "protobuf",
    Openapi => "openapi",
    Sql => "sql",
    Config => "config",
});

vocabulary!(
    /// How the children of a coordination proceed (SPEC C4).
    Strategy, "strategy", {
    /// Providers first: a child becomes ready only when its providers' children are done.
    Sequential => "sequential",
    /// Parallel feature branches, merged together.
    Parallel => "parallel",
    /// Parallel work behind feature flags, rolled out in stages.
    FeatureFlags => "feature-flags",
    /// Every repo at once, at high priority (security fixes).
    Expedited => "expedited",
});

impl ChangeType {
    /// The strategy used when the workspace does not choose one.
    pub fn default_strategy(self) -> Strategy {
        match self {
            ChangeType::Protocol | ChangeType::Dependency => Strategy::Sequential,
            ChangeType::Feature => Strategy::FeatureFlags,
            ChangeType::Security => Strategy::Expedited,
            _ => Strategy::Parallel,
        }
    }

    /// The priority used when none is given.
    pub fn default_priority(self) -> Priority {
        match self {
            ChangeType::Security => Priority::Critical,
            ChangeType::Protocol | ChangeType::Breaking => Priority::High,
            ChangeType::Docs => Priority::Low,
            _ => Priority::Medium,
        }
    }
}

impl Strategy {
    /// The lowest priority this strategy accepts (expedited work is never below high).
    pub fn minimum_priority(self) -> Priority {
        match self {
            Strategy::Expedited => Priority::High,
            _ => Priority::Low,
        }
    }

    /// One line describing how work proceeds under this strategy.
    pub fn describe(self) -> &'static str {
        match self {
            Strategy::Sequential => "sequential, providers first: a repo starts when the repos it depends on are done",
            Strategy::Parallel => "parallel feature branches in every repo, merged together",
            Strategy::FeatureFlags => "parallel work behind feature flags, rolled out in stages (10, 25, 50, 100 %)",
            Strategy::Expedited => "every repo at once, high priority",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_change_type_lists_choices() {
        let err = "protocl".parse::<ChangeType>().unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("unknown change type 'protocl'"), "{msg}");
        assert!(msg.contains("protocol, breaking, feature"), "{msg}");
    }

    #[test]
    fn spellings_round_trip_and_accept_underscores() {
        for s in Strategy::ALL {
            assert_eq!(s.as_str().parse::<Strategy>().unwrap(), *s);
        }
        assert_eq!("feature_flags".parse::<Strategy>().unwrap(), Strategy::FeatureFlags);
        assert_eq!("HIGH".parse::<Priority>().unwrap(), Priority::High);
    }

    #[test]
    fn priorities_are_ordered() {
        assert!(Priority::Low < Priority::Medium && Priority::High < Priority::Critical);
    }
}
