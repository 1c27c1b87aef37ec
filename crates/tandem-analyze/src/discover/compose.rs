//! docker-compose files: service images and build contexts, each at the line the YAML reader
//! saw it on (an image set through an anchor has the line of the anchor's spelling).

use super::{Dep, Facts, FileError, Namespace};
use crate::yaml::{Entry, Node, Value};

pub(super) fn read(text: &str) -> Facts {
    let mut facts = Facts::default();
    let doc = match crate::yaml::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            facts.errors.push(FileError::new(Some(e.line as usize), format!("invalid YAML: {}", e.message)));
            return facts;
        }
    };
    let Value::Map(top) = &doc.value else { return facts };
    let services: Vec<(&str, &[Entry])> = match doc.get("services") {
        Some(Node { value: Value::Map(services), .. }) => {
            services.iter().filter_map(|s| Some((s.key.as_str(), fields(s)?))).collect()
        }
        Some(Node { value: Value::Null, .. }) => Vec::new(),
        // Compose file format 1: services at the top level.
        None => top
            .iter()
            .filter_map(|s| Some((s.key.as_str(), fields(s)?)))
            .filter(|(_, f)| f.iter().any(|e| e.key == "image" || e.key == "build"))
            .collect(),
        Some(other) => {
            facts.errors.push(FileError::new(Some(other.line as usize), "`services` is not a mapping"));
            return facts;
        }
    };

    for (name, service) in services {
        let field = |key: &str| service.iter().find(|e| e.key == key);
        let mut image_name = None;
        match field("image") {
            None | Some(Entry { value: Node { value: Value::Null, .. }, .. }) => {}
            Some(Entry { value: Node { value: Value::Str(written), line }, .. }) => {
                let interpolated = interpolate(written);
                let (image, version) = split_image(&interpolated);
                let version = version.filter(|v| !v.contains('$'));
                facts.deps.push(Dep::new(Namespace::Image, image, version, Some(*line as usize)));
                image_name = Some(image.to_string());
            }
            Some(other) => facts.errors.push(FileError::new(
                Some(other.key_line as usize),
                format!("`image` of service '{name}' is not a string"),
            )),
        }
        let context = match field("build").map(|b| &b.value) {
            Some(Node { value: Value::Str(context), line }) => Some((context.as_str(), *line)),
            Some(build @ Node { value: Value::Map(_), line }) => match build.get("context") {
                Some(Node { value: Value::Str(context), line }) => Some((context.as_str(), *line)),
                _ => Some((".", *line)),
            },
            _ => None,
        };
        // A git URL is not a directory of any checkout.
        if let Some((context, line)) = context.filter(|(c, _)| !c.contains("://") && !c.starts_with("git@")) {
            let dep =
                Dep::new(Namespace::Directory, context, None, Some(line as usize)).at_path(Some(context.to_string()));
            facts.deps.push(dep);
            if let Some(image) = image_name {
                facts.built_images.push((image, context.to_string()));
            }
        }
    }
    facts
}

/// The fields of a service, when it is a mapping.
fn fields(service: &Entry) -> Option<&[Entry]> {
    match &service.value.value {
        Value::Map(fields) => Some(fields),
        _ => None,
    }
}

/// Splits `registry/path:tag@digest` into the image name and its version (tag, digest, or
/// `tag@digest`). A `:` before the last `/` is a registry port, not a tag.
pub(super) fn split_image(image: &str) -> (&str, Option<String>) {
    let (rest, digest) = match image.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (image, None),
    };
    let (name, tag) = match rest.rfind(':') {
        Some(i) if !rest[i + 1..].contains('/') => (&rest[..i], Some(&rest[i + 1..])),
        _ => (rest, None),
    };
    let version = match (tag, digest) {
        (Some(t), Some(d)) => Some(format!("{t}@{d}")),
        (Some(v), None) | (None, Some(v)) => Some(v.to_string()),
        (None, None) => None,
    };
    (name, version.filter(|v| !v.is_empty()))
}

/// Replaces `${VAR:-default}` and `${VAR-default}` by their default, as compose does when the
/// variable is unset; other variables are left as written.
fn interpolate(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let inner_start = start + 2;
        let Some(len) = rest[inner_start..].find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let inner = &rest[inner_start..inner_start + len];
        let var_len = inner.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(inner.len());
        let op = &inner[var_len..];
        match op.strip_prefix(":-").or_else(|| op.strip_prefix('-')) {
            Some(default) => out.push_str(default),
            None => out.push_str(&rest[start..inner_start + len + 1]),
        }
        rest = &rest[inner_start + len + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_tags_digests_and_registry_ports_are_told_apart() {
        assert_eq!(split_image("ghcr.io/loqalabs/loqa-hub:0.4.0"), ("ghcr.io/loqalabs/loqa-hub", Some("0.4.0".into())));
        assert_eq!(split_image("localhost:5000/hub"), ("localhost:5000/hub", None));
        assert_eq!(split_image("localhost:5000/hub:1.2"), ("localhost:5000/hub", Some("1.2".into())));
        assert_eq!(split_image("hub@sha256:abc"), ("hub", Some("sha256:abc".into())));
        assert_eq!(split_image("hub:1@sha256:abc"), ("hub", Some("1@sha256:abc".into())));
        assert_eq!(split_image("nats"), ("nats", None));
    }

    #[test]
    fn variable_defaults_are_interpolated() {
        assert_eq!(interpolate("${REGISTRY:-ghcr.io}/x/hub:${TAG-0.4.0}"), "ghcr.io/x/hub:0.4.0");
        assert_eq!(interpolate("hub:${TAG}"), "hub:${TAG}");
        assert_eq!(interpolate("hub:${TAG"), "hub:${TAG");
    }

    #[test]
    fn images_and_build_contexts_are_read_with_lines() {
        let text = "\
services:
  hub:
    image: \"ghcr.io/loqalabs/loqa-hub:${HUB_TAG:-0.4.0}\"
  relay:
    build:
      context: ../loqa-relay
    image: ghcr.io/loqalabs/loqa-relay
  nats:
    image: nats:2.10
";
        let facts = read(text);
        assert_eq!(facts.errors, []);
        assert_eq!(
            facts.rows(),
            [
                "3 ghcr.io/loqalabs/loqa-hub 0.4.0",
                "6 ../loqa-relay path=../loqa-relay",
                "7 ghcr.io/loqalabs/loqa-relay",
                "9 nats 2.10",
            ]
        );
        assert_eq!(facts.built_images, [("ghcr.io/loqalabs/loqa-relay".to_string(), "../loqa-relay".to_string())]);
    }

    #[test]
    fn malformed_compose_file_is_an_error_with_its_line() {
        let facts = read("services:\n  hub:\n    image: [unclosed\n");
        assert_eq!(facts.errors.len(), 1, "{:?}", facts.errors);
        assert!(facts.errors[0].line.is_some_and(|l| l >= 3), "{:?}", facts.errors);
        assert!(facts.errors[0].message.starts_with("invalid YAML"), "{:?}", facts.errors);
    }
}
