//! One revision of an OpenAPI document: the parsed tree, local `$ref` resolution, line lookup,
//! and the operations the rules compare (parameters, request body, responses, security).

use super::node::{Node, ParseError};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// How many `$ref`s in a row are followed before giving up (a chain this long is a cycle).
const MAX_REF_HOPS: usize = 32;

/// A parsed revision. Every mapping and sequence knows its line (see `node`).
pub struct Doc {
    pub root: Node,
    /// Size of the text, in bytes.
    size: usize,
}

impl Doc {
    pub fn parse(bytes: &[u8], json: bool) -> Result<Doc, ParseError> {
        let root = Node::parse(bytes, json)?;
        Ok(Doc { root, size: bytes.len() })
    }

    /// The side of a file that does not exist: no paths at all.
    pub fn empty() -> Doc {
        Doc { root: Node::Null, size: 0 }
    }

    /// Whether freeing the document is worth a thread.
    pub fn is_large(&self) -> bool {
        self.size >= 256 * 1024
    }

    /// The `openapi` (or, for OpenAPI 2, `swagger`) version string, when the root has one.
    pub fn version(&self) -> Option<String> {
        self.root.get("openapi").or_else(|| self.root.get("swagger")).and_then(Node::scalar)
    }

    /// The node at an escaped JSON pointer (`/components/schemas/User`).
    pub fn get(&self, pointer: &str) -> Option<&Node> {
        let mut n = &self.root;
        for raw in pointer.split('/').skip(1) {
            let seg = if raw.contains('~') {
                Cow::Owned(raw.replace("~1", "/").replace("~0", "~"))
            } else {
                Cow::Borrowed(raw)
            };
            n = match n {
                Node::Map(m) => m.get(&seg)?,
                Node::Seq(s) => s.get(seg.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(n)
    }

    /// Follows local `$ref`s from `node` to the node they name. A dangling, external or cyclic
    /// reference stops the walk where it is: the caller gets the `$ref` node itself, which
    /// compares as a schema without constraints.
    pub fn resolve_node<'s>(&'s self, mut node: &'s Node) -> &'s Node {
        for _ in 0..MAX_REF_HOPS {
            let Some(r) = node.get("$ref").and_then(Node::as_str) else { break };
            let found = match r.strip_prefix('#').filter(|f| f.starts_with('/') && !f.contains('%')) {
                Some(frag) => self.get(frag),
                None => local_pointer(r).and_then(|t| self.get(&t)),
            };
            match found {
                Some(n) => node = n,
                None => break,
            }
        }
        node
    }

    /// The 1-based line of an escaped JSON pointer: of its last key, or of the deepest node
    /// on the way that exists; 1 for the root.
    pub fn line(&self, pointer: &str) -> u32 {
        let mut line = 1;
        let mut n = Some(&self.root);
        for seg in segments(pointer) {
            n = match n {
                Some(Node::Seq(s)) => {
                    let Some(item) = seg.parse::<usize>().ok().and_then(|i| s.get(i)) else { break };
                    line = item.line().max(s.line());
                    Some(item)
                }
                Some(Node::Map(m)) => {
                    let Some(key_line) = m.key_line(&seg) else { break };
                    line = key_line;
                    m.get(&seg)
                }
                _ => break,
            };
        }
        line
    }

    /// The 1-based line of a node of this document (a mapping or a sequence; 1 for others).
    pub fn line_of(&self, node: &Node) -> u32 {
        node.line()
    }

    /// Local `$ref`s that name nothing or only lead to other references in a loop:
    /// (pointer of the `$ref` value, description).
    pub fn ref_problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut stack = Vec::new();
        self.scan_refs(&self.root, &mut stack, &mut out);
        out
    }

    fn scan_refs<'s>(&'s self, node: &'s Node, stack: &mut Vec<Seg<'s>>, out: &mut Vec<(String, String)>) {
        match node {
            Node::Map(m) => {
                if let Some(r) = m.get("$ref").and_then(Node::as_str) {
                    if let Some(problem) = self.ref_problem(r) {
                        let mut p = String::new();
                        for s in stack.iter() {
                            match s {
                                Seg::Key(k) => p.push_str(&format!("/{}", escape(k))),
                                Seg::Index(i) => p.push_str(&format!("/{i}")),
                            }
                        }
                        p.push_str("/$ref");
                        out.push((p, problem));
                    }
                }
                for (k, v) in m.iter() {
                    if matches!(v, Node::Map(_) | Node::Seq(_)) {
                        stack.push(Seg::Key(k));
                        self.scan_refs(v, stack, out);
                        stack.pop();
                    }
                }
            }
            Node::Seq(items) => {
                for (i, v) in items.iter().enumerate() {
                    if matches!(v, Node::Map(_) | Node::Seq(_)) {
                        stack.push(Seg::Index(i));
                        self.scan_refs(v, stack, out);
                        stack.pop();
                    }
                }
            }
            _ => {}
        }
    }

    fn ref_problem(&self, reference: &str) -> Option<String> {
        // Most references name a schema directly: check that without allocating.
        if let Some(frag) = reference.strip_prefix('#').filter(|f| f.starts_with('/') && !f.contains('%')) {
            if self.get(frag).is_some_and(|n| n.get("$ref").is_none()) {
                return None;
            }
        }
        let mut target = local_pointer(reference)?;
        let mut seen = HashSet::new();
        loop {
            if !seen.insert(target.clone()) || seen.len() > MAX_REF_HOPS {
                return Some(format!("\"$ref: {reference}\" only leads to references in a cycle"));
            }
            let Some(n) = self.get(&target) else {
                return Some(format!("\"$ref: {reference}\" points to nothing (\"{target}\" does not exist)"));
            };
            match n.get("$ref").and_then(Node::as_str).and_then(local_pointer) {
                Some(next) => target = next,
                None => return None,
            }
        }
    }
}

/// Splits an (escaped) JSON pointer such as `/paths/~1users/get` into decoded segments.
fn segments(pointer: &str) -> Vec<String> {
    pointer.split('/').skip(1).map(|s| s.replace("~1", "/").replace("~0", "~")).collect()
}

/// Escapes one segment for a JSON pointer.
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// One step of the path to a node, while scanning.
enum Seg<'s> {
    Key(&'s str),
    Index(usize),
}

/// The escaped JSON pointer of a local reference (`#/components/...`), percent-decoded.
fn local_pointer(reference: &str) -> Option<String> {
    let frag = reference.strip_prefix('#')?;
    if !frag.is_empty() && !frag.starts_with('/') {
        return None;
    }
    Some(percent_decode(frag))
}

fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The HTTP methods of a path item, in the order findings list them.
pub const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Location {
    Path,
    Query,
    Header,
    Cookie,
}

impl Location {
    pub fn parse(s: &str) -> Option<Location> {
        match s {
            "path" => Some(Location::Path),
            "query" => Some(Location::Query),
            "header" => Some(Location::Header),
            "cookie" => Some(Location::Cookie),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
            Location::Cookie => "cookie",
        }
    }
}

#[derive(Debug)]
pub struct Param<'a> {
    /// The parameter object (after `$ref`s), which is also where findings point.
    pub node: &'a Node,
    pub name: &'a str,
    pub location: Location,
    pub required: bool,
    pub schema: Option<&'a Node>,
    /// What pairs it with its other revision: location plus name, or for path parameters
    /// location plus position in the template (`/users/{id}` and `/users/{userId}` agree).
    pub key: String,
}

impl Param<'_> {
    /// `"limit" (query)`.
    pub fn describe(&self) -> String {
        format!("\"{}\" ({})", self.name, self.location.as_str())
    }
}

#[derive(Debug)]
pub struct Body<'a> {
    pub node: &'a Node,
    pub required: bool,
    /// Schemas by media type.
    pub content: BTreeMap<&'a str, Option<&'a Node>>,
}

#[derive(Debug)]
pub struct Response<'a> {
    /// Schemas by media type.
    pub content: BTreeMap<&'a str, Option<&'a Node>>,
}

/// One alternative of a security requirement list: every scheme named must be satisfied, each
/// with the listed scopes. An empty requirement means anonymous access.
pub type Requirement = BTreeMap<String, BTreeSet<String>>;

#[derive(Debug)]
pub struct Op<'a> {
    pub node: &'a Node,
    pub template: &'a str,
    pub method: &'static str,
    pub params: Vec<Param<'a>>,
    pub body: Option<Body<'a>>,
    pub responses: BTreeMap<String, Response<'a>>,
    /// The effective requirements (the operation's own, else the document's); empty: none.
    pub security: Vec<Requirement>,
    /// Where they are written (the operation's `security`, else the operation).
    pub security_node: &'a Node,
    /// Its path item cannot compare differently (see `unchanged`): only its name was read.
    pub unchanged: bool,
}

impl Op<'_> {
    /// `GET /users/{id}`.
    pub fn name(&self) -> String {
        format!("{} {}", self.method.to_ascii_uppercase(), self.template)
    }
}

#[derive(Debug)]
pub struct PathItem<'a> {
    pub node: &'a Node,
    pub template: &'a str,
    pub ops: Vec<Op<'a>>,
}

/// The operations of one revision, by normalized path template.
pub struct Spec<'a> {
    pub doc: &'a Doc,
    pub paths: BTreeMap<String, PathItem<'a>>,
}

/// `/users/{userId}` → `/users/{}`: path parameters' names do not change the operation.
pub fn normalize_path(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut depth = 0;
    for c in template.chars() {
        match c {
            '{' => {
                depth += 1;
                if depth == 1 {
                    out.push('{');
                }
            }
            '}' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    out.push('}');
                }
            }
            _ if depth > 0 => {}
            _ => out.push(c),
        }
    }
    out
}

/// The names of a template's path parameters, in order.
fn template_params(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else { break };
        out.push(&rest[open + 1..open + close]);
        rest = &rest[open + close + 1..];
    }
    out
}

impl<'a> Spec<'a> {
    /// Reads the operations; those of `unchanged` path items only by name.
    pub fn build(doc: &'a Doc, unchanged: &HashSet<&str>) -> Spec<'a> {
        let mut paths = BTreeMap::new();
        let root_security = doc.root.get("security").map(security_list);
        if let Some(items) = doc.root.get("paths").and_then(Node::as_map) {
            for (template, item) in items.iter() {
                let item = doc.resolve_node(item);
                let shared = item.get("parameters");
                let same = unchanged.contains(template.as_str());
                let mut ops = Vec::new();
                for method in METHODS {
                    let Some(op) = item.get(method).filter(|o| o.as_map().is_some()) else { continue };
                    ops.push(if same {
                        Op {
                            node: op,
                            template,
                            method,
                            params: Vec::new(),
                            body: None,
                            responses: BTreeMap::new(),
                            security: Vec::new(),
                            security_node: op,
                            unchanged: true,
                        }
                    } else {
                        build_op(doc, template, method, op, shared, root_security.as_ref())
                    });
                }
                let path = PathItem { node: item, template: template.as_str(), ops };
                // Two templates that differ only by parameter names: the first one wins.
                paths.entry(normalize_path(template)).or_insert(path);
            }
        }
        Spec { doc, paths }
    }

    /// Every operation, by (normalized path, method).
    pub fn operations(&self) -> impl Iterator<Item = (&str, &Op<'a>)> {
        self.paths.iter().flat_map(|(k, p)| p.ops.iter().map(move |o| (k.as_str(), o)))
    }

    pub fn operation(&self, normalized: &str, method: &str) -> Option<&Op<'a>> {
        self.paths.get(normalized)?.ops.iter().find(|o| o.method == method)
    }
}

fn build_op<'a>(
    doc: &'a Doc,
    template: &'a str,
    method: &'static str,
    op: &'a Node,
    shared: Option<&'a Node>,
    root_security: Option<&Vec<Requirement>>,
) -> Op<'a> {
    let positions = template_params(template);
    let mut params: Vec<Param<'a>> = Vec::new();
    // Operation parameters override path-level ones with the same name and location.
    for list in [op.get("parameters"), shared].into_iter().flatten() {
        for p in list.as_seq() {
            let Some(param) = build_param(doc.resolve_node(p), &positions) else { continue };
            if !params.iter().any(|q| q.key == param.key) {
                params.push(param);
            }
        }
    }
    let body = op.get("requestBody").map(|b| {
        let b = doc.resolve_node(b);
        Body { node: b, required: b.get("required").is_some_and(Node::is_true), content: content(b) }
    });
    let mut responses = BTreeMap::new();
    if let Some(rs) = op.get("responses").and_then(Node::as_map) {
        for (status, r) in rs.iter() {
            responses.insert(status.to_ascii_uppercase(), Response { content: content(doc.resolve_node(r)) });
        }
    }
    let (security, security_node) = match op.get("security") {
        Some(s) => (security_list(s), s),
        None => (root_security.cloned().unwrap_or_default(), op),
    };
    Op { node: op, template, method, params, body, responses, security, security_node, unchanged: false }
}

fn build_param<'a>(p: &'a Node, positions: &[&str]) -> Option<Param<'a>> {
    let name = p.get("name")?.as_str()?;
    let location = Location::parse(p.get("in")?.as_str()?)?;
    let key = match location {
        Location::Path => match positions.iter().position(|n| *n == name) {
            Some(i) => format!("path:#{i}"),
            None => format!("path:{name}"),
        },
        Location::Header => format!("header:{}", name.to_ascii_lowercase()),
        l => format!("{}:{name}", l.as_str()),
    };
    // A parameter has a `schema`, or (rarely) a `content` map with one media type.
    let schema = p.get("schema").or_else(|| {
        let (_, m) = p.get("content").and_then(Node::as_map)?.iter().next()?;
        m.get("schema")
    });
    Some(Param {
        node: p,
        name,
        location,
        required: location == Location::Path || p.get("required").is_some_and(Node::is_true),
        schema,
        key,
    })
}

fn content(holder: &Node) -> BTreeMap<&str, Option<&Node>> {
    let mut out = BTreeMap::new();
    if let Some(c) = holder.get("content").and_then(Node::as_map) {
        for (media, m) in c.iter() {
            out.insert(media.as_str(), m.get("schema"));
        }
    }
    out
}

fn security_list(n: &Node) -> Vec<Requirement> {
    n.as_seq()
        .iter()
        .filter_map(Node::as_map)
        .map(|m| {
            m.iter()
                .map(|(scheme, scopes)| {
                    (scheme.to_string(), scopes.as_seq().iter().filter_map(Node::scalar).collect::<BTreeSet<_>>())
                })
                .collect()
        })
        .collect()
}
