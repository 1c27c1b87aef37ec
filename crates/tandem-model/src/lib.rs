//! tandem's domain model: the workspace manifest, the dependency graph, the coordination
//! aggregate with its state machine, progress, critical path and deployment plans.
//!
//! This crate is pure: no file, network or database access, no async, no CLI. Front ends and
//! the engine feed it text and values and get back values or errors that say what is wrong.
//!
//! ```
//! use tandem_model::manifest::Workspace;
//! let text = r#"
//! [[repo]]
//! name = "proto"
//! role = "protocol"
//!
//! [[repo]]
//! name = "hub"
//! role = "service"
//! depends_on = [{ repo = "proto", via = "grpc" }]
//! "#;
//! let ws = Workspace::parse(text, std::path::Path::new("tandem.toml")).unwrap();
//! let g = ws.graph();
//! let proto = g.index_of(&ws.repos[0].name).unwrap();
//! let consumers: Vec<_> = g.transitive_consumers(proto).into_iter().map(|i| g.name(i).to_string()).collect();
//! assert_eq!(consumers, ["hub"]);
//! ```

pub mod checklist;
pub mod clock;
pub mod coordination;
pub mod finding;
pub mod graph;
pub mod health;
pub mod issue;
pub mod kinds;
pub mod manifest;
pub mod names;
pub mod plan;
pub mod progress;
pub mod rollout;
pub mod status;

pub use checklist::{ChecklistItem, ItemSelector};
pub use clock::{Clock, ManualClock, SystemClock};
pub use coordination::{
    Action, BlockCause, Child, Coordination, Ctx, Event, Hold, Integration, Needs, Refused, Subject, Target,
};
pub use finding::{AnalysisRecord, Finding, ImpactLevel, Severity};
pub use graph::{Cycle, Edge, Graph};
pub use issue::{Issue, IssueKind, IssueSpec, IssueState, IssueUpdate};
pub use kinds::{ChangeType, ContractKind, Priority, Role, Strategy, UnknownValue, Via};
pub use manifest::{ManifestError, Repo, ServeSettings, SqlTransaction, StoreSettings, Workspace};
pub use names::{CoordId, IssueRef, RepoName};
pub use progress::{ChildSummary, CoordinationSummary};
pub use status::{ChildStatus, CoordStatus, IntegrationStatus};
