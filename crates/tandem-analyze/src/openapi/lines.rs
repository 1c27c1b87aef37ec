//! Best-effort line numbers for JSON pointers. The parser keeps no positions, so a pointer is
//! found again in the text: each key is looked for line by line inside its parent's block (the
//! lines indented deeper than the parent key), which works for block-style YAML and for
//! pretty-printed JSON. When a step cannot be found the deepest line found so far is used.

/// One line, indexed once per document.
#[derive(Debug, Clone, Copy)]
struct Line {
    /// Column of the first non-blank character; `usize::MAX` for blank and comment lines.
    indent: usize,
    /// The line starts a sequence item (`- `).
    dash: bool,
    /// The JSON array element may start here (a line that is not a closing bracket).
    opens: bool,
    /// Column of the mapping key (after any `- `), and its byte range in the text.
    key: Option<(usize, usize, usize)>,
}

pub struct LineIndex {
    lines: Vec<Line>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut lines = Vec::new();
        let mut offset = 0;
        for raw in text.split_inclusive('\n') {
            lines.push(index_line(raw, offset));
            offset += raw.len();
        }
        LineIndex { lines }
    }

    /// The 1-based line of the value at `steps`, or of its deepest ancestor that could be
    /// found; 1 for the root.
    pub fn line_of(&self, text: &str, steps: &[Step]) -> u32 {
        let n = self.lines.len();
        let mut lo = 0usize;
        // Indent of the parent key; -1 for the root.
        let mut parent: isize = -1;
        // A sequence item whose first key shares the dash's line.
        let mut item_line: Option<usize> = None;
        let mut found: Option<usize> = None;
        for step in steps {
            let block_end = |j: usize, p: isize| -> bool {
                let l = &self.lines[j];
                l.indent != usize::MAX && (l.indent as isize) <= p && Some(j) != item_line
            };
            let next = if let Step::Index(index) = *step {
                // A sequence element: YAML `- ` lines (possibly at the parent's own indent) or
                // pretty-printed JSON elements one level deeper.
                let first = (lo..n).find(|&j| self.lines[j].indent != usize::MAX);
                let p = match first {
                    Some(j) if self.lines[j].dash && self.lines[j].indent as isize == parent => parent - 1,
                    _ => parent,
                };
                let mut child: Option<usize> = None;
                let mut count = 0;
                let mut hit = None;
                for j in lo..n {
                    let l = &self.lines[j];
                    if l.indent == usize::MAX {
                        continue;
                    }
                    if (l.indent as isize) <= p {
                        break;
                    }
                    let c = *child.get_or_insert(l.indent);
                    if l.indent == c && (l.dash || l.opens) {
                        if count == index {
                            hit = Some(j);
                            break;
                        }
                        count += 1;
                    }
                }
                hit.map(|j| {
                    let l = &self.lines[j];
                    if l.dash {
                        (j, l.indent as isize, Some(j))
                    } else {
                        (j, l.indent as isize, None)
                    }
                })
            } else {
                let Step::Key(seg) = step else { break };
                let mut child: Option<usize> = None;
                let mut hit = None;
                for j in lo..n {
                    if block_end(j, parent) {
                        break;
                    }
                    let Some((col, s, e)) = self.lines[j].key else { continue };
                    if (col as isize) <= parent {
                        continue;
                    }
                    let c = *child.get_or_insert(col);
                    if col == c && &text[s..e] == seg.as_str() {
                        hit = Some(j);
                        break;
                    }
                }
                hit.map(|j| (j, self.lines[j].key.map_or(0, |k| k.0) as isize, None))
            };
            let Some((j, indent, item)) = next else { break };
            found = Some(j);
            parent = indent;
            item_line = item;
            lo = if item.is_some() { j } else { j + 1 };
        }
        found.map_or(1, |j| j as u32 + 1)
    }
}

/// One step of a pointer: a mapping key or a sequence index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
}

fn index_line(raw: &str, offset: usize) -> Line {
    let body = raw.trim_end_matches(['\n', '\r']);
    let indent = body.len() - body.trim_start().len();
    let rest = &body[indent..];
    if rest.is_empty() || rest.starts_with('#') {
        return Line { indent: usize::MAX, dash: false, opens: false, key: None };
    }
    let dash = rest == "-" || rest.starts_with("- ");
    let opens = !(rest.starts_with(']') || rest.starts_with('}'));
    // Skip the dashes of (possibly nested) sequence items.
    let mut col = indent;
    let mut r = rest;
    while r == "-" || r.starts_with("- ") {
        let after = r[1..].trim_start();
        col += r.len() - after.len();
        r = after;
    }
    let key = key_range(r).map(|(s, e)| (col, offset + col + s, offset + col + e));
    Line { indent, dash, opens, key }
}

/// The byte range of the key in `s` (a line's content after indentation and dashes), unquoted.
fn key_range(s: &str) -> Option<(usize, usize)> {
    let b = s.as_bytes();
    match b.first()? {
        q @ (b'"' | b'\'') => {
            let close = s[1..].find(*q as char)? + 1;
            let after = s[close + 1..].trim_start();
            after.starts_with(':').then_some((1, close))
        }
        b'{' | b'[' | b'}' | b']' => None,
        _ => {
            let end = s.find(": ").or_else(|| s.strip_suffix(':').map(|t| t.len()))?;
            Some((0, s[..end].trim_end().len()))
        }
    }
}

/// Splits an (escaped) JSON pointer such as `/paths/~1users/get` into decoded segments.
pub fn segments(pointer: &str) -> Vec<String> {
    pointer.split('/').skip(1).map(|s| s.replace("~1", "/").replace("~0", "~")).collect()
}

/// Escapes one segment for a JSON pointer.
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str, pointer: &str) -> u32 {
        let steps: Vec<Step> = segments(pointer)
            .into_iter()
            .map(|s| match s.parse::<usize>() {
                Ok(i) if s.len() < 3 => Step::Index(i),
                _ => Step::Key(s),
            })
            .collect();
        LineIndex::new(text).line_of(text, &steps)
    }

    #[test]
    fn yaml_keys_are_found_inside_their_parent_block() {
        let text = "openapi: 3.0.0\npaths:\n  /a:\n    get:\n      responses: {}\n  /b:\n    get:\n      x: 1\n";
        assert_eq!(line(text, "/paths/~1b/get"), 7);
        assert_eq!(line(text, "/paths/~1a/get/responses"), 5);
        assert_eq!(line(text, "/paths/~1c"), 2);
    }

    #[test]
    fn yaml_sequence_items_are_counted_at_either_indent() {
        let text = "p:\n  parameters:\n  - name: a\n    in: query\n  - name: b\n    in: path\n";
        assert_eq!(line(text, "/p/parameters/1"), 5);
        assert_eq!(line(text, "/p/parameters/1/in"), 6);
        let nested = "p:\n  parameters:\n    - name: a\n    - name: b\n      in: header\n";
        assert_eq!(line(nested, "/p/parameters/1/in"), 5);
    }

    #[test]
    fn pretty_json_is_found_too() {
        let text = "{\n  \"paths\": {\n    \"/a\": {\n      \"get\": {}\n    }\n  },\n  \"x\": [\n    {\n      \"k\": 1\n    },\n    {\n      \"k\": 2\n    }\n  ]\n}\n";
        assert_eq!(line(text, "/paths/~1a/get"), 4);
        assert_eq!(line(text, "/x/1/k"), 12);
    }
}
