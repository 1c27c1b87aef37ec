//! tandem's GitHub issue forms, and the body GitHub renders from them read back into a
//! [`CreateRequest`].
//!
//! GitHub renders a submitted form as Markdown: one `### Label` heading per field in the
//! form's order, the answer below it, `_No response_` for an empty optional answer, and each
//! checkbox option as `- [X] label` or `- [ ] label`. [`parse_form_body`] reads exactly that
//! shape and says what is wrong with anything else (a missing, renamed or extra section, an
//! unknown repository, an answer that is not one of the choices), so that the issue gets one
//! comment listing every problem and no coordination is created from a half-understood body.

use crate::CreateRequest;
use tandem_model::{ChangeType, Priority, RepoName, Workspace};

/// The answer GitHub writes for an optional field left empty.
pub const NO_RESPONSE: &str = "_No response_";

/// The longest form body read, in bytes (GitHub itself caps issue bodies at 65,536 characters).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// The fields' labels, which are the `### ` headings of the rendered body, in form order.
pub const CHANGE_TYPE: &str = "Change type";
pub const PRIORITY: &str = "Priority";
pub const REPOSITORIES: &str = "Repositories";
pub const DESCRIPTION: &str = "Description";
pub const PLAN: &str = "Plan";
const SECTIONS: [&str; 5] = [CHANGE_TYPE, PRIORITY, REPOSITORIES, DESCRIPTION, PLAN];

/// tandem's two issue forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    /// Any cross-repository change (`cross-repo-coordination.yml`).
    Coordination,
    /// A change to a contract (`protocol-change.yml`): protocol or breaking.
    ProtocolChange,
}

impl FormKind {
    pub const ALL: [FormKind; 2] = [FormKind::Coordination, FormKind::ProtocolChange];

    /// The file name under `.github/ISSUE_TEMPLATE/`.
    pub fn file_name(self) -> &'static str {
        match self {
            FormKind::Coordination => "cross-repo-coordination.yml",
            FormKind::ProtocolChange => "protocol-change.yml",
        }
    }

    /// The label the form puts on the issues it opens (GitHub applies it when the repository
    /// has a label of that name).
    pub fn label(self) -> &'static str {
        match self {
            FormKind::Coordination => "tandem:coordination-request",
            FormKind::ProtocolChange => "tandem:protocol-change",
        }
    }

    /// The prefix of the issue title the form proposes; the rest is the coordination's title.
    pub fn title_prefix(self) -> &'static str {
        match self {
            FormKind::Coordination => "[Coordination]:",
            FormKind::ProtocolChange => "[Protocol change]:",
        }
    }

    fn name(self) -> &'static str {
        match self {
            FormKind::Coordination => "Cross-repository coordination",
            FormKind::ProtocolChange => "Protocol change",
        }
    }

    fn description(self) -> &'static str {
        match self {
            FormKind::Coordination => "Coordinate one change across several repositories with tandem",
            FormKind::ProtocolChange => {
                "Change a shared contract (protobuf, OpenAPI, SQL) and bring every consumer along"
            }
        }
    }

    /// The change types the form offers.
    pub fn change_types(self) -> &'static [ChangeType] {
        match self {
            FormKind::Coordination => ChangeType::ALL,
            FormKind::ProtocolChange => &[ChangeType::Protocol, ChangeType::Breaking],
        }
    }

    /// The form an issue was opened from: by the form's label, else by its title prefix (a
    /// repository without the label gets issues without it).
    pub fn of_issue(labels: &[&str], title: &str) -> Option<FormKind> {
        FormKind::ALL
            .into_iter()
            .find(|k| labels.contains(&k.label()))
            .or_else(|| FormKind::ALL.into_iter().find(|k| title.trim_start().starts_with(k.title_prefix())))
    }
}

/// A YAML scalar for any text: a JSON string is a valid YAML double-quoted scalar.
fn q(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// The form's YAML (GitHub's issue-form schema), from the workspace's repositories.
pub fn render_form(kind: FormKind, ws: &Workspace) -> String {
    let mut y = String::new();
    let intro = match kind {
        FormKind::Coordination => format!(
            "tandem opens one coordination for this request: a parent issue, one child issue per repository \
             checked below, and an integration-testing issue, in the order of the {} workspace's dependency graph. \
             Keep the section headings as they are: tandem reads the answers back from them.",
            ws.name
        ),
        FormKind::ProtocolChange => format!(
            "A change to a contract that other repositories of the {} workspace consume. Check the repository \
             that owns the contract and every consumer that must follow; tandem orders them providers first. \
             Keep the section headings as they are: tandem reads the answers back from them.",
            ws.name
        ),
    };
    y.push_str("# Generated by `tandem github init` from tandem.toml; run it again when the repositories change.\n");
    y.push_str(&format!("name: {}\n", q(kind.name())));
    y.push_str(&format!("description: {}\n", q(kind.description())));
    y.push_str(&format!("title: {}\n", q(&format!("{} ", kind.title_prefix()))));
    y.push_str(&format!("labels: [{}]\n", q(kind.label())));
    y.push_str("body:\n");
    y.push_str("  - type: markdown\n    attributes:\n");
    y.push_str(&format!("      value: {}\n", q(&intro)));

    let change_types: Vec<String> = kind.change_types().iter().map(|c| q(c.as_str())).collect();
    let description = "What kind of change this is; it decides the strategy and the checklists.";
    element(&mut y, "dropdown", "change-type", CHANGE_TYPE, description, &change_types, Some(true));
    let priorities: Vec<String> = Priority::ALL.iter().map(|p| q(p.as_str())).collect();
    let description = "Leave empty for the change type's default; some change types are never below a minimum.";
    element(&mut y, "dropdown", "priority", PRIORITY, description, &priorities, Some(false));
    let repos: Vec<String> = ws.repos.iter().map(|r| format!("label: {}", q(r.name.as_str()))).collect();
    let description = "Every repository that must change. Check at least one.";
    element(&mut y, "checkboxes", "repos", REPOSITORIES, description, &repos, None);
    element(&mut y, "textarea", "description", DESCRIPTION, "What changes and why.", &[], Some(true));
    element(&mut y, "textarea", "plan", PLAN, "Steps, rollout notes, links (optional).", &[], Some(false));
    y
}

/// One input of a form: `options` are YAML list items as written, `required` is left out
/// when `None` (checkboxes are required per option, not as a group).
fn element(
    y: &mut String,
    kind: &str,
    id: &str,
    label: &str,
    description: &str,
    options: &[String],
    required: Option<bool>,
) {
    y.push_str(&format!("  - type: {kind}\n    id: {id}\n    attributes:\n"));
    y.push_str(&format!("      label: {}\n      description: {}\n", q(label), q(description)));
    if !options.is_empty() {
        y.push_str("      options:\n");
        for o in options {
            y.push_str(&format!("        - {o}\n"));
        }
    }
    if let Some(r) = required {
        y.push_str(&format!("    validations:\n      required: {r}\n"));
    }
}

/// Reads a rendered form body back into a request (its `key` left for the caller to set).
/// `Err` lists every problem found, each a sentence for the comment that answers the issue.
pub fn parse_form_body(
    kind: FormKind,
    ws: &Workspace,
    title: &str,
    body: &str,
) -> std::result::Result<CreateRequest, Vec<String>> {
    let mut problems = Vec::new();
    if body.len() > MAX_BODY_BYTES {
        return Err(vec![format!(
            "the issue body is {} bytes long; a form's answers fit in {} bytes",
            body.len(),
            MAX_BODY_BYTES
        )]);
    }
    let title = title.trim();
    let title = title.strip_prefix(kind.title_prefix()).unwrap_or(title).trim();
    if title.is_empty() {
        problems.push(format!(
            "the issue title is only the form's prefix `{}`: give the change a title after it",
            kind.title_prefix()
        ));
    }

    // Split into `### ` sections; text before the first heading is not the form's.
    let body = body.replace("\r\n", "\n");
    let mut sections: Vec<(String, Vec<&str>)> = Vec::new();
    let mut preamble = false;
    for line in body.lines() {
        if let Some(h) = line.strip_prefix("### ") {
            sections.push((h.trim().to_string(), Vec::new()));
        } else if let Some((_, lines)) = sections.last_mut() {
            lines.push(line);
        } else if !line.trim().is_empty() {
            preamble = true;
        }
    }
    if preamble {
        problems
            .push("there is text before the first section (`### Change type`); the form's body starts with it".into());
    }
    let names: Vec<&str> = sections.iter().map(|(h, _)| h.as_str()).collect();
    let before = problems.len();
    for expected in SECTIONS {
        match names.iter().filter(|n| **n == expected).count() {
            0 => problems.push(format!("the section `### {expected}` is missing")),
            1 => {}
            n => problems.push(format!("the section `### {expected}` appears {n} times")),
        }
    }
    for n in &names {
        if !SECTIONS.contains(n) {
            problems.push(format!(
                "`### {}` is not a section of the form (its sections are {})",
                tandem_model::manifest::clip(n),
                SECTIONS.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
            ));
        }
    }
    // Order matters only once each section is there exactly once.
    if problems.len() == before {
        let in_order = names.iter().copied().eq(SECTIONS.iter().copied());
        if !in_order {
            problems.push(format!(
                "the sections are out of order; the form's order is {}",
                SECTIONS.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
            ));
        }
    }
    let answer = |name: &str| -> Option<String> {
        let lines = &sections.iter().find(|(h, _)| h == name)?.1;
        let text = lines.join("\n").trim().to_string();
        (text != NO_RESPONSE && !text.is_empty()).then_some(text)
    };
    let present = |name: &str| names.contains(&name);

    let change_type = match answer(CHANGE_TYPE) {
        Some(t) => match t.parse::<ChangeType>() {
            Ok(ct) if kind.change_types().contains(&ct) => Some(ct),
            _ => {
                problems.push(format!(
                    "`### {CHANGE_TYPE}` is `{}`; choose one of: {}",
                    tandem_model::manifest::clip(&t),
                    kind.change_types().iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
                ));
                None
            }
        },
        None if present(CHANGE_TYPE) => {
            problems.push(format!("`### {CHANGE_TYPE}` has no answer; it is required"));
            None
        }
        None => None,
    };
    let priority = match answer(PRIORITY) {
        Some(t) => match t.parse::<Priority>() {
            Ok(p) => Some(p),
            Err(_) => {
                problems.push(format!(
                    "`### {PRIORITY}` is `{}`; choose one of: {} (or leave it empty)",
                    tandem_model::manifest::clip(&t),
                    Priority::choices().join(", ")
                ));
                None
            }
        },
        None => None,
    };
    let mut repos: Vec<String> = Vec::new();
    let repo_problems_before = problems.len();
    if let Some(text) = answer(REPOSITORIES) {
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let item = line.strip_prefix("- [").and_then(|r| r.split_once("] "));
            let Some((mark, name)) = item.filter(|(m, _)| matches!(*m, "X" | "x" | " ")) else {
                problems.push(format!(
                    "`### {REPOSITORIES}` has the line `{}`, which is no checkbox (`- [X] repo` or `- [ ] repo`)",
                    tandem_model::manifest::clip(line)
                ));
                continue;
            };
            let name = name.trim();
            let known = RepoName::parse(name).ok().filter(|r| ws.repo(r).is_some());
            match known {
                None => problems.push(format!(
                    "`### {REPOSITORIES}` names `{}`, which is no repository of the workspace; known repositories: {}",
                    tandem_model::manifest::clip(name),
                    ws.known_names()
                )),
                Some(r) if mark != " " && !repos.iter().any(|x| x == r.as_str()) => repos.push(r.to_string()),
                Some(_) => {}
            }
        }
    }
    let repo_problems = problems.len() > repo_problems_before;
    if present(REPOSITORIES) && repos.is_empty() && !repo_problems {
        problems.push(format!("`### {REPOSITORIES}` has no repository checked; check at least one"));
    }
    let description = answer(DESCRIPTION);
    if description.is_none() && present(DESCRIPTION) {
        problems.push(format!("`### {DESCRIPTION}` has no answer; it is required"));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut plan = description.unwrap_or_default();
    if let Some(p) = answer(PLAN) {
        plan.push_str("\n\n");
        plan.push_str(&p);
    }
    Ok(CreateRequest { title: title.to_string(), change_type, repos, priority, plan: Some(plan), ..Default::default() })
}
