//! docker-compose files: each service's `environment`, as a list (`- KEY=value`, `- KEY`) or a
//! map (`KEY: value`). Lines come from a scan of the text: the service's key under `services`,
//! then the first line below it that names the variable.

use super::env::{valid_name, EnvKey};
use serde_yaml::Value;
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

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        other => Some(serde_yaml::to_string(other).unwrap_or_default().trim().to_string()),
    }
}

/// The first line at or after `from` (1-based) satisfying `f`.
fn find(lines: &[&str], from: usize, f: impl Fn(&str) -> bool) -> Option<usize> {
    let start = from.saturating_sub(1).min(lines.len());
    lines[start..].iter().position(|l| f(l)).map(|i| start + i + 1)
}

impl Compose {
    pub(crate) fn parse(text: &str) -> Result<Compose, Vec<(usize, String)>> {
        let mut doc: Value = serde_yaml::from_str(text).map_err(|e| vec![super::yaml_error(&e)])?;
        doc.apply_merge().map_err(|e| vec![(1, format!("cannot apply `<<` merge keys: {e}"))])?;
        let mut out = Compose::default();
        let text: Vec<&str> = text.lines().collect();
        let text = text.as_slice();
        let services = match doc.get("services") {
            None | Some(Value::Null) => return Ok(out),
            Some(Value::Mapping(m)) => m,
            Some(_) => {
                return Err(vec![(
                    find(text, 1, |l| l.starts_with("services")).unwrap_or(1),
                    "`services` is not a mapping".into(),
                )])
            }
        };
        let services_line = find(text, 1, |l| l.starts_with("services:")).unwrap_or(1);
        let mut errors = Vec::new();
        for (name, service) in services {
            let Some(name) = name.as_str() else { continue };
            let line = find(text, services_line, |l| {
                l.starts_with(' ') && l.trim_start().strip_prefix(name).is_some_and(|r| r.trim_start().starts_with(':'))
            })
            .unwrap_or(services_line);
            let env_line = find(text, line, |l| l.trim_start().starts_with("environment")).unwrap_or(line);
            let key_line = |key: &str| {
                find(text, env_line, |l| {
                    let t = l.trim_start().trim_start_matches('-').trim_start().trim_start_matches(['"', '\'']);
                    t.strip_prefix(key).is_some_and(|r| r.is_empty() || r.starts_with(['=', ':', '"', '\'']))
                })
                .unwrap_or(env_line)
            };
            let mut env = Vec::new();
            match service.get("environment") {
                None | Some(Value::Null) => {}
                Some(Value::Sequence(items)) => {
                    for item in items {
                        let Some(s) = item.as_str() else {
                            errors.push((
                                env_line,
                                format!("an `environment` entry of service '{name}' is not a string"),
                            ));
                            continue;
                        };
                        let (key, value) = match s.split_once('=') {
                            Some((k, v)) => (k.trim(), Some(v.to_string())),
                            None => (s.trim(), None),
                        };
                        if !valid_name(key) {
                            errors.push((key_line(key), format!("'{key}' in service '{name}' is not a variable name")));
                            continue;
                        }
                        env.push(EnvKey { name: key.to_string(), value, line: key_line(key) });
                    }
                }
                Some(Value::Mapping(m)) => {
                    for (k, v) in m {
                        let Some(key) = scalar(k) else { continue };
                        env.push(EnvKey { line: key_line(&key), name: key, value: scalar(v) });
                    }
                }
                Some(_) => {
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
