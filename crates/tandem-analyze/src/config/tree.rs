//! Declared config documents (JSON, YAML, TOML) as a tree of key paths: every mapping key, at
//! any depth, with the kind of its value. Sequences are leaves (their items have no stable
//! key), so a key inside a list item is not tracked.

use super::Format;
use crate::discover::json_lines::{self as lines, KeyLines};
use std::collections::BTreeMap;
use std::fmt;

/// The kind of a value, as compared by `CONFIG_KEY_SAME_TYPE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Null,
    Bool,
    /// Integers and floats alike: `80` → `80.5` is not a type change.
    Number,
    String,
    Datetime,
    List,
    Map,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Null => "null",
            Kind::Bool => "boolean",
            Kind::Number => "number",
            Kind::String => "string",
            Kind::Datetime => "datetime",
            Kind::List => "list",
            Kind::Map => "mapping",
        })
    }
}

/// One key of the document.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Key {
    pub kind: Kind,
    pub line: usize,
}

/// Every key path of a document.
#[derive(Debug, Default)]
pub(crate) struct Tree {
    pub keys: BTreeMap<Vec<String>, Key>,
}

/// A key path as shown in messages: `server.tls.cert`.
pub(crate) fn dotted(path: &[String]) -> String {
    path.join(".")
}

/// A value of any of the three formats, reduced to what the tree needs: kinds, and the line
/// of every key.
enum Node {
    Leaf(Kind),
    List,
    Map(Vec<(String, usize, Node)>),
}

/// JSON keys get their lines from `lines` (by key path).
fn from_json(v: &serde_json::Value, path: &mut Vec<String>, lines: &KeyLines) -> Node {
    use serde_json::Value as J;
    match v {
        J::Null => Node::Leaf(Kind::Null),
        J::Bool(_) => Node::Leaf(Kind::Bool),
        J::Number(_) => Node::Leaf(Kind::Number),
        J::String(_) => Node::Leaf(Kind::String),
        J::Array(_) => Node::List,
        J::Object(m) => Node::Map(
            m.iter()
                .map(|(k, v)| {
                    path.push(k.clone());
                    let line = lines::line_of(lines, path);
                    let node = from_json(v, path, lines);
                    path.pop();
                    (k.clone(), line, node)
                })
                .collect(),
        ),
    }
}

/// YAML nodes carry their lines (the reader's tree is at most `yaml::MAX_DEPTH` deep).
fn from_yaml(v: &crate::yaml::Node) -> Node {
    use crate::yaml::Value as Y;
    match &v.value {
        Y::Null => Node::Leaf(Kind::Null),
        Y::Bool(_) => Node::Leaf(Kind::Bool),
        Y::Int(_) | Y::Float(_) => Node::Leaf(Kind::Number),
        Y::Str(_) => Node::Leaf(Kind::String),
        Y::Seq(_) => Node::List,
        Y::Map(entries) => {
            Node::Map(entries.iter().map(|e| (e.key.clone(), e.key_line as usize, from_yaml(&e.value))).collect())
        }
    }
}

/// TOML keys get their lines from the parser's spans: `line` maps a byte offset to its line.
/// A table only implied by a header (`a` of `[a.b]`) has the line of its parent.
fn from_toml(item: &toml_edit::Item, at: usize, line: &dyn Fn(usize) -> usize) -> Node {
    use toml_edit::{Item, Value as V};
    let table = match item {
        Item::None => return Node::Leaf(Kind::Null),
        Item::ArrayOfTables(_) | Item::Value(V::Array(_)) => return Node::List,
        Item::Value(V::Boolean(_)) => return Node::Leaf(Kind::Bool),
        Item::Value(V::Integer(_) | V::Float(_)) => return Node::Leaf(Kind::Number),
        Item::Value(V::String(_)) => return Node::Leaf(Kind::String),
        Item::Value(V::Datetime(_)) => return Node::Leaf(Kind::Datetime),
        Item::Value(V::InlineTable(_)) | Item::Table(_) => match item.as_table_like() {
            Some(t) => t,
            None => return Node::Leaf(Kind::Null),
        },
    };
    Node::Map(
        table
            .iter()
            .map(|(k, v)| {
                let key_at = table.get_key_value(k).and_then(|(key, _)| key.span()).map_or(at, |s| line(s.start));
                (k.to_string(), key_at, from_toml(v, key_at, line))
            })
            .collect(),
    )
}

fn flatten(node: &Node, path: &mut Vec<String>, out: &mut BTreeMap<Vec<String>, Key>) {
    let Node::Map(entries) = node else { return };
    for (k, line, v) in entries {
        path.push(k.clone());
        let kind = match v {
            Node::Leaf(kind) => *kind,
            Node::List => Kind::List,
            Node::Map(_) => Kind::Map,
        };
        out.insert(path.clone(), Key { kind, line: *line });
        flatten(v, path, out);
        path.pop();
    }
}

impl Tree {
    pub(crate) fn parse(text: &str, format: Format) -> Result<Tree, Vec<(usize, String)>> {
        let root = match format {
            Format::Json => {
                let v: serde_json::Value = serde_json::from_str(text).map_err(|e| vec![super::json_error(&e)])?;
                from_json(&v, &mut Vec::new(), &crate::discover::json_lines::key_lines(text, 64))
            }
            Format::Yaml => from_yaml(&crate::yaml::parse(text).map_err(|e| vec![super::yaml_error(&e)])?),
            Format::Toml => {
                let line = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
                let doc = toml_edit::ImDocument::parse(text)
                    .map_err(|e| vec![(e.span().map_or(1, |s| line(s.start)), super::clean_message(e.message()))])?;
                // Line starts, for the spans of keys.
                let starts: Vec<usize> =
                    std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
                let line_at = |offset: usize| starts.partition_point(|s| *s <= offset);
                from_toml(doc.as_item(), 1, &line_at)
            }
        };
        let mut keys = BTreeMap::new();
        flatten(&root, &mut Vec::new(), &mut keys);
        Ok(Tree { keys })
    }

    /// The line of `path`, else of its nearest ancestor present in this document, else 1.
    pub(crate) fn line_near(&self, path: &[String]) -> usize {
        (1..=path.len()).rev().find_map(|n| self.keys.get(&path[..n]).map(|k| k.line)).unwrap_or(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_formats_give_the_same_tree() {
        let json = "{\n  \"server\": {\n    \"port\": 80,\n    \"hosts\": [\"a\"]\n  }\n}";
        let yaml = "server:\n  port: 80\n  hosts: [a]\n";
        let toml = "[server]\nport = 80\nhosts = [\"a\"]\n";
        for (text, format, port_line) in [(json, Format::Json, 3), (yaml, Format::Yaml, 2), (toml, Format::Toml, 2)] {
            let t = Tree::parse(text, format).unwrap();
            let shown: Vec<String> = t.keys.iter().map(|(p, k)| format!("{}:{}", dotted(p), k.kind)).collect();
            assert_eq!(shown, ["server:mapping", "server.hosts:list", "server.port:number"], "{format:?}");
            assert_eq!(t.keys[&vec!["server".to_string(), "port".to_string()]].line, port_line, "{format:?}");
        }
    }

    fn line(t: &Tree, path: &[&str]) -> Option<usize> {
        t.keys.get(&path.iter().map(|s| s.to_string()).collect::<Vec<_>>()).map(|k| k.line)
    }

    #[test]
    fn toml_keys_have_the_line_of_their_table_header_or_assignment() {
        let text = "title = \"x\"\n[server]\nport = 80\n[db.\"main.pg\"]\nurl.host = \"h\"\n[[jobs]]\nname = \"j\"\n[jobs.inner]\ninline = { a = 1, b = 2 }\n";
        let t = Tree::parse(text, Format::Toml).unwrap();
        assert_eq!(line(&t, &["server", "port"]), Some(3));
        assert_eq!(line(&t, &["db", "main.pg"]), Some(4));
        assert_eq!(line(&t, &["db", "main.pg", "url", "host"]), Some(5));
        assert_eq!(line(&t, &["jobs"]), Some(6));
        assert!(line(&t, &["jobs", "name"]).is_none(), "keys inside array items are not tracked");
        assert_eq!(t.line_near(&["nowhere".to_string()]), 1);
    }

    #[test]
    fn yaml_keys_have_their_own_line_even_in_flow_mappings_and_after_anchors() {
        let text = "base: &b\n  port: 80\nserver:\n  <<: *b\n  tls: {cert: a,\n    key: b}\n  \"quoted key\": 1\n";
        let t = Tree::parse(text, Format::Yaml).unwrap();
        assert_eq!(line(&t, &["server", "tls", "key"]), Some(6));
        assert_eq!(line(&t, &["server", "quoted key"]), Some(7));
        assert_eq!(line(&t, &["server", "port"]), Some(2), "merged from the anchor, where it is written");
    }

    #[test]
    fn hostile_yaml_and_toml_are_errors_at_a_line_not_crashes() {
        let deep_yaml = format!("a: {}", "[".repeat(10_000));
        let deep_toml = format!("a = {}", "[".repeat(10_000));
        let results = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || {
                [Tree::parse(&deep_yaml, Format::Yaml).map(|_| ()), Tree::parse(&deep_toml, Format::Toml).map(|_| ())]
            })
            .expect("spawn")
            .join()
            .expect("no crash");
        for r in results {
            let errors = r.unwrap_err();
            assert_eq!(errors[0].0, 1, "{errors:?}");
        }
    }
}
