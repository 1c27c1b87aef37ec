//! FILE_SAME_RUBY_PACKAGE
//!
//! ## What it does
//! Checks that files have the same value for the ruby_package option.
//!
//! ## Why it breaks consumers
//! Code generated from the file moves (`ruby_package` decides where or how it is generated), so consumers' imports and builds break.
//!
//! ## Example
//! `option ruby_package = ...;` changed value, was added or was removed.

use super::prelude::*;

const WHY: &str = "Code generated from the file moves (`ruby_package` decides where or how it is generated), so consumers' imports and builds break.";

file_option_rule!("FILE_SAME_RUBY_PACKAGE", "ruby_package", 45, |o| o.ruby_package.clone().unwrap_or_default(), "");
