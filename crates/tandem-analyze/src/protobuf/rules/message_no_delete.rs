//! MESSAGE_NO_DELETE
//!
//! ## What it does
//! Checks that messages are not deleted from a given file.
//!
//! ## Why it breaks consumers
//! Code that builds, reads or references the message no longer compiles; stored or in-flight data of that type can no longer be decoded by name.
//!
//! ## Example
//! `message Invoice` was in `billing.proto` and was removed.

use super::prelude::*;

const WHY: &str = "Code that builds, reads or references the message no longer compiles; stored or in-flight data of that type can no longer be decoded by name.";

rule!("MESSAGE_NO_DELETE", [CSR, FILE], "Checks that messages are not deleted from a given file.", Check::File(check));

fn check(out: &mut Out, prev: &File, cur: &File) {
    let fi = out.cur.file_by_name[&cur.name];
    for &i in &prev.messages {
        let e = &out.prev.messages[i];
        let still = out.cur.message(&e.full_name).is_some_and(|c| c.file == fi);
        if !still {
            let name = msg_name(e, out.prev);
            at_parent_or_file(
                out,
                fi,
                &e.full_name,
                &cur.package,
                format!("Previously present message \"{name}\" was deleted from file."),
            );
        }
    }
}
