//! FILE_SAME_CC_GENERIC_SERVICES
//!
//! ## What it does
//! Checks that files have the same value for the cc_generic_services option.
//!
//! ## Why it breaks consumers
//! Code generated from the file moves (`cc_generic_services` decides where or how it is generated), so consumers' imports and builds break.
//!
//! ## Example
//! `option cc_generic_services = ...;` changed value, was added or was removed.

use super::prelude::*;

const WHY: &str = "Code generated from the file moves (`cc_generic_services` decides where or how it is generated), so consumers' imports and builds break.";

file_option_rule!(
    "FILE_SAME_CC_GENERIC_SERVICES",
    "cc_generic_services",
    16,
    |o| o.cc_generic_services.unwrap_or(false).to_string(),
    "false"
);
