//! Cargo.toml: the package's name and every dependency table.

use super::{line_at, toml_error, Dep, Facts, FileError, Namespace, TomlDeps};
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Value;

// No `#[serde(flatten)]` for the top-level tables: it would buffer them and lose the spans.
#[derive(Deserialize)]
struct Manifest {
    package: Option<Package>,
    #[serde(default)]
    dependencies: TomlDeps,
    #[serde(default, rename = "dev-dependencies")]
    dev: TomlDeps,
    #[serde(default, rename = "build-dependencies")]
    build: TomlDeps,
    #[serde(default)]
    target: BTreeMap<String, DepTables>,
    workspace: Option<WorkspaceSection>,
}

#[derive(Deserialize)]
struct Package {
    name: Option<String>,
}

#[derive(Deserialize)]
struct DepTables {
    #[serde(default)]
    dependencies: TomlDeps,
    #[serde(default, rename = "dev-dependencies")]
    dev: TomlDeps,
    #[serde(default, rename = "build-dependencies")]
    build: TomlDeps,
}

#[derive(Deserialize)]
struct WorkspaceSection {
    #[serde(default)]
    dependencies: TomlDeps,
}

pub(super) fn read(text: &str) -> Facts {
    let mut facts = Facts::default();
    let manifest: Manifest = match toml::from_str(text) {
        Ok(m) => m,
        Err(e) => {
            facts.errors.push(toml_error(text, &e));
            return facts;
        }
    };
    if let Some(name) = manifest.package.and_then(|p| p.name) {
        facts.identities.push(name);
    }
    let target_tables = manifest.target.values().flat_map(|t| [&t.dependencies, &t.dev, &t.build]);
    let workspace_table = manifest.workspace.as_ref().map(|w| &w.dependencies);
    let tables = [&manifest.dependencies, &manifest.dev, &manifest.build]
        .into_iter()
        .chain(target_tables)
        .chain(workspace_table);
    for table in tables {
        for (key, value) in table {
            let line = Some(line_at(text, key.span().start));
            match dependency(key.get_ref(), value, line) {
                Some(dep) => facts.deps.push(dep),
                None => facts.errors.push(FileError::new(
                    line,
                    format!("dependency '{}' is neither a version string nor a table", key.get_ref()),
                )),
            }
        }
    }
    facts
}

/// `name = "1.2"` or `name = { version, package, path, git, workspace }`. Only a `version`
/// makes a pin; `package` renames the crate.
fn dependency(key: &str, value: &Value, line: Option<usize>) -> Option<Dep> {
    match value {
        Value::String(version) => Some(Dep::new(Namespace::Crate, key, Some(version.clone()), line)),
        Value::Table(t) => {
            let field = |k: &str| t.get(k).and_then(Value::as_str).map(str::to_string);
            let name = field("package").unwrap_or_else(|| key.to_string());
            Some(Dep::new(Namespace::Crate, name, field("version"), line).at_path(field("path")))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_dependency_table_is_read_with_lines() {
        let text = r#"[package]
name = "loqa-skill"
version = "0.1.0"

[dependencies]
serde = "1"
proto = { package = "loqa-proto", version = "0.3.1" }
kit = { path = "../kit" }

[dependencies.loqa-sdk]
version = "=0.2.0"

[dev-dependencies]
insta = { workspace = true }

[target.'cfg(unix)'.build-dependencies]
cc = "1.0"

[workspace.dependencies]
loqa-common = { git = "https://github.com/loqalabs/loqa-common" }
"#;
        let facts = read(text);
        assert_eq!(facts.errors, []);
        assert_eq!(facts.identities, ["loqa-skill"]);
        assert_eq!(
            facts.rows(),
            [
                "6 serde 1",
                "7 loqa-proto 0.3.1",
                "8 kit path=../kit",
                "10 loqa-sdk =0.2.0",
                "14 insta",
                "17 cc 1.0",
                "20 loqa-common",
            ]
        );
    }

    #[test]
    fn malformed_cargo_toml_is_an_error_with_its_line() {
        let facts = read("[package]\nname = \"x\"\n\n[dependencies]\nserde = \"1\nfoo = 2\n");
        assert_eq!(facts.errors.len(), 1, "{:?}", facts.errors);
        assert_eq!(facts.errors[0].line, Some(5));
        assert!(facts.errors[0].message.starts_with("invalid TOML"), "{:?}", facts.errors);
    }

    #[test]
    fn a_dependency_of_the_wrong_type_is_an_error_and_the_rest_is_read() {
        let facts = read("[dependencies]\na = \"1\"\nb = 2\n");
        assert_eq!(facts.errors, [FileError::new(Some(3), "dependency 'b' is neither a version string nor a table")]);
        assert_eq!(facts.deps.len(), 1);
    }
}
