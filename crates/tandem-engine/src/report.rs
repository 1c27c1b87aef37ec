//! Analysis reports for people and machines: text, Markdown (a pull-request comment) and
//! SARIF 2.1.0 (code scanning). JSON is the serialized [`Analysis`].

use crate::analysis::Analysis;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt::Write;
use tandem_model::{Finding, ImpactLevel, Severity};

/// What a rule checks, for SARIF rule metadata and reports.
pub fn rule_description(id: &str) -> String {
    match id {
        tandem_analyze::protobuf::COMPILE_RULE => "Checks that protobuf files compile.".into(),
        tandem_analyze::protobuf::COMPILE_PREVIOUS_RULE => {
            "Notes protobuf files whose previous revision does not compile (they are not compared).".into()
        }
        _ => {
            tandem_analyze::protobuf::rules::by_id(id).map(|r| r.purpose.to_string()).unwrap_or_else(|| id.to_string())
        }
    }
}

fn short(s: &str) -> String {
    if s.len() == 40 && s.chars().all(|c| c.is_ascii_hexdigit()) {
        s[..12].to_string()
    } else {
        s.to_string()
    }
}

fn by_file(findings: &[Finding]) -> BTreeMap<&str, Vec<&Finding>> {
    let mut m: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        m.entry(f.path.as_str()).or_default().push(f);
    }
    m
}

/// Text for a terminal: grouped by file, then impact and what to do.
pub fn text(a: &Analysis) -> String {
    let mut out = String::new();
    let what = a.repo.as_ref().map(|r| r.to_string()).unwrap_or_else(|| a.root.display().to_string());
    let _ = writeln!(
        out,
        "{what}: {} .. {} ({} contract files compared, rules from {})",
        short(&a.base),
        short(&a.head),
        a.files.len(),
        a.config
    );
    if a.findings.is_empty() {
        let _ = writeln!(out, "no breaking or notable contract changes");
    }
    for (path, fs) in by_file(&a.findings) {
        let _ = writeln!(out, "\n{path}");
        for f in fs {
            let _ = writeln!(
                out,
                "  {:>4}:{:<3} {:<8} {:<40} {}",
                f.line,
                f.column,
                f.severity.as_str(),
                f.rule,
                f.message
            );
        }
    }
    let c = &a.counts;
    let _ = writeln!(out, "\n{} breaking, {} warnings, {} notes", c.breaking, c.warning, c.info);
    let _ = writeln!(out, "impact: {} — {}", a.impact.level.as_str(), a.impact.reason);
    if !a.impact.consumers.is_empty() {
        let names: Vec<String> = a.impact.consumers.iter().map(|c| format!("{} ({})", c.repo, c.relation)).collect();
        let _ = writeln!(out, "must follow: {}", names.join(", "));
    }
    if let (Some(ct), Some(st)) = (a.impact.change_type, a.impact.strategy) {
        let _ = writeln!(out, "suggested coordination: {ct} ({st})");
    }
    if !a.recommendations.is_empty() {
        let _ = writeln!(out, "recommendations:");
        for r in &a.recommendations {
            let _ = writeln!(out, "  - {r}");
        }
    }
    if let Some(c) = a.coordination {
        let _ = writeln!(out, "coordination #{c} is open for it: tandem coord show {c}");
    }
    out
}

fn escape_md(s: &str) -> String {
    s.replace('|', "\\|").replace('<', "&lt;").replace('>', "&gt;")
}

/// Markdown for a pull-request comment. The first line is a marker so a bot can update its
/// comment instead of adding another.
pub fn markdown(a: &Analysis) -> String {
    let mut out = String::from("<!-- tandem:analysis -->\n");
    let icon = match a.impact.level {
        ImpactLevel::Critical => "🔴",
        ImpactLevel::High => "🟠",
        ImpactLevel::Medium => "🟡",
        ImpactLevel::Low => "🔵",
        ImpactLevel::None => "🟢",
    };
    let what = a.repo.as_ref().map(|r| r.to_string()).unwrap_or_else(|| "this repository".into());
    let _ = writeln!(out, "## {icon} tandem: contract changes in {what}\n");
    let _ = writeln!(
        out,
        "**{}** breaking · **{}** warnings · impact **{}** — {}\n",
        a.counts.breaking,
        a.counts.warning,
        a.impact.level.as_str(),
        escape_md(&a.impact.reason)
    );
    if !a.findings.is_empty() {
        out.push_str("| | Rule | Where | What |\n|---|---|---|---|\n");
        for f in &a.findings {
            let sev = match f.severity {
                Severity::Breaking => "❌",
                Severity::Warning => "⚠️",
                Severity::Info => "ℹ️",
            };
            let _ = writeln!(out, "| {sev} | `{}` | `{}:{}` | {} |", f.rule, f.path, f.line, escape_md(&f.message));
        }
        out.push('\n');
    }
    if !a.impact.consumers.is_empty() {
        let names: Vec<String> = a.impact.consumers.iter().map(|c| format!("`{}` ({})", c.repo, c.relation)).collect();
        let _ = writeln!(out, "**Repositories that must follow:** {}\n", names.join(", "));
    }
    if !a.recommendations.is_empty() {
        out.push_str("<details><summary>Recommendations</summary>\n\n");
        for r in &a.recommendations {
            let _ = writeln!(out, "- {}", escape_md(r));
        }
        out.push_str("\n</details>\n");
    }
    let _ =
        writeln!(out, "\n<sub>{} .. {} · rules from {}</sub>", short(&a.base), short(&a.head), escape_md(&a.config));
    out
}

/// SARIF 2.1.0, as GitHub code scanning accepts it.
pub fn sarif(a: &Analysis) -> Value {
    let mut rule_ids: Vec<&str> = a.findings.iter().map(|f| f.rule.as_str()).collect();
    rule_ids.sort_unstable();
    rule_ids.dedup();
    let rules: Vec<Value> = rule_ids
        .iter()
        .map(|id| {
            let level = if id.ends_with("_PREVIOUS") { "warning" } else { "error" };
            json!({
                "id": id,
                "name": id.to_lowercase().split('_').map(|w| { let mut c = w.chars(); c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default() }).collect::<String>(),
                "shortDescription": { "text": rule_description(id) },
                "fullDescription": { "text": rule_description(id) },
                "defaultConfiguration": { "level": level },
                "properties": { "tags": ["breaking-change", "protobuf"] }
            })
        })
        .collect();
    let results: Vec<Value> = a
        .findings
        .iter()
        .map(|f| {
            let level = match f.severity {
                Severity::Breaking => "error",
                Severity::Warning => "warning",
                Severity::Info => "note",
            };
            let line = f.line.max(1);
            let column = f.column.max(1);
            let end_line = f.end_line.max(line);
            let end_column = if end_line == line { f.end_column.max(column) } else { f.end_column.max(1) };
            json!({
                "ruleId": f.rule,
                "ruleIndex": rule_ids.iter().position(|r| *r == f.rule).unwrap_or(0),
                "level": level,
                "message": { "text": f.message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": f.path, "uriBaseId": "%SRCROOT%" },
                        "region": { "startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column }
                    }
                }],
                "partialFingerprints": { "tandemFinding/v1": format!("{}:{}:{}", f.rule, f.path, f.message) }
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "tandem",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules
            }},
            "automationDetails": { "id": format!("tandem/analyze/{}/", a.repo.as_ref().map(|r| r.as_str()).unwrap_or("repository")) },
            "results": results
        }]
    })
}

/// One entry of the rule reference.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RuleDoc {
    pub id: String,
    pub kind: String,
    pub severity: Severity,
    /// buf's categories for protobuf rules; empty for other kinds.
    pub categories: Vec<String>,
    pub summary: String,
    pub why: String,
}

/// Every rule of every detector: protobuf first (buf's IDs), then the other detectors.
pub fn rule_catalogue() -> Vec<RuleDoc> {
    let mut out: Vec<RuleDoc> = tandem_analyze::protobuf::rules::ALL
        .iter()
        .map(|r| RuleDoc {
            id: r.id.to_string(),
            kind: "protobuf".into(),
            severity: Severity::Breaking,
            categories: r.categories.iter().map(|c| c.as_str().to_string()).collect(),
            summary: r.purpose.to_string(),
            why: r.why.to_string(),
        })
        .collect();
    out.push(RuleDoc {
        id: tandem_analyze::protobuf::COMPILE_RULE.into(),
        kind: "protobuf".into(),
        severity: Severity::Breaking,
        categories: vec![],
        summary: rule_description(tandem_analyze::protobuf::COMPILE_RULE),
        why: "A contract that does not compile cannot be generated or consumed; it is reported with the compiler's message and place, and the other files are still compared.".into(),
    });
    for d in tandem_analyze::detect::detectors() {
        for r in d.rules() {
            out.push(RuleDoc {
                id: r.id.to_string(),
                kind: r.kind.to_string(),
                severity: r.severity,
                categories: vec![],
                summary: r.summary.to_string(),
                why: r.why.to_string(),
            });
        }
    }
    out
}

/// The rule reference as Markdown (`docs/rules.md` is this output).
pub fn rules_markdown(rules: &[RuleDoc]) -> String {
    let mut out = String::from(
        "# tandem rule reference\n\nGenerated by `tandem rules --format markdown`; do not edit by hand.\n\nEvery rule has a stable ID. Protobuf rules use the IDs, categories and verdicts of `buf breaking`; the other detectors use their own IDs (SQL rules reuse squawk's names where one matches).\n",
    );
    let mut kinds: Vec<&str> = rules.iter().map(|r| r.kind.as_str()).collect();
    kinds.dedup();
    for kind in kinds {
        let _ = writeln!(out, "\n## {kind}\n");
        out.push_str(
            "| Rule | Severity | Categories | What it checks | Why it breaks consumers |\n|---|---|---|---|---|\n",
        );
        for r in rules.iter().filter(|r| r.kind == kind) {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} |",
                r.id,
                r.severity.as_str(),
                if r.categories.is_empty() { "—".to_string() } else { r.categories.join(", ") },
                escape_md(&r.summary),
                escape_md(&r.why)
            );
        }
    }
    out
}

/// The rule reference as plain text.
pub fn rules_text(rules: &[RuleDoc]) -> String {
    let mut out = String::new();
    for r in rules {
        let _ = writeln!(out, "{:<48} {:<10} {:<9} {}", r.id, r.kind, r.severity.as_str(), r.summary);
    }
    out
}
