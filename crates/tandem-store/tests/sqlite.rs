use tandem_store::conformance;
use tandem_store::{SqliteStore, Store, StoreError, SCHEMA_VERSION};

#[test]
fn sqlite_store_passes_the_conformance_suite_in_memory() {
    conformance::run_all(&|| Box::new(SqliteStore::open_in_memory().unwrap()));
}

#[test]
fn sqlite_store_passes_the_conformance_suite_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let n = std::cell::Cell::new(0);
    conformance::run_all(&|| {
        n.set(n.get() + 1);
        Box::new(SqliteStore::open(&dir.path().join(format!("db{}/tandem.db", n.get()))).unwrap())
    });
}

#[test]
fn data_survives_reopening_and_the_file_uses_wal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".tandem/tandem.db");
    let c = conformance::sample("persist");
    let id = {
        let s = SqliteStore::open(&path).unwrap();
        s.insert_coordination(&c, &[]).unwrap().0
    };
    let s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.load_coordination(id).unwrap().title, "Add auth");
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn a_database_from_a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tandem.db");
    drop(SqliteStore::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
    drop(conn);
    let err = SqliteStore::open(&path).err().expect("refused");
    assert!(matches!(err, StoreError::NewerSchema { .. }));
    let msg = err.to_string();
    assert!(msg.contains("newer tandem") && msg.contains("upgrade tandem"), "{msg}");
}

#[test]
fn history_cannot_be_rewritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tandem.db");
    let s = SqliteStore::open(&path).unwrap();
    let c = conformance::sample("h");
    let ev = tandem_model::Event {
        at: c.created_at,
        actor: "a".into(),
        subject: tandem_model::Subject::Coordination,
        action: tandem_model::Action::Created,
        from: None,
        to: None,
        reason: None,
    };
    s.insert_coordination(&c, &[ev]).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    assert!(conn.execute("UPDATE events SET actor = 'mallory'", []).is_err());
    assert!(conn.execute("DELETE FROM events", []).is_err());
}

#[test]
fn a_file_that_is_not_a_database_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tandem.db");
    std::fs::write(&path, "this is not sqlite at all, just text that is long enough to fill a header......").unwrap();
    let err = SqliteStore::open(&path).err().expect("refused");
    assert!(err.to_string().contains("tandem.db"), "{err}");
}
