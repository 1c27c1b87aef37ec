//! The OpenAPI 3.0 / 3.1 detector: compares two revisions of one document (YAML or JSON) and
//! reports breaking changes to its operations, parameters, bodies, responses and security.
//!
//! Both revisions are parsed into an owned tree (`node`); local `$ref`s are followed lazily with
//! a hop limit (`spec`), schemas are merged and walked with cycle protection (`schema`), and the
//! framework pairs elements for the rules (`framework`, `rules`). Every mapping and sequence
//! keeps the line the parser saw it on. Bad input is a finding (`OPENAPI_PARSE`), never a panic.

mod framework;
mod node;
mod rules;
mod schema;
mod shape;
mod spec;
#[cfg(test)]
mod tests;
mod unchanged;

use crate::detect::{finding, DetectOptions, Detector, FilePair, RuleInfo};
use spec::{Doc, Spec};
use std::sync::OnceLock;
use tandem_model::{ContractKind, Finding, Severity};

/// Both revisions are parsed on two threads from this size on.
const PARALLEL_PARSE_BYTES: usize = 256 * 1024;

struct OpenApi;

static DETECTOR: OpenApi = OpenApi;

/// The OpenAPI detector.
pub fn detector() -> Option<&'static dyn Detector> {
    Some(&DETECTOR)
}

impl Detector for OpenApi {
    fn kind(&self) -> &'static str {
        "openapi"
    }

    fn claims(&self, path: &str, declared: Option<ContractKind>, cur: Option<&[u8]>) -> bool {
        match declared {
            Some(kind) => kind == ContractKind::Openapi,
            None => {
                let lower = path.to_ascii_lowercase();
                [".yaml", ".yml", ".json"].iter().any(|e| lower.ends_with(e)) && cur.is_some_and(looks_like_openapi3)
            }
        }
    }

    fn compare(&self, pair: &FilePair, _opts: &DetectOptions) -> Vec<Finding> {
        compare(pair)
    }

    fn rules(&self) -> &'static [RuleInfo] {
        static INFOS: OnceLock<Vec<RuleInfo>> = OnceLock::new();
        INFOS.get_or_init(|| rules::ALL.iter().map(|r| r.info).collect())
    }
}

/// A cheap look for a top-level `openapi: 3.x` (YAML) or `"openapi": "3.x"` (JSON), without
/// parsing.
fn looks_like_openapi3(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    let value_is_3 = |rest: &str| {
        let v = rest.trim_start().trim_start_matches(['"', '\'']);
        v.starts_with("3.") || v.starts_with("3\"") || v.starts_with("3'")
    };
    if text.trim_start().starts_with('{') {
        let mut rest: &str = &text;
        while let Some(i) = rest.find("\"openapi\"") {
            rest = &rest[i + 9..];
            if let Some(after) = rest.trim_start().strip_prefix(':') {
                if value_is_3(after) {
                    return true;
                }
            }
        }
        return false;
    }
    text.lines().any(|l| {
        let l = l.trim_start_matches('\u{feff}');
        let key = l.strip_prefix("openapi:").or_else(|| l.strip_prefix("\"openapi\":"));
        key.or_else(|| l.strip_prefix("'openapi':")).is_some_and(value_is_3)
    })
}

fn parse_rule() -> &'static RuleInfo {
    &rules::openapi_parse::RULE.info
}

fn compare(pair: &FilePair) -> Vec<Finding> {
    if pair.prev.is_some() && pair.prev == pair.cur {
        return Vec::new();
    }
    let json = pair.path.to_ascii_lowercase().ends_with(".json");
    let parse = |b: Option<&[u8]>| b.map(|b| Doc::parse(b, json));
    let big = pair.prev.map_or(0, <[u8]>::len).min(pair.cur.map_or(0, <[u8]>::len)) >= PARALLEL_PARSE_BYTES;
    let (prev, cur) = if big {
        std::thread::scope(|s| {
            let prev = s.spawn(|| parse(pair.prev));
            let cur = parse(pair.cur);
            (prev.join().unwrap_or_else(|p| std::panic::resume_unwind(p)), cur)
        })
    } else {
        (parse(pair.prev), parse(pair.cur))
    };

    let rule = parse_rule();
    let mut findings = Vec::new();
    let mut unusable = false;
    // Current revision: breaking, where it is.
    let cur = match cur {
        None => Doc::empty(),
        Some(Ok(doc)) => match doc.version() {
            Some(v) if v.starts_with('3') => doc,
            other => {
                let what = other.map_or("has no \"openapi\" version".to_string(), |v| format!("is version {v}"));
                findings.push(finding(
                    rule,
                    pair.path,
                    1,
                    1,
                    format!("The document {what}; only OpenAPI 3.0 and 3.1 are compared, so it was not."),
                ));
                unusable = true;
                Doc::empty()
            }
        },
        Some(Err(e)) => {
            findings.push(finding(
                rule,
                pair.path,
                e.line,
                1,
                format!("The document could not be parsed ({}), so it was not compared.", e.message),
            ));
            unusable = true;
            Doc::empty()
        }
    };
    // Previous revision: a warning, at the top (its lines are not the current ones).
    let prev = match prev {
        None => Doc::empty(),
        Some(Ok(doc)) if doc.version().is_some_and(|v| v.starts_with('3')) => doc,
        Some(other) => {
            let why = match other {
                Err(e) => format!("could not be parsed ({} at line {})", e.message, e.line),
                Ok(_) => "was not an OpenAPI 3.x document".to_string(),
            };
            let mut f = finding(
                rule,
                pair.path,
                1,
                1,
                format!("The previous revision of the document {why}, so it was not compared."),
            );
            f.severity = Severity::Warning;
            findings.push(f);
            unusable = true;
            Doc::empty()
        }
    };
    if unusable {
        return findings;
    }
    for (line, problem) in shape::problems(&cur.root) {
        findings.push(finding(rule, pair.path, line, 1, problem));
    }
    for (ptr, problem) in cur.ref_problems() {
        findings.push(finding(rule, pair.path, cur.line(&ptr), 1, format!("Reference {problem}.")));
    }
    let same = unchanged::unchanged_paths(&prev, &cur);
    let (p, c) = (Spec::build(&prev, &same), Spec::build(&cur, &same));
    findings.extend(framework::run(pair.path, &p, &c, rules::ALL));
    drop((p, c, same));
    // Freeing two large trees takes a while; nobody needs to wait for it.
    if prev.is_large() || cur.is_large() {
        std::thread::spawn(move || drop((prev, cur)));
    }
    findings.sort_by(|a, b| (a.line, &a.rule, &a.message).cmp(&(b.line, &b.rule, &b.message)));
    findings.dedup();
    findings
}
