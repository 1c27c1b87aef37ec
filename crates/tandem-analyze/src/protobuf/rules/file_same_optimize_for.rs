//! FILE_SAME_OPTIMIZE_FOR
//!
//! ## What it does
//! Checks that files have the same value for the optimize_for option.
//!
//! ## Why it breaks consumers
//! Code generated from the file moves (`optimize_for` decides where or how it is generated), so consumers' imports and builds break.
//!
//! ## Example
//! `option optimize_for = ...;` changed value, was added or was removed.

use super::prelude::*;

const WHY: &str = "Code generated from the file moves (`optimize_for` decides where or how it is generated), so consumers' imports and builds break.";

file_option_rule!("FILE_SAME_OPTIMIZE_FOR", "optimize_for", 9, |o| o.optimize_for().as_str_name().to_string(), "SPEED");
