//! package.json: the package's name and its dependencies of every kind.

use super::{json_lines, without_location, Dep, Facts, FileError, Namespace};
use serde_json::Value;

const SECTIONS: &[&str] = &["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"];

pub(super) fn read(text: &str) -> Facts {
    let mut facts = Facts::default();
    let doc: Value = match serde_json::from_str(text) {
        Ok(doc) => doc,
        Err(e) => {
            let message = format!("invalid JSON: {}", without_location(&e.to_string()));
            facts.errors.push(FileError::new(Some(e.line()), message));
            return facts;
        }
    };
    let Some(doc) = doc.as_object() else {
        facts.errors.push(FileError::new(Some(1), "package.json is not a JSON object"));
        return facts;
    };
    let lines = json_lines::key_lines(text, 2);
    let line = |path: &[&str]| lines.get(&path.iter().map(|s| s.to_string()).collect::<Vec<_>>()).copied();

    match doc.get("name") {
        Some(Value::String(name)) => facts.identities.push(name.clone()),
        Some(_) => facts.errors.push(FileError::new(line(&["name"]), "`name` is not a string")),
        None => {}
    }
    for section in SECTIONS {
        let deps = match doc.get(*section) {
            None | Some(Value::Null) => continue,
            Some(Value::Object(deps)) => deps,
            Some(_) => {
                let message = format!("`{section}` is not an object of package names to versions");
                facts.errors.push(FileError::new(line(&[section]), message));
                continue;
            }
        };
        for (name, spec) in deps {
            let line = line(&[section, name]);
            let Some(spec) = spec.as_str() else {
                facts.errors.push(FileError::new(line, format!("version of '{name}' in `{section}` is not a string")));
                continue;
            };
            facts.deps.push(dependency(name, spec, line));
        }
    }
    facts
}

/// One entry of a dependencies object. `npm:real@range` names another package; `file:` and
/// `link:` point at a directory and carry no version.
fn dependency(key: &str, spec: &str, line: Option<usize>) -> Dep {
    if let Some(aliased) = spec.strip_prefix("npm:") {
        // The package name may itself start with '@' (a scope); the version follows the next '@'.
        let split = aliased.char_indices().skip(1).find(|&(_, c)| c == '@').map(|(i, _)| i);
        let (name, version) = match split {
            Some(i) => (&aliased[..i], Some(aliased[i + 1..].to_string())),
            None => (aliased, None),
        };
        return Dep::new(Namespace::Npm, name, version, line);
    }
    for scheme in ["file:", "link:"] {
        if let Some(dir) = spec.strip_prefix(scheme) {
            return Dep::new(Namespace::Npm, key, None, line).at_path(Some(dir.to_string()));
        }
    }
    Dep::new(Namespace::Npm, key, Some(spec.to_string()), line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_dependency_section_is_read_with_lines() {
        let text = r#"{
  "name": "loqa-commander",
  "version": "0.2.1",
  "dependencies": {
    "vue": "^3.4.0",
    "@loqalabs/proto": "npm:@loqalabs/loqa-proto@^0.3.0"
  },
  "devDependencies": { "vite": "^5.0.0" },
  "peerDependencies": {
    "local-kit": "file:../kit"
  }
}"#;
        let facts = read(text);
        assert_eq!(facts.errors, []);
        assert_eq!(facts.identities, ["loqa-commander"]);
        assert_eq!(
            facts.rows(),
            ["5 vue ^3.4.0", "6 @loqalabs/loqa-proto ^0.3.0", "8 vite ^5.0.0", "10 local-kit path=../kit"]
        );
    }

    #[test]
    fn malformed_package_json_is_an_error_with_its_line() {
        let facts = read("{\n  \"name\": \"x\",\n  \"dependencies\": {\n    \"vue\": \"^3\",,\n  }\n}\n");
        assert_eq!(facts.errors.len(), 1);
        assert_eq!(facts.errors[0].line, Some(4));
        assert!(!facts.errors[0].message.contains("at line"), "{}", facts.errors[0].message);
    }

    #[test]
    fn wrong_shapes_are_errors_and_the_rest_is_read() {
        let facts = read("{\"dependencies\": [\"vue\"],\n \"devDependencies\": {\"a\": 1, \"b\": \"2\"}}");
        let lines: Vec<_> = facts.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [Some(1), Some(2)]);
        assert_eq!(facts.deps.len(), 1);
    }
}
