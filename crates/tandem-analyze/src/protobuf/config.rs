//! Which rules apply: buf's configuration (`buf.yaml` v1beta1, v1, v2; `buf.work.yaml`), or the
//! `[repo.breaking]` table of `tandem.toml`, which takes precedence.

use super::framework::{Category, Rule};
use super::rules;
use crate::source::Source;
use serde::Deserialize;
use std::collections::BTreeMap;

/// `use` / `except` / `ignore` as written (rule IDs or category names, paths).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct BreakingConfig {
    #[serde(default, rename = "use")]
    pub use_: Vec<String>,
    #[serde(default)]
    pub except: Vec<String>,
    #[serde(default)]
    pub ignore: Vec<String>,
    #[serde(default)]
    pub ignore_only: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub ignore_unstable_packages: bool,
}

/// The configuration version: rule sets and category membership differ slightly between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BufVersion {
    V1Beta1,
    V1,
    #[default]
    V2,
}

impl BufVersion {
    /// The categories of a rule under this version (`None`: the rule does not exist in it).
    pub fn categories(self, rule: &Rule) -> Option<Vec<Category>> {
        use Category::*;
        let without_csr = || rule.categories.iter().copied().filter(|c| *c != Csr).collect::<Vec<_>>();
        match self {
            BufVersion::V2 => Some(rule.categories.to_vec()),
            BufVersion::V1 => match rule.id {
                "EXTENSION_NO_DELETE" | "FIELD_SAME_DEFAULT" | "PACKAGE_EXTENSION_NO_DELETE" => None,
                _ => Some(without_csr()),
            },
            BufVersion::V1Beta1 => match rule.id {
                "EXTENSION_NO_DELETE"
                | "FIELD_SAME_DEFAULT"
                | "PACKAGE_EXTENSION_NO_DELETE"
                | "FIELD_WIRE_COMPATIBLE_TYPE"
                | "FIELD_WIRE_JSON_COMPATIBLE_TYPE" => None,
                "FIELD_SAME_CARDINALITY" | "FIELD_SAME_TYPE" => Some(vec![File, Package, WireJson, Wire]),
                "FILE_SAME_PACKAGE" => Some(vec![File]),
                _ => Some(without_csr()),
            },
        }
    }
}

/// The protobuf layout of a repository: module roots, excluded paths and breaking rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtoConfig {
    /// Module roots relative to the repository root ("" for the root itself).
    pub roots: Vec<String>,
    pub excludes: Vec<String>,
    pub breaking: BreakingConfig,
    /// Where the configuration came from, for messages.
    pub source: String,
    pub version: BufVersion,
}

#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct ConfigError {
    pub file: String,
    pub message: String,
}

#[derive(Deserialize)]
struct AnyVersion {
    version: Option<String>,
}

#[derive(Deserialize)]
struct V2 {
    #[serde(default)]
    modules: Vec<V2Module>,
    #[serde(default)]
    breaking: Option<BreakingConfig>,
}

#[derive(Deserialize)]
struct V2Module {
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    excludes: Vec<String>,
    #[serde(default)]
    breaking: Option<BreakingConfig>,
}

#[derive(Deserialize)]
struct V1 {
    #[serde(default)]
    build: Option<V1Build>,
    #[serde(default)]
    breaking: Option<BreakingConfig>,
}

#[derive(Deserialize)]
struct V1Build {
    #[serde(default)]
    roots: Vec<String>,
    #[serde(default)]
    excludes: Vec<String>,
}

#[derive(Deserialize)]
struct Work {
    #[serde(default)]
    directories: Vec<String>,
}

fn join(dir: &str, p: &str) -> String {
    let p = p.trim_start_matches("./").trim_end_matches('/');
    match (dir.is_empty(), p.is_empty() || p == ".") {
        (true, true) => String::new(),
        (true, false) => p.to_string(),
        (false, true) => dir.to_string(),
        (false, false) => format!("{dir}/{p}"),
    }
}

fn parse_yaml<T: for<'de> Deserialize<'de>>(file: &str, text: &[u8]) -> Result<T, ConfigError> {
    let error = |message: String| ConfigError { file: file.to_string(), message };
    let text = std::str::from_utf8(text).map_err(|e| error(format!("not UTF-8 text: {e}")))?;
    let tree = crate::yaml::parse(text).map_err(|e| error(e.to_string()))?;
    // An empty file is an empty configuration.
    let json = match tree.to_json() {
        serde_json::Value::Null => serde_json::Value::Object(Default::default()),
        json => json,
    };
    serde_json::from_value(json).map_err(|e| error(e.to_string()))
}

/// Reads one buf.yaml found in directory `dir` (relative to the repository root).
fn read_buf_yaml(dir: &str, file: &str, text: &[u8]) -> Result<ProtoConfig, ConfigError> {
    let v: AnyVersion = parse_yaml(file, text)?;
    match v.version.as_deref() {
        Some("v2") => {
            let c: V2 = parse_yaml(file, text)?;
            let top = c.breaking.unwrap_or_default();
            if c.modules.is_empty() {
                return Ok(ProtoConfig {
                    roots: vec![dir.to_string()],
                    excludes: vec![],
                    breaking: top,
                    source: file.into(),
                    version: BufVersion::V2,
                });
            }
            let mut roots = Vec::new();
            let mut excludes = Vec::new();
            let mut breaking = top.clone();
            for m in &c.modules {
                roots.push(join(dir, m.path.as_deref().unwrap_or(".")));
                excludes.extend(m.excludes.iter().map(|e| join(dir, e)));
                if let Some(b) = &m.breaking {
                    breaking = b.clone();
                }
            }
            Ok(ProtoConfig { roots, excludes, breaking, source: file.into(), version: BufVersion::V2 })
        }
        v @ (Some("v1" | "v1beta1" | "") | None) => {
            let version = if v == Some("v1beta1") { BufVersion::V1Beta1 } else { BufVersion::V1 };
            let c: V1 = parse_yaml(file, text)?;
            let build = c.build.unwrap_or(V1Build { roots: vec![], excludes: vec![] });
            let roots = if build.roots.is_empty() {
                vec![dir.to_string()]
            } else {
                build.roots.iter().map(|r| join(dir, r)).collect()
            };
            // v1 excludes are relative to the module root
            let excludes = build.excludes.iter().map(|e| join(dir, e)).collect();
            let mut breaking = c.breaking.unwrap_or_default();
            // v1 ignore paths are relative to the module root
            breaking.ignore = breaking.ignore.iter().map(|p| join(dir, p)).collect();
            for paths in breaking.ignore_only.values_mut() {
                *paths = paths.iter().map(|p| join(dir, p)).collect();
            }
            Ok(ProtoConfig { roots, excludes, breaking, source: file.into(), version })
        }
        Some(other) => Err(ConfigError {
            file: file.to_string(),
            message: format!("unknown version '{other}'; expected v1beta1, v1 or v2"),
        }),
    }
}

/// The repository's protobuf configuration: `buf.yaml` at the root, else `buf.work.yaml`'s
/// directories, else every `buf.yaml` below the root; without any, the root is the module root.
pub fn load(source: &dyn Source) -> Result<ProtoConfig, ConfigError> {
    if let Some(text) = source.read("buf.yaml") {
        return read_buf_yaml("", "buf.yaml", &text);
    }
    if let Some(text) = source.read("buf.work.yaml") {
        let w: Work = parse_yaml("buf.work.yaml", &text)?;
        let mut merged = ProtoConfig {
            roots: vec![],
            excludes: vec![],
            breaking: BreakingConfig::default(),
            source: "buf.work.yaml".into(),
            version: BufVersion::V1,
        };
        for d in &w.directories {
            let d = join("", d);
            let file = join(&d, "buf.yaml");
            match source.read(&file) {
                Some(text) => {
                    let c = read_buf_yaml(&d, &file, &text)?;
                    merged.roots.extend(c.roots);
                    merged.excludes.extend(c.excludes);
                    merged.breaking = c.breaking;
                    merged.version = c.version;
                }
                None => merged.roots.push(d),
            }
        }
        return Ok(merged);
    }
    let nested = source.list(&|p| p.ends_with("/buf.yaml") && p.matches('/').count() <= 3);
    if !nested.is_empty() {
        let mut merged = ProtoConfig {
            roots: vec![],
            excludes: vec![],
            breaking: BreakingConfig::default(),
            source: nested.join(", "),
            version: BufVersion::V2,
        };
        for file in &nested {
            let dir = file.trim_end_matches("/buf.yaml");
            if let Some(text) = source.read(file) {
                let c = read_buf_yaml(dir, file, &text)?;
                merged.roots.extend(c.roots);
                merged.excludes.extend(c.excludes);
                merged.breaking = c.breaking;
                merged.version = c.version;
            }
        }
        return Ok(merged);
    }
    Ok(ProtoConfig {
        roots: vec![String::new()],
        excludes: vec![],
        breaking: BreakingConfig::default(),
        source: "defaults (FILE)".into(),
        version: BufVersion::V2,
    })
}

/// Deprecated IDs of older configurations, mapped to the rules that replaced them.
fn replacements(id: &str, version: BufVersion) -> Option<&'static [&'static str]> {
    Some(match id {
        "FIELD_SAME_CTYPE" => &["FIELD_SAME_CPP_STRING_TYPE"],
        // v1beta1 replaces it by one rule; v1 and v2 by the three cardinality rules
        "FIELD_SAME_LABEL" if version == BufVersion::V1Beta1 => &["FIELD_SAME_CARDINALITY"],
        "FIELD_SAME_LABEL" => {
            &["FIELD_SAME_CARDINALITY", "FIELD_WIRE_COMPATIBLE_CARDINALITY", "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY"]
        }
        "FILE_SAME_JAVA_STRING_CHECK_UTF8" => &["FIELD_SAME_JAVA_UTF8_VALIDATION"],
        "FILE_SAME_PHP_GENERIC_SERVICES"
        | "MESSAGE_SAME_MESSAGE_SET_WIRE_FORMAT"
        | "FILE_SAME_JAVA_STRING_CHECK_UTF8_" => &[],
        _ => return None,
    })
}

fn expand(item: &str, source: &str, version: BufVersion) -> Result<Vec<&'static Rule>, ConfigError> {
    if let Some(cat) = Category::parse(item) {
        return Ok(rules::ALL
            .iter()
            .copied()
            .filter(|r| version.categories(r).is_some_and(|c| c.contains(&cat)))
            .collect());
    }
    if let Some(r) = rules::by_id(item).filter(|r| version.categories(r).is_some()) {
        return Ok(vec![r]);
    }
    if let Some(ids) = replacements(item, version) {
        return Ok(ids.iter().filter_map(|id| rules::by_id(id)).collect());
    }
    Err(ConfigError {
        file: source.to_string(),
        message: format!(
            "unknown breaking rule or category '{item}'; expected a category (FILE, PACKAGE, WIRE_JSON, WIRE) or a rule ID (see `tandem rules`)"
        ),
    })
}

impl BreakingConfig {
    /// The rules this configuration enables, in table order.
    pub fn select(&self, source: &str, version: BufVersion) -> Result<Vec<&'static Rule>, ConfigError> {
        let mut chosen: Vec<&'static Rule> = Vec::new();
        let uses: Vec<String> = if self.use_.is_empty() { vec!["FILE".into()] } else { self.use_.clone() };
        for u in &uses {
            for r in expand(u, source, version)? {
                if !chosen.iter().any(|c| c.id == r.id) {
                    chosen.push(r);
                }
            }
        }
        for x in &self.except {
            let drop: Vec<&str> = expand(x, source, version)?.iter().map(|r| r.id).collect();
            chosen.retain(|r| !drop.contains(&r.id));
        }
        for id in self.ignore_only.keys() {
            expand(id, source, version)?;
        }
        chosen.sort_by_key(|r| rules::ALL.iter().position(|a| a.id == r.id));
        Ok(chosen)
    }

    /// Whether a finding of `rule` at `path` (or import name `name`) is ignored.
    pub fn ignores(&self, rule: &Rule, path: &str, name: &str) -> bool {
        let under = |p: &str, prefix: &str| {
            let prefix = prefix.trim_end_matches('/');
            p == prefix || p.starts_with(&format!("{prefix}/"))
        };
        let hit = |list: &[String]| list.iter().any(|i| under(path, i) || under(name, i));
        if hit(&self.ignore) {
            return true;
        }
        self.ignore_only.iter().any(|(k, paths)| {
            (k == rule.id || Category::parse(k).is_some_and(|c| rule.categories.contains(&c))) && hit(paths)
        })
    }
}

/// Whether a package is unstable (`foo.v1alpha1`, `foo.v2beta`, `foo.v1test`, `foo.v1p1beta1`).
pub fn is_unstable_package(package: &str) -> bool {
    let last = package.rsplit('.').next().unwrap_or("");
    let Some(rest) = last.strip_prefix('v') else { return false };
    let digits = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    if digits.len() == rest.len() {
        return false;
    }
    let digits = match digits.strip_prefix('p') {
        Some(after) => after.trim_start_matches(|c: char| c.is_ascii_digit()),
        None => digits,
    };
    ["alpha", "beta", "test"].iter().any(|s| digits.starts_with(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buf_yaml_is_read_with_the_yaml_reader_anchors_included() {
        let text = b"version: v2\nmodules:\n  - path: proto\n    excludes: [proto/tmp]\n    breaking: &b\n      use: [WIRE]\n      except:\n        - FIELD_NO_DELETE\t# kept\n  - path: other\n    breaking: *b\n";
        let c = read_buf_yaml("sub", "sub/buf.yaml", text).unwrap();
        assert_eq!(c.roots, ["sub/proto", "sub/other"]);
        assert_eq!(c.excludes, ["sub/proto/tmp"]);
        assert_eq!(
            (c.breaking.use_.as_slice(), c.breaking.except.as_slice()),
            (&["WIRE".to_string()][..], &["FIELD_NO_DELETE".to_string()][..])
        );
        assert_eq!(read_buf_yaml("", "buf.yaml", b"").unwrap().version, BufVersion::V1, "an empty buf.yaml");
        let e = read_buf_yaml("", "buf.yaml", b"version: v1\nbreaking:\n  use: [FILE\n").unwrap_err().to_string();
        assert!(e.starts_with("buf.yaml: ") && e.contains("(line "), "{e}");
    }

    #[test]
    fn default_selection_is_the_file_category() {
        let rules = BreakingConfig::default().select("x", BufVersion::V2).unwrap();
        assert!(rules.iter().any(|r| r.id == "FIELD_NO_DELETE"));
        assert!(!rules.iter().any(|r| r.id == "PACKAGE_NO_DELETE"));
        assert!(!rules.iter().any(|r| r.id == "FIELD_WIRE_COMPATIBLE_TYPE"));
    }

    #[test]
    fn except_and_unknown_ids() {
        let c = BreakingConfig {
            use_: vec!["WIRE".into()],
            except: vec!["FIELD_WIRE_COMPATIBLE_TYPE".into()],
            ..Default::default()
        };
        let ids: Vec<&str> = c.select("buf.yaml", BufVersion::V2).unwrap().iter().map(|r| r.id).collect();
        assert!(ids.contains(&"FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED"));
        assert!(!ids.contains(&"FIELD_WIRE_COMPATIBLE_TYPE"));
        let bad = BreakingConfig { use_: vec!["FILES".into()], ..Default::default() };
        let e = bad.select("buf.yaml", BufVersion::V2).err().expect("refused").to_string();
        assert!(e.starts_with("buf.yaml: unknown breaking rule or category 'FILES'"), "{e}");
    }

    #[test]
    fn unstable_packages() {
        for p in ["a.v1alpha1", "a.v2beta", "a.v1test", "a.v1p1beta1"] {
            assert!(is_unstable_package(p), "{p}");
        }
        for p in ["a.v1", "a.valpha", "a", "a.version"] {
            assert!(!is_unstable_package(p), "{p}");
        }
    }
}
