//! tandem's readers of repositories: they look at the files of each checkout and report what
//! the files say about the workspace. Today that is dependency discovery (SPEC C1): which
//! workspace repos each repo uses according to its go.mod, Cargo.toml, package.json,
//! pyproject.toml, requirements.txt and docker-compose files, compared with the edges declared
//! in `tandem.toml`.
//!
//! This crate reads files but never writes them, runs no git or network commands, and knows
//! nothing of the store, the CLI or the server. Bad input is data: a malformed manifest is a
//! [`Problem`] in the result and the rest of the workspace is still read.
//!
//! ```
//! use tandem_analyze::discover;
//! use tandem_model::Workspace;
//!
//! let dir = tempfile::tempdir().unwrap();
//! std::fs::create_dir_all(dir.path().join("hub")).unwrap();
//! std::fs::write(
//!     dir.path().join("hub/go.mod"),
//!     "module example.com/hub\n\nrequire example.com/proto v0.3.1\n",
//! )
//! .unwrap();
//! let manifest = r#"
//! [[repo]]
//! name = "proto"
//! role = "protocol"
//! aliases = ["example.com/proto"]
//!
//! [[repo]]
//! name = "hub"
//! role = "service"
//! path = "hub"
//! "#;
//! let ws = Workspace::parse(manifest, &dir.path().join("tandem.toml")).unwrap();
//!
//! let found = discover(&ws);
//! assert_eq!(found.undeclared.len(), 1); // hub uses proto but does not say so
//! assert_eq!(found.pins[0].version, "v0.3.1");
//! ```

pub mod config;
pub mod deps;
pub mod detect;
pub mod discover;
pub mod openapi;
pub mod protobuf;
pub mod source;
pub mod sql;
pub mod versions;
pub(crate) mod yaml;

pub use discover::{discover, Discovery, EdgeReport, ManifestKind, Pin, Problem, Reference, Skipped};
