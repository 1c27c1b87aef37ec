//! DEPENDENCY_PARSE
//!
//! ## What it does
//! Reports a go.mod, Cargo.toml or package.json that cannot be read: not UTF-8, invalid
//! syntax, or a dependency of the wrong shape. The manifest is not compared.
//!
//! ## Why it breaks consumers
//! The build tool fails on the same file, and tandem cannot tell which dependencies changed.
//!
//! ## Example
//! `go.mod` has `require (` without its `)`: "The current revision of the manifest could not be
//! read: `require (` block is not closed with ')'."

super::rule!(
    "DEPENDENCY_PARSE",
    Warning,
    "Reports a dependency manifest (go.mod, Cargo.toml, package.json) that cannot be read.",
    "The build tool fails on the same file, and no dependency change in it can be checked.",
    super::Check::Parse
);
