//! Checklists: parsed from rendered Markdown task lists, ticked by number or text.

use serde::{Deserialize, Serialize};

/// One `- [ ]` line of an issue body, under the `##` heading it sits in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistItem {
    pub section: String,
    pub text: String,
    pub checked: bool,
}

/// Reads the task-list items of a Markdown body. Headings (`#`…) name the section of the
/// items below them; `- [ ]`, `* [ ]` and `- [x]` lines are items.
pub fn parse_checklist(markdown: &str) -> Vec<ChecklistItem> {
    let mut section = String::new();
    let mut items = Vec::new();
    for line in markdown.lines() {
        let t = line.trim();
        if let Some(h) = t.strip_prefix('#') {
            section = h.trim_start_matches('#').trim().to_string();
            continue;
        }
        let rest = t.strip_prefix("- ").or_else(|| t.strip_prefix("* "));
        let Some(rest) = rest else { continue };
        let (checked, text) = if let Some(x) = rest.strip_prefix("[ ]") {
            (false, x)
        } else if let Some(x) = rest.strip_prefix("[x]").or_else(|| rest.strip_prefix("[X]")) {
            (true, x)
        } else {
            continue;
        };
        let text = text.trim();
        if !text.is_empty() {
            items.push(ChecklistItem { section: section.clone(), text: text.to_string(), checked });
        }
    }
    items
}

/// Renders items as a Markdown task list grouped by section.
pub fn render_checklist(items: &[ChecklistItem]) -> String {
    let mut out = String::new();
    let mut current: Option<&str> = None;
    for it in items {
        if current != Some(it.section.as_str()) {
            if current.is_some() {
                out.push('\n');
            }
            if !it.section.is_empty() {
                out.push_str(&format!("## {}\n\n", it.section));
            }
            current = Some(&it.section);
        }
        out.push_str(&format!("- [{}] {}\n", if it.checked { "x" } else { " " }, it.text));
    }
    out
}

/// Rewrites the task-list lines of `markdown` so that the n-th item's box matches `items[n]`;
/// everything else is kept as written.
pub fn apply_checklist(markdown: &str, items: &[ChecklistItem]) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut k = 0;
    for line in markdown.split_inclusive('\n') {
        let indent = line.len() - line.trim_start().len();
        let t = &line[indent..];
        let is_item = (t.starts_with("- [") || t.starts_with("* ["))
            && (t[2..].starts_with("[ ]") || t[2..].starts_with("[x]") || t[2..].starts_with("[X]"))
            && !t[5..].trim().is_empty();
        if is_item && k < items.len() {
            out.push_str(&line[..indent + 3]);
            out.push(if items[k].checked { 'x' } else { ' ' });
            out.push_str(&line[indent + 4..]);
            k += 1;
        } else {
            out.push_str(line);
        }
    }
    out
}

/// How a user names a checklist item: its 1-based number or (part of) its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemSelector {
    Number(usize),
    Text(String),
}

impl ItemSelector {
    pub fn parse(s: &str) -> ItemSelector {
        match s.trim().parse::<usize>() {
            Ok(n) => ItemSelector::Number(n),
            Err(_) => ItemSelector::Text(s.trim().to_string()),
        }
    }

    /// The index of the item meant; the error lists the items.
    pub fn find(&self, items: &[ChecklistItem]) -> Result<usize, String> {
        let listing = || {
            items.iter().enumerate().map(|(i, it)| format!("  {}. {}", i + 1, it.text)).collect::<Vec<_>>().join("\n")
        };
        match self {
            ItemSelector::Number(n) if *n >= 1 && *n <= items.len() => Ok(n - 1),
            ItemSelector::Number(n) => Err(format!("no checklist item {n}; the items are:\n{}", listing())),
            ItemSelector::Text(t) => {
                let lower = t.to_lowercase();
                if let Some(i) = items.iter().position(|it| it.text.to_lowercase() == lower) {
                    return Ok(i);
                }
                let hits: Vec<usize> =
                    (0..items.len()).filter(|&i| items[i].text.to_lowercase().contains(&lower)).collect();
                match hits.as_slice() {
                    [i] => Ok(*i),
                    [] => Err(format!("no checklist item matches '{t}'; the items are:\n{}", listing())),
                    _ => Err(format!(
                        "'{t}' matches {} items ({}); give its number instead:\n{}",
                        hits.len(),
                        hits.iter().map(|i| (i + 1).to_string()).collect::<Vec<_>>().join(", "),
                        listing()
                    )),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "Intro\n\n## Implementation\n\n- [ ] Update gRPC server\n- [x] Bump loqa-proto\n\n## Definition of done\n* [ ] Deployed\n- not an item\n";

    #[test]
    fn parses_items_with_sections() {
        let items = parse_checklist(BODY);
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].section, "Implementation");
        assert!(items[1].checked);
        assert_eq!(items[2].section, "Definition of done");
        assert_eq!(parse_checklist(&render_checklist(&items)), items);
    }

    #[test]
    fn applying_a_checklist_ticks_boxes_in_place() {
        let mut items = parse_checklist(BODY);
        items[0].checked = true;
        items[1].checked = false;
        let body = apply_checklist(BODY, &items);
        assert!(body.contains("- [x] Update gRPC server\n- [ ] Bump loqa-proto"));
        assert_eq!(parse_checklist(&body), items);
        assert!(body.starts_with("Intro\n\n## Implementation"));
    }

    #[test]
    fn selects_by_number_and_text() {
        let items = parse_checklist(BODY);
        assert_eq!(ItemSelector::parse("2").find(&items), Ok(1));
        assert_eq!(ItemSelector::parse("deployed").find(&items), Ok(2));
        assert_eq!(ItemSelector::parse("grpc").find(&items), Ok(0));
        assert!(ItemSelector::parse("9").find(&items).unwrap_err().contains("1. Update gRPC server"));
        assert!(ItemSelector::parse("p").find(&items).unwrap_err().contains("matches 3 items"));
    }
}
