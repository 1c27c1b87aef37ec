//! The local forge passes the forge conformance suite (a GitHub forge runs the same suite).

use std::sync::Arc;
use tandem_forge::{conformance, LocalForge};
use tandem_store::SqliteStore;

#[test]
fn local_forge_passes_the_conformance_suite() {
    conformance::run_all(&|| Box::new(LocalForge::new(Arc::new(SqliteStore::open_in_memory().unwrap()))));
}

#[test]
fn local_forge_passes_the_conformance_suite_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let n = std::cell::Cell::new(0);
    conformance::run_all(&|| {
        n.set(n.get() + 1);
        let store = SqliteStore::open(&dir.path().join(format!("db{}/tandem.db", n.get()))).unwrap();
        Box::new(LocalForge::new(Arc::new(store)))
    });
}
