//! Lines of keys in TOML texts, which toml's `Value` does not keep (YAML nodes carry their
//! lines; JSON uses discovery's `json_lines`).

use std::collections::HashMap;

/// Lines of keys by their path of keys.
pub(crate) type KeyLines = HashMap<Vec<String>, usize>;

/// The line of `path`, else of its nearest ancestor that has one, else 1.
pub(crate) fn line_of(lines: &KeyLines, path: &[String]) -> usize {
    (0..=path.len()).rev().find_map(|n| lines.get(&path[..n]).copied()).unwrap_or(1)
}

/// Splits a dotted TOML key (`a."b.c".d`) into its parts.
fn toml_key(s: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut quote = None;
    for c in s.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => quote = Some(c),
            (None, '.') => parts.push(std::mem::take(&mut cur)),
            (None, c) if !c.is_whitespace() => cur.push(c),
            _ => {}
        }
    }
    parts.push(cur);
    parts
}

/// Lines of keys and tables in a TOML text.
pub(crate) fn toml(text: &str) -> KeyLines {
    let mut out = HashMap::new();
    let mut table: Vec<String> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if let Some(header) = line.strip_prefix("[[").and_then(|r| r.split_once("]]")).map(|(h, _)| h) {
            table = toml_key(header);
            out.entry(table.clone()).or_insert(i + 1);
        } else if let Some(header) = line.strip_prefix('[').and_then(|r| r.split_once(']')).map(|(h, _)| h) {
            table = toml_key(header);
            for n in 1..=table.len() {
                out.entry(table[..n].to_vec()).or_insert(i + 1);
            }
        } else if let Some((key, _)) = line.split_once('=').filter(|_| !line.starts_with('#')) {
            let mut path = table.clone();
            for part in toml_key(key) {
                path.push(part);
                out.entry(path.clone()).or_insert(i + 1);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn toml_keys_get_the_line_of_their_table_or_assignment() {
        let text = "title = \"x\"\n[server]\nport = 80\n[db.\"main.pg\"]\nurl.host = \"h\"\n";
        let lines = toml(text);
        assert_eq!(lines.get(&p(&["server", "port"])), Some(&3));
        assert_eq!(lines.get(&p(&["db", "main.pg", "url", "host"])), Some(&5));
        assert_eq!(line_of(&lines, &p(&["nowhere"])), 1);
    }
}
