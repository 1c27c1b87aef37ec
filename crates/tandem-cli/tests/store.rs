//! `tandem store copy` and `--database postgres://…` with the real binary, against the
//! PostgreSQL test server (each test in a schema of its own, dropped afterwards).

mod support;

use support::{ok_json, run as tandem};
use tandem_store::conformance::{self, TestSchema};
use tandem_store::{SqliteStore, Store};

#[test]
fn a_team_moves_from_sqlite_to_postgres_losslessly_and_only_into_an_empty_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("team.db");
    let source = SqliteStore::open(&db).unwrap();
    conformance::fill(&source);
    let want = source.export().unwrap();
    drop(source);
    let schema = TestSchema::new();
    let from = format!("sqlite://{}", db.display());
    let to = schema.url();

    let report = ok_json(dir.path(), &["store", "copy", "--from", &from, "--to", &to]);
    assert_eq!(report["verified"], true);
    assert_eq!(report["counts"]["coordinations"], 2);
    assert_eq!(report["counts"]["events"], want.events.len());
    assert_eq!(report["counts"]["deliveries"], 2);
    assert_eq!(report["history_checksum"], want.history_checksum());
    let copied = schema.open().export().unwrap();
    assert_eq!(copied, want);

    // Again into the same target: refused, exit 1, nothing written.
    let (code, _, err) = tandem(dir.path(), &["store", "copy", "--from", &from, "--to", &to]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("not empty"), "{err}");
    assert_eq!(schema.open().export().unwrap(), want);

    // And back, in text.
    let back = dir.path().join("back.db");
    let (code, out, err) =
        tandem(dir.path(), &["store", "copy", "--from", &to, "--to", &format!("sqlite://{}", back.display())]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("2 coordinations, 4 children") && out.contains(&want.history_checksum()), "{out}");
    assert_eq!(SqliteStore::open(&back).unwrap().export().unwrap(), want);
}

#[test]
fn the_cli_works_on_postgres_by_flag_and_by_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (code, _, err) = tandem(d, &["init", "--example", "loqa"]);
    assert_eq!(code, 0, "{err}");
    let schema = TestSchema::new();
    let url = schema.url();
    let created = ok_json(
        d,
        &["--database", &url, "coord", "create", "--title", "t", "--type", "docs", "--repos", "www-loqalabs-com"],
    );
    assert_eq!(created["created"], true);
    assert_eq!(ok_json(d, &["--database", &url, "coord", "list"]).as_array().unwrap().len(), 1);
    assert!(!d.join(".tandem/tandem.db").exists(), "nothing went to the SQLite default");

    // [store] url in tandem.toml does the same without the flag.
    let manifest = d.join("tandem.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, format!("[store]\nurl = \"{url}\"\n\n{text}")).unwrap();
    assert_eq!(ok_json(d, &["coord", "list"]).as_array().unwrap().len(), 1);

    // An unreachable server is a clear error that keeps the password to itself.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let bad = format!("postgres://u:s3cret@127.0.0.1:{port}/test");
    let (code, out, err) = tandem(d, &["--database", &bad, "coord", "list"]);
    assert_eq!(code, 2);
    assert!(err.contains(&format!("127.0.0.1:{port}")) && !err.contains("s3cret") && !out.contains("s3cret"), "{err}");
}
