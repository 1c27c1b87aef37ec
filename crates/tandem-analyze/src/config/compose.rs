//! docker-compose files: each service's `environment`, as a list (`- KEY=value`, `- KEY`) or a
//! map (`KEY: value`), each variable at the line the YAML reader saw it on.

use super::env::{valid_name, EnvKey};
use crate::yaml::{Node, Value};
use std::collections::BTreeMap;

/// One service's environment.
#[derive(Debug, Default)]
pub(crate) struct Service {
    pub line: usize,
    pub env: Vec<EnvKey>,
}

/// The services of a compose file, by name.
#[derive(Debug, Default)]
pub(crate) struct Compose {
    pub services: BTreeMap<String, Service>,
}

/// A variable's value as text; `None` when unset (`KEY:` or `KEY: null`).
fn scalar(v: &Node) -> Option<String> {
    match &v.value {
        Value::Null => None,
        Value::Seq(_) | Value::Map(_) => Some(v.to_json().to_string()),
        _ => v.scalar(),
    }
}

impl Compose {
    pub(crate) fn parse(text: &str) -> Result<Compose, Vec<(usize, String)>> {
        let doc = crate::yaml::parse(text).map_err(|e| vec![super::yaml_error(&e)])?;
        let mut out = Compose::default();
        let services = match doc.get("services").map(|s| &s.value) {
            None | Some(Value::Null) => return Ok(out),
            Some(Value::Map(m)) => m,
            Some(_) => {
                let line = doc.get("services").map_or(1, |s| s.line as usize);
                return Err(vec![(line, "`services` is not a mapping".into())]);
            }
        };
        let mut errors = Vec::new();
        for service in services {
            let (name, line) = (service.key.as_str(), service.key_line as usize);
            let mut env = Vec::new();
            let environment = match &service.value.value {
                Value::Map(fields) => fields.iter().find(|f| f.key == "environment"),
                _ => None,
            };
            match environment.map(|e| (e.key_line as usize, &e.value.value)) {
                None | Some((_, Value::Null)) => {}
                Some((_, Value::Seq(items))) => {
                    for item in items {
                        let item_line = item.line as usize;
                        let Some(s) = item.as_str() else {
                            errors.push((
                                item_line,
                                format!("an `environment` entry of service '{name}' is not a string"),
                            ));
                            continue;
                        };
                        let (key, value) = match s.split_once('=') {
                            Some((k, v)) => (k.trim(), Some(v.to_string())),
                            None => (s.trim(), None),
                        };
                        if !valid_name(key) {
                            errors.push((item_line, format!("'{key}' in service '{name}' is not a variable name")));
                            continue;
                        }
                        env.push(EnvKey { name: key.to_string(), value, line: item_line });
                    }
                }
                Some((_, Value::Map(vars))) => {
                    for var in vars {
                        env.push(EnvKey {
                            name: var.key.clone(),
                            value: scalar(&var.value),
                            line: var.key_line as usize,
                        });
                    }
                }
                Some((env_line, _)) => {
                    errors.push((env_line, format!("`environment` of service '{name}' is neither a list nor a map")))
                }
            }
            out.services.insert(name.to_string(), Service { line, env });
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_and_map_environments_are_read_with_lines() {
        let text = "services:\n  api:\n    image: x\n    environment:\n      - DB_URL=postgres://db\n      - DEBUG\n  worker:\n    environment:\n      QUEUE: jobs\n      RETRIES: 3\n";
        let c = Compose::parse(text).unwrap();
        let api: Vec<_> = c.services["api"].env.iter().map(|k| (k.name.as_str(), k.value.clone(), k.line)).collect();
        assert_eq!(api, [("DB_URL", Some("postgres://db".into()), 5), ("DEBUG", None, 6)]);
        let worker: Vec<_> = c.services["worker"].env.iter().map(|k| (k.name.as_str(), k.line)).collect();
        assert_eq!(worker, [("QUEUE", 9), ("RETRIES", 10)]);
        assert_eq!(c.services["worker"].line, 7);
    }

    #[test]
    fn a_wrong_environment_shape_is_an_error() {
        let errors = Compose::parse("services:\n  api:\n    environment: 3\n").unwrap_err();
        assert_eq!(errors[0].0, 3);
    }
}
