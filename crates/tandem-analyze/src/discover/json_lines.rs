//! Lines of object keys in a JSON text, which serde_json does not keep.

use std::collections::HashMap;

/// Lines of keys by their path of keys.
pub(crate) type KeyLines = HashMap<Vec<String>, usize>;

/// The line of `path`, else of its nearest ancestor that has one, else 1.
pub(crate) fn line_of(lines: &KeyLines, path: &[String]) -> usize {
    (0..=path.len()).rev().find_map(|n| lines.get(&path[..n]).copied()).unwrap_or(1)
}

enum Frame {
    /// An object and the key whose value is being read.
    Object {
        key: Option<String>,
        expect_key: bool,
    },
    Array,
}

/// The 1-based line of each object key reachable from the root through objects only, by its
/// path of keys (`["dependencies", "left-pad"]`), down to `max_depth` keys. A repeated key
/// keeps its last line, as serde_json keeps its last value. Meant for text that parsed as JSON;
/// on other text it returns what it could see.
pub(crate) fn key_lines(text: &str, max_depth: usize) -> HashMap<Vec<String>, usize> {
    let bytes = text.as_bytes();
    let mut out = HashMap::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => line += 1,
            b'{' => stack.push(Frame::Object { key: None, expect_key: true }),
            b'[' => stack.push(Frame::Array),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => {
                if let Some(Frame::Object { expect_key, .. }) = stack.last_mut() {
                    *expect_key = true;
                }
            }
            b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                let Some(raw) = text.get(start..=i) else { break };
                if let Some(Frame::Object { key, expect_key }) = stack.last_mut() {
                    if *expect_key {
                        *key = serde_json::from_str::<String>(raw).ok();
                        *expect_key = false;
                        let path: Option<Vec<String>> = stack
                            .iter()
                            .map(|f| match f {
                                Frame::Object { key, .. } => key.clone(),
                                Frame::Array => None,
                            })
                            .collect();
                        if let Some(path) = path.filter(|p| p.len() <= max_depth) {
                            out.insert(path, line);
                        }
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(lines: &HashMap<Vec<String>, usize>, path: &[&str]) -> Option<usize> {
        lines.get(&path.iter().map(|s| s.to_string()).collect::<Vec<_>>()).copied()
    }

    #[test]
    fn nested_keys_get_their_own_line_not_a_same_named_value() {
        let text = r#"{
  "name": "loqa-commander",
  "description": "the \"dependencies\" are below",
  "scripts": { "name": "x" },
  "files": [{ "vue": 1 }],
  "dependencies": {
    "name": "^1.0.0",
    "vue": "^3.4.0"
  }
}"#;
        let lines = key_lines(text, 2);
        assert_eq!(at(&lines, &["name"]), Some(2));
        assert_eq!(at(&lines, &["scripts", "name"]), Some(4));
        assert_eq!(at(&lines, &["dependencies"]), Some(6));
        assert_eq!(at(&lines, &["dependencies", "name"]), Some(7));
        assert_eq!(at(&lines, &["dependencies", "vue"]), Some(8));
        assert_eq!(at(&lines, &["files", "vue"]), None);
    }

    #[test]
    fn escaped_keys_are_decoded() {
        let lines = key_lines("{\"deps\":\n{\"a\\u0062\": \"1\"}}", 2);
        assert_eq!(at(&lines, &["deps", "ab"]), Some(2));
    }
}
