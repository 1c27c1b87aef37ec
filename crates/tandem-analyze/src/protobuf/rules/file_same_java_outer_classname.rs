//! FILE_SAME_JAVA_OUTER_CLASSNAME
//!
//! ## What it does
//! Checks that files have the same value for the java_outer_classname option.
//!
//! ## Why it breaks consumers
//! Code generated from the file moves (`java_outer_classname` decides where or how it is generated), so consumers' imports and builds break.
//!
//! ## Example
//! `option java_outer_classname = ...;` changed value, was added or was removed.

use super::prelude::*;

const WHY: &str = "Code generated from the file moves (`java_outer_classname` decides where or how it is generated), so consumers' imports and builds break.";

file_option_rule!(
    "FILE_SAME_JAVA_OUTER_CLASSNAME",
    "java_outer_classname",
    8,
    |o| o.java_outer_classname.clone().unwrap_or_default(),
    ""
);
