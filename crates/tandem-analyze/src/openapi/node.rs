//! The owned document tree both revisions are parsed into. YAML and JSON land in the same
//! shape; mapping keys are strings whatever YAML made of them (`200:` is the key "200").

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Text),
    Seq(Seq),
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

/// A mapping, its entries sorted by key, with the line it is written on (its key's line, for
/// a mapping inside another) and the line of each key. A sorted vector rather than a tree: most
/// mappings in a document have one to five entries, and a large document holds hundreds of
/// thousands. Lines do not take part in equality: a moved path item is still the same.
#[derive(Debug, Clone, Default)]
pub struct Map {
    line: u32,
    entries: Vec<(Text, u32, Node)>,
}

impl PartialEq for Map {
    fn eq(&self, other: &Map) -> bool {
        self.entries.len() == other.entries.len()
            && self.entries.iter().zip(&other.entries).all(|(a, b)| a.0 == b.0 && a.2 == b.2)
    }
}

impl Map {
    /// Sorts entries given in document order; a repeated key keeps its last value.
    pub fn from_entries(line: u32, mut entries: Vec<(Text, u32, Node)>) -> Map {
        entries.reverse();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        entries.dedup_by(|a, b| a.0 == b.0);
        Map { line, entries }
    }

    fn position(&self, key: &str) -> Option<usize> {
        if self.entries.len() <= 8 {
            return self.entries.iter().position(|(k, _, _)| k.as_bytes() == key.as_bytes());
        }
        self.entries.binary_search_by(|(k, _, _)| k.as_bytes().cmp(key.as_bytes())).ok()
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.position(key).map(|i| &self.entries[i].2)
    }

    /// The line of `key`'s entry.
    pub fn key_line(&self, key: &str) -> Option<u32> {
        self.position(key).map(|i| self.entries[i].1)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Text, &Node)> {
        self.entries.iter().map(|(k, _, v)| (k, v))
    }

    /// Entries with their keys' lines.
    pub fn iter_lines(&self) -> impl Iterator<Item = (&Text, u32, &Node)> {
        self.entries.iter().map(|(k, l, v)| (k, *l, v))
    }
}

/// A sequence with the line it is written on (see [`Map`]); equality ignores lines.
#[derive(Debug, Clone, Default)]
pub struct Seq {
    line: u32,
    items: Vec<Node>,
}

impl PartialEq for Seq {
    fn eq(&self, other: &Seq) -> bool {
        self.items == other.items
    }
}

impl Seq {
    pub fn line(&self) -> u32 {
        self.line
    }
}

impl std::ops::Deref for Seq {
    type Target = [Node];
    fn deref(&self) -> &[Node] {
        &self.items
    }
}

/// Why a revision could not be read, with the 1-based line when the parser knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub line: u32,
    pub message: String,
}

impl Node {
    /// Parses YAML, or with `json` strict JSON (checked by serde_json, whose messages are
    /// better for `.json` files, then read as the YAML it also is, for positions).
    pub fn parse(bytes: &[u8], json: bool) -> Result<Node, ParseError> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        if bytes.len() > crate::yaml::MAX_BYTES {
            return Err(ParseError { line: 1, message: crate::yaml::too_large(bytes.len()) });
        }
        if json {
            serde_json::from_slice::<serde::de::IgnoredAny>(bytes)
                .map_err(|e| ParseError { line: e.line() as u32, message: format!("invalid JSON: {e}") })?;
        }
        let text = std::str::from_utf8(bytes).map_err(|e| ParseError {
            line: bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() as u32 + 1,
            message: "it is not UTF-8 text".to_string(),
        })?;
        let what = if json { "JSON" } else { "YAML" };
        crate::yaml::parse_into(text)
            .map_err(|e| ParseError { line: e.line, message: format!("invalid {what}: {}", e.message) })
    }

    /// What the value is, for messages: "a mapping", "a number"…
    pub fn kind(&self) -> &'static str {
        match self {
            Node::Null => "null",
            Node::Bool(_) => "a boolean",
            Node::Int(_) | Node::Float(_) => "a number",
            Node::Str(_) => "a string",
            Node::Seq(_) => "a sequence",
            Node::Map(_) => "a mapping",
        }
    }

    /// The line a mapping or sequence is written on; 1 for other values.
    pub fn line(&self) -> u32 {
        match self {
            Node::Map(m) => m.line,
            Node::Seq(s) => s.line,
            _ => 1,
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

/// The YAML reader builds this tree directly.
impl crate::yaml::Tree for Node {
    fn scalar(_line: u32, value: crate::yaml::Scalar) -> Node {
        use crate::yaml::Scalar as S;
        match value {
            S::Null => Node::Null,
            S::Bool(b) => Node::Bool(b),
            S::Int(i) => Node::Int(i),
            S::Float(f) => Node::Float(f),
            S::Str(s) => Node::Str(s.into()),
        }
    }
    fn seq(line: u32, items: Vec<Node>) -> Node {
        Node::Seq(Seq { line, items })
    }
    fn map(line: u32, entries: Vec<(String, u32, Node)>) -> Node {
        Node::Map(Map::from_entries(line, entries.into_iter().map(|(k, l, v)| (Text::from(k), l, v)).collect()))
    }
    fn into_entries(self) -> Result<Vec<(String, u32, Node)>, Node> {
        match self {
            Node::Map(m) => Ok(m.entries.into_iter().map(|(k, l, v)| (k.to_string(), l, v)).collect()),
            other => Err(other),
        }
    }
    fn into_items(self) -> Result<Vec<Node>, Node> {
        match self {
            Node::Seq(s) => Ok(s.items),
            other => Err(other),
        }
    }
    fn is_map(&self) -> bool {
        matches!(self, Node::Map(_))
    }
    fn key_text(&self) -> Option<String> {
        match self {
            Node::Null => Some("null".into()),
            Node::Seq(_) | Node::Map(_) => None,
            other => other.scalar(),
        }
    }
    fn size(&self) -> usize {
        1 + match self {
            Node::Seq(s) => s.items.iter().map(crate::yaml::Tree::size).sum(),
            Node::Map(m) => m.entries.iter().map(|(_, _, v)| crate::yaml::Tree::size(v)).sum(),
            _ => 0,
        }
    }
    fn at_line(self, line: u32) -> Node {
        match self {
            Node::Seq(s) => Node::Seq(Seq { line, ..s }),
            Node::Map(m) => Node::Map(Map { line, ..m }),
            other => other,
        }
    }
}
