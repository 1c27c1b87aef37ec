//! The document's structure: fields the rules read whose values are of the wrong kind
//! (`info: 5`, `paths: [1, 2, 3]`, an operation that is a string…). Each is reported at the
//! line of its key, naming the field; the rules then skip what they cannot read.

use super::node::{Map, Node};
use super::spec::METHODS;

/// What a field must hold.
#[derive(Clone, Copy)]
enum Expect {
    Mapping,
    Sequence,
    /// A sequence of mappings.
    Mappings,
}

impl Expect {
    fn describe(self) -> &'static str {
        match self {
            Expect::Mapping => "a mapping",
            Expect::Sequence => "a sequence",
            Expect::Mappings => "a sequence of mappings",
        }
    }
}

/// Fields of the document root and what they hold.
const ROOT: &[(&str, Expect)] = &[
    ("info", Expect::Mapping),
    ("paths", Expect::Mapping),
    ("components", Expect::Mapping),
    ("security", Expect::Mappings),
    ("servers", Expect::Mappings),
    ("tags", Expect::Mappings),
    ("webhooks", Expect::Mapping),
];

/// Fields of an operation and what they hold.
const OPERATION: &[(&str, Expect)] = &[
    ("parameters", Expect::Mappings),
    ("requestBody", Expect::Mapping),
    ("responses", Expect::Mapping),
    ("security", Expect::Mappings),
    ("tags", Expect::Sequence),
];

/// Problems of the document's structure: (line, message). A root that is not a mapping is
/// reported by the caller (it has no version).
pub fn problems(root: &Node) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let Some(root) = root.as_map() else { return out };
    let mut place = Vec::new();
    fields(root, ROOT, &mut place, &mut out);
    if let Some(paths) = root.get("paths").and_then(Node::as_map) {
        for (template, line, item) in paths.iter_lines() {
            place.push(format!("paths.\"{template}\""));
            let Some(item) = expect(item, Expect::Mapping, line, &place, &mut out) else {
                place.pop();
                continue;
            };
            fields(item, &[("parameters", Expect::Mappings)], &mut place, &mut out);
            for method in METHODS {
                let Some((op, line)) = item.get(method).zip(item.key_line(method)) else { continue };
                place.push(method.to_string());
                if let Some(op) = expect(op, Expect::Mapping, line, &place, &mut out) {
                    fields(op, OPERATION, &mut place, &mut out);
                    if let Some(responses) = op.get("responses").and_then(Node::as_map) {
                        place.push("responses".into());
                        fields_all(responses, Expect::Mapping, &mut place, &mut out);
                        place.pop();
                    }
                }
                place.pop();
            }
            place.pop();
        }
    }
    if let Some(components) = root.get("components").and_then(Node::as_map) {
        place.push("components".into());
        fields_all(components, Expect::Mapping, &mut place, &mut out);
        place.pop();
    }
    out
}

/// Checks the listed fields of `map`, where present.
fn fields(map: &Map, list: &[(&str, Expect)], place: &mut Vec<String>, out: &mut Vec<(u32, String)>) {
    for (name, want) in list {
        if let Some((value, line)) = map.get(name).zip(map.key_line(name)) {
            place.push(name.to_string());
            expect(value, *want, line, place, out);
            place.pop();
        }
    }
}

/// Checks every field of `map`.
fn fields_all(map: &Map, want: Expect, place: &mut Vec<String>, out: &mut Vec<(u32, String)>) {
    for (name, line, value) in map.iter_lines() {
        place.push(format!("\"{name}\""));
        expect(value, want, line, place, out);
        place.pop();
    }
}

/// `value` as a mapping when `want` is one; records a problem when it is not what is wanted.
fn expect<'n>(
    value: &'n Node,
    want: Expect,
    line: u32,
    place: &[String],
    out: &mut Vec<(u32, String)>,
) -> Option<&'n Map> {
    let fits = match want {
        Expect::Mapping => matches!(value, Node::Map(_)),
        Expect::Sequence => matches!(value, Node::Seq(_)),
        Expect::Mappings => matches!(value, Node::Seq(items) if items.iter().all(|i| matches!(i, Node::Map(_)))),
    };
    if !fits {
        let field = place.join(".");
        let what = match (want, value) {
            (Expect::Mappings, Node::Seq(_)) => "a sequence holding something other than mappings",
            _ => value.kind(),
        };
        out.push((line, format!("`{field}` is {what}, not {}; it was not compared.", want.describe())));
    }
    value.as_map()
}
