//! Issues on GitHub as tandem writes and reads them.
//!
//! A body tandem writes has three parts: a hidden metadata line (the marker, kind, coordination
//! and parent), then the section tandem owns between `<!-- tandem:begin -->` and
//! `<!-- tandem:end -->`. Text a person writes outside the section survives every update; the
//! engine only ever sees (and replaces) the section's inside.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tandem_model::{CoordId, Issue, IssueKind, IssueRef, IssueState, RepoName};

const META: &str = "<!-- tandem:issue ";
pub const BEGIN: &str = "<!-- tandem:begin: tandem keeps this section up to date; write outside it -->";
pub const END: &str = "<!-- tandem:end -->";

/// The hidden metadata tandem keeps in each body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    pub marker: String,
    pub kind: IssueKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coordination: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

impl Meta {
    fn line(&self) -> String {
        // `-->` may only appear inside JSON strings; escaped there, the comment cannot end early.
        let json = serde_json::to_string(self).unwrap_or_default().replace("-->", "--\\u003e");
        format!("{META}{json} -->")
    }
}

/// A whole GitHub body: metadata, and `section` inside tandem's markers.
pub fn compose(meta: &Meta, section: &str) -> String {
    format!("{}\n{BEGIN}\n{}{END}\n", meta.line(), with_newline(section))
}

/// The section as written between the markers: ending with a newline, so the end marker has
/// its own line. (The engine's bodies already end with one, and read back unchanged.)
fn with_newline(section: &str) -> String {
    if section.ends_with('\n') {
        section.to_string()
    } else {
        format!("{section}\n")
    }
}

/// The metadata of a body, if tandem wrote it.
pub fn meta_of(body: &str) -> Option<Meta> {
    let start = body.find(META)? + META.len();
    let end = body[start..].find("-->")? + start;
    serde_json::from_str(body[start..end].trim()).ok()
}

/// The inside of tandem's section (with the trailing newline the engine's bodies end with);
/// the whole body without the metadata line when a person removed the section's markers.
pub fn section_of(body: &str) -> String {
    let body = body.replace("\r\n", "\n");
    match (body.find(BEGIN), body.find(END)) {
        (Some(b), Some(e)) if b < e => {
            let inner = &body[b + BEGIN.len()..e];
            inner.strip_prefix('\n').unwrap_or(inner).to_string()
        }
        _ => body.lines().filter(|l| !l.starts_with(META)).collect::<Vec<_>>().join("\n") + "\n",
    }
}

/// `body` with tandem's section replaced by `section`; what a person wrote outside it stays.
pub fn replace_section(body: &str, meta: &Meta, section: &str) -> String {
    let body = body.replace("\r\n", "\n");
    match (body.find(BEGIN), body.find(END)) {
        (Some(b), Some(e)) if b < e => {
            format!("{}{BEGIN}\n{}{}", &body[..b], with_newline(section), &body[e..])
        }
        // The markers are gone: put the section back and keep the person's text below it.
        _ => {
            let rest: Vec<&str> = body.lines().filter(|l| !l.starts_with(META)).collect();
            let rest = rest.join("\n");
            let rest = rest.trim();
            let mut out = compose(meta, section);
            if !rest.is_empty() {
                out.push('\n');
                out.push_str(rest);
                out.push('\n');
            }
            out
        }
    }
}

/// tandem's view of a GitHub issue's JSON (REST `issue` schema); `None` for issues tandem did not
/// open (no metadata) and pull requests.
pub fn from_json(repo: &RepoName, v: &Value) -> Option<Issue> {
    if v.get("pull_request").is_some_and(|p| !p.is_null()) {
        return None;
    }
    let body = v.get("body").and_then(Value::as_str).unwrap_or_default();
    let meta = meta_of(body)?;
    let time = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap_or_default()
    };
    Some(Issue {
        reference: IssueRef { repo: repo.clone(), number: v.get("number")?.as_u64()? },
        kind: meta.kind,
        coordination: meta.coordination.map(CoordId),
        marker: meta.marker.clone(),
        title: v.get("title").and_then(Value::as_str).unwrap_or_default().to_string(),
        body: section_of(body),
        state: if v.get("state").and_then(Value::as_str) == Some("closed") {
            IssueState::Closed
        } else {
            IssueState::Open
        },
        labels: labels_of(v),
        parent: meta.parent.as_deref().and_then(|p| IssueRef::parse(p).ok()),
        created_at: time("created_at"),
        updated_at: time("updated_at"),
    })
}

/// The label names of an issue's JSON, in GitHub's order.
pub fn labels_of(v: &Value) -> Vec<String> {
    v.get("labels")
        .and_then(Value::as_array)
        .map(|ls| {
            ls.iter()
                .filter_map(|l| l.get("name").and_then(Value::as_str).or_else(|| l.as_str()))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The colour a new label gets: status and blocked labels stand out, the rest are grey.
pub fn label_color(name: &str) -> &'static str {
    match name {
        "coordination:blocked" | "status:blocked" => "d73a4a",
        "status:done" | "status:merged" => "0e8a16",
        n if n.starts_with("status:") => "fbca04",
        n if n.starts_with("priority:") => "b60205",
        n if n.starts_with("type:") => "1d76db",
        _ => "ededed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> Meta {
        Meta { marker: "k-->x".into(), kind: IssueKind::Child, coordination: Some(3), parent: Some("loqa#1".into()) }
    }

    #[test]
    fn a_composed_body_gives_back_its_section_and_metadata() {
        let body = compose(&meta(), "## Tasks\n- [ ] one\n");
        assert_eq!(section_of(&body), "## Tasks\n- [ ] one\n");
        assert_eq!(meta_of(&body), Some(meta()));
    }

    #[test]
    fn text_outside_the_section_survives_a_replacement() {
        let body = compose(&meta(), "- [ ] one\n");
        let edited = format!("Notes from a person\n{body}\nMore below\n");
        let after = replace_section(&edited, &meta(), "- [x] one\n");
        assert!(after.starts_with("Notes from a person\n"));
        assert!(after.ends_with("More below\n"));
        assert_eq!(section_of(&after), "- [x] one\n");
        assert_eq!(meta_of(&after), Some(meta()));
    }

    #[test]
    fn a_body_whose_markers_were_removed_gets_its_section_back() {
        let body = format!("{}\nsomething a person wrote\n", meta().line());
        let after = replace_section(&body, &meta(), "- [ ] one\n");
        assert_eq!(section_of(&after), "- [ ] one\n");
        assert!(after.contains("something a person wrote"));
    }
}

/// `text` with every issue reference `FROM#N` of `pairs` written `TO#N` (the longest `FROM`
/// first, and only where a reference starts: not inside another name or path). tandem writes
/// `loqa-hub#3`; GitHub links `owner/loqa-hub#3`: bodies go out with GitHub's spelling and come
/// back with tandem's, unchanged by the round trip.
pub fn rewrite_refs(text: &str, pairs: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = pairs.iter().collect();
    sorted.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let bytes = text.as_bytes();
    'scan: while i < text.len() {
        let starts = i == 0 || {
            let p = bytes[i - 1];
            !(p.is_ascii_alphanumeric() || b"-_./".contains(&p))
        };
        if starts {
            for (from, to) in &sorted {
                let rest = &text[i..];
                if let Some(after) = rest.strip_prefix(from.as_str()).and_then(|r| r.strip_prefix('#')) {
                    if after.starts_with(|c: char| c.is_ascii_digit()) {
                        out.push_str(to);
                        out.push('#');
                        i += from.len() + 1;
                        continue 'scan;
                    }
                }
            }
        }
        let ch = text[i..].chars().next().unwrap_or_default();
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

#[cfg(test)]
mod ref_tests {
    use super::rewrite_refs;

    #[test]
    fn references_go_out_with_owner_and_come_back_unchanged() {
        let out = vec![("loqa".to_string(), "acme/loqa".to_string()), ("loqa-hub".into(), "acme/loqa-hub".into())];
        let back: Vec<(String, String)> = out.iter().map(|(a, b)| (b.clone(), a.clone())).collect();
        let text = "Part of loqa#1; - [ ] loqa-hub#12 loqa-hub (service), see x/loqa#2 and #4 and loqa#x";
        let gh = rewrite_refs(text, &out);
        assert_eq!(
            gh,
            "Part of acme/loqa#1; - [ ] acme/loqa-hub#12 loqa-hub (service), see x/loqa#2 and #4 and loqa#x"
        );
        assert_eq!(rewrite_refs(&gh, &back), text);
    }
}
