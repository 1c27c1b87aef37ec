//! Configuration contracts: JSON Schema files, `.env.example` files, docker-compose service
//! environments, and YAML/TOML/JSON files the workspace declares as config contracts.
//!
//! # Which files
//! A file is read as ([`Form`]):
//! 1. a JSON Schema when named `*.schema.json`, or a `.json` file whose top-level `"$schema"`
//!    names a json-schema dialect;
//! 2. an env file when named `.env.example`, `.env.sample` or `*.env.example`;
//! 3. a compose file when named `docker-compose*.yml` / `compose*.yaml` (either extension);
//! 4. otherwise, when `tandem.toml` declares it a `config` contract, a config document by its
//!    extension: `.json`, `.toml`, `.env`-style names as env files, anything else as YAML.
//!
//! Each rule lives in `rules/` (one file each) and the table in `rules/mod.rs`. Unreadable
//! input (not UTF-8, invalid JSON/YAML/TOML, a dangling or purely cyclic `$ref`) is a
//! `CONFIG_PARSE` finding; the comparison of that file is then skipped, never a panic.

mod compose;
mod env;
mod renames;
mod rules;
mod schema;
mod tree;

use crate::detect::{DetectOptions, Detector, FilePair, RuleInfo};
use rules::{Check, Out};
use std::sync::LazyLock;
use tandem_model::{ContractKind, Finding};

/// This detector.
pub fn detector() -> Option<&'static dyn crate::detect::Detector> {
    Some(&ConfigDetector)
}

struct ConfigDetector;

/// How a claimed file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    Schema,
    Env,
    Compose,
    /// A declared config document, in this format.
    Document(Format),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Json,
    Yaml,
    Toml,
}

impl Format {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Format::Json => "JSON",
            Format::Yaml => "YAML",
            Format::Toml => "TOML",
        }
    }
}

fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

fn is_env_name(name: &str) -> bool {
    matches!(name, ".env.example" | ".env.sample") || name.ends_with(".env.example")
}

fn is_compose_name(name: &str) -> bool {
    let yaml = name.ends_with(".yml") || name.ends_with(".yaml");
    yaml && (name.starts_with("docker-compose") || name.starts_with("compose"))
}

/// A top-level `"$schema"` naming json-schema. The byte search keeps other JSON files cheap.
fn declares_json_schema(bytes: &[u8]) -> bool {
    let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    if !has(b"\"$schema\"") || !has(b"json-schema") {
        return false;
    }
    let Ok(serde_json::Value::Object(doc)) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return false;
    };
    doc.get("$schema").and_then(|s| s.as_str()).is_some_and(|s| s.contains("json-schema"))
}

/// How `path` is read, if this detector reads it.
pub(crate) fn form(path: &str, declared: Option<ContractKind>, bytes: Option<&[u8]>) -> Option<Form> {
    let name = file_name(path);
    if name.ends_with(".schema.json") {
        return Some(Form::Schema);
    }
    if is_env_name(name) {
        return Some(Form::Env);
    }
    if is_compose_name(name) {
        return Some(Form::Compose);
    }
    if name.ends_with(".json") && bytes.is_some_and(declares_json_schema) {
        return Some(Form::Schema);
    }
    if declared != Some(ContractKind::Config) {
        return None;
    }
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    Some(match ext.as_str() {
        "json" => Form::Document(Format::Json),
        "toml" => Form::Document(Format::Toml),
        _ if name == ".env" || name.starts_with(".env.") || ext == "env" => Form::Env,
        _ => Form::Document(Format::Yaml),
    })
}

/// A parser's message on one line, without the " at line L column C" parts (the line is
/// reported separately).
pub(crate) fn clean_message(message: &str) -> String {
    let mut out = message.split_whitespace().collect::<Vec<_>>().join(" ");
    while let Some(i) = out.find(" at line ") {
        let rest = &out[i + " at line ".len()..];
        let digits = |s: &str| s.bytes().take_while(u8::is_ascii_digit).count();
        let n = digits(rest);
        let Some(after) = rest[n..].strip_prefix(" column ") else { break };
        let m = digits(after);
        if n == 0 || m == 0 {
            break;
        }
        let end = i + " at line ".len() + n + " column ".len() + m;
        out.replace_range(i..end, "");
    }
    out
}

/// A JSON syntax error at its line.
pub(crate) fn json_error(e: &serde_json::Error) -> (usize, String) {
    (e.line().max(1), clean_message(&e.to_string()))
}

/// A YAML syntax error at its line.
pub(crate) fn yaml_error(e: &crate::yaml::Error) -> (usize, String) {
    (e.line as usize, clean_message(&e.message))
}

/// Text of one side, or why it is not text (or too large to read: the YAML reader's limit
/// holds for every form).
fn text(bytes: &[u8]) -> Result<&str, (usize, String)> {
    if bytes.len() > crate::yaml::MAX_BYTES {
        return Err((1, crate::yaml::too_large(bytes.len())));
    }
    std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
        (line, "it is not UTF-8 text (binary content?)".to_string())
    })
}

/// Both sides read in one form; `None` for a side that does not exist.
pub(crate) enum Parsed {
    Schema(Option<schema::Schema>, Option<schema::Schema>),
    Env(Option<env::EnvFile>, Option<env::EnvFile>),
    Compose(Option<compose::Compose>, Option<compose::Compose>),
    Document(Option<tree::Tree>, Option<tree::Tree>),
}

/// A problem reading one side: (side, line, message).
type ReadError = (&'static str, usize, String);

fn read_side<T>(
    side: &'static str,
    bytes: Option<&[u8]>,
    errors: &mut Vec<ReadError>,
    read: impl Fn(&str) -> Result<T, Vec<(usize, String)>>,
) -> Option<T> {
    let bytes = bytes?;
    let parsed = text(bytes).map_err(|e| vec![e]).and_then(read);
    match parsed {
        Ok(v) => Some(v),
        Err(es) => {
            errors.extend(es.into_iter().map(|(line, message)| (side, line, message)));
            None
        }
    }
}

fn parse(form: Form, pair: &FilePair, errors: &mut Vec<ReadError>) -> Parsed {
    let (p, c) = (pair.prev, pair.cur);
    match form {
        Form::Schema => Parsed::Schema(
            read_side("previous", p, errors, schema::Schema::parse),
            read_side("current", c, errors, schema::Schema::parse),
        ),
        Form::Env => Parsed::Env(
            read_side("previous", p, errors, env::EnvFile::parse),
            read_side("current", c, errors, env::EnvFile::parse),
        ),
        Form::Compose => Parsed::Compose(
            read_side("previous", p, errors, compose::Compose::parse),
            read_side("current", c, errors, compose::Compose::parse),
        ),
        Form::Document(f) => Parsed::Document(
            read_side("previous", p, errors, |t| tree::Tree::parse(t, f)),
            read_side("current", c, errors, |t| tree::Tree::parse(t, f)),
        ),
    }
}

static INFOS: LazyLock<Vec<RuleInfo>> = LazyLock::new(|| rules::ALL.iter().map(|r| r.info).collect());

impl Detector for ConfigDetector {
    fn kind(&self) -> &'static str {
        "config"
    }

    fn claims(&self, path: &str, declared: Option<ContractKind>, cur: Option<&[u8]>) -> bool {
        form(path, declared, cur).is_some()
    }

    fn compare(&self, pair: &FilePair, _opts: &DetectOptions) -> Vec<Finding> {
        let mut findings = Vec::new();
        let Some(form) = form(pair.path, Some(ContractKind::Config), pair.cur.or(pair.prev)) else {
            return findings;
        };
        let mut errors = Vec::new();
        let parsed = parse(form, pair, &mut errors);
        let what = match form {
            Form::Schema => "a JSON Schema",
            Form::Env => "an env file",
            Form::Compose => "a docker-compose file",
            Form::Document(f) => f.name(),
        };
        for (side, line, message) in errors.iter().take(20) {
            let text = format!("The {side} revision could not be read as {what}: {message}.");
            findings.push(crate::detect::finding(&rules::config_parse::RULE.info, pair.path, *line as u32, 1, text));
        }
        if !errors.is_empty() {
            return findings;
        }
        for rule in rules::ALL {
            let mut out = Out::new(&rule.info, pair.path, &mut findings);
            match (&rule.check, &parsed) {
                (Check::Schema(f), Parsed::Schema(Some(a), Some(b))) => f(&mut out, a, b),
                (Check::Env(f), Parsed::Env(Some(a), Some(b))) => f(&mut out, a, b),
                (Check::Compose(f), Parsed::Compose(Some(a), Some(b))) => f(&mut out, a, b),
                (Check::Document(f), Parsed::Document(Some(a), Some(b))) => f(&mut out, a, b),
                // A deleted file loses every key; an added one adds no obligation.
                (Check::Schema(f), Parsed::Schema(Some(a), None)) => f(&mut out, a, &schema::Schema::default()),
                (Check::Env(f), Parsed::Env(Some(a), None)) => f(&mut out, a, &env::EnvFile::default()),
                (Check::Compose(f), Parsed::Compose(Some(a), None)) => f(&mut out, a, &compose::Compose::default()),
                (Check::Document(f), Parsed::Document(Some(a), None)) => f(&mut out, a, &tree::Tree::default()),
                _ => {}
            }
        }
        findings
    }

    fn rules(&self) -> &'static [RuleInfo] {
        &INFOS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parser_messages_lose_their_positions_and_line_breaks() {
        assert_eq!(
            clean_message("did not find ']' at line 4 column 6, while parsing a flow sequence at line 4 column 3"),
            "did not find ']', while parsing a flow sequence"
        );
        assert_eq!(clean_message("invalid string\nexpected `\"`"), "invalid string expected `\"`");
        assert_eq!(clean_message("at line one"), "at line one");
    }

    #[test]
    fn a_side_over_64_mib_is_refused_naming_the_limit() {
        let big = vec![b'#'; crate::yaml::MAX_BYTES + 1];
        let (line, message) = text(&big).unwrap_err();
        assert_eq!(line, 1);
        assert!(message.contains("more than the 67108864 bytes (64 MiB) read"), "{message}");
        assert!(text(b"a: 1").is_ok());
    }

    #[test]
    fn files_are_read_by_name_then_by_declaration() {
        let schema = br#"{"$schema": "https://json-schema.org/draft/2020-12/schema"}"#.as_slice();
        assert_eq!(form("a/b.schema.json", None, None), Some(Form::Schema));
        assert_eq!(form("settings.json", None, Some(schema)), Some(Form::Schema));
        assert_eq!(form("prod.env.example", None, None), Some(Form::Env));
        assert_eq!(form("docker-compose.prod.yml", None, None), Some(Form::Compose));
        assert_eq!(form("compose.yaml", None, None), Some(Form::Compose));
        assert_eq!(form("config/app.yml", None, None), None);
        assert_eq!(form("config/app.yml", Some(ContractKind::Config), None), Some(Form::Document(Format::Yaml)));
        assert_eq!(form("config/.env", Some(ContractKind::Config), None), Some(Form::Env));
        assert_eq!(form("config/app.toml", Some(ContractKind::Openapi), None), None);
    }
}
