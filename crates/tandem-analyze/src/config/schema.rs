//! JSON Schema documents, flattened to their properties.
//!
//! The walk follows `properties` (nested at any depth) and array `items` (shown as `tags[]`),
//! resolving local `$ref`s (`#`, `#/definitions/…`, `#/$defs/…`, any JSON pointer). A `$ref`
//! already being expanded on the current path is a recursive schema (a tree of nodes): the
//! property is kept and the walk does not descend again. A chain of `$ref`s that only leads
//! back to itself, and a `$ref` to nothing, cannot be resolved: both are errors. Remote
//! `$ref`s (not starting with `#`) are left unexpanded. `allOf`/`anyOf`/`oneOf`,
//! `patternProperties` and `additionalProperties` are not walked.

use crate::discover::json_lines::{self as lines, KeyLines};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// At most this many properties are expanded (a guard against `$ref` fan-out).
const BUDGET: usize = 100_000;
/// And this deep.
const MAX_DEPTH: usize = 64;

/// A property path: names, with `[]` for array items.
pub(crate) type PropPath = Vec<String>;

/// A property path as shown in messages: `address.street`, `tags[].name`.
pub(crate) fn shown(path: &[String]) -> String {
    let mut s = String::new();
    for (i, part) in path.iter().enumerate() {
        if i > 0 && part != "[]" {
            s.push('.');
        }
        s.push_str(part);
    }
    s
}

/// What the rules compare of one property.
#[derive(Debug, Clone)]
pub(crate) struct Prop {
    /// The `type` keyword's values; empty when unconstrained.
    pub types: BTreeSet<String>,
    /// Listed in its parent's `required`.
    pub required: bool,
    /// `enum` values (or the one `const`), when constrained.
    pub enum_values: Option<Vec<Value>>,
    pub line: usize,
}

/// The properties of a schema.
#[derive(Debug, Default)]
pub(crate) struct Schema {
    pub props: BTreeMap<PropPath, Prop>,
    /// Paths of the object schemas walked (the root is `[]`), with their lines.
    pub objects: BTreeMap<PropPath, usize>,
}

impl Schema {
    pub(crate) fn parse(text: &str) -> Result<Schema, Vec<(usize, String)>> {
        let root: Value = serde_json::from_str(text).map_err(|e| vec![super::json_error(&e)])?;
        if !root.is_object() && !root.is_boolean() {
            return Err(vec![(1, "the document is not a JSON object".into())]);
        }
        let mut w = Walker {
            root: &root,
            lines: crate::discover::json_lines::key_lines(text, MAX_DEPTH * 2 + 8),
            out: Schema::default(),
            errors: Vec::new(),
        };
        if let Some((node, loc, refs)) = w.resolve(&root, Vec::new()) {
            w.object(node, &loc, &mut Vec::new(), &refs, 0);
        }
        if w.errors.is_empty() {
            Ok(w.out)
        } else {
            Err(w.errors)
        }
    }

    /// The line of `path`'s nearest ancestor object present in this schema, else 1.
    pub(crate) fn parent_line(&self, path: &[String]) -> usize {
        (0..path.len()).rev().find_map(|n| self.objects.get(&path[..n]).copied()).unwrap_or(1)
    }
}

struct Walker<'a> {
    root: &'a Value,
    lines: KeyLines,
    out: Schema,
    errors: Vec<(usize, String)>,
}

fn types(node: &Value) -> BTreeSet<String> {
    match node.get("type") {
        Some(Value::String(t)) => BTreeSet::from([t.clone()]),
        Some(Value::Array(ts)) => ts.iter().filter_map(|t| t.as_str().map(str::to_string)).collect(),
        _ => BTreeSet::new(),
    }
}

fn enum_values(node: &Value) -> Option<Vec<Value>> {
    match (node.get("enum"), node.get("const")) {
        (Some(Value::Array(vs)), _) => Some(vs.clone()),
        (_, Some(c)) => Some(vec![c.clone()]),
        _ => None,
    }
}

impl<'a> Walker<'a> {
    fn line(&self, loc: &[String]) -> usize {
        lines::line_of(&self.lines, loc)
    }

    /// Follows the `$ref` chain at `node`: the schema it ends at, that schema's location, and
    /// the refs followed. `None` (with an error) for a dangling or purely cyclic chain.
    fn resolve(&mut self, mut node: &'a Value, mut loc: Vec<String>) -> Option<(&'a Value, Vec<String>, Vec<String>)> {
        let mut seen: Vec<String> = Vec::new();
        while let Some(r) = node.get("$ref").and_then(Value::as_str) {
            let Some(pointer) = r.strip_prefix('#') else { break };
            if seen.iter().any(|s| s == r) {
                let chain = seen.join(" → ");
                self.errors.push((self.line(&loc), format!("$ref cycle {chain} → {r} never reaches a schema")));
                return None;
            }
            seen.push(r.to_string());
            let mut target = self.root;
            let mut target_loc = Vec::new();
            for raw in pointer.split('/').skip(1) {
                let part = raw.replace("~1", "/").replace("~0", "~");
                let next = match target {
                    Value::Object(m) => m.get(&part),
                    Value::Array(a) => part.parse::<usize>().ok().and_then(|i| a.get(i)),
                    _ => None,
                };
                let Some(next) = next else {
                    self.errors.push((self.line(&loc), format!("$ref \"{r}\" points at nothing")));
                    return None;
                };
                target = next;
                target_loc.push(part);
            }
            node = target;
            loc = target_loc;
        }
        Some((node, loc, seen))
    }

    /// Records the properties (and array items) of the object schema `node` at `path`.
    fn object(&mut self, node: &'a Value, loc: &[String], path: &mut PropPath, stack: &[String], depth: usize) {
        self.out.objects.insert(path.clone(), self.line(loc));
        let required: Vec<&str> = match node.get("required") {
            Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let mut children: Vec<(String, &'a Value, Vec<String>, bool)> = Vec::new();
        if let Some(Value::Object(props)) = node.get("properties") {
            for (name, sub) in props {
                let sub_loc = [loc, &["properties".to_string(), name.clone()]].concat();
                children.push((name.clone(), sub, sub_loc, required.contains(&name.as_str())));
            }
        }
        if let Some(items @ Value::Object(_)) = node.get("items") {
            children.push(("[]".to_string(), items, [loc, &["items".to_string()]].concat(), false));
        }
        for (name, sub, sub_loc, required) in children {
            if self.out.props.len() >= BUDGET {
                if !self.errors.iter().any(|e| e.1.contains("expands")) {
                    self.errors.push((1, format!("the schema expands to more than {BUDGET} properties")));
                }
                return;
            }
            let line = self.line(&sub_loc);
            let Some((res, res_loc, refs)) = self.resolve(sub, sub_loc) else { continue };
            path.push(name);
            let prop = Prop { types: types(res), required, enum_values: enum_values(res), line };
            self.out.props.insert(path.clone(), prop);
            let recursive = refs.iter().any(|r| stack.contains(r));
            if !recursive && depth < MAX_DEPTH {
                let stack = [stack, &refs].concat();
                self.object(res, &res_loc, path, &stack, depth + 1);
            }
            path.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(s: &Schema) -> Vec<String> {
        s.props.keys().map(|p| shown(p)).collect()
    }

    #[test]
    fn nested_properties_items_and_refs_are_walked() {
        let text = r##"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "required": ["name"],
  "properties": {
    "name": { "type": "string" },
    "address": { "$ref": "#/$defs/Address" },
    "tags": { "type": "array", "items": { "type": "object", "properties": { "key": { "enum": ["a", "b"] } } } }
  },
  "$defs": {
    "Address": { "type": "object", "properties": { "street": { "type": "string" } } }
  }
}"##;
        let s = Schema::parse(text).unwrap();
        assert_eq!(paths(&s), ["address", "address.street", "name", "tags", "tags[]", "tags[].key"]);
        assert!(s.props[&vec!["name".to_string()]].required);
        assert_eq!(s.props[&vec!["address".to_string(), "street".to_string()]].line, 11, "line of the definition");
    }

    #[test]
    fn a_recursive_schema_is_walked_once() {
        let text = r##"{"$defs": {"Node": {"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}}}},
 "$ref": "#/$defs/Node"}"##;
        let s = Schema::parse(text).unwrap();
        assert_eq!(paths(&s), ["children", "children[]"]);
    }

    #[test]
    fn ref_cycles_and_dangling_refs_are_errors() {
        let cyclic = r##"{"properties": {"a": {"$ref": "#/$defs/A"}}, "$defs": {"A": {"$ref": "#/$defs/B"}, "B": {"$ref": "#/$defs/A"}}}"##;
        assert!(Schema::parse(cyclic).unwrap_err()[0].1.contains("cycle"));
        let dangling = r##"{"properties": {"a": {"$ref": "#/$defs/Missing"}}}"##;
        assert!(Schema::parse(dangling).unwrap_err()[0].1.contains("points at nothing"));
        assert!(Schema::parse(r##"{"$ref": "#"}"##).is_err(), "a root that is only a ref to itself");
    }
}
