//! FILE_SAME_PHP_NAMESPACE
//!
//! ## What it does
//! Checks that files have the same value for the php_namespace option.
//!
//! ## Why it breaks consumers
//! Code generated from the file moves (`php_namespace` decides where or how it is generated), so consumers' imports and builds break.
//!
//! ## Example
//! `option php_namespace = ...;` changed value, was added or was removed.

use super::prelude::*;

const WHY: &str = "Code generated from the file moves (`php_namespace` decides where or how it is generated), so consumers' imports and builds break.";

file_option_rule!("FILE_SAME_PHP_NAMESPACE", "php_namespace", 41, |o| o.php_namespace.clone().unwrap_or_default(), "");
