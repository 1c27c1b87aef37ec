//! FILE_SAME_CSHARP_NAMESPACE
//!
//! ## What it does
//! Checks that files have the same value for the csharp_namespace option.
//!
//! ## Why it breaks consumers
//! Code generated from the file moves (`csharp_namespace` decides where or how it is generated), so consumers' imports and builds break.
//!
//! ## Example
//! `option csharp_namespace = ...;` changed value, was added or was removed.

use super::prelude::*;

const WHY: &str = "Code generated from the file moves (`csharp_namespace` decides where or how it is generated), so consumers' imports and builds break.";

file_option_rule!(
    "FILE_SAME_CSHARP_NAMESPACE",
    "csharp_namespace",
    37,
    |o| o.csharp_namespace.clone().unwrap_or_default(),
    ""
);
