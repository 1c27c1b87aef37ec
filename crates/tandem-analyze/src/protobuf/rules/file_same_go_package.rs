//! FILE_SAME_GO_PACKAGE
//!
//! ## What it does
//! Checks that files have the same value for the go_package option.
//!
//! ## Why it breaks consumers
//! Code generated from the file moves (`go_package` decides where or how it is generated), so consumers' imports and builds break.
//!
//! ## Example
//! `option go_package = ...;` changed value, was added or was removed.

use super::prelude::*;

const WHY: &str = "Code generated from the file moves (`go_package` decides where or how it is generated), so consumers' imports and builds break.";

file_option_rule!("FILE_SAME_GO_PACKAGE", "go_package", 11, |o| o.go_package.clone().unwrap_or_default(), "");
