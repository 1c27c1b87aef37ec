//! Python: pyproject.toml (PEP 621, PEP 735 groups, Poetry) and requirements files, with a
//! small PEP 508 parser for the requirement strings.

use super::{line_at, toml_error, Dep, Facts, FileError, Namespace, TomlDeps};
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::{Spanned, Value};

#[derive(Deserialize)]
struct Pyproject {
    project: Option<Project>,
    tool: Option<Tool>,
    #[serde(default, rename = "dependency-groups")]
    dependency_groups: BTreeMap<String, Vec<Spanned<Value>>>,
}

#[derive(Deserialize)]
struct Project {
    name: Option<String>,
    #[serde(default)]
    dependencies: Vec<Spanned<String>>,
    #[serde(default, rename = "optional-dependencies")]
    optional_dependencies: BTreeMap<String, Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
struct Tool {
    poetry: Option<Poetry>,
}

#[derive(Deserialize)]
struct Poetry {
    name: Option<String>,
    #[serde(default)]
    dependencies: TomlDeps,
    #[serde(default, rename = "dev-dependencies")]
    dev_dependencies: TomlDeps,
    #[serde(default)]
    group: BTreeMap<String, PoetryGroup>,
}

#[derive(Deserialize)]
struct PoetryGroup {
    #[serde(default)]
    dependencies: TomlDeps,
}

pub(super) fn read_pyproject(text: &str) -> Facts {
    let mut facts = Facts::default();
    let doc: Pyproject = match toml::from_str(text) {
        Ok(doc) => doc,
        Err(e) => {
            facts.errors.push(toml_error(text, &e));
            return facts;
        }
    };
    let mut requirements: Vec<&Spanned<String>> = Vec::new();
    if let Some(project) = &doc.project {
        facts.identities.extend(project.name.clone());
        requirements.extend(&project.dependencies);
        requirements.extend(project.optional_dependencies.values().flatten());
    }
    for entry in doc.dependency_groups.values().flatten() {
        // `{ include-group = "..." }` entries name other groups, not packages.
        if let Value::String(s) = entry.get_ref() {
            let line = Some(line_at(text, entry.span().start));
            push_requirement(&mut facts, s, line);
        }
    }
    for r in requirements {
        push_requirement(&mut facts, r.get_ref(), Some(line_at(text, r.span().start)));
    }

    let Some(poetry) = doc.tool.and_then(|t| t.poetry) else { return facts };
    facts.identities.extend(poetry.name);
    let tables = [&poetry.dependencies, &poetry.dev_dependencies]
        .into_iter()
        .chain(poetry.group.values().map(|g| &g.dependencies));
    for table in tables {
        for (key, value) in table {
            let name = key.get_ref();
            if name == "python" {
                continue;
            }
            let line = Some(line_at(text, key.span().start));
            let dep = match value {
                Value::String(version) => Dep::new(Namespace::Python, name, Some(version.clone()), line),
                Value::Table(t) => {
                    let field = |k: &str| t.get(k).and_then(Value::as_str).map(str::to_string);
                    Dep::new(Namespace::Python, name, field("version"), line).at_path(field("path"))
                }
                // Several constraints by platform or Python version: no single pin.
                Value::Array(_) => Dep::new(Namespace::Python, name, None, line),
                _ => {
                    let message = format!("dependency '{name}' is neither a version string nor a table");
                    facts.errors.push(FileError::new(line, message));
                    continue;
                }
            };
            facts.deps.push(dep);
        }
    }
    facts
}

/// Reads a pip requirements file: one PEP 508 requirement a line, `\` continuations,
/// `#` comments. Options (`-r`, `-e`, `--index-url`…), paths and URLs name no package by
/// themselves and are passed over.
pub(super) fn read_requirements(text: &str) -> Facts {
    let mut facts = Facts::default();
    let mut logical = String::new();
    let mut first_line = 0;
    for (i, raw) in text.lines().enumerate() {
        if logical.is_empty() {
            first_line = i + 1;
        }
        match raw.strip_suffix('\\') {
            Some(part) => {
                logical.push_str(part);
                continue;
            }
            None => logical.push_str(raw),
        }
        let entry = std::mem::take(&mut logical);
        let entry = strip_comment(&entry);
        // Per-requirement options such as `--hash=sha256:…` follow the requirement.
        let entry = entry.find(" --").or_else(|| entry.find("\t--")).map_or(entry, |i| &entry[..i]).trim();
        if entry.is_empty() || entry.starts_with('-') || entry.starts_with('.') || entry.starts_with('/') {
            continue;
        }
        if entry.contains("://") && !entry.contains('@') {
            continue;
        }
        push_requirement(&mut facts, entry, Some(first_line));
    }
    facts
}

/// A `#` starts a comment at the start of a line or after whitespace.
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    let at = (0..bytes.len()).find(|&i| bytes[i] == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()));
    at.map_or(line, |i| &line[..i])
}

fn push_requirement(facts: &mut Facts, text: &str, line: Option<usize>) {
    match parse_requirement(text) {
        Ok(r) => facts.deps.push(Dep::new(Namespace::Python, r.name, r.specifier, line)),
        Err(message) => facts.errors.push(FileError::new(line, format!("invalid requirement '{text}': {message}"))),
    }
}

/// The parts of a PEP 508 requirement that discovery uses.
#[derive(Debug, PartialEq)]
struct Requirement {
    name: String,
    /// The version specifier without spaces (`>=0.2,<1`); none for URL requirements.
    specifier: Option<String>,
}

/// `name [extras] (specifier | @ url) [; marker]`.
fn parse_requirement(text: &str) -> Result<Requirement, String> {
    let text = text.trim();
    let name_len =
        text.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))).unwrap_or(text.len());
    let name = &text[..name_len];
    let (Some(first), Some(last)) = (name.chars().next(), name.chars().last()) else {
        return Err("expected a package name first".into());
    };
    if !first.is_ascii_alphanumeric() || !last.is_ascii_alphanumeric() {
        return Err(format!("package name '{name}' must start and end with a letter or digit"));
    }
    let mut rest = text[name_len..].trim_start();
    if let Some(after) = rest.strip_prefix('[') {
        let close = after.find(']').ok_or("extras are not closed with ']'")?;
        rest = after[close + 1..].trim_start();
    }
    let (body, _marker) = rest.split_once(';').unwrap_or((rest, ""));
    let body = body.trim();
    if let Some(url) = body.strip_prefix('@') {
        if url.trim().is_empty() {
            return Err("expected a URL after '@'".into());
        }
        return Ok(Requirement { name: name.to_string(), specifier: None });
    }
    let spec = match body.strip_prefix('(') {
        Some(inner) => inner.strip_suffix(')').ok_or("version specifier is not closed with ')'")?,
        None => body,
    };
    let spec: String = spec.chars().filter(|c| !c.is_whitespace()).collect();
    if spec.is_empty() {
        return Ok(Requirement { name: name.to_string(), specifier: None });
    }
    for clause in spec.split(',') {
        let version = ["===", "==", "!=", "<=", ">=", "~=", "<", ">"]
            .iter()
            .find_map(|op| clause.strip_prefix(op))
            .ok_or_else(|| format!("'{clause}' does not start with a comparison such as == or >="))?;
        let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '*' | '+' | '!' | '-' | '_');
        if version.is_empty() || !version.chars().all(valid) {
            return Err(format!("'{clause}' has no valid version"));
        }
    }
    Ok(Requirement { name: name.to_string(), specifier: Some(spec) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(name: &str, specifier: Option<&str>) -> Result<Requirement, String> {
        Ok(Requirement { name: name.into(), specifier: specifier.map(str::to_string) })
    }

    #[test]
    fn pep_508_requirements_are_parsed() {
        assert_eq!(parse_requirement("loqa-proto==0.3.1"), req("loqa-proto", Some("==0.3.1")));
        assert_eq!(
            parse_requirement("loqa_proto[grpc] >= 0.2, < 1 ; python_version >= \"3.9\""),
            req("loqa_proto", Some(">=0.2,<1"))
        );
        assert_eq!(parse_requirement("requests (>=2.0)"), req("requests", Some(">=2.0")));
        assert_eq!(
            parse_requirement("loqa-proto @ git+https://github.com/loqalabs/loqa-proto"),
            req("loqa-proto", None)
        );
        assert_eq!(parse_requirement("numpy"), req("numpy", None));
        assert!(parse_requirement("=>1.0").is_err());
        assert!(parse_requirement("numpy 1.0").is_err());
        assert!(parse_requirement("numpy[extra").is_err());
    }

    #[test]
    fn requirements_file_skips_comments_options_and_markers() {
        let text = "\
# pinned for the hub
-r base.txt
--index-url https://pypi.example.com/simple
-e ./local-pkg
loqa-proto==0.3.1  # the protocol
requests>=2.31 ; python_version >= \"3.9\" \\
    --hash=sha256:abc
./vendor/thing.whl
https://example.com/pkg.tar.gz
";
        let facts = read_requirements(text);
        assert_eq!(facts.errors, []);
        assert_eq!(facts.rows(), ["5 loqa-proto ==0.3.1", "6 requests >=2.31"]);
    }

    #[test]
    fn malformed_requirement_line_is_an_error_and_the_rest_is_read() {
        let facts = read_requirements("loqa-proto==0.3.1\nloqa-relay ~ 1\nnumpy\n");
        assert_eq!(facts.errors.len(), 1);
        assert_eq!(facts.errors[0].line, Some(2));
        assert_eq!(facts.deps.len(), 2);
    }

    #[test]
    fn pyproject_names_and_dependencies_are_read_with_lines() {
        let text = r#"[project]
name = "loqa-skills"
dependencies = [
  "loqa-proto>=0.3",
  "httpx",
]

[project.optional-dependencies]
dev = ["pytest==8.0"]

[dependency-groups]
lint = ["ruff", { include-group = "dev" }]

[tool.poetry]
name = "loqa-skills"

[tool.poetry.dependencies]
python = "^3.11"
loqa-relay = { path = "../loqa-relay", develop = true }

[tool.poetry.group.test.dependencies]
loqa_hub_client = "^0.4"
"#;
        let facts = read_pyproject(text);
        assert_eq!(facts.errors, []);
        assert_eq!(facts.identities, ["loqa-skills", "loqa-skills"]);
        assert_eq!(
            facts.rows(),
            [
                "4 loqa-proto >=0.3",
                "5 httpx",
                "9 pytest ==8.0",
                "12 ruff",
                "19 loqa-relay path=../loqa-relay",
                "22 loqa_hub_client ^0.4",
            ]
        );
    }

    #[test]
    fn malformed_pyproject_is_an_error_with_its_line() {
        let facts = read_pyproject("[project]\nname = \"x\"\ndependencies = [\"a\",\n\"b\"\n[tool]\n");
        assert_eq!(facts.errors.len(), 1, "{:?}", facts.errors);
        assert!(facts.errors[0].line.is_some_and(|l| (4..=5).contains(&l)), "{:?}", facts.errors);
    }
}
