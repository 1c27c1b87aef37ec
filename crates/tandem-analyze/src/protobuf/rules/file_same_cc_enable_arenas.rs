//! FILE_SAME_CC_ENABLE_ARENAS
//!
//! ## What it does
//! Checks that files have the same value for the cc_enable_arenas option.
//!
//! ## Why it breaks consumers
//! Code generated from the file moves (`cc_enable_arenas` decides where or how it is generated), so consumers' imports and builds break.
//!
//! ## Example
//! `option cc_enable_arenas = ...;` changed value, was added or was removed.

use super::prelude::*;

const WHY: &str = "Code generated from the file moves (`cc_enable_arenas` decides where or how it is generated), so consumers' imports and builds break.";

file_option_rule!(
    "FILE_SAME_CC_ENABLE_ARENAS",
    "cc_enable_arenas",
    31,
    |o| o.cc_enable_arenas.unwrap_or(true).to_string(),
    "true"
);
