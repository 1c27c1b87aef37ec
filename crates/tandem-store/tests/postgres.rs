//! The PostgreSQL store against the test server (see `conformance::test_postgres_url`): each
//! test works in a schema of its own that its guard drops.

use std::sync::{Arc, Barrier};
use tandem_store::conformance::{self, TestSchema};
use tandem_store::{PostgresStore, Store, StoreError, PG_SCHEMA_VERSION};

fn admin() -> postgres::Client {
    postgres::Client::connect(&conformance::test_postgres_url(), postgres::NoTls).expect("test server")
}

#[test]
fn postgres_store_passes_the_conformance_suite() {
    let schemas = std::cell::RefCell::new(Vec::new());
    conformance::run_all(&|| {
        let schema = TestSchema::new();
        let store = schema.open();
        schemas.borrow_mut().push(schema);
        Box::new(store)
    });
}

#[test]
fn the_test_schemas_are_dropped_afterwards() {
    let name = {
        let schema = TestSchema::new();
        let store = schema.open();
        let c = conformance::sample("gone");
        store.insert_coordination(&c, &[]).unwrap();
        drop(store);
        schema.name().to_string()
    };
    let left: i64 = admin()
        .query_one("SELECT count(*) FROM information_schema.schemata WHERE schema_name = $1", &[&name])
        .unwrap()
        .get(0);
    assert_eq!(left, 0);
}

#[test]
fn instances_starting_at_once_migrate_once() {
    let schema = TestSchema::new();
    let url = schema.url();
    let n = 6;
    let barrier = Arc::new(Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let (url, barrier) = (url.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                PostgresStore::open(&url).map(|s| s.list_coordinations().map(|l| l.len()))
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap().unwrap().unwrap(), 0);
    }
    let version: i64 =
        admin().query_one(&format!("SELECT version FROM {}.tandem_schema", schema.name()), &[]).unwrap().get(0);
    assert_eq!(version, PG_SCHEMA_VERSION);
    let rows: i64 =
        admin().query_one(&format!("SELECT count(*) FROM {}.tandem_schema", schema.name()), &[]).unwrap().get(0);
    assert_eq!(rows, 1);
}

#[test]
fn a_database_from_a_newer_schema_is_refused() {
    let schema = TestSchema::new();
    drop(schema.open());
    admin()
        .execute(&format!("UPDATE {}.tandem_schema SET version = $1", schema.name()), &[&(PG_SCHEMA_VERSION + 1)])
        .unwrap();
    let err = PostgresStore::open(&schema.url()).expect_err("refused");
    assert!(matches!(err, StoreError::NewerSchema { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("newer tandem") && msg.contains("upgrade tandem"), "{msg}");
}

#[test]
fn history_cannot_be_rewritten() {
    let schema = TestSchema::new();
    let s = schema.open();
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
    let mut a = admin();
    let t = schema.name();
    let err = a.execute(&format!("UPDATE {t}.events SET actor = 'mallory'"), &[]).unwrap_err();
    assert!(tandem_store::DbError::from(err).to_string().contains("append-only"));
    assert!(a.execute(&format!("DELETE FROM {t}.events"), &[]).is_err());
    assert!(a.batch_execute(&format!("TRUNCATE {t}.events CASCADE")).is_err());
    assert_eq!(s.all_events().unwrap().len(), 1);
}

#[test]
fn bad_urls_and_unreachable_servers_are_clear_errors_without_the_password() {
    let err = PostgresStore::open("postgres://u:s3cret@127.0.0.1:5432/test?schema=Bad-Name").unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("schema 'Bad-Name'") && !msg.contains("s3cret"), "{msg}");
    let err = PostgresStore::open("postgres://u:s3cret@127.0.0.1:5432/test?pool_size=0").unwrap_err();
    assert!(err.to_string().contains("pool_size"), "{err}");
    // A port with nothing listening: bind one, learn it, close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let err = PostgresStore::open(&format!("postgres://u:s3cret@127.0.0.1:{port}/test")).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains(&format!("127.0.0.1:{port}")) && !msg.contains("s3cret"), "{msg}");
    assert!(!format!("{err:?}").contains("s3cret"));
}

/// Two stores on one schema stand for two instances: they share deliveries, versions, leadership
/// and news of changes.
#[test]
fn two_instances_share_claims_versions_leadership_and_news() {
    use chrono::{TimeZone, Utc};
    let schema = TestSchema::new();
    let (a, b) = (schema.open(), schema.open());
    let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap();
    let lease = chrono::Duration::seconds(30);
    for i in 0..40 {
        let d = tandem_store::NewDelivery {
            id: format!("d{i}"),
            event: "issues".into(),
            payload: "{}".into(),
            received_at: t0,
        };
        assert!(a.insert_delivery(&d).unwrap());
        assert!(!b.insert_delivery(&d).unwrap(), "the other instance sees the id");
    }
    // Both instances claim from several threads at once: every delivery is claimed exactly once.
    let claimed = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for (i, store) in [&a, &b, &a, &b].into_iter().enumerate() {
            let claimed = &claimed;
            scope.spawn(move || {
                let owner = format!("worker-{i}");
                while let Some(d) = store.claim_delivery(&owner, t0, lease).unwrap() {
                    assert!(store.finish_delivery(&d.id, &owner, "ok", t0).unwrap());
                    claimed.lock().unwrap().push(d.id);
                }
            });
        }
    });
    let mut claimed = claimed.into_inner().unwrap();
    claimed.sort();
    claimed.dedup();
    assert_eq!(claimed.len(), 40);
    assert_eq!(b.delivery_counts().unwrap().done, 40);

    // A stale save through the other instance is a conflict, not a lost write.
    let c = conformance::sample("shared");
    let (id, _) = a.insert_coordination(&c, &[]).unwrap();
    let mut on_a = a.load_coordination(id).unwrap();
    let mut on_b = b.load_coordination(id).unwrap();
    on_a.title = "from a".into();
    a.save_coordination(&on_a, &[]).unwrap();
    on_b.title = "from b".into();
    assert!(matches!(b.save_coordination(&on_b, &[]), Err(StoreError::Conflict(_))));
    assert_eq!(b.load_coordination(id).unwrap().title, "from a");

    // Leadership is exclusive across instances and passes on when the holder lets go.
    let lead = a.try_lock_leader("scheduler").unwrap().expect("free");
    assert!(b.try_lock_leader("scheduler").unwrap().is_none());
    drop(lead);
    assert!(b.try_lock_leader("scheduler").unwrap().is_some());

    // A waiter on one instance wakes for history appended through the other.
    let before = b.last_event_id().unwrap();
    std::thread::scope(|scope| {
        let waiter = scope.spawn(|| b.wait_for_change(before, std::time::Duration::from_secs(60)).unwrap());
        let c = conformance::sample("news");
        let ev = tandem_model::Event {
            at: c.created_at,
            actor: "a".into(),
            subject: tandem_model::Subject::Coordination,
            action: tandem_model::Action::Created,
            from: None,
            to: None,
            reason: None,
        };
        a.insert_coordination(&c, &[ev]).unwrap();
        assert!(waiter.join().unwrap() > before);
    });
}

/// Concurrent writers on one aggregate through two instances: the engine's retry-on-conflict
/// loop (load, change, save) loses no write.
#[test]
fn concurrent_saves_through_two_instances_lose_no_write() {
    let schema = TestSchema::new();
    let (a, b) = (schema.open(), schema.open());
    let c = conformance::sample("counter");
    let (id, _) = a.insert_coordination(&c, &[]).unwrap();
    let per_thread = 15;
    std::thread::scope(|scope| {
        for store in [&a, &b, &a, &b] {
            scope.spawn(move || {
                for _ in 0..per_thread {
                    loop {
                        let mut c = store.load_coordination(id).unwrap();
                        let n: u32 = c.plan.as_deref().and_then(|p| p.parse().ok()).unwrap_or(0);
                        c.plan = Some((n + 1).to_string());
                        match store.save_coordination(&c, &[]) {
                            Ok(()) => break,
                            Err(StoreError::Conflict(_)) => continue,
                            Err(e) => panic!("{e}"),
                        }
                    }
                }
            });
        }
    });
    let c = a.load_coordination(id).unwrap();
    assert_eq!(c.plan.as_deref(), Some("60"));
    assert_eq!(c.version, 61);
}

#[test]
fn a_crashed_instances_leader_lock_is_released() {
    let schema = TestSchema::new();
    let a = schema.open();
    let b = schema.open();
    let lead = a.try_lock_leader("scheduler").unwrap().expect("free");
    assert!(b.try_lock_leader("scheduler").unwrap().is_none());
    // The server ends the holder's session (as when its instance dies).
    admin()
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()
               AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND objid = hashtext($1)::oid",
            &[&format!("{}:leader:scheduler", schema.name())],
        )
        .unwrap();
    assert!(!lead.is_held(), "the holder notices it lost the lock");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let got = loop {
        if let Some(g) = b.try_lock_leader("scheduler").unwrap() {
            break g;
        }
        assert!(std::time::Instant::now() < deadline, "never released");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(got.is_held());
}

#[test]
fn a_copy_from_sqlite_to_postgres_and_back_is_lossless() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = tandem_store::SqliteStore::open(&dir.path().join("from.db")).unwrap();
    conformance::fill(&sqlite);
    let snapshot = sqlite.export().unwrap();
    let schema = TestSchema::new();
    let pg = schema.open();
    pg.import(&snapshot).unwrap();
    let on_pg = pg.export().unwrap();
    assert_eq!(on_pg, snapshot);
    assert_eq!(on_pg.history_checksum(), snapshot.history_checksum());
    let back = tandem_store::SqliteStore::open(&dir.path().join("back.db")).unwrap();
    back.import(&on_pg).unwrap();
    assert_eq!(back.export().unwrap().checksum(), snapshot.checksum());
}

/// Instances opening issues in one repository at once, one by one and in batches: every issue
/// once, numbered 1…n without a gap or a repeat (a creation that lost the race for a number asks
/// again), and every link once.
#[test]
fn concurrent_issue_creation_numbers_each_issue_once() {
    use chrono::{TimeZone, Utc};
    use tandem_model::{Action, Event, IssueKind, IssueRef, IssueSpec, RepoName, Subject};
    let schema = TestSchema::new();
    let (a, b) = (schema.open(), schema.open());
    let c = conformance::sample("numbers");
    let (id, _) = a.insert_coordination(&c, &[]).unwrap();
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap();
    let spec = |marker: String| IssueSpec {
        repo: RepoName::parse("hub").unwrap(),
        kind: IssueKind::Child,
        coordination: Some(id),
        marker,
        title: "t".into(),
        body: "b".into(),
        labels: vec![],
        parent: None,
    };
    let event = |subject: &Subject, r: &IssueRef| Event {
        at: now,
        actor: "tandem".into(),
        subject: subject.clone(),
        action: Action::IssueLinked,
        from: None,
        to: Some(r.to_string()),
        reason: None,
    };
    std::thread::scope(|scope| {
        for (t, store) in [&a, &b, &a, &b, &a, &b, &a, &b].into_iter().enumerate() {
            let spec = &spec;
            scope.spawn(move || {
                for i in 0..25 {
                    // Every thread opens the same shared markers too: each is opened once.
                    store.create_issue(&spec(format!("own-{t}-{i}")), now).unwrap();
                    store.create_issue(&spec(format!("shared-{i}")), now).unwrap();
                }
            });
        }
        for (t, store) in [&a, &b].into_iter().enumerate() {
            let (spec, event) = (&spec, &event);
            scope.spawn(move || {
                let hub = Subject::Child(RepoName::parse("hub").unwrap());
                let items: Vec<_> = (0..20).map(|i| (hub.clone(), spec(format!("batch-{t}-{i}")))).collect();
                let out = store.create_and_link_issues(id, &items, now, event).unwrap();
                assert!(out.iter().all(|(_, linked)| *linked), "each item is a new link of hub");
            });
        }
    });
    let mut numbers: Vec<u64> = a.list_issues(None).unwrap().iter().map(|i| i.reference.number).collect();
    numbers.sort();
    let n = 8 * 25 + 25 + 2 * 20;
    assert_eq!(numbers, (1..=n as u64).collect::<Vec<_>>());
    let links = a.events(id).unwrap().iter().filter(|e| e.event.action == Action::IssueLinked).count();
    assert_eq!(links, 2 * 20);
}
