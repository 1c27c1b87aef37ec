//! The owned document tree both revisions are parsed into. YAML and JSON land in the same
//! shape; mapping keys are strings whatever YAML made of them (`200:` is the key "200").

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Text),
    Seq(Vec<Node>),
    Map(Map),
}

/// An immutable string that keeps up to 22 bytes inline: most keys and scalars of a document
/// are short, and a large document has hundreds of thousands of them to allocate and free.
#[derive(Clone)]
pub enum Text {
    Inline(u8, [u8; 22]),
    Heap(Box<str>),
}

impl Text {
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Text::Inline(len, buf) => &buf[..*len as usize],
            Text::Heap(s) => s.as_bytes(),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            // Only ever built from a whole `&str` (see `From`), so always valid UTF-8.
            Text::Inline(len, buf) => std::str::from_utf8(&buf[..*len as usize]).unwrap_or_default(),
            Text::Heap(s) => s,
        }
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        if s.len() <= 22 {
            let mut buf = [0u8; 22];
            buf[..s.len()].copy_from_slice(s.as_bytes());
            Text::Inline(s.len() as u8, buf)
        } else {
            Text::Heap(s.into())
        }
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        if s.len() <= 22 {
            Text::from(s.as_str())
        } else {
            Text::Heap(s.into_boxed_str())
        }
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Text {}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Text) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    fn cmp(&self, other: &Text) -> std::cmp::Ordering {
        // UTF-8 byte order is code point order, as `str`'s.
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A mapping, its entries sorted by key. A sorted vector rather than a tree: most mappings
/// in a document have one to five entries, and a large document holds hundreds of thousands.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Map(Vec<(Text, Node)>);

impl Map {
    /// Sorts entries given in document order; a repeated key keeps its last value. Also says
    /// whether a key repeated.
    pub fn from_entries(mut entries: Vec<(Text, Node)>) -> (Map, bool) {
        entries.reverse();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let n = entries.len();
        entries.dedup_by(|a, b| a.0 == b.0);
        let repeated = entries.len() != n;
        (Map(entries), repeated)
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        if self.0.len() <= 8 {
            return self.0.iter().find(|(k, _)| k.as_bytes() == key.as_bytes()).map(|(_, v)| v);
        }
        self.0.binary_search_by(|(k, _)| k.as_bytes().cmp(key.as_bytes())).ok().map(|i| &self.0[i].1)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Text, &Node)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

/// Why a revision could not be read, with the 1-based line when the parser knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub line: u32,
    pub message: String,
}

impl Node {
    /// Parses YAML (or, with `json`, strict JSON, which gives better errors for `.json` files).
    pub fn parse(bytes: &[u8], json: bool) -> Result<Node, ParseError> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        if json {
            serde_json::from_slice(bytes)
                .map_err(|e| ParseError { line: e.line() as u32, message: format!("invalid JSON: {e}") })
        } else {
            if let Some(fast) = std::str::from_utf8(bytes).ok().and_then(super::yaml::parse) {
                return Ok(fast);
            }
            serde_yaml::from_slice(bytes).map_err(|e| ParseError {
                line: e.location().map_or(1, |l| l.line() as u32),
                message: format!("invalid YAML: {e}"),
            })
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(m) => m.get(key),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::Str(s) => Some(s.as_str()),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&Map> {
        match self {
            Node::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> &[Node] {
        match self {
            Node::Seq(s) => s,
            _ => &[],
        }
    }

    /// `true` only for a literal boolean true.
    pub fn is_true(&self) -> bool {
        matches!(self, Node::Bool(true))
    }

    /// The value as a scalar string (`3.1` written unquoted in YAML is still "3.1").
    pub fn scalar(&self) -> Option<String> {
        match self {
            Node::Str(s) => Some(s.to_string()),
            Node::Int(i) => Some(i.to_string()),
            Node::Float(f) => Some(f.to_string()),
            Node::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
}

impl fmt::Display for Node {
    /// Compact JSON-like rendering, for enum values in messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Null => f.write_str("null"),
            Node::Bool(b) => write!(f, "{b}"),
            Node::Int(i) => write!(f, "{i}"),
            Node::Float(x) => write!(f, "{x}"),
            Node::Str(s) => write!(f, "{s:?}"),
            Node::Seq(items) => {
                f.write_str("[")?;
                for (i, n) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{n}")?;
                }
                f.write_str("]")
            }
            Node::Map(m) => {
                f.write_str("{")?;
                for (i, (k, n)) in m.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k:?}: {n}")?;
                }
                f.write_str("}")
            }
        }
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML or JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(i64::try_from(v).map_or(Node::Float(v as f64), Node::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.into()))
    }
    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v.into()))
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(n) = seq.next_element()? {
            items.push(n);
        }
        Ok(Node::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(1024));
        while let Some(Key(k)) = map.next_key()? {
            let v: Node = map.next_value()?;
            entries.push((k, v));
        }
        Ok(Node::Map(Map::from_entries(entries).0))
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

/// A mapping key: any scalar, as a string.
struct Key(Text);

struct KeyVisitor;

impl Visitor<'_> for KeyVisitor {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a scalar mapping key")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Key, E> {
        Ok(Key(v.to_string().into()))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Key, E> {
        Ok(Key(v.to_string().into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Key, E> {
        Ok(Key(v.to_string().into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Key, E> {
        Ok(Key(v.to_string().into()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
        Ok(Key(v.into()))
    }
    fn visit_string<E>(self, v: String) -> Result<Key, E> {
        Ok(Key(v.into()))
    }
    fn visit_unit<E>(self) -> Result<Key, E> {
        Ok(Key("null".into()))
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key, D::Error> {
        d.deserialize_any(KeyVisitor)
    }
}
