//! docker-compose files: service images and build contexts.
//!
//! serde_yaml keeps no positions, so the line of an image is found by searching the text for a
//! line holding `image` and the value, in service order. That is right for the usual layouts;
//! an image set through an anchor gets the line of its first spelling.

use super::{without_location, Dep, Facts, FileError, Namespace};
use serde_yaml::{Mapping, Value};

pub(super) fn read(text: &str) -> Facts {
    let mut facts = Facts::default();
    let mut doc: Value = match serde_yaml::from_str(text) {
        Ok(doc) => doc,
        Err(e) => {
            let line = e.location().map(|l| l.line());
            facts.errors.push(FileError::new(line, format!("invalid YAML: {}", without_location(&e.to_string()))));
            return facts;
        }
    };
    if let Err(e) = doc.apply_merge() {
        facts.errors.push(FileError::new(None, format!("cannot apply `<<` merge keys: {e}")));
    }
    let Some(top) = doc.as_mapping() else { return facts };
    let services: Vec<(&Value, &Mapping)> = match top.get("services") {
        Some(Value::Mapping(services)) => services.iter().filter_map(|(k, v)| Some((k, v.as_mapping()?))).collect(),
        Some(Value::Null) => Vec::new(),
        // Compose file format 1: services at the top level.
        None => top
            .iter()
            .filter_map(|(k, v)| Some((k, v.as_mapping()?)))
            .filter(|(_, s)| s.contains_key("image") || s.contains_key("build"))
            .collect(),
        Some(_) => {
            facts.errors.push(FileError::new(find_line(text, 1, "services", ""), "`services` is not a mapping"));
            return facts;
        }
    };

    let mut cursor = 1;
    for (key, service) in services {
        let name = key.as_str().unwrap_or("?");
        let mut image_name = None;
        match service.get("image") {
            None | Some(Value::Null) => {}
            Some(Value::String(written)) => {
                let line = find_line(text, cursor, "image", written);
                cursor = line.unwrap_or(cursor);
                let interpolated = interpolate(written);
                let (image, version) = split_image(&interpolated);
                let version = version.filter(|v| !v.contains('$'));
                facts.deps.push(Dep::new(Namespace::Image, image, version, line));
                image_name = Some(image.to_string());
            }
            Some(_) => facts.errors.push(FileError::new(
                find_line(text, cursor, "image", ""),
                format!("`image` of service '{name}' is not a string"),
            )),
        }
        let context = match service.get("build") {
            Some(Value::String(context)) => Some(context.as_str()),
            Some(Value::Mapping(build)) => match build.get("context") {
                Some(Value::String(context)) => Some(context.as_str()),
                _ => Some("."),
            },
            _ => None,
        };
        // A git URL is not a directory of any checkout.
        if let Some(context) = context.filter(|c| !c.contains("://") && !c.starts_with("git@")) {
            let line =
                find_line(text, cursor, "build", context).or_else(|| find_line(text, cursor, "context", context));
            let dep = Dep::new(Namespace::Directory, context, None, line).at_path(Some(context.to_string()));
            facts.deps.push(dep);
            if let Some(image) = image_name {
                facts.built_images.push((image, context.to_string()));
            }
        }
    }
    facts
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

/// The first line at or after `from`, else anywhere, that holds both `key` and `value`.
fn find_line(text: &str, from: usize, key: &str, value: &str) -> Option<usize> {
    let holds = |(_, line): &(usize, &str)| line.contains(key) && line.contains(value);
    let lines = || text.lines().enumerate().map(|(i, l)| (i + 1, l));
    lines().skip(from.saturating_sub(1)).find(holds).or_else(|| lines().find(holds)).map(|(n, _)| n)
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
