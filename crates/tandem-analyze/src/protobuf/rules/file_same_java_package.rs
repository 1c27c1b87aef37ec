//! FILE_SAME_JAVA_PACKAGE
//!
//! ## What it does
//! Checks that files have the same value for the java_package option.
//!
//! ## Why it breaks consumers
//! Code generated from the file moves (`java_package` decides where or how it is generated), so consumers' imports and builds break.
//!
//! ## Example
//! `option java_package = ...;` changed value, was added or was removed.

use super::prelude::*;

const WHY: &str = "Code generated from the file moves (`java_package` decides where or how it is generated), so consumers' imports and builds break.";

file_option_rule!("FILE_SAME_JAVA_PACKAGE", "java_package", 1, |o| o.java_package.clone().unwrap_or_default(), "");
