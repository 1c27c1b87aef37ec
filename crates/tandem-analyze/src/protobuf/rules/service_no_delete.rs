//! SERVICE_NO_DELETE
//!
//! ## What it does
//! Checks that services are not deleted from a given file.
//!
//! ## Why it breaks consumers
//! Clients of the service can no longer be generated, and servers stop implementing it.
//!
//! ## Example
//! `service BillingService` was removed.

use super::prelude::*;

const WHY: &str = "Clients of the service can no longer be generated, and servers stop implementing it.";

rule!("SERVICE_NO_DELETE", [FILE], "Checks that services are not deleted from a given file.", Check::File(check));

fn check(out: &mut Out, prev: &File, cur: &File) {
    let fi = out.cur.file_by_name[&cur.name];
    for &i in &prev.services {
        let e = &out.prev.services[i];
        let still = out.cur.service_by_name.get(&e.full_name).is_some_and(|&j| out.cur.services[j].file == fi);
        if !still {
            let name = service_name(e, out.prev);
            at_parent_or_file(
                out,
                fi,
                &e.full_name,
                &cur.package,
                format!("Previously present service \"{name}\" was deleted from file."),
            );
        }
    }
}
