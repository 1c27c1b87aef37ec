//! A fast reader for the block-style YAML that OpenAPI documents are written in: block
//! mappings and sequences, plain and quoted single-line scalars, one-line flow collections,
//! literal and folded block scalars, comments. It is ten times faster than libyaml on large
//! documents. Anything else (anchors, aliases, tags, multi-line plain or flow scalars, complex
//! keys, several documents, tabs in indentation, duplicate keys, …) makes it give up (`None`),
//! and the caller falls back to serde_yaml, which also reports errors. Where it answers, it
//! answers what serde_yaml would (checked by the differential tests below).

use super::node::{Map, Node, Text};

/// Parses `text`, or `None` when it is outside the subset (or not valid YAML).
pub fn parse(text: &str) -> Option<Node> {
    let mut lines = Vec::with_capacity(text.bytes().filter(|b| *b == b'\n').count() + 1);
    for raw in text.split('\n') {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let indent = raw.len() - raw.trim_start_matches(' ').len();
        if raw[indent..].starts_with('\t') {
            return None;
        }
        lines.push(Line { raw, indent, start: indent });
    }
    let mut p = Parser { lines, i: 0 };
    p.skip_blank();
    if p.i < p.lines.len() {
        let c = p.content(p.i);
        if c.starts_with('%') {
            return None;
        }
        if c == "---" {
            p.i += 1;
        } else if c.starts_with("---") {
            return None;
        }
    }
    p.skip_blank();
    let root = if p.i >= p.lines.len() { Node::Null } else { p.node(-1)? };
    p.skip_blank();
    (p.i >= p.lines.len()).then_some(root)
}

#[derive(Clone, Copy)]
struct Line<'t> {
    raw: &'t str,
    /// Column of the content (moved right past `- ` for a compact mapping in a sequence).
    indent: usize,
    /// Byte offset of the content in `raw`.
    start: usize,
}

struct Parser<'t> {
    lines: Vec<Line<'t>>,
    i: usize,
}

impl<'t> Parser<'t> {
    fn content(&self, i: usize) -> &'t str {
        let l = self.lines[i];
        l.raw[l.start..].trim_end_matches([' ', '\t'])
    }

    fn is_blank(&self, i: usize) -> bool {
        let c = self.content(i);
        c.is_empty() || c.starts_with('#')
    }

    fn skip_blank(&mut self) {
        while self.i < self.lines.len() && self.is_blank(self.i) {
            self.i += 1;
        }
    }

    /// The next content line's indent, if any.
    fn peek_indent(&mut self) -> Option<usize> {
        self.skip_blank();
        (self.i < self.lines.len()).then(|| self.lines[self.i].indent)
    }

    /// A block node on the next content line, indented deeper than `parent`.
    fn node(&mut self, parent: isize) -> Option<Node> {
        let n = self.peek_indent()?;
        if n as isize <= parent {
            return None;
        }
        let c = self.content(self.i);
        if is_dash(c) {
            return self.seq(n);
        }
        if split_key(c).is_some() {
            return self.map(n);
        }
        // A scalar or flow collection alone on its line (the document root).
        self.i += 1;
        let v = inline_value(c)?;
        match self.peek_indent() {
            Some(m) if m as isize > parent => None,
            _ => Some(v),
        }
    }

    fn map(&mut self, n: usize) -> Option<Node> {
        let mut entries = Vec::new();
        while self.peek_indent() == Some(n) {
            let c = self.content(self.i);
            let (key, rest) = split_key(c)?;
            self.i += 1;
            let value = self.value(n, rest, true)?;
            entries.push((key, value));
        }
        match self.peek_indent() {
            Some(k) if k > n => None,
            _ => map_node(entries),
        }
    }

    fn seq(&mut self, n: usize) -> Option<Node> {
        let mut items = Vec::new();
        while self.peek_indent() == Some(n) {
            let c = self.content(self.i);
            if !is_dash(c) {
                break;
            }
            let rest = c[1..].trim_start_matches(' ');
            if is_dash(rest) {
                return None;
            }
            if !rest.is_empty() && !rest.starts_with('#') && split_key(rest).is_some() {
                // `- key: value`: the line becomes a mapping entry further right.
                let l = &mut self.lines[self.i];
                let offset = c.len() - rest.len();
                l.start += offset;
                l.indent += offset;
                let indent = l.indent;
                items.push(self.map(indent)?);
                continue;
            }
            self.i += 1;
            items.push(self.value(n, rest, false)?);
        }
        match self.peek_indent() {
            Some(k) if k > n => None,
            _ => Some(Node::Seq(items)),
        }
    }

    /// The value after `key:` or `- ` on a line at indent `n` (the line is consumed).
    fn value(&mut self, n: usize, rest: &'t str, in_map: bool) -> Option<Node> {
        if rest.is_empty() || rest.starts_with('#') {
            return match self.peek_indent() {
                Some(k) if k > n => self.node(n as isize),
                // `key:` followed by a sequence at the key's own indent.
                Some(k) if in_map && k == n && is_dash(self.content(self.i)) => self.seq(n),
                _ => Some(Node::Null),
            };
        }
        if rest.starts_with('|') || rest.starts_with('>') {
            return self.block_scalar(n, rest);
        }
        let v = inline_value(rest)?;
        // A deeper line after a scalar would continue it (multi-line plain scalar): give up.
        match self.peek_indent() {
            Some(k) if k > n => None,
            _ => Some(v),
        }
    }

    fn block_scalar(&mut self, n: usize, header: &str) -> Option<Node> {
        let header = strip_comment(header)?;
        let (folded, chomp) = match header {
            "|" => (false, ' '),
            "|-" => (false, '-'),
            "|+" => (false, '+'),
            ">" => (true, ' '),
            ">-" => (true, '-'),
            ">+" => (true, '+'),
            _ => return None,
        };
        // Content lines: blank, or indented deeper than the parent.
        let mut body: Vec<&str> = Vec::new();
        let mut m: Option<usize> = None;
        while self.i < self.lines.len() {
            let raw = self.lines[self.i].raw;
            let indent = raw.len() - raw.trim_start_matches(' ').len();
            let blank = raw[indent..].trim_end_matches([' ', '\t']).is_empty();
            if blank {
                // Leading blank lines, and blank lines holding spaces past the content's
                // indentation, follow rules this reader does not implement.
                if m.is_none_or(|m| raw.len() > m) {
                    return None;
                }
                body.push("");
                self.i += 1;
                continue;
            }
            if indent <= n {
                break;
            }
            let m = *m.get_or_insert(indent);
            if indent < m {
                return None;
            }
            body.push(&raw[m..]);
            self.i += 1;
        }
        // No content line at all: an empty block scalar, whose chomping this reader leaves to
        // serde_yaml.
        m?;
        // The trailing blank lines belong to chomping, and the next node to nobody.
        let trailing = body.iter().rev().take_while(|l| l.is_empty()).count();
        let lines = &body[..body.len() - trailing];
        let mut s = String::new();
        if folded {
            if lines.iter().any(|l| l.starts_with(' ') || l.starts_with('\t')) {
                return None;
            }
            let mut prev_empty = true;
            for (k, l) in lines.iter().enumerate() {
                if l.is_empty() {
                    s.push('\n');
                    prev_empty = true;
                } else {
                    if k > 0 && !prev_empty {
                        s.push(' ');
                    }
                    s.push_str(l);
                    prev_empty = false;
                }
            }
        } else {
            s = lines.join("\n");
        }
        match chomp {
            '-' => {}
            '+' => s.extend(std::iter::repeat_n('\n', trailing + 1)),
            _ => s.push('\n'),
        }
        // A trailing `+` newline is only certain when the scalar is followed by a line.
        if chomp == '+' && self.i >= self.lines.len() {
            return None;
        }
        Some(Node::Str(s.into()))
    }
}

/// A mapping, unless a key repeats (serde_yaml's handling of that is not this reader's).
fn map_node(entries: Vec<(Text, Node)>) -> Option<Node> {
    let (m, repeated) = Map::from_entries(entries);
    (!repeated).then_some(Node::Map(m))
}

fn is_dash(c: &str) -> bool {
    c == "-" || c.starts_with("- ")
}

/// Splits `key: rest` (or `key:` at the end of the line). Plain keys resolve like scalars do
/// and are then written as strings, as serde_yaml's keys are.
fn split_key(c: &str) -> Option<(Text, &str)> {
    let first = *c.as_bytes().first()?;
    let (key, after) = match first {
        b'"' | b'\'' => {
            let (s, used) = quoted(c)?;
            (Text::from(s), c[used..].trim_start_matches(' '))
        }
        b'[' | b'{' | b']' | b'}' | b',' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'%' | b'@' | b'`' | b'?' => {
            return None
        }
        b'-' if is_dash(c) => return None,
        _ => {
            let end = c.find(": ").or_else(|| c.strip_suffix(':').map(str::len))?;
            let raw = c[..end].trim_end_matches(' ');
            if raw.contains(" #") || raw.is_empty() {
                return None;
            }
            let key = match plain(raw)? {
                Node::Str(s) => s,
                other => other.scalar().unwrap_or_else(|| "null".into()).into(),
            };
            return Some((key, c[end + 1..].trim_start_matches(' ')));
        }
    };
    let rest = after.strip_prefix(':')?;
    if !(rest.is_empty() || rest.starts_with(' ')) {
        return None;
    }
    Some((key, rest.trim_start_matches(' ')))
}

/// A value written on one line: a flow collection, a quoted or a plain scalar, with an
/// optional trailing comment.
fn inline_value(s: &str) -> Option<Node> {
    match s.as_bytes().first()? {
        b'[' | b'{' => {
            let (n, used) = flow(s, 0)?;
            strip_comment(s[used..].trim_start_matches(' ')).filter(|r| r.is_empty())?;
            Some(n)
        }
        b'"' | b'\'' => {
            let (v, used) = quoted(s)?;
            strip_comment(s[used..].trim_start_matches(' ')).filter(|r| r.is_empty())?;
            Some(Node::Str(v.into()))
        }
        b'&' | b'*' | b'!' | b'|' | b'>' | b'%' | b'@' | b'`' | b'?' | b']' | b'}' | b',' => None,
        _ => {
            let v = strip_comment(s)?;
            if v.contains(": ") || v.ends_with(':') || v.starts_with("- ") || v == "-" {
                return None;
            }
            plain(v)
        }
    }
}

/// `s` without a trailing ` # comment` (a comment alone gives `""`).
fn strip_comment(s: &str) -> Option<&str> {
    if s.starts_with('#') {
        return Some("");
    }
    Some(match s.find(" #") {
        Some(i) => s[..i].trim_end_matches(' '),
        None => s,
    })
}

/// Resolves a plain scalar (YAML 1.2 core schema, as serde_yaml does).
fn plain(s: &str) -> Option<Node> {
    Some(match s {
        "" | "~" | "null" | "Null" | "NULL" => Node::Null,
        "true" | "True" | "TRUE" => Node::Bool(true),
        "false" | "False" | "FALSE" => Node::Bool(false),
        _ => {
            let b = s.as_bytes();
            let digits = b.strip_prefix(b"-").or_else(|| b.strip_prefix(b"+")).unwrap_or(b);
            let numeric = digits.first().is_some_and(|c| c.is_ascii_digit() || *c == b'.');
            if numeric || s.starts_with(".") {
                if digits.len() > 1 && digits[0] == b'0' && digits[1].is_ascii_alphanumeric() {
                    return None; // 0x…, 0o…, 012: resolved differently by YAML versions
                }
                if digits.iter().all(u8::is_ascii_digit) && !digits.is_empty() {
                    return s.parse::<i64>().ok().map(Node::Int);
                }
                if is_float(digits) {
                    return s.parse::<f64>().ok().filter(|f| f.is_finite()).map(Node::Float);
                }
                if digits.contains(&b'_') {
                    return None; // 1_000: an integer to YAML 1.1, a string to 1.2
                }
            }
            if s.starts_with(".inf") || s.starts_with(".nan") || s.starts_with(".Inf") || s.starts_with(".NaN") {
                return None;
            }
            Node::Str(s.into())
        }
    })
}

/// `[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?` or `\.[0-9]+(…)?`.
fn is_float(b: &[u8]) -> bool {
    let mut i = 0;
    let int = b.iter().take_while(|c| c.is_ascii_digit()).count();
    i += int;
    let mut frac = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        i += frac;
    }
    if int == 0 && frac == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp == 0 {
            return false;
        }
        i += exp;
    }
    i == b.len()
}

/// A quoted scalar at the start of `s`: its value and the bytes it used.
fn quoted(s: &str) -> Option<(String, usize)> {
    let b = s.as_bytes();
    let q = b[0];
    let mut out = String::new();
    let mut i = 1;
    let mut run = 1;
    while i < b.len() {
        let c = b[i];
        if q == b'\'' && c == b'\'' {
            out.push_str(&s[run..i]);
            if b.get(i + 1) == Some(&b'\'') {
                out.push('\'');
                i += 2;
                run = i;
                continue;
            }
            return Some((out, i + 1));
        }
        if q == b'"' && c == b'"' {
            out.push_str(&s[run..i]);
            return Some((out, i + 1));
        }
        if q == b'"' && c == b'\\' {
            out.push_str(&s[run..i]);
            let e = *b.get(i + 1)?;
            let simple = match e {
                b'\\' => Some('\\'),
                b'"' => Some('"'),
                b'/' => Some('/'),
                b'n' => Some('\n'),
                b't' => Some('\t'),
                b'r' => Some('\r'),
                b'0' => Some('\0'),
                b' ' => Some(' '),
                _ => None,
            };
            if let Some(ch) = simple {
                out.push(ch);
                i += 2;
            } else {
                let len = match e {
                    b'x' => 2,
                    b'u' => 4,
                    b'U' => 8,
                    _ => return None,
                };
                let hex = s.get(i + 2..i + 2 + len)?;
                out.push(char::from_u32(u32::from_str_radix(hex, 16).ok()?)?);
                i += 2 + len;
            }
            run = i;
            continue;
        }
        i += 1;
    }
    None
}

/// A one-line flow collection starting at `s[at]`: the node and the offset after it.
fn flow(s: &str, at: usize) -> Option<(Node, usize)> {
    let b = s.as_bytes();
    let skip = |mut i: usize| {
        while b.get(i) == Some(&b' ') {
            i += 1;
        }
        i
    };
    let close = if b[at] == b'[' { b']' } else { b'}' };
    let mut i = skip(at + 1);
    let mut items = Vec::new();
    let mut map = Vec::new();
    if b.get(i) == Some(&close) {
        return Some((if close == b']' { Node::Seq(items) } else { Node::Map(Map::default()) }, i + 1));
    }
    loop {
        if close == b'}' {
            let (key, used) = match *b.get(i)? {
                b'"' | b'\'' => {
                    let (k, used) = quoted(&s[i..])?;
                    (Text::from(k), i + used)
                }
                _ => {
                    let end = i + s[i..].find([':', ',', '}', '[', ']', '{', '#'])?;
                    let raw = s[i..end].trim_end_matches(' ');
                    let key = match plain(raw)? {
                        Node::Str(k) if !k.is_empty() => k,
                        Node::Str(_) => return None,
                        other => other.scalar()?.into(),
                    };
                    (key, end)
                }
            };
            i = skip(used);
            if b.get(i) != Some(&b':') {
                return None;
            }
            i = skip(i + 1);
            let (v, next) = flow_item(s, i)?;
            map.push((key, v));
            i = skip(next);
        } else {
            let (v, next) = flow_item(s, i)?;
            items.push(v);
            i = skip(next);
        }
        match *b.get(i)? {
            b',' => {
                i = skip(i + 1);
                if matches!(b.get(i), Some(b']' | b'}')) {
                    return None;
                }
            }
            c if c == close => {
                let node = if close == b']' { Node::Seq(items) } else { map_node(map)? };
                return Some((node, i + 1));
            }
            _ => return None,
        }
    }
}

/// One value inside a flow collection.
fn flow_item(s: &str, i: usize) -> Option<(Node, usize)> {
    let b = s.as_bytes();
    match *b.get(i)? {
        b'[' | b'{' => flow(s, i),
        b'"' | b'\'' => {
            let (v, used) = quoted(&s[i..])?;
            Some((Node::Str(v.into()), i + used))
        }
        b'&' | b'*' | b'!' | b'|' | b'>' | b'%' | b'@' | b'`' | b'?' | b'#' | b',' | b']' | b'}' => None,
        b'-' if matches!(b.get(i + 1), None | Some(b' ' | b',' | b']' | b'}')) => None,
        _ => {
            let end = i + s[i..].find([',', ']', '}', '[', '{', '#', ':'])?;
            let raw = s[i..end].trim_end_matches(' ');
            if raw.is_empty() || matches!(b[end], b':' | b'#' | b'[' | b'{') {
                return None;
            }
            Some((plain(raw)?, end))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast reader agrees with serde_yaml, or steps aside.
    pub(crate) fn agrees(text: &str) -> bool {
        let slow: Result<Node, _> = serde_yaml::from_str(text);
        match parse(text) {
            Some(fast) => slow.as_ref().is_ok_and(|s| *s == fast),
            None => true,
        }
    }

    #[test]
    fn agrees_with_serde_yaml_on_the_shapes_openapi_uses() {
        let docs = [
            "openapi: 3.0.3\ninfo:\n  title: A # comment\n  version: '1.0'\n",
            "a:\n- x\n- 'y'\n- \"z\\n\\u00e9\"\nb:\n  - k: 1\n    v: [1, 2.5, true, null, ~, \"s\"]\n  - {a: 1, 'b': [x, y], \"c\": {}}\n",
            "responses:\n  200:\n    description: ok\n  '404':\n    description: 'it''s gone'\n  2XX: {}\n",
            "d: |\n  line one\n    indented\n\n  last\ne: >-\n  folded\n  text\n\n  para\nf: x\n",
            "g: |-\n  a\n\n\nh: |+\n  keep\n\ni: 1\n",
            "n: -12\nf: 1.5e3\ns: 1.0.0\nt: 'true'\nu: yes\nv: http://x.y/z?a=b#frag\nw: a #c\n",
            "---\nx: 1\n# trailing comment\n",
            "list:\n  - - nested\n",
            "a: b: c\n",
            "anchor: &a 1\nalias: *a\n",
            "multi: line\n  plain\n",
            "k: [unclosed\n",
            "dup: 1\ndup: 2\n",
            "e: []\nm: {}\nq: \"\"\n",
            "- a\n- b: 1\n  c: 2\n-\n  d: 3\n",
            "x:\n  y:\n    z: 1\n  w: 2\nv: 3\n",
            "weird: [a b, 'c d', \"e\\\"f\"]\n",
            "k: 0x1F\nl: 012\n",
            "enum: [active, pending, 1, 2.0, -3]\n",
        ];
        for d in docs {
            assert!(agrees(d), "fast and serde_yaml differ on:\n{d}");
        }
        // The subset is most of these.
        let understood = docs.iter().filter(|d| parse(d).is_some()).count();
        assert!(understood >= 12, "only {understood} understood");
    }

    #[test]
    fn constructs_outside_the_subset_step_aside() {
        for d in [
            "anchor: &a 1\nalias: *a\n",
            "multi: line\n  plain\n",
            "k: [a,\n  b]\n",
            "dup: 1\ndup: 2\n",
            "? complex\n: key\n",
            "a: 1\n---\nb: 2\n",
        ] {
            assert_eq!(parse(d), None, "{d}");
        }
    }

    #[test]
    fn agrees_on_every_yaml_fixture() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/openapi");
        let mut n = 0;
        for rule in std::fs::read_dir(root).unwrap() {
            for case in std::fs::read_dir(rule.unwrap().path()).unwrap() {
                for f in std::fs::read_dir(case.unwrap().path()).unwrap() {
                    let p = f.unwrap().path();
                    if p.extension().is_some_and(|e| e == "yaml") {
                        let text = std::fs::read_to_string(&p).unwrap();
                        assert!(agrees(&text), "{}", p.display());
                        n += parse(&text).is_some() as usize;
                    }
                }
            }
        }
        assert!(n >= 60, "the fast reader understood only {n} fixtures");
    }
}
