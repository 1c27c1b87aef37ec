//! One revision of an OpenAPI document: the parsed tree, local `$ref` resolution, line lookup,
//! and the operations the rules compare (parameters, request body, responses, security).

use super::lines::{escape, segments, LineIndex, Step};
use super::node::{Node, ParseError};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::OnceLock;

/// How many `$ref`s in a row are followed before giving up (a chain this long is a cycle).
const MAX_REF_HOPS: usize = 32;

/// A parsed revision.
pub struct Doc {
    pub root: Node,
    text: String,
    index: OnceLock<LineIndex>,
}

impl Doc {
    pub fn parse(bytes: &[u8], json: bool) -> Result<Doc, ParseError> {
        let root = Node::parse(bytes, json)?;
        Ok(Doc { root, text: String::from_utf8_lossy(bytes).into_owned(), index: OnceLock::new() })
    }

    /// The side of a file that does not exist: no paths at all.
    pub fn empty() -> Doc {
        Doc { root: Node::Null, text: String::new(), index: OnceLock::new() }
    }

    /// The `openapi` (or, for OpenAPI 2, `swagger`) version string, when the root has one.
    pub fn version(&self) -> Option<String> {
        self.root.get("openapi").or_else(|| self.root.get("swagger")).and_then(Node::scalar)
    }

    /// The node at an escaped JSON pointer (`/components/schemas/User`).
    pub fn get(&self, pointer: &str) -> Option<&Node> {
        let mut n = &self.root;
        for seg in segments(pointer) {
            n = match n {
                Node::Map(m) => m.get(&seg)?,
                Node::Seq(s) => s.get(seg.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(n)
    }

    /// Follows local `$ref`s from `node` (found at `ptr`) to the node they name. A dangling,
    /// external or cyclic reference stops the walk where it is: the caller gets the `$ref`
    /// node itself, which compares as a schema without constraints.
    pub fn resolve<'s>(&'s self, mut node: &'s Node, ptr: &str) -> (&'s Node, String) {
        let mut at = ptr.to_string();
        for _ in 0..MAX_REF_HOPS {
            let Some(target) = node.get("$ref").and_then(Node::as_str).and_then(local_pointer) else { break };
            match self.get(&target) {
                Some(n) => {
                    node = n;
                    at = target;
                }
                None => break,
            }
        }
        (node, at)
    }

    /// The 1-based line of an escaped JSON pointer (best effort, see `lines`).
    pub fn line(&self, pointer: &str) -> u32 {
        if self.text.is_empty() {
            return 1;
        }
        let index = self.index.get_or_init(|| LineIndex::new(&self.text));
        let mut steps = Vec::new();
        let mut n = Some(&self.root);
        for seg in segments(pointer) {
            match n {
                Some(Node::Seq(s)) => {
                    let Ok(i) = seg.parse::<usize>() else { break };
                    n = s.get(i);
                    steps.push(Step::Index(i));
                }
                Some(Node::Map(m)) => {
                    n = m.get(&seg);
                    steps.push(Step::Key(seg));
                }
                _ => break,
            }
        }
        index.line_of(&self.text, &steps)
    }

    /// Local `$ref`s that name nothing or only lead to other references in a loop:
    /// (pointer of the `$ref` value, description).
    pub fn ref_problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut stack = Vec::new();
        self.scan_refs(&self.root, &mut stack, &mut out);
        out
    }

    fn scan_refs<'s>(&'s self, node: &'s Node, stack: &mut Vec<String>, out: &mut Vec<(String, String)>) {
        match node {
            Node::Map(m) => {
                if let Some(r) = m.get("$ref").and_then(Node::as_str) {
                    if let Some(problem) = self.ref_problem(r) {
                        let mut p: String = stack.iter().map(|s| format!("/{}", escape(s))).collect();
                        p.push_str("/$ref");
                        out.push((p, problem));
                    }
                }
                for (k, v) in m {
                    if matches!(v, Node::Map(_) | Node::Seq(_)) {
                        stack.push(k.clone());
                        self.scan_refs(v, stack, out);
                        stack.pop();
                    }
                }
            }
            Node::Seq(items) => {
                for (i, v) in items.iter().enumerate() {
                    if matches!(v, Node::Map(_) | Node::Seq(_)) {
                        stack.push(i.to_string());
                        self.scan_refs(v, stack, out);
                        stack.pop();
                    }
                }
            }
            _ => {}
        }
    }

    fn ref_problem(&self, reference: &str) -> Option<String> {
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

/// A schema and where it is written.
#[derive(Debug, Clone)]
pub struct SchemaRef<'a> {
    pub node: &'a Node,
    pub ptr: String,
}

#[derive(Debug)]
pub struct Param<'a> {
    pub name: &'a str,
    pub location: Location,
    pub required: bool,
    pub schema: Option<SchemaRef<'a>>,
    pub ptr: String,
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
    pub required: bool,
    pub ptr: String,
    pub content: BTreeMap<&'a str, Option<SchemaRef<'a>>>,
}

#[derive(Debug)]
pub struct Response<'a> {
    pub content: BTreeMap<&'a str, Option<SchemaRef<'a>>>,
}

/// One alternative of a security requirement list: every scheme named must be satisfied, each
/// with the listed scopes. An empty requirement means anonymous access.
pub type Requirement = BTreeMap<String, BTreeSet<String>>;

#[derive(Debug)]
pub struct Op<'a> {
    pub template: &'a str,
    pub method: &'static str,
    pub ptr: String,
    pub params: Vec<Param<'a>>,
    pub body: Option<Body<'a>>,
    pub responses: BTreeMap<String, Response<'a>>,
    /// The effective requirements (the operation's own, else the document's); empty: none.
    pub security: Vec<Requirement>,
    /// Where they are written (the operation's `security`, else the operation).
    pub security_ptr: String,
}

impl Op<'_> {
    /// `GET /users/{id}`.
    pub fn name(&self) -> String {
        format!("{} {}", self.method.to_ascii_uppercase(), self.template)
    }
}

#[derive(Debug)]
pub struct PathItem<'a> {
    pub template: &'a str,
    pub ptr: String,
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

fn normalize_status(s: &str) -> String {
    s.to_ascii_uppercase()
}

impl<'a> Spec<'a> {
    pub fn build(doc: &'a Doc) -> Spec<'a> {
        let mut paths = BTreeMap::new();
        let root_security = doc.root.get("security").map(security_list);
        if let Some(items) = doc.root.get("paths").and_then(Node::as_map) {
            for (template, item) in items {
                let item_ptr = format!("/paths/{}", escape(template));
                let (item, item_at) = doc.resolve(item, &item_ptr);
                let shared = item.get("parameters").map(|p| (p, format!("{item_at}/parameters")));
                let mut ops = Vec::new();
                for method in METHODS {
                    let Some(op) = item.get(method).filter(|o| o.as_map().is_some()) else { continue };
                    let ptr = format!("{item_at}/{method}");
                    ops.push(build_op(doc, template, method, op, ptr, shared.as_ref(), root_security.as_ref()));
                }
                let path = PathItem { template: template.as_str(), ptr: item_ptr, ops };
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
    ptr: String,
    shared: Option<&(&'a Node, String)>,
    root_security: Option<&Vec<Requirement>>,
) -> Op<'a> {
    let positions = template_params(template);
    let mut params: Vec<Param<'a>> = Vec::new();
    let own = op.get("parameters").map(|p| (p, format!("{ptr}/parameters")));
    // Operation parameters override path-level ones with the same name and location.
    for (list, at) in [own.as_ref(), shared].into_iter().flatten() {
        for (i, p) in list.as_seq().iter().enumerate() {
            let (p, p_at) = doc.resolve(p, &format!("{at}/{i}"));
            let Some(param) = build_param(p, p_at, &positions) else { continue };
            if !params.iter().any(|q| q.key == param.key) {
                params.push(param);
            }
        }
    }
    let body = op.get("requestBody").map(|b| {
        let (b, at) = doc.resolve(b, &format!("{ptr}/requestBody"));
        Body { required: b.get("required").is_some_and(Node::is_true), content: content(b, &at), ptr: at }
    });
    let mut responses = BTreeMap::new();
    if let Some(rs) = op.get("responses").and_then(Node::as_map) {
        for (status, r) in rs {
            let (r, at) = doc.resolve(r, &format!("{ptr}/responses/{}", escape(status)));
            responses.insert(normalize_status(status), Response { content: content(r, &at) });
        }
    }
    let (security, security_ptr) = match op.get("security") {
        Some(s) => (security_list(s), format!("{ptr}/security")),
        None => (root_security.cloned().unwrap_or_default(), ptr.clone()),
    };
    Op { template, method, ptr, params, body, responses, security, security_ptr }
}

fn build_param<'a>(p: &'a Node, at: String, positions: &[&str]) -> Option<Param<'a>> {
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
    let schema = match p.get("schema") {
        Some(s) => Some(SchemaRef { node: s, ptr: format!("{at}/schema") }),
        None => p.get("content").and_then(Node::as_map).and_then(|c| {
            let (media, m) = c.iter().next()?;
            Some(SchemaRef { node: m.get("schema")?, ptr: format!("{at}/content/{}/schema", escape(media)) })
        }),
    };
    Some(Param {
        name,
        location,
        required: location == Location::Path || p.get("required").is_some_and(Node::is_true),
        schema,
        ptr: at,
        key,
    })
}

fn content<'a>(holder: &'a Node, at: &str) -> BTreeMap<&'a str, Option<SchemaRef<'a>>> {
    let mut out = BTreeMap::new();
    if let Some(c) = holder.get("content").and_then(Node::as_map) {
        for (media, m) in c {
            let schema =
                m.get("schema").map(|s| SchemaRef { node: s, ptr: format!("{at}/content/{}/schema", escape(media)) });
            out.insert(media.as_str(), schema);
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
                    (scheme.clone(), scopes.as_seq().iter().filter_map(Node::scalar).collect::<BTreeSet<_>>())
                })
                .collect()
        })
        .collect()
}
