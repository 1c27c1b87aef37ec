//! FILE_SAME_OBJC_CLASS_PREFIX
//!
//! ## What it does
//! Checks that files have the same value for the objc_class_prefix option.
//!
//! ## Why it breaks consumers
//! Code generated from the file moves (`objc_class_prefix` decides where or how it is generated), so consumers' imports and builds break.
//!
//! ## Example
//! `option objc_class_prefix = ...;` changed value, was added or was removed.

use super::prelude::*;

const WHY: &str = "Code generated from the file moves (`objc_class_prefix` decides where or how it is generated), so consumers' imports and builds break.";

file_option_rule!(
    "FILE_SAME_OBJC_CLASS_PREFIX",
    "objc_class_prefix",
    36,
    |o| o.objc_class_prefix.clone().unwrap_or_default(),
    ""
);
