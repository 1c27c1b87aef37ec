//! Schemas as the rules see them: `$ref`s resolved and `allOf` merged into one view, and a
//! walk that pairs the previous and current schema of a request or response property by
//! property, stopping on cycles (A → B → A) and at a depth limit.

use super::node::Node;
use super::spec::Doc;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::rc::Rc;

/// Nesting of `allOf`/`oneOf`/`anyOf` merged into one view.
const MAX_MERGE_DEPTH: usize = 16;
/// Schemas merged into one view, in all: `oneOf`/`allOf` lists that fan out through `$ref`s
/// would otherwise cost their width to the power of the depth.
const MAX_MERGE_STEPS: usize = 2_000;
/// Property nesting followed by the walk.
const MAX_WALK_DEPTH: usize = 48;
/// Schema pairs visited in one comparison (a pathological spec cannot make the walk explode).
const MAX_WALK_PAIRS: usize = 1_000_000;

/// One schema with its `$ref`s followed and its `allOf` members merged.
#[derive(Debug, Clone)]
pub struct View<'a> {
    /// The schema (after following `$ref`s): where findings about it point.
    pub node: &'a Node,
    /// The JSON types it allows, "null" included; `None`: not constrained (or unknown).
    pub types: Option<BTreeSet<&'a str>>,
    pub format: Option<&'a str>,
    pub properties: BTreeMap<&'a str, &'a Node>,
    pub required: BTreeSet<&'a str>,
    pub enumeration: Option<Vec<&'a Node>>,
    pub items: Option<&'a Node>,
    pub read_only: bool,
    pub write_only: bool,
    /// A `$ref` that could not be followed: nothing is known about the schema.
    pub opaque: bool,
}

impl<'a> View<'a> {
    pub fn of(doc: &'a Doc, schema: &'a Node) -> View<'a> {
        let node = doc.resolve_node(schema);
        let mut v = View::blank(node);
        v.opaque = node.get("$ref").is_some();
        v.merge(doc, node, 0, &mut { MAX_MERGE_STEPS });
        v
    }

    fn blank(node: &'a Node) -> View<'a> {
        View {
            node,
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

    /// Merges `node` into the view; `steps` is what is left of the view's budget.
    fn merge(&mut self, doc: &'a Doc, node: &'a Node, depth: usize, steps: &mut usize) {
        if depth > MAX_MERGE_DEPTH || *steps == 0 || node.as_map().is_none() {
            return;
        }
        *steps -= 1;
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
                for alt in alts.as_seq() {
                    let alt = doc.resolve_node(alt);
                    let mut sub = View::blank(alt);
                    sub.merge(doc, alt, depth + 1, steps);
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
            for (name, s) in props.iter() {
                self.properties.entry(name.as_str()).or_insert(s);
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
            self.items = node.get("items");
        }
        self.read_only |= node.get("readOnly").is_some_and(Node::is_true);
        self.write_only |= node.get("writeOnly").is_some_and(Node::is_true);
        for member in node.get("allOf").map_or(&[][..], Node::as_seq) {
            let member = doc.resolve_node(member);
            self.merge(doc, member, depth + 1, steps);
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

/// One pair of schemas the walk reached.
pub struct Visit<'v, 'a> {
    /// Property path from the walk's root, or from the component schema it is in: `""`,
    /// `user.email`, `tags[]`.
    pub label: &'v str,
    /// The component schema (`#/components/schemas/<name>`) the label starts from, if any.
    pub schema: Option<&'v str>,
    pub prev: &'v View<'a>,
    pub cur: &'v View<'a>,
}

/// Walks pairs of schemas property by property, for a whole comparison. Views are built once
/// per schema, and a pair of schemas is visited once per `lane` (request bodies, parameters,
/// responses): a component used by a hundred operations is compared, and reported, once.
pub struct Walker<'a> {
    prev_doc: &'a Doc,
    cur_doc: &'a Doc,
    /// Views by side and the address of the schema node they were built from.
    views: HashMap<(bool, usize), Rc<View<'a>>>,
    /// Pairs visited, by lane and the addresses of the (cached, so unique) views.
    seen: HashSet<(u8, usize, usize)>,
    /// The current revision's component schemas, by address.
    components: HashMap<usize, &'a str>,
}

impl<'a> Walker<'a> {
    pub fn new(prev_doc: &'a Doc, cur_doc: &'a Doc) -> Walker<'a> {
        let schemas = cur_doc.root.get("components").and_then(|c| c.get("schemas")).and_then(Node::as_map);
        let components =
            schemas.into_iter().flat_map(|m| m.iter()).map(|(k, v)| (v as *const Node as usize, k.as_str())).collect();
        Walker { prev_doc, cur_doc, views: HashMap::new(), seen: HashSet::new(), components }
    }

    fn view(&mut self, current: bool, schema: &'a Node) -> Rc<View<'a>> {
        let doc = if current { self.cur_doc } else { self.prev_doc };
        let target = doc.resolve_node(schema);
        self.views
            .entry((current, target as *const Node as usize))
            .or_insert_with(|| Rc::new(View::of(doc, target)))
            .clone()
    }

    /// Walks `prev` and `cur` in parallel, calling `visit` for every pair present on both sides
    /// and not yet visited in `lane`.
    pub fn walk(&mut self, lane: u8, prev: &'a Node, cur: &'a Node, visit: &mut dyn FnMut(&Visit<'_, 'a>)) {
        self.go(lane, String::new(), None, prev, cur, 0, visit);
    }

    #[allow(clippy::too_many_arguments)]
    fn go(
        &mut self,
        lane: u8,
        label: String,
        schema: Option<&'a str>,
        prev: &'a Node,
        cur: &'a Node,
        depth: usize,
        visit: &mut dyn FnMut(&Visit<'_, 'a>),
    ) {
        if depth > MAX_WALK_DEPTH || self.seen.len() >= MAX_WALK_PAIRS {
            return;
        }
        let p = self.view(false, prev);
        let c = self.view(true, cur);
        if p.opaque || c.opaque || !self.seen.insert((lane, Rc::as_ptr(&p) as usize, Rc::as_ptr(&c) as usize)) {
            return;
        }
        // Entering a component schema: name it and start the property path over.
        let (label, schema) = match self.components.get(&(c.node as *const Node as usize)) {
            Some(name) => (String::new(), Some(*name)),
            None => (label, schema),
        };
        visit(&Visit { label: &label, schema, prev: &p, cur: &c });
        for (name, ps) in &p.properties {
            if let Some(cs) = c.properties.get(name) {
                let sub = if label.is_empty() { name.to_string() } else { format!("{label}.{name}") };
                self.go(lane, sub, schema, ps, cs, depth + 1, visit);
            }
        }
        if let (Some(pi), Some(ci)) = (p.items, c.items) {
            self.go(lane, format!("{label}[]"), schema, pi, ci, depth + 1, visit);
        }
    }
}
