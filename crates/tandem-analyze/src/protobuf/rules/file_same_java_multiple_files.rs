//! FILE_SAME_JAVA_MULTIPLE_FILES
//!
//! ## What it does
//! Checks that files have the same value for the java_multiple_files option.
//!
//! ## Why it breaks consumers
//! Code generated from the file moves (`java_multiple_files` decides where or how it is generated), so consumers' imports and builds break.
//!
//! ## Example
//! `option java_multiple_files = ...;` changed value, was added or was removed.

use super::prelude::*;

const WHY: &str = "Code generated from the file moves (`java_multiple_files` decides where or how it is generated), so consumers' imports and builds break.";

file_option_rule!(
    "FILE_SAME_JAVA_MULTIPLE_FILES",
    "java_multiple_files",
    10,
    |o| o.java_multiple_files.unwrap_or(false).to_string(),
    "false"
);
