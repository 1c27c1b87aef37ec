//! Runs the SQL detector once on one migration file, as the engine does, and prints how many
//! findings of each rule it made. Used to measure peak memory on a large migration:
//!
//! ```text
//! cargo build --release -p tandem-analyze --example analyze_migration
//! /usr/bin/time -f "%e s %M KB" target/release/examples/analyze_migration big.sql
//! ```

use std::collections::BTreeMap;
use tandem_analyze::detect::{DetectOptions, FilePair};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: analyze_migration FILE.sql");
        std::process::exit(2);
    };
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(2);
    });
    let detector = tandem_analyze::sql::detector().expect("the SQL detector exists");
    let pair = FilePair { path: "migrations/001_big.sql", prev: None, cur: Some(&bytes) };
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for f in detector.compare(&pair, &DetectOptions::default()) {
        *counts.entry(f.rule).or_default() += 1;
    }
    println!("{} bytes: {counts:?}", bytes.len());
}
