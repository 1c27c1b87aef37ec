//! FILE_SAME_SWIFT_PREFIX
//!
//! ## What it does
//! Checks that files have the same value for the swift_prefix option.
//!
//! ## Why it breaks consumers
//! Code generated from the file moves (`swift_prefix` decides where or how it is generated), so consumers' imports and builds break.
//!
//! ## Example
//! `option swift_prefix = ...;` changed value, was added or was removed.

use super::prelude::*;

const WHY: &str = "Code generated from the file moves (`swift_prefix` decides where or how it is generated), so consumers' imports and builds break.";

file_option_rule!("FILE_SAME_SWIFT_PREFIX", "swift_prefix", 39, |o| o.swift_prefix.clone().unwrap_or_default(), "");
