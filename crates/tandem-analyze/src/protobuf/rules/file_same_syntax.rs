//! FILE_SAME_SYNTAX
//!
//! ## What it does
//! Checks that files have the same syntax.
//!
//! ## Why it breaks consumers
//! proto2 and proto3 differ in presence, defaults, enums and UTF-8 checks: generated code and behaviour change.
//!
//! ## Example
//! `syntax = "proto2";` became `syntax = "proto3";`.

use super::prelude::*;

const WHY: &str =
    "proto2 and proto3 differ in presence, defaults, enums and UTF-8 checks: generated code and behaviour change.";

rule!("FILE_SAME_SYNTAX", [CSR, FILE, PACKAGE], "Checks that files have the same syntax.", Check::File(check));

fn check(out: &mut Out, prev: &File, cur: &File) {
    // buf names every edition "editions": 2023 -> 2024 is no change of syntax
    if prev.syntax.as_str() != cur.syntax.as_str() {
        let fi = out.cur.file_by_name[&cur.name];
        out.at_first(
            fi,
            &[&[tag::FILE_SYNTAX], &[tag::FILE_EDITION]],
            format!("File syntax changed from \"{}\" to \"{}\".", prev.syntax.as_str(), cur.syntax.as_str()),
        );
    }
}
