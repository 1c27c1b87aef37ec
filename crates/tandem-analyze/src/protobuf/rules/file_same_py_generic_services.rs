//! FILE_SAME_PY_GENERIC_SERVICES
//!
//! ## What it does
//! Checks that files have the same value for the py_generic_services option.
//!
//! ## Why it breaks consumers
//! Code generated from the file moves (`py_generic_services` decides where or how it is generated), so consumers' imports and builds break.
//!
//! ## Example
//! `option py_generic_services = ...;` changed value, was added or was removed.

use super::prelude::*;

const WHY: &str = "Code generated from the file moves (`py_generic_services` decides where or how it is generated), so consumers' imports and builds break.";

file_option_rule!(
    "FILE_SAME_PY_GENERIC_SERVICES",
    "py_generic_services",
    18,
    |o| o.py_generic_services.unwrap_or(false).to_string(),
    "false"
);
