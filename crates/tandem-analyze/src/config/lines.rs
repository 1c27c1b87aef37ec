//! Lines of keys in YAML and TOML texts, which serde_yaml and toml's `Value` do not keep
//! (JSON uses discovery's `json_lines`). Both are line scanners for the usual layouts: block
//! mappings indented with spaces, and `[table]` headers with `key = value` lines. A key they do
//! not see (flow mappings, multi-line strings holding `key:`) falls back to its nearest
//! ancestor's line, then line 1; they never fail.

use std::collections::HashMap;

/// Lines of keys by their path of keys.
pub(crate) type KeyLines = HashMap<Vec<String>, usize>;

/// The line of `path`, else of its nearest ancestor that has one, else 1.
pub(crate) fn line_of(lines: &KeyLines, path: &[String]) -> usize {
    (0..=path.len()).rev().find_map(|n| lines.get(&path[..n]).copied()).unwrap_or(1)
}

fn unquote(key: &str) -> String {
    let k = key.trim();
    for q in ['"', '\''] {
        if let Some(inner) = k.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner.to_string();
        }
    }
    k.to_string()
}

/// The key of a `key: value` or `key:` line (not inside quotes), if it is one.
fn yaml_key(s: &str) -> Option<String> {
    let mut quote = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') if i == 0 => quote = Some(c),
            (None, '#') => return None,
            (None, ':') if s[i + 1..].is_empty() || s[i + 1..].starts_with([' ', '\t']) => {
                let key = unquote(&s[..i]);
                return (!key.is_empty()).then_some(key);
            }
            _ => {}
        }
    }
    None
}

/// Lines of mapping keys in a YAML text. Keys inside sequence items are not given paths.
pub(crate) fn yaml(text: &str) -> KeyLines {
    let mut out = HashMap::new();
    // (indent, key); None for a sequence item, which hides the keys below it.
    let mut stack: Vec<(usize, Option<String>)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let content = raw.trim_start_matches(' ');
        if content.is_empty() || content.starts_with('#') || content.starts_with("---") {
            continue;
        }
        let indent = raw.len() - content.len();
        while stack.last().is_some_and(|(n, _)| *n >= indent) {
            stack.pop();
        }
        if content.starts_with("- ") || content == "-" {
            stack.push((indent, None));
            continue;
        }
        let Some(key) = yaml_key(content) else { continue };
        stack.push((indent, Some(key)));
        let path: Option<Vec<String>> = stack.iter().map(|(_, k)| k.clone()).collect();
        if let Some(path) = path {
            out.entry(path).or_insert(i + 1);
        }
    }
    out
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
    fn yaml_keys_get_the_line_of_their_block() {
        let text = "server:\n  port: 80 # web\n  tls:\n    cert: \"a: b\"\nitems:\n  - name: x\n\"quoted key\": 1\n";
        let lines = yaml(text);
        assert_eq!(lines.get(&p(&["server", "port"])), Some(&2));
        assert_eq!(lines.get(&p(&["server", "tls", "cert"])), Some(&4));
        assert_eq!(lines.get(&p(&["quoted key"])), Some(&7));
        assert_eq!(lines.get(&p(&["items", "name"])), None);
        assert_eq!(line_of(&lines, &p(&["server", "tls", "missing"])), 3);
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
