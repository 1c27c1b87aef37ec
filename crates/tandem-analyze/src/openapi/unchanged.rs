//! Path items that cannot compare differently: identical in both revisions, and referring
//! only to components that are identical too (directly or through other components), under
//! an unchanged document-level `security`. A large document mostly changes in a few places;
//! the operations of these items are paired by name but not compared.

use super::node::Node;
use super::spec::Doc;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The templates (keys of `paths`) of the unchanged path items.
pub fn unchanged_paths<'a>(prev: &Doc, cur: &'a Doc) -> HashSet<&'a str> {
    let mut out = HashSet::new();
    if prev.root.get("security") != cur.root.get("security") {
        return out;
    }
    let (Some(pp), Some(cp)) =
        (prev.root.get("paths").and_then(Node::as_map), cur.root.get("paths").and_then(Node::as_map))
    else {
        return out;
    };
    let Some(changed) = changed_components(prev, cur) else { return out };
    for (template, item) in cp.iter() {
        // References first: cheaper than comparing the items, and often enough to decide.
        let mut clean = true;
        refs(item, &mut |r| clean &= component_of(r).is_some_and(|c| !changed.contains(c)));
        if clean && pp.get(template) == Some(item) {
            out.insert(template.as_str());
        }
    }
    out
}

/// `#/components/schemas/User` for `#/components/schemas/User/properties/id`; `None` for
/// references elsewhere or written with escapes (which are then never taken as unchanged).
fn component_of(r: &str) -> Option<&str> {
    let rest = r.strip_prefix("#/components/")?;
    if r.contains(['~', '%']) {
        return None;
    }
    let mut parts = rest.splitn(3, '/');
    let (section, name) = (parts.next()?, parts.next()?);
    Some(&r[..13 + section.len() + 1 + name.len()])
}

/// Components that differ between the revisions, or refer to one that does; `None` when a
/// component refers outside `#/components/` (then nothing is taken as unchanged).
fn changed_components(prev: &Doc, cur: &Doc) -> Option<HashSet<String>> {
    let mut all: BTreeMap<String, [Option<&Node>; 2]> = BTreeMap::new();
    for (side, doc) in [prev, cur].into_iter().enumerate() {
        let Some(sections) = doc.root.get("components").and_then(Node::as_map) else { continue };
        for (section, entries) in sections.iter() {
            for (name, node) in entries.as_map()?.iter() {
                all.entry(format!("#/components/{section}/{name}")).or_default()[side] = Some(node);
            }
        }
    }
    let mut changed: HashSet<String> = HashSet::new();
    let mut referrers: HashMap<&str, Vec<&str>> = HashMap::new();
    for (key, [p, c]) in &all {
        if p != c {
            changed.insert(key.clone());
        }
        let mut outside = false;
        for n in [p, c].into_iter().flatten() {
            refs(n, &mut |r| match component_of(r) {
                Some(target) => referrers.entry(target).or_default().push(key.as_str()),
                None => outside = true,
            });
        }
        if outside {
            return None;
        }
    }
    let mut todo: Vec<String> = changed.iter().cloned().collect();
    while let Some(k) = todo.pop() {
        for r in referrers.get(k.as_str()).into_iter().flatten() {
            if changed.insert(r.to_string()) {
                todo.push(r.to_string());
            }
        }
    }
    Some(changed)
}

/// Calls `f` with every `$ref` string under `node`.
fn refs<'n>(node: &'n Node, f: &mut dyn FnMut(&'n str)) {
    match node {
        Node::Map(m) => {
            for (k, v) in m.iter() {
                match v {
                    Node::Str(r) if k == "$ref" => f(r),
                    Node::Map(_) | Node::Seq(_) => refs(v, f),
                    _ => {}
                }
            }
        }
        Node::Seq(items) => items.iter().for_each(|v| refs(v, f)),
        _ => {}
    }
}
