use super::*;

fn check(path: &str, prev: Option<&str>, cur: &str, dialect: Option<&str>) -> Vec<(String, u32)> {
    let pair = FilePair { path, prev: prev.map(str::as_bytes), cur: Some(cur.as_bytes()) };
    let opts = DetectOptions { sql_dialect: dialect.map(str::to_string), ..DetectOptions::default() };
    SqlDetector.compare(&pair, &opts).into_iter().map(|f| (f.rule, f.line)).collect()
}

fn check_per_file(cur: &str) -> Vec<(String, u32)> {
    let pair = FilePair { path: "migrations/001.sql", prev: None, cur: Some(cur.as_bytes()) };
    let opts = DetectOptions { sql_transaction: tandem_model::SqlTransaction::PerFile, ..DetectOptions::default() };
    SqlDetector.compare(&pair, &opts).into_iter().map(|f| (f.rule, f.line)).collect()
}

fn rules_of(findings: &[(String, u32)]) -> Vec<&str> {
    findings.iter().map(|(r, _)| r.as_str()).collect()
}

#[test]
fn claims_declared_sql_and_migration_looking_files_only() {
    let d = SqlDetector;
    assert!(d.claims("anything/schema.txt", Some(ContractKind::Sql), None));
    assert!(!d.claims("db/migrations/001_init.sql", Some(ContractKind::Openapi), None));
    for p in [
        "db/migrations/001_init.sql",
        "migrate/20240101_users.up.sql",
        "services/api/db/schema_change.sql",
        "sql/V2__add_users.sql",
        "sql/V1.2__add_users.sql",
        "001_init.sql",
        "20240101120000-users.down.sql",
        "R__views.sql",
    ] {
        assert!(d.claims(p, None, None), "{p}");
    }
    for p in ["queries/report.sql", "vendor.sql", "db/migrations/README.md", "schema.sql", "migrations"] {
        assert!(!d.claims(p, None, None), "{p}");
    }
}

#[test]
fn added_migration_is_analysed() {
    let f = check("migrations/002.sql", None, "-- drop\nDROP TABLE users;\n", None);
    assert_eq!(f, vec![("ban-drop-table".to_string(), 2)]);
}

#[test]
fn deleted_or_unchanged_migration_is_not_analysed() {
    let pair = FilePair { path: "migrations/001.sql", prev: Some(b"DROP TABLE a;"), cur: None };
    assert!(SqlDetector.compare(&pair, &DetectOptions::default()).is_empty());
    assert!(check("migrations/001.sql", Some("DROP TABLE a;"), "DROP TABLE a;", None).is_empty());
}

#[test]
fn edited_migration_is_reported_and_its_new_content_analysed() {
    let f = check(
        "migrations/001.sql",
        Some("CREATE TABLE a (id int);\n"),
        "CREATE TABLE a (id int);\nDROP TABLE b;\n",
        None,
    );
    assert_eq!(f, vec![("MIGRATION_NO_EDIT".to_string(), 2), ("ban-drop-table".to_string(), 2)]);
}

#[test]
fn unparsable_statement_is_a_finding_and_the_rest_is_analysed() {
    let f =
        check("migrations/002.sql", None, "ALTER TABEL users DROP COLUMN a;\nALTER TABLE users DROP COLUMN b;\n", None);
    assert_eq!(f, vec![("SQL_PARSE".to_string(), 1), ("ban-drop-column".to_string(), 2)]);
}

#[test]
fn parse_finding_carries_the_parser_message_and_line() {
    let pair = FilePair { path: "m/001.sql", prev: None, cur: Some(b"SELECT 1;\n\nCREATE TABLE (;\n") };
    let f = SqlDetector.compare(&pair, &DetectOptions::default());
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].rule.as_str(), f[0].line), ("SQL_PARSE", 3));
    assert!(f[0].message.starts_with("Statement at line 3 could not be parsed: Expected"), "{}", f[0].message);
}

#[test]
fn empty_and_comment_only_files_have_no_findings() {
    assert!(check("migrations/002.sql", None, "", None).is_empty());
    assert!(check("migrations/002.sql", None, "-- nothing yet\n/* later */\n;;\n", None).is_empty());
}

#[test]
fn binary_bytes_are_a_parse_finding_not_a_panic() {
    let bytes: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    let pair = FilePair { path: "migrations/003.sql", prev: None, cur: Some(&bytes) };
    let f = SqlDetector.compare(&pair, &DetectOptions::default());
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].rule, "SQL_PARSE");
    assert!(f[0].message.contains("not UTF-8"), "{}", f[0].message);
}

#[test]
fn deeply_nested_input_is_a_parse_finding_not_a_stack_overflow() {
    let sql = format!("SELECT {}1{};", "(".repeat(5000), ")".repeat(5000));
    let f = check("migrations/004.sql", None, &sql, None);
    assert_eq!(rules_of(&f), vec!["SQL_PARSE"]);
}

#[test]
fn mysql_dialect_reads_mysql_changes() {
    let sql = "ALTER TABLE users CHANGE COLUMN email mail VARCHAR(255);\nALTER TABLE users MODIFY COLUMN age BIGINT;\nRENAME TABLE users TO people;\nALTER TABLE orders DROP FOREIGN KEY fk_user;\nCREATE INDEX i ON t (a);\nDROP INDEX i ON t;\n";
    let f = check("migrations/005.sql", None, sql, Some("mysql"));
    assert_eq!(
        f,
        vec![
            ("changing-column-type".to_string(), 1),
            ("renaming-column".to_string(), 1),
            ("changing-column-type".to_string(), 2),
            ("renaming-table".to_string(), 3),
            ("ban-drop-constraint".to_string(), 4),
            ("ban-drop-index".to_string(), 6),
        ],
        "CONCURRENTLY rules are PostgreSQL's only"
    );
}

#[test]
fn sqlite_dialect_reads_sqlite_changes() {
    let sql = "ALTER TABLE users RENAME COLUMN email TO mail;\nALTER TABLE users DROP COLUMN age;\nALTER TABLE users ADD COLUMN x INTEGER NOT NULL;\nDROP TABLE IF EXISTS old;\n";
    let f = check("migrations/006.sql", None, sql, Some("sqlite"));
    assert_eq!(rules_of(&f), vec!["renaming-column", "ban-drop-column", "adding-required-field", "ban-drop-table"]);
}

#[test]
fn every_rule_has_a_unique_id_and_docs() {
    let infos = SqlDetector.rules();
    let mut ids: Vec<&str> = infos.iter().map(|r| r.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), infos.len());
    for r in infos {
        assert_eq!(r.kind, "sql");
        assert!(!r.summary.is_empty() && !r.why.is_empty(), "{}", r.id);
    }
}

mod fixtures;
mod snapshots;
mod squawk;

#[test]
fn a_large_migration_is_analysed_well_within_the_analysis_budget() {
    // 3,000 statements (~200 kB), far more than one release's migration.
    let one = "ALTER TABLE users ADD COLUMN c{i} text;\nCREATE INDEX CONCURRENTLY users_c{i}_idx ON users (c{i});\nALTER TABLE users ALTER COLUMN c{i} SET DEFAULT 'x';\n";
    let sql: String = (0..1000).map(|i| one.replace("{i}", &i.to_string())).collect();
    let pair = FilePair { path: "migrations/100_many.sql", prev: None, cur: Some(sql.as_bytes()) };
    let started = std::time::Instant::now();
    let findings = SqlDetector.compare(&pair, &DetectOptions::default());
    let took = started.elapsed();
    eprintln!("{} bytes, {took:?}", sql.len());
    assert!(findings.is_empty());
    // The budget is 200 ms for a whole release analysis (optimised build); unoptimised test
    // builds are several times slower, hence the margin.
    assert!(took < std::time::Duration::from_secs(2), "{took:?}");
}

#[test]
fn issue_10_do_blocks_alter_sequence_and_comment_on_function_parse() {
    let sql = "DO $$ BEGIN RAISE NOTICE 'x'; END $$;\n\
               DO LANGUAGE plpgsql $body$ BEGIN PERFORM 1; END $body$;\n\
               DO $$ BEGIN NULL; END $$ LANGUAGE plpgsql;\n\
               ALTER SEQUENCE s AS bigint;\n\
               COMMENT ON FUNCTION f(int, text) IS 'x';\n";
    assert_eq!(check("migrations/002.sql", None, sql, None), vec![]);
}

#[test]
fn malformed_do_and_alter_sequence_are_still_parse_findings() {
    let f = check(
        "migrations/002.sql",
        None,
        "DO;\nDO $$ x $$ $$ y $$;\nALTER SEQUENCE;\nALTER SEQUENCE s AS 'x';\n",
        None,
    );
    assert_eq!(
        f,
        vec![
            ("SQL_PARSE".to_string(), 1),
            ("SQL_PARSE".to_string(), 2),
            ("SQL_PARSE".to_string(), 3),
            ("SQL_PARSE".to_string(), 4)
        ]
    );
}

#[test]
fn ddl_inside_a_do_block_is_checked_at_its_line_in_the_file() {
    let sql = "-- header\n\
DO $body$\n\
DECLARE\n\
  n int := 0;\n\
BEGIN\n\
  ALTER TABLE users DROP COLUMN email;\n\
  EXECUTE 'CREATE INDEX users_a_idx ON users (a)';\n\
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'fk') THEN\n\
    ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id);\n\
  END IF;\n\
  RAISE NOTICE 'done %', n;\n\
END\n\
$body$;\n\
DROP TABLE old;\n";
    let f = check("migrations/003.sql", None, sql, None);
    assert_eq!(
        f,
        vec![
            ("ban-drop-column".to_string(), 6),
            ("require-concurrent-index-creation".to_string(), 7),
            ("adding-foreign-key-constraint".to_string(), 9),
            ("constraint-missing-not-valid".to_string(), 9),
            ("ban-drop-table".to_string(), 14),
        ]
    );
}

#[test]
fn do_blocks_in_other_languages_are_not_read_as_sql() {
    let sql = "DO LANGUAGE plperl $$ my $x = 'ALTER TABLE users DROP COLUMN email'; $$;\n";
    assert_eq!(check("migrations/004.sql", None, sql, None), vec![]);
}

#[test]
fn per_file_transaction_makes_a_new_tables_index_non_blocking() {
    let sql = "CREATE TABLE t (id bigint, a text);\nCREATE INDEX t_a_idx ON t (a);\n";
    assert_eq!(rules_of(&check("migrations/005.sql", None, sql, None)), vec!["require-concurrent-index-creation"]);
    assert_eq!(check_per_file(sql), vec![]);
}

#[test]
fn per_file_transaction_flags_validation_in_the_file_that_added_not_valid() {
    let sql = "ALTER TABLE o ADD CONSTRAINT c CHECK (x > 0) NOT VALID;\nALTER TABLE o VALIDATE CONSTRAINT c;\n";
    assert_eq!(check("migrations/006.sql", None, sql, None), vec![]);
    assert_eq!(check_per_file(sql), vec![("constraint-missing-not-valid".to_string(), 2)]);
    let committed =
        "ALTER TABLE o ADD CONSTRAINT c CHECK (x > 0) NOT VALID;\nCOMMIT;\nALTER TABLE o VALIDATE CONSTRAINT c;\n";
    assert_eq!(check_per_file(committed), vec![], "the file's own COMMIT ends the transaction");
}

#[test]
fn a_migration_over_the_size_limit_is_one_parse_finding() {
    let sql = "SELECT 1;\n".repeat(parse::MAX_FILE_BYTES / 10 + 1);
    let pair = FilePair { path: "migrations/007.sql", prev: None, cur: Some(sql.as_bytes()) };
    let f = SqlDetector.compare(&pair, &DetectOptions::default());
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].rule, "SQL_PARSE");
    assert!(f[0].message.contains("33554432 bytes (32 MiB)"), "{}", f[0].message);
}

#[test]
fn a_statement_over_the_size_limit_is_a_finding_and_the_rest_is_analysed() {
    let big = format!("INSERT INTO t VALUES {};\n", vec!["(1)"; parse::MAX_STATEMENT_BYTES / 4].join(","));
    let sql = format!("{big}DROP TABLE x;\n");
    let f = SqlDetector.compare(
        &FilePair { path: "migrations/008.sql", prev: None, cur: Some(sql.as_bytes()) },
        &DetectOptions::default(),
    );
    let found: Vec<(&str, u32)> = f.iter().map(|f| (f.rule.as_str(), f.line)).collect();
    assert_eq!(found, vec![("SQL_PARSE", 1), ("ban-drop-table", 2)]);
    assert!(f[0].message.contains("(4 MiB)"), "{}", f[0].message);
}

#[test]
fn statements_on_one_long_line_keep_their_columns() {
    let sql = "SELECT 1; DROP TABLE a;   DROP TABLE b;";
    let pair = FilePair { path: "migrations/009.sql", prev: None, cur: Some(sql.as_bytes()) };
    let f = SqlDetector.compare(&pair, &DetectOptions::default());
    let at: Vec<(u32, u32)> = f.iter().map(|f| (f.line, f.column)).collect();
    assert_eq!(at, vec![(1, 11), (1, 27)]);
}

proptest::proptest! {
    #[test]
    fn arbitrary_sql_like_text_never_panics(text in "(DO |BEGIN |END |EXECUTE |ALTER SEQUENCE |COMMENT ON FUNCTION |[a-z0-9 ;'\"$`\\\\/*#(),.\n-]){0,80}") {
        for dialect in [None, Some("mysql"), Some("sqlite")] {
            let _ = check("migrations/010.sql", None, &text, dialect);
        }
    }
}
