//! Telling a renamed key from a deleted one, for env files and compose environments.
//!
//! # The heuristic
//! Among the keys removed and the keys added by one change, pairs are made one-to-one, in two
//! passes:
//! 1. **Same value**: a removed key and an added key with the same value, when no other removed
//!    or added key has that value, and the value is distinctive: at least 4 characters and not
//!    a boolean word (`true`, `false`, `yes`, `no`, `on`, `off`).
//! 2. **Similar name**: names compared case-insensitively by their `_`/`-`/`.`-separated tokens.
//!    They are similar when equal once separators are dropped (`LOG_LEVEL`/`LOGLEVEL`), when the
//!    tokens of one are all in the other (`API_KEY`/`APP_API_KEY`, `HOST_REDIS`/`REDIS_HOST`),
//!    or when the tokens that differ pair up in order, each a prefix of the other or one edit
//!    apart (`SMTP_PASS`/`SMTP_PASSWORD`, `DATABSE_URL`/`DATABASE_URL`). `REDIS_HOST` and
//!    `REDIS_PORT` are not similar. The most similar pairs are taken first; ties keep file order.
//!
//! A paired key is one rename finding instead of a delete; the rest are deletes.

use super::env::EnvKey;
use std::collections::HashSet;

/// Why two keys were paired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Evidence {
    SameValue,
    SimilarName,
}

impl Evidence {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Evidence::SameValue => "same value",
            Evidence::SimilarName => "similar name",
        }
    }
}

/// A removed key and the added key it was renamed to.
#[derive(Debug)]
pub(crate) struct Rename<'a> {
    pub from: &'a EnvKey,
    pub to: &'a EnvKey,
    pub evidence: Evidence,
}

/// What a change did to a list of keys.
#[derive(Debug, Default)]
pub(crate) struct KeyChanges<'a> {
    pub renamed: Vec<Rename<'a>>,
    pub deleted: Vec<&'a EnvKey>,
}

fn distinctive(v: &str) -> bool {
    v.chars().count() >= 4 && !matches!(v.to_ascii_lowercase().as_str(), "true" | "false" | "yes" | "no" | "on" | "off")
}

fn tokens(name: &str) -> Vec<String> {
    name.split(['_', '-', '.']).filter(|t| !t.is_empty()).map(str::to_ascii_uppercase).collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb { prev } else { 1 + prev.min(cur).min(row[j]) };
            prev = cur;
        }
    }
    row[b.len()]
}

/// How similar two names are, 0 (not similar) to 100 (the same once normalised).
pub(crate) fn similarity(a: &str, b: &str) -> u32 {
    let (ta, tb) = (tokens(a), tokens(b));
    if ta.concat() == tb.concat() {
        return 100;
    }
    let ra: Vec<&String> = ta.iter().filter(|t| !tb.contains(t)).collect();
    let rb: Vec<&String> = tb.iter().filter(|t| !ta.contains(t)).collect();
    let common = ta.len() - ra.len();
    if ra.is_empty() || rb.is_empty() {
        // One name's tokens are all in the other's.
        return if common == 0 { 0 } else { (50 + 40 * common / ta.len().max(tb.len())) as u32 };
    }
    let close =
        |x: &String, y: &String| x.starts_with(y.as_str()) || y.starts_with(x.as_str()) || edit_distance(x, y) <= 1;
    if ra.len() == rb.len() && ra.iter().zip(&rb).all(|(x, y)| close(x, y)) {
        return 80;
    }
    0
}

/// Pairs removed keys with added keys (see the module documentation).
pub(crate) fn changes<'a>(prev: &'a [EnvKey], cur: &'a [EnvKey]) -> KeyChanges<'a> {
    let names = |keys: &'a [EnvKey]| keys.iter().map(|k| k.name.as_str()).collect::<HashSet<&str>>();
    let (before, after) = (names(prev), names(cur));
    let mut removed: Vec<Option<&EnvKey>> =
        prev.iter().filter(|k| !after.contains(k.name.as_str())).map(Some).collect();
    let mut added: Vec<Option<&EnvKey>> = cur.iter().filter(|k| !before.contains(k.name.as_str())).map(Some).collect();
    let mut renamed = Vec::new();

    let count =
        |keys: &[Option<&EnvKey>], v: &str| keys.iter().flatten().filter(|k| k.value.as_deref() == Some(v)).count();
    for i in 0..removed.len() {
        let Some(r) = removed[i] else { continue };
        let Some(v) = r.value.as_deref().filter(|v| distinctive(v)) else { continue };
        if count(&removed, v) != 1 || count(&added, v) != 1 {
            continue;
        }
        let j = added.iter().position(|a| a.is_some_and(|a| a.value.as_deref() == Some(v))).expect("counted above");
        renamed.push(Rename { from: r, to: added[j].take().expect("some"), evidence: Evidence::SameValue });
        removed[i] = None;
    }

    let mut candidates: Vec<(u32, usize, usize)> = Vec::new();
    for (i, r) in removed.iter().enumerate() {
        for (j, a) in added.iter().enumerate() {
            if let (Some(r), Some(a)) = (r, a) {
                let s = similarity(&r.name, &a.name);
                if s > 0 {
                    candidates.push((s, i, j));
                }
            }
        }
    }
    candidates.sort_by(|x, y| y.0.cmp(&x.0).then((x.1, x.2).cmp(&(y.1, y.2))));
    for (_, i, j) in candidates {
        if let (Some(r), Some(a)) = (removed[i], added[j]) {
            renamed.push(Rename { from: r, to: a, evidence: Evidence::SimilarName });
            removed[i] = None;
            added[j] = None;
        }
    }
    renamed.sort_by_key(|r| r.to.line);
    KeyChanges { renamed, deleted: removed.into_iter().flatten().collect() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(spec: &[(&str, &str)]) -> Vec<EnvKey> {
        spec.iter()
            .enumerate()
            .map(|(i, (n, v))| EnvKey { name: n.to_string(), value: Some(v.to_string()), line: i + 1 })
            .collect()
    }

    #[test]
    fn similar_names_are_those_a_rename_would_produce() {
        for (a, b) in [
            ("LOG_LEVEL", "LOGLEVEL"),
            ("API_KEY", "APP_API_KEY"),
            ("HOST_REDIS", "REDIS_HOST"),
            ("SMTP_PASS", "SMTP_PASSWORD"),
            ("DATABSE_URL", "DATABASE_URL"),
            ("redis_host", "REDIS_HOST"),
        ] {
            assert!(similarity(a, b) > 0, "{a} ~ {b}");
        }
        for (a, b) in [("REDIS_HOST", "REDIS_PORT"), ("DATABASE_URL", "SENTRY_DSN"), ("PORT", "HOST")] {
            assert_eq!(similarity(a, b), 0, "{a} !~ {b}");
        }
    }

    #[test]
    fn a_unique_distinctive_value_pairs_keys_with_unrelated_names() {
        let prev = keys(&[("DB", "postgres://db:5432/app"), ("DEBUG", "true")]);
        let cur = keys(&[("PRIMARY_STORE", "postgres://db:5432/app"), ("VERBOSE", "true")]);
        let c = changes(&prev, &cur);
        assert_eq!(c.renamed.len(), 1);
        assert_eq!((c.renamed[0].from.name.as_str(), c.renamed[0].to.name.as_str()), ("DB", "PRIMARY_STORE"));
        assert_eq!(c.renamed[0].evidence, Evidence::SameValue);
        assert_eq!(
            c.deleted.iter().map(|k| k.name.as_str()).collect::<Vec<_>>(),
            ["DEBUG"],
            "`true` is not distinctive"
        );
    }

    #[test]
    fn each_added_key_explains_at_most_one_removed_key() {
        let prev = keys(&[("SMTP_PASS", "a"), ("SMTP_PASSWD", "b")]);
        let cur = keys(&[("SMTP_PASSWORD", "c")]);
        let c = changes(&prev, &cur);
        assert_eq!(c.renamed.len(), 1);
        assert_eq!(c.deleted.len(), 1);
    }
}
