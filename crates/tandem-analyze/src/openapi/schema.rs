//! Schemas as the rules see them: `$ref`s resolved and `allOf` merged into one view, and a
//! walk that pairs the previous and current schema of a request or response property by
//! property, stopping on cycles (A → B → A) and at a depth limit.

use super::lines::escape;
use super::node::Node;
use super::spec::{Doc, SchemaRef};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// Nesting of `allOf`/`oneOf`/`anyOf` merged into one view.
const MAX_MERGE_DEPTH: usize = 16;
/// Property nesting followed by the walk.
const MAX_WALK_DEPTH: usize = 48;
/// Schema pairs visited from one root (a pathological spec cannot make the walk explode).
const MAX_WALK_PAIRS: usize = 20_000;

/// One schema with its `$ref`s followed and its `allOf` members merged.
#[derive(Debug, Clone)]
pub struct View<'a> {
    /// Where the schema is written (after following `$ref`s).
    pub ptr: String,
    /// The JSON types it allows, "null" included; `None`: not constrained (or unknown).
    pub types: Option<BTreeSet<&'a str>>,
    pub format: Option<&'a str>,
    pub properties: BTreeMap<&'a str, SchemaRef<'a>>,
    pub required: BTreeSet<&'a str>,
    pub enumeration: Option<Vec<&'a Node>>,
    pub items: Option<SchemaRef<'a>>,
    pub read_only: bool,
    pub write_only: bool,
    /// A `$ref` that could not be followed: nothing is known about the schema.
    pub opaque: bool,
}

impl<'a> View<'a> {
    pub fn of(doc: &'a Doc, s: &SchemaRef<'a>) -> View<'a> {
        let (node, ptr) = doc.resolve(s.node, &s.ptr);
        let mut v = View {
            opaque: node.get("$ref").is_some(),
            ptr: ptr.clone(),
            types: None,
            format: None,
            properties: BTreeMap::new(),
            required: BTreeSet::new(),
            enumeration: None,
            items: None,
            read_only: false,
            write_only: false,
        };
        v.merge(doc, node, &ptr, 0);
        v
    }

    fn merge(&mut self, doc: &'a Doc, node: &'a Node, ptr: &str, depth: usize) {
        if depth > MAX_MERGE_DEPTH || node.as_map().is_none() {
            return;
        }
        let mut types: Option<BTreeSet<&'a str>> = match node.get("type") {
            Some(Node::Str(t)) => Some([t.as_str()].into()),
            Some(Node::Seq(ts)) => Some(ts.iter().filter_map(Node::as_str).collect()),
            _ => None,
        };
        if types.is_none() {
            // oneOf/anyOf: the union of the alternatives' types, when every one has a type.
            for key in ["oneOf", "anyOf"] {
                let Some(alts) = node.get(key) else { continue };
                let mut union = Some(BTreeSet::new());
                for (i, alt) in alts.as_seq().iter().enumerate() {
                    let (alt, at) = doc.resolve(alt, &format!("{ptr}/{key}/{i}"));
                    let mut sub = View { ptr: at.clone(), ..self.blank() };
                    sub.merge(doc, alt, &at, depth + 1);
                    match (&mut union, sub.types) {
                        (Some(u), Some(t)) => u.extend(t),
                        _ => union = None,
                    }
                }
                if union.as_ref().is_some_and(|u| !u.is_empty()) {
                    types = union;
                }
            }
        }
        if let Some(t) = types.as_mut() {
            if node.get("nullable").is_some_and(Node::is_true) {
                t.insert("null");
            }
        }
        self.types = match (self.types.take(), types) {
            (Some(a), Some(b)) => Some(a.intersection(&b).copied().collect()),
            (a, b) => a.or(b),
        };
        if self.format.is_none() {
            self.format = node.get("format").and_then(Node::as_str);
        }
        if let Some(props) = node.get("properties").and_then(Node::as_map) {
            for (name, s) in props {
                self.properties
                    .entry(name.as_str())
                    .or_insert_with(|| SchemaRef { node: s, ptr: format!("{ptr}/properties/{}", escape(name)) });
            }
        }
        self.required.extend(node.get("required").map_or(&[][..], Node::as_seq).iter().filter_map(Node::as_str));
        if self.enumeration.is_none() {
            if let Some(values) = node.get("enum") {
                self.enumeration = Some(values.as_seq().iter().collect());
            } else if let Some(c) = node.get("const") {
                self.enumeration = Some(vec![c]);
            }
        }
        if self.items.is_none() {
            self.items = node.get("items").map(|s| SchemaRef { node: s, ptr: format!("{ptr}/items") });
        }
        self.read_only |= node.get("readOnly").is_some_and(Node::is_true);
        self.write_only |= node.get("writeOnly").is_some_and(Node::is_true);
        for (i, member) in node.get("allOf").map_or(&[][..], Node::as_seq).iter().enumerate() {
            let (member, at) = doc.resolve(member, &format!("{ptr}/allOf/{i}"));
            self.merge(doc, member, &at, depth + 1);
        }
    }

    fn blank(&self) -> View<'a> {
        View {
            ptr: String::new(),
            types: None,
            format: None,
            properties: BTreeMap::new(),
            required: BTreeSet::new(),
            enumeration: None,
            items: None,
            read_only: false,
            write_only: false,
            opaque: false,
        }
    }

    /// `integer(int64)`, `string|null`; `None` when the type is not constrained.
    pub fn type_name(&self) -> Option<String> {
        let types = self.types.as_ref()?;
        let mut names: Vec<&str> = types.iter().copied().filter(|t| *t != "null").collect();
        if types.contains("null") {
            names.push("null");
        }
        let mut s = names.join("|");
        if let Some(f) = self.format {
            s.push_str(&format!("({f})"));
        }
        Some(s)
    }
}

/// Whether every value of the types `from` is also a value of the types `to` (an integer is a
/// number).
pub fn accepts(to: &BTreeSet<&str>, from: &BTreeSet<&str>) -> bool {
    from.iter().all(|t| to.contains(t) || (*t == "integer" && to.contains("number")))
}

/// Which way values flow, which decides whether a type change narrows or widens for clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Clients send values (request bodies, parameters): the new type must accept the old.
    Request,
    /// Clients receive values (responses): the old type must accept the new.
    Response,
}

/// Whether the type change from `prev` to `cur` breaks clients, given the flow. Schemas whose
/// type is not constrained on either side are not compared; two different formats are a
/// change either way.
pub fn type_breaks(flow: Flow, prev: &View, cur: &View) -> bool {
    let (Some(p), Some(c)) = (&prev.types, &cur.types) else { return false };
    let formats_differ = matches!((prev.format, cur.format), (Some(a), Some(b)) if a != b);
    formats_differ
        || match flow {
            Flow::Request => !accepts(c, p),
            Flow::Response => !accepts(p, c),
        }
}

/// Walks two schemas in parallel, calling `visit` with the property path (`""` for the root,
/// `user.tags[]` below) and both views of every pair present on both sides.
pub fn walk<'a>(
    prev_doc: &'a Doc,
    prev: &SchemaRef<'a>,
    cur_doc: &'a Doc,
    cur: &SchemaRef<'a>,
    visit: &mut dyn FnMut(&str, &View<'a>, &View<'a>),
) {
    let mut w = Walk { prev_doc, cur_doc, seen: HashSet::new(), visit };
    w.go(String::new(), prev, cur, 0);
}

struct Walk<'a, 'v> {
    prev_doc: &'a Doc,
    cur_doc: &'a Doc,
    seen: HashSet<(String, String)>,
    visit: &'v mut dyn FnMut(&str, &View<'a>, &View<'a>),
}

impl<'a> Walk<'a, '_> {
    fn go(&mut self, label: String, prev: &SchemaRef<'a>, cur: &SchemaRef<'a>, depth: usize) {
        if depth > MAX_WALK_DEPTH || self.seen.len() >= MAX_WALK_PAIRS {
            return;
        }
        let p = View::of(self.prev_doc, prev);
        let c = View::of(self.cur_doc, cur);
        if p.opaque || c.opaque || !self.seen.insert((p.ptr.clone(), c.ptr.clone())) {
            return;
        }
        (self.visit)(&label, &p, &c);
        for (name, ps) in &p.properties {
            if let Some(cs) = c.properties.get(name) {
                let sub = if label.is_empty() { name.to_string() } else { format!("{label}.{name}") };
                self.go(sub, ps, cs, depth + 1);
            }
        }
        if let (Some(pi), Some(ci)) = (&p.items, &c.items) {
            self.go(format!("{label}[]"), pi, ci, depth + 1);
        }
    }
}
