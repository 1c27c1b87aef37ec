//! The one YAML reader of this crate: saphyr's event parser (YAML 1.2, core schema) turned into
//! an owned tree whose every node and key knows its line. OpenAPI documents, declared config
//! files, compose files and buf.yaml are all read through it, so positions come from the
//! parser and never from a second scan of the text.
//!
//! Hostile input is refused with an [`Error`] at a line, never a crash:
//! - more than [`MAX_BYTES`] of text;
//! - nesting deeper than [`MAX_DEPTH`] (the tree is built without recursion, and every walk
//!   over it may then recurse safely, even on a 2 MiB worker stack);
//! - anchors and aliases that would copy more than [`MAX_ALIAS_NODES`] nodes in all ("billion
//!   laughs");
//! - several documents in one file, a repeated key, a key that is not a scalar.
//!
//! `<<` merge keys are applied (the entries of the merged mappings that the mapping does not
//! set itself), as docker-compose files rely on them.

use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use std::collections::HashMap;

/// Largest text read, in bytes (64 MiB: the largest public OpenAPI documents are a few tens of
/// megabytes; the tree costs several times the text).
pub const MAX_BYTES: usize = 64 << 20;
/// Deepest nesting of mappings and sequences (the deepest real documents nest a few dozen).
pub const MAX_DEPTH: usize = 128;
/// Most nodes copied by anchors and aliases in one file.
pub const MAX_ALIAS_NODES: usize = 1_000_000;

/// Why a text was not read, at a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (line {line})")]
pub struct Error {
    pub line: u32,
    pub message: String,
}

impl Error {
    fn new(line: u32, message: impl Into<String>) -> Error {
        Error { line, message: message.into() }
    }
}

/// A value with the line it starts on. The value of a mapping entry that is a mapping or a
/// sequence has the line of its key (where a reader looks for it).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub line: u32,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Entries in document order; keys are unique.
    Map(Vec<Entry>),
}

/// A mapping entry. Keys are scalars, kept as written (`200:` is the key "200").
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_line: u32,
    pub value: Node,
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|e| e.key == key).map(|e| &e.value),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value as text, for scalars: `3` and `true` are "3" and "true".
    pub fn scalar(&self) -> Option<String> {
        match &self.value {
            Value::Null | Value::Seq(_) | Value::Map(_) => None,
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Str(s) => Some(s.clone()),
        }
    }

    /// Converts to JSON (keys stay strings; NaN and infinities become null). The tree is at
    /// most [`MAX_DEPTH`] deep, so the recursion is bounded.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(entries.iter().map(|e| (e.key.clone(), e.value.to_json())).collect()),
        }
    }
}

/// Reads one YAML document (an empty text is null).
pub fn parse(text: &str) -> Result<Node, Error> {
    parse_into(text)
}

/// Reads one YAML document into a tree of the caller's type (an empty text is null).
pub fn parse_into<T: Tree>(text: &str) -> Result<T, Error> {
    if text.len() > MAX_BYTES {
        return Err(Error::new(1, too_large(text.len())));
    }
    Builder { stack: Vec::new(), anchors: HashMap::new(), copied: 0, root: None, documents: 0 }.run(text)
}

/// Why a text of `len` bytes is not read (when `len` is over [`MAX_BYTES`]); JSON and TOML
/// files of the same detectors are held to the same limit.
pub fn too_large(len: usize) -> String {
    format!("the file is {len} bytes, more than the {MAX_BYTES} bytes (64 MiB) read")
}

/// A resolved scalar.
pub enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

/// A tree the reader can build directly (no second tree to convert): [`Node`], or a
/// detector's own representation.
pub trait Tree: Sized + Clone {
    fn scalar(line: u32, value: Scalar) -> Self;
    fn seq(line: u32, items: Vec<Self>) -> Self;
    /// A mapping from its entries (key, key's line, value) in document order, keys unique.
    fn map(line: u32, entries: Vec<(String, u32, Self)>) -> Self;
    /// The entries of a mapping (to merge them into another); the node itself otherwise.
    fn into_entries(self) -> Result<Vec<(String, u32, Self)>, Self>;
    /// The items of a sequence; the node itself otherwise.
    fn into_items(self) -> Result<Vec<Self>, Self>;
    fn is_map(&self) -> bool;
    /// A scalar's text (for an alias used as a key); `None` for collections.
    fn key_text(&self) -> Option<String>;
    /// How many nodes the tree holds (what copying it costs).
    fn size(&self) -> usize;
    /// The same node seen at another line (an alias's copy).
    fn at_line(self, line: u32) -> Self;
}

impl Tree for Node {
    fn scalar(line: u32, value: Scalar) -> Node {
        let value = match value {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Int(i) => Value::Int(i),
            Scalar::Float(f) => Value::Float(f),
            Scalar::Str(s) => Value::Str(s),
        };
        Node { line, value }
    }
    fn seq(line: u32, items: Vec<Node>) -> Node {
        Node { line, value: Value::Seq(items) }
    }
    fn map(line: u32, entries: Vec<(String, u32, Node)>) -> Node {
        let entries = entries.into_iter().map(|(key, key_line, value)| Entry { key, key_line, value }).collect();
        Node { line, value: Value::Map(entries) }
    }
    fn into_entries(self) -> Result<Vec<(String, u32, Node)>, Node> {
        match self.value {
            Value::Map(entries) => Ok(entries.into_iter().map(|e| (e.key, e.key_line, e.value)).collect()),
            value => Err(Node { line: self.line, value }),
        }
    }
    fn into_items(self) -> Result<Vec<Node>, Node> {
        match self.value {
            Value::Seq(items) => Ok(items),
            value => Err(Node { line: self.line, value }),
        }
    }
    fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }
    fn key_text(&self) -> Option<String> {
        match self.value {
            Value::Null => Some("null".into()),
            _ => self.scalar(),
        }
    }
    fn size(&self) -> usize {
        1 + match &self.value {
            Value::Seq(items) => items.iter().map(Node::size).sum(),
            Value::Map(entries) => entries.iter().map(|e| e.value.size()).sum(),
            _ => 0,
        }
    }
    fn at_line(mut self, line: u32) -> Node {
        self.line = line;
        self
    }
}

/// A mapping or sequence being built.
struct Frame<T> {
    line: u32,
    anchor: usize,
    /// Height of the deepest child so far (0: only scalars).
    height: usize,
    kind: FrameKind<T>,
}

enum FrameKind<T> {
    Seq(Vec<T>),
    Map {
        entries: Vec<(String, u32, T)>,
        /// The key read, waiting for its value: (text, line, written plain).
        key: Option<(String, u32, bool)>,
        /// Mappings named by `<<` keys, in precedence order.
        merges: Vec<T>,
    },
}

struct Builder<T> {
    stack: Vec<Frame<T>>,
    /// Anchored nodes with their heights, by anchor id.
    anchors: HashMap<usize, (T, usize)>,
    /// Nodes copied so far for anchors and aliases.
    copied: usize,
    root: Option<T>,
    documents: usize,
}

impl<T: Tree> Builder<T> {
    fn run(mut self, text: &str) -> Result<T, Error> {
        for event in Parser::new_from_str(text) {
            let (event, span) = event.map_err(|e| Error::new(e.marker().line() as u32, e.info().to_string()))?;
            self.event(event, span)?;
        }
        Ok(self.root.unwrap_or_else(|| T::scalar(1, Scalar::Null)))
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), Error> {
        let line = span.start.line().max(1) as u32;
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(Error::new(line, "a second YAML document starts here; only one is read"));
                }
            }
            Event::Scalar(v, style, anchor, tag) => {
                if self.awaiting_key() {
                    self.key(v.into_owned(), style == ScalarStyle::Plain, line);
                    return Ok(());
                }
                // A value its core-schema tag does not fit (`!!int abc`) is kept as written.
                let as_written = tag.is_some().then(|| v.to_string());
                let value = match saphyr::Scalar::parse_from_cow_and_metadata(v, style, tag.as_ref()) {
                    Some(saphyr::Scalar::Null) => Scalar::Null,
                    Some(saphyr::Scalar::Boolean(b)) => Scalar::Bool(b),
                    Some(saphyr::Scalar::Integer(i)) => Scalar::Int(i),
                    Some(saphyr::Scalar::FloatingPoint(f)) => Scalar::Float(f.into_inner()),
                    Some(saphyr::Scalar::String(s)) => Scalar::Str(s.into_owned()),
                    None => Scalar::Str(as_written.unwrap_or_default()),
                };
                let node = T::scalar(self.value_line(line), value);
                self.remember(anchor, &node, 0)?;
                self.add(node, 0)?;
            }
            Event::Alias(id) => {
                let Some((node, height)) = self.anchors.get(&id) else {
                    return Err(Error::new(line, "an alias names no anchor"));
                };
                let height = *height;
                if self.awaiting_key() {
                    let text = node.key_text().ok_or_else(|| Error::new(line, "a mapping key is not a scalar"))?;
                    self.key(text, true, line);
                    return Ok(());
                }
                if self.stack.len() + height > MAX_DEPTH {
                    return Err(too_deep(line));
                }
                self.copied += node.size();
                if self.copied > MAX_ALIAS_NODES {
                    return Err(alias_bomb(line));
                }
                let copy = node.clone().at_line(self.value_line(line));
                self.add(copy, height)?;
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.awaiting_key() {
                    return Err(Error::new(line, "a mapping key is not a scalar (complex keys are not read)"));
                }
                if self.stack.len() >= MAX_DEPTH {
                    return Err(too_deep(line));
                }
                let kind = if matches!(event, Event::SequenceStart(..)) {
                    FrameKind::Seq(Vec::new())
                } else {
                    FrameKind::Map { entries: Vec::new(), key: None, merges: Vec::new() }
                };
                let line = self.value_line(line);
                self.stack.push(Frame { line, anchor, height: 0, kind });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else { return Ok(()) };
                let height = frame.height + 1;
                let node = match frame.kind {
                    FrameKind::Seq(items) => T::seq(frame.line, items),
                    FrameKind::Map { entries, merges, .. } => {
                        if entries.len() > 16 {
                            check_unique(&entries)?;
                        }
                        T::map(frame.line, merge(entries, merges))
                    }
                };
                self.remember(frame.anchor, &node, height)?;
                self.add(node, height)?;
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
        Ok(())
    }

    fn awaiting_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame { kind: FrameKind::Map { key: None, .. }, .. }))
    }

    /// The line of a value starting at `line`: the line of its key inside a mapping.
    fn value_line(&self, line: u32) -> u32 {
        match self.stack.last() {
            Some(Frame { kind: FrameKind::Map { key: Some((_, key_line, _)), .. }, .. }) => *key_line,
            _ => line,
        }
    }

    fn key(&mut self, text: String, plain: bool, line: u32) {
        if let Some(Frame { kind: FrameKind::Map { key, .. }, .. }) = self.stack.last_mut() {
            *key = Some((text, line, plain));
        }
    }

    /// Keeps a copy of an anchored node for its aliases.
    fn remember(&mut self, anchor: usize, node: &T, height: usize) -> Result<(), Error> {
        if anchor == 0 {
            return Ok(());
        }
        self.copied += node.size();
        if self.copied > MAX_ALIAS_NODES {
            return Err(alias_bomb(self.stack.last().map_or(1, |f| f.line)));
        }
        self.anchors.insert(anchor, (node.clone(), height));
        Ok(())
    }

    /// Adds a finished node (of `height`) to its parent, or makes it the root.
    fn add(&mut self, node: T, height: usize) -> Result<(), Error> {
        let Some(parent) = self.stack.last_mut() else {
            self.root = Some(node);
            return Ok(());
        };
        parent.height = parent.height.max(height);
        match &mut parent.kind {
            FrameKind::Seq(items) => items.push(node),
            FrameKind::Map { entries, key, merges } => {
                let Some((key, key_line, plain)) = key.take() else { return Ok(()) };
                if plain && key == "<<" {
                    if node.is_map() {
                        merges.push(node);
                    } else {
                        match node.into_items() {
                            Ok(items) if items.iter().all(T::is_map) => merges.extend(items),
                            _ => {
                                return Err(Error::new(
                                    key_line,
                                    "a `<<` merge key names something other than mappings",
                                ))
                            }
                        }
                    }
                    return Ok(());
                }
                // Small mappings are checked key by key; larger ones once, when they end.
                if entries.len() < 16 && entries.iter().any(|e| e.0 == key) {
                    return Err(duplicate(&key, key_line));
                }
                entries.push((key, key_line, node));
            }
        }
        Ok(())
    }
}

fn duplicate(key: &str, line: u32) -> Error {
    Error::new(line, format!("the key \"{key}\" appears twice in one mapping"))
}

/// Errors on the first repeated key of `entries` (sorting the keys: n log n).
fn check_unique<T>(entries: &[(String, u32, T)]) -> Result<(), Error> {
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_unstable_by(|a, b| entries[*a].0.cmp(&entries[*b].0).then(a.cmp(b)));
    match order.windows(2).find(|w| entries[w[0]].0 == entries[w[1]].0) {
        Some(w) => Err(duplicate(&entries[w[1]].0, entries[w[1]].1)),
        None => Ok(()),
    }
}

/// Applies `<<` merges: entries of the merged mappings whose keys the mapping lacks, the
/// first merged mapping winning.
fn merge<T: Tree>(mut entries: Vec<(String, u32, T)>, merges: Vec<T>) -> Vec<(String, u32, T)> {
    if merges.is_empty() {
        return entries;
    }
    let mut keys: std::collections::HashSet<String> = entries.iter().map(|e| e.0.clone()).collect();
    for m in merges {
        let Ok(more) = m.into_entries() else { continue };
        for e in more {
            if keys.insert(e.0.clone()) {
                entries.push(e);
            }
        }
    }
    entries
}

fn too_deep(line: u32) -> Error {
    Error::new(line, format!("mappings and sequences nest more than {MAX_DEPTH} deep here"))
}

fn alias_bomb(line: u32) -> Error {
    Error::new(line, format!("anchors and aliases expand to more than {MAX_ALIAS_NODES} nodes (an alias bomb?)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Node {
        parse(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    fn json(text: &str) -> String {
        read(text).to_json().to_string()
    }

    /// Runs `f` on a thread with the 2 MiB stack of a tokio worker.
    fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        std::thread::Builder::new().stack_size(2 << 20).spawn(f).expect("spawn").join().expect("no crash")
    }

    #[test]
    fn a_tab_before_a_comment_ends_the_value() {
        assert_eq!(json("a: b\t# comment\n"), r#"{"a":"b"}"#);
    }

    #[test]
    fn tabs_separate_flow_sequence_items() {
        assert_eq!(json("a: [1,\t2]\n"), r#"{"a":[1,2]}"#);
    }

    #[test]
    fn signed_infinities_are_numbers() {
        let n = read("a: -.inf\nb: +.inf\nc: .nan\n");
        assert_eq!(n.get("a").map(|n| &n.value), Some(&Value::Float(f64::NEG_INFINITY)));
        assert_eq!(n.get("b").map(|n| &n.value), Some(&Value::Float(f64::INFINITY)));
        assert!(matches!(n.get("c").map(|n| &n.value), Some(Value::Float(f)) if f.is_nan()));
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_first_key() {
        assert_eq!(json("\u{feff}openapi: 3.0.0\n"), r#"{"openapi":"3.0.0"}"#);
    }

    #[test]
    fn nodes_and_keys_know_their_lines() {
        let n = read(
            "# c\npaths:\n  /a:\n    get:\n      responses: {}\n  /b: [1,\n    2]\nitems:\n  - name: x\n  - [y]\n",
        );
        let paths = n.get("paths").unwrap();
        assert_eq!(paths.line, 2);
        assert_eq!(paths.get("/a").unwrap().get("get").unwrap().line, 4);
        assert_eq!(paths.get("/b").unwrap().line, 6);
        let Value::Seq(items) = &n.get("items").unwrap().value else { panic!() };
        assert_eq!((items[0].line, items[1].line), (9, 10));
        let Value::Map(entries) = &paths.value else { panic!() };
        assert_eq!(entries.iter().map(|e| e.key_line).collect::<Vec<_>>(), [3, 6]);
    }

    #[test]
    fn tagged_scalars_resolve_by_their_tag_or_stay_as_written() {
        assert_eq!(
            json("a: !!str 5\nb: !!int abc\nc: !custom 50\nd: !!binary aGVsbG8=\n"),
            r#"{"a":"5","b":"abc","c":50,"d":"aGVsbG8="}"#
        );
    }

    #[test]
    fn json_with_long_keys_is_read() {
        let key = "k".repeat(5000);
        assert_eq!(json(&format!("{{\"{key}\": [1,\t2]}}")), format!(r#"{{"{key}":[1,2]}}"#));
    }

    #[test]
    fn keys_are_written_text_whatever_they_resolve_to() {
        assert_eq!(json("200: ok\ntrue: 1\n'x': 2\n"), r#"{"200":"ok","true":1,"x":2}"#);
    }

    #[test]
    fn merge_keys_add_what_the_mapping_does_not_set() {
        let text = "base: &b {image: x, restart: always}\nmore: &m {restart: never, cpus: 2}\nsvc:\n  <<: [*b, *m]\n  image: y\n";
        assert_eq!(
            json(text),
            r#"{"base":{"image":"x","restart":"always"},"more":{"cpus":2,"restart":"never"},"svc":{"cpus":2,"image":"y","restart":"always"}}"#
        );
    }

    #[test]
    fn repeated_keys_several_documents_and_complex_keys_are_errors_at_their_line() {
        assert_eq!(parse("a: 1\nb: 2\na: 3\n").unwrap_err().line, 3);
        let many: String = (0..40).map(|i| format!("k{i}: 1\n")).collect::<String>() + "k7: 2\n";
        assert_eq!(parse(&many).unwrap_err().line, 41);
        assert_eq!(parse("a: 1\n---\nb: 2\n").unwrap_err().line, 2);
        assert!(parse("? [a]\n: 1\n").is_err());
    }

    #[test]
    fn syntax_errors_name_their_line() {
        let e = parse("a:\n  b: [unclosed\n").unwrap_err();
        assert!(e.line >= 2, "{e}");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        for text in [
            "[".repeat(100_000),
            "{a: ".repeat(100_000),
            (0..5_000).map(|i| format!("{}k:\n", " ".repeat(i))).collect::<String>(),
            (0..5_000).map(|i| format!("{}-\n", " ".repeat(i))).collect::<String>(),
        ] {
            let e = on_small_stack(move || parse(&text)).unwrap_err();
            assert!(e.message.contains("nest") || e.message.contains("recursion"), "{e}");
        }
        let ok = format!("{}1{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn aliases_that_nest_too_deep_are_an_error() {
        let deep =
            format!("a: &x {}1{}\nb: {}*x{}\n", "[".repeat(100), "]".repeat(100), "[".repeat(100), "]".repeat(100));
        assert!(parse(&deep).unwrap_err().message.contains("nest"));
    }

    #[test]
    fn an_alias_bomb_is_refused_quickly() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (prev, name) in
            ["a", "b", "c", "d", "e", "f", "g", "h", "i"].iter().zip(["b", "c", "d", "e", "f", "g", "h", "i", "j"])
        {
            text.push_str(&format!("{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        let e = on_small_stack(move || parse(&text)).unwrap_err();
        assert!(e.message.contains("alias"), "{e}");
    }

    #[test]
    fn text_over_the_size_limit_is_refused_before_parsing() {
        let big = "#".repeat(MAX_BYTES + 1);
        assert!(parse(&big).unwrap_err().message.contains("64 MiB"));
    }
}
