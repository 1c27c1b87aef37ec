//! Text output for people. JSON output is the serialized values themselves.

use std::fmt::Write;
use tandem_analyze::Discovery;
use tandem_engine::render::GraphView;
use tandem_engine::{Change, Created, Summary};
use tandem_model::plan::{DeployPlan, RollbackAction, RollbackPlan};
use tandem_model::progress::Progress;
use tandem_model::{Action, Coordination, Event, Issue, IssueState, Subject};
use tandem_store::StoredEvent;

/// A progress bar of `width` cells: `[██████░░░░] 60%`.
pub fn bar(fraction: f64, width: usize) -> String {
    let f = fraction.clamp(0.0, 1.0);
    let full = (f * width as f64).round() as usize;
    format!("[{}{}] {:>3}%", "█".repeat(full), "░".repeat(width - full), (f * 100.0).round() as u32)
}

/// How to run this very binary again from a shell: `tandem` when that is what the first
/// `tandem` on `PATH` is, else its absolute path (after `cargo run -- demo`, `tandem` is not on
/// `PATH`, and a printed `tandem …` would not run).
pub fn program() -> String {
    let Ok(me) = std::env::current_exe() else { return "tandem".into() };
    let me_real = me.canonicalize().unwrap_or_else(|_| me.clone());
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join(format!("tandem{}", std::env::consts::EXE_SUFFIX)))
        .find(|c| c.is_file());
    match on_path.and_then(|c| c.canonicalize().ok()) {
        Some(first) if first == me_real => "tandem".into(),
        _ => shell_word(&me.display().to_string()),
    }
}

/// `s` as one word for a POSIX shell: as is when it holds only safe characters, else in single
/// quotes.
pub fn shell_word(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+:,@%=".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// An error and its causes on one line, `outer: cause: root`. A cause whose text the message
/// already ends with (an error that prints its source itself) is not repeated.
pub fn error_chain<'a>(chain: impl Iterator<Item = &'a (dyn std::error::Error + 'static)>) -> String {
    let mut out = String::new();
    for e in chain {
        let text = e.to_string();
        if out.is_empty() {
            out = text;
        } else if !out.ends_with(&text) {
            let _ = write!(out, ": {text}");
        }
    }
    out
}

/// Columns a string takes on a terminal: wide (CJK) characters take two, combining marks none.
pub fn display_width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// `s` followed by spaces up to `width` terminal columns (`{:<width}` counts characters).
pub fn pad(s: &str, width: usize) -> String {
    format!("{s}{}", " ".repeat(width.saturating_sub(display_width(s))))
}

fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| display_width(h)).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(display_width(c));
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<&str>, out: &mut String| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                let _ = write!(s, "{}  ", pad(c, widths[i]));
            }
        }
        out.push_str(s.trim_end());
        out.push('\n');
    };
    line(headers.to_vec(), &mut out);
    for r in rows {
        line(r.iter().map(String::as_str).collect(), &mut out);
    }
    out
}

pub fn graph_table(v: &GraphView) -> String {
    let rows: Vec<Vec<String>> = v
        .repos
        .iter()
        .map(|r| {
            let deps: Vec<String> = r.depends_on.iter().map(|d| format!("{} ({})", d.repo, d.via)).collect();
            vec![
                r.wave.to_string(),
                r.name.clone(),
                r.role.to_string(),
                if deps.is_empty() { "-".into() } else { deps.join(", ") },
                if r.transitive_consumers == 0 { "-".into() } else { r.transitive_consumers.to_string() },
            ]
        })
        .collect();
    let mut out = table(&["WAVE", "REPO", "ROLE", "DEPENDS ON", "CONSUMERS"], &rows);
    out.push_str("\nwaves (each may proceed in parallel once the previous ones are done):\n");
    for (i, w) in v.waves.iter().enumerate() {
        let _ = writeln!(out, "  {}. {}", i + 1, w.join(", "));
    }
    out
}

pub fn discovery(d: &Discovery) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "references found: {}", d.references.len());
    for r in &d.references {
        let v = r.version.as_deref().map(|v| format!(" {v}")).unwrap_or_default();
        let line = r.line.map(|l| format!(":{l}")).unwrap_or_default();
        let _ = writeln!(
            out,
            "  {} -> {} ({}) {}{line}: {}{v}",
            r.consumer,
            r.provider,
            r.via,
            r.file.display(),
            r.reference
        );
    }
    let section = |out: &mut String, title: &str, items: &[tandem_analyze::EdgeReport], hint: &str| {
        if items.is_empty() {
            let _ = writeln!(out, "\n{title}: none");
            return;
        }
        let _ = writeln!(out, "\n{title}: {}  ({hint})", items.len());
        for e in items {
            let via = e.via.map(|v| format!(" via {v}")).unwrap_or_default();
            let _ = writeln!(out, "  {} -> {}{via}", e.consumer, e.provider);
            for ev in &e.evidence {
                let _ = writeln!(out, "      {ev}");
            }
        }
    };
    section(&mut out, "discovered but not declared", &d.undeclared, "add them to depends_on in tandem.toml");
    section(&mut out, "declared but not found", &d.missing, "check the manifest or the checkout");
    if !d.pins.is_empty() {
        let _ = writeln!(out, "\nversion pins:");
        let rows: Vec<Vec<String>> = d
            .pins
            .iter()
            .map(|p| {
                let line = p.line.map(|l| format!(":{l}")).unwrap_or_default();
                vec![
                    p.consumer.to_string(),
                    p.provider.to_string(),
                    p.version.clone(),
                    format!("{}{line}", p.file.display()),
                ]
            })
            .collect();
        for l in table(&["CONSUMER", "PROVIDER", "VERSION", "FILE"], &rows).lines() {
            let _ = writeln!(out, "  {l}");
        }
    }
    if !d.skipped.is_empty() {
        let _ = writeln!(out, "\nnot scanned:");
        for s in &d.skipped {
            let _ = writeln!(out, "  {}: {}", s.repo, s.reason);
        }
    }
    if !d.problems.is_empty() {
        let _ = writeln!(out, "\nfiles that could not be read:");
        for p in &d.problems {
            let line = p.line.map(|l| format!(":{l}")).unwrap_or_default();
            let _ = writeln!(out, "  {}: {}{line}: {}", p.repo, p.file.display(), p.message);
        }
    }
    out
}

pub fn created(c: &Created) -> String {
    let co = &c.coordination;
    let mut out = String::new();
    if c.created {
        let _ = writeln!(out, "created coordination #{}: {}", co.id, co.title);
    } else if c.issues_opened > 0 {
        let _ = writeln!(
            out,
            "resumed coordination #{} (key {}): opened {} missing issues",
            co.id, co.key, c.issues_opened
        );
    } else {
        let _ = writeln!(out, "coordination #{} already exists for key {}; nothing to do", co.id, co.key);
    }
    let _ = writeln!(
        out,
        "  type {} · priority {} · strategy {} · parent issue {}",
        co.change_type,
        co.priority,
        co.strategy,
        co.issue.as_ref().map(|i| i.to_string()).unwrap_or_else(|| "-".into())
    );
    let rows: Vec<Vec<String>> = co
        .children
        .iter()
        .map(|ch| {
            vec![
                ch.repo.to_string(),
                ch.issue.as_ref().map(|i| i.to_string()).unwrap_or_else(|| "-".into()),
                ch.checklist.len().to_string(),
                if ch.after.is_empty() {
                    "-".into()
                } else {
                    ch.after.iter().map(|r| r.to_string()).collect::<Vec<_>>().join(", ")
                },
            ]
        })
        .collect();
    for l in table(&["REPO", "ISSUE", "ITEMS", "AFTER"], &rows).lines() {
        let _ = writeln!(out, "  {l}");
    }
    let _ = writeln!(
        out,
        "  integration testing: {}",
        co.integration.issue.as_ref().map(|i| i.to_string()).unwrap_or_else(|| "-".into())
    );
    let _ = writeln!(out, "next: tandem coord status {} in_progress", co.id);
    out
}

pub fn list(list: &[Summary]) -> String {
    if list.is_empty() {
        return "no coordinations yet; create one with `tandem coord create`\n".into();
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|s| {
            let status = if s.effective_status != s.status {
                format!("{} ({})", s.status, s.effective_status)
            } else {
                s.status.to_string()
            };
            vec![
                format!("#{}", s.id),
                status,
                s.change_type.to_string(),
                s.priority.to_string(),
                bar(s.progress, 10),
                format!("{}/{}", s.children_done, s.children_total),
                s.title.clone(),
            ]
        })
        .collect();
    table(&["ID", "STATUS", "TYPE", "PRIORITY", "PROGRESS", "DONE", "TITLE"], &rows)
}

pub fn progress(c: &Coordination, p: &Progress) -> String {
    let mut out = String::new();
    let status = if p.effective_status != p.status {
        format!("{} (shown as {})", p.status, p.effective_status)
    } else {
        p.status.to_string()
    };
    let _ = writeln!(out, "#{} {} — {}", c.id, c.title, status);
    let _ = writeln!(
        out,
        "overall {}  ({} of {} repos done, weighted by effort)",
        bar(p.overall, 20),
        p.children_done,
        p.children_total
    );
    let rows: Vec<Vec<String>> = p
        .children
        .iter()
        .map(|ch| {
            vec![
                ch.repo.to_string(),
                ch.status.to_string(),
                bar(ch.fraction, 10),
                format!("{}/{}", ch.checked, ch.total),
                ch.weight.to_string(),
                if ch.waiting_on.is_empty() {
                    String::new()
                } else {
                    format!("waits on {}", ch.waiting_on.iter().map(|r| r.to_string()).collect::<Vec<_>>().join(", "))
                },
            ]
        })
        .collect();
    for l in table(&["REPO", "STATUS", "PROGRESS", "ITEMS", "WEIGHT", ""], &rows).lines() {
        let _ = writeln!(out, "  {l}");
    }
    let _ = writeln!(
        out,
        "integration testing: {} ({}/{} items)",
        p.integration.status, p.integration.checked, p.integration.total
    );
    if p.critical_path.repos.is_empty() {
        let _ = writeln!(out, "critical path: none (all work done)");
    } else {
        let names: Vec<&str> = p.critical_path.repos.iter().map(|r| r.as_str()).collect();
        let _ = writeln!(out, "critical path: {}  ({:.1} effort left)", names.join(" -> "), p.critical_path.remaining);
    }
    if p.blockers.is_empty() {
        let _ = writeln!(out, "blockers: none");
    } else {
        let _ = writeln!(out, "blockers:");
        for b in &p.blockers {
            let cause = match b.cause {
                tandem_model::BlockCause::Own => "",
                tandem_model::BlockCause::Parent => " (via the coordination)",
            };
            let _ = writeln!(out, "  {}: {}{cause} since {}", b.subject, b.reason, b.since.format("%Y-%m-%d %H:%M"));
        }
    }
    if p.readiness.ready {
        let _ = writeln!(out, "deployment: ready — see `tandem plan deploy {}`", c.id);
    } else {
        let _ = writeln!(out, "deployment: not ready");
        for r in &p.readiness.reasons {
            let _ = writeln!(out, "  - {r}");
        }
    }
    out
}

pub fn show(c: &Coordination, p: &Progress, history: &[StoredEvent]) -> String {
    let mut out = progress(c, p);
    let _ = writeln!(
        out,
        "\ntype {} · priority {} · strategy {} · key {} · parent issue {}",
        c.change_type,
        c.priority,
        c.strategy,
        c.key,
        c.issue.as_ref().map(|i| i.to_string()).unwrap_or_else(|| "-".into())
    );
    if let Some(plan) = &c.plan {
        let _ = writeln!(out, "plan: {}", plan.trim());
    }
    for ch in &c.children {
        let _ = writeln!(
            out,
            "\n{} — {} — {}",
            ch.repo,
            ch.status,
            ch.issue.as_ref().map(|i| i.to_string()).unwrap_or_else(|| "no issue yet".into())
        );
        let mut section = "";
        for (i, item) in ch.checklist.iter().enumerate() {
            if item.section != section {
                section = &item.section;
                let _ = writeln!(out, "  {section}");
            }
            let _ = writeln!(out, "    {:>2}. [{}] {}", i + 1, if item.checked { "x" } else { " " }, item.text);
        }
    }
    let _ = writeln!(
        out,
        "\nintegration testing — {} — {}",
        c.integration.status,
        c.integration.issue.as_ref().map(|i| i.to_string()).unwrap_or_else(|| "no issue yet".into())
    );
    for (i, item) in c.integration.checklist.iter().enumerate() {
        let _ = writeln!(out, "    {:>2}. [{}] {}", i + 1, if item.checked { "x" } else { " " }, item.text);
    }
    let _ = writeln!(out, "\nhistory (last 10 of {}; `tandem coord history {}` for all):", history.len(), c.id);
    let start = history.len().saturating_sub(10);
    out.push_str(&self::history(&history[start..]));
    out
}

fn event_line(e: &Event) -> String {
    let what = match (&e.action, &e.subject) {
        (Action::Created, _) => format!("created ({})", e.to.as_deref().unwrap_or("")),
        (Action::Status, s) => {
            format!("{s}: {} -> {}", e.from.as_deref().unwrap_or("?"), e.to.as_deref().unwrap_or("?"))
        }
        (Action::Checked, s) => format!("{s}: ticked \"{}\"", e.to.as_deref().unwrap_or("")),
        (Action::Unchecked, s) => format!("{s}: unticked \"{}\"", e.to.as_deref().unwrap_or("")),
        (Action::IssueLinked, Subject::Coordination) => format!("parent issue {}", e.to.as_deref().unwrap_or("")),
        (Action::IssueLinked, s) => format!("{s}: issue {}", e.to.as_deref().unwrap_or("")),
        (Action::RolloutStepStarted, _) => format!("rollout: {} started", e.to.as_deref().unwrap_or("")),
        (Action::RolloutStepCompleted, _) => format!("rollout: {} completed", e.to.as_deref().unwrap_or("")),
        (Action::RolloutStepFailed, _) => format!("rollout: {} FAILED", e.to.as_deref().unwrap_or("")),
        (Action::GateFailed, s) => format!("{s}: gate \"{}\" failed", e.to.as_deref().unwrap_or("")),
        (Action::RollbackStarted, _) => "rollout: rolling back".to_string(),
    };
    let why = e.reason.as_deref().map(|r| format!(" — {r}")).unwrap_or_default();
    format!("{} {} {what}{why}", e.at.format("%Y-%m-%d %H:%M"), pad(&e.actor, 8))
}

pub fn history(events: &[StoredEvent]) -> String {
    events.iter().map(|e| format!("  {}\n", event_line(&e.event))).collect()
}

pub fn change(c: &Change) -> String {
    if c.events.is_empty() {
        return format!(
            "nothing changed: coordination #{} is already so ({})\n",
            c.coordination.id, c.coordination.status
        );
    }
    let mut out = String::new();
    for e in &c.events {
        let _ = writeln!(out, "{}", event_line(e));
    }
    let p = c.coordination.progress();
    let _ = writeln!(out, "coordination #{} is {} · {}", c.coordination.id, p.effective_status, bar(p.overall, 20));
    out
}

pub fn deploy_plan(p: &DeployPlan) -> String {
    let mut out = String::from("deployment plan (providers first; repos of one wave may deploy in parallel):\n");
    for (i, w) in p.waves.iter().enumerate() {
        let _ = writeln!(out, "  wave {}:", i + 1);
        for s in p.steps.iter().filter(|s| s.wave == i + 1) {
            let cmd = s.command.as_deref().unwrap_or("(no deploy command declared)");
            let _ = writeln!(out, "    {} {cmd}", pad(s.repo.as_str(), 24));
            if let Some(h) = &s.health {
                let _ = writeln!(out, "    {} then wait for {h}", pad("", 24));
            }
        }
        let _ = w;
    }
    out
}

pub fn rollback_plan(p: &RollbackPlan) -> String {
    let mut out = String::from("rollback plan:\n");
    for s in &p.steps {
        let tag = match s.action {
            RollbackAction::StopTraffic => "stop traffic",
            RollbackAction::Rollback => "roll back",
            RollbackAction::Verify => "verify",
        };
        let _ = writeln!(out, "  {:>2}. [{tag}] {}", s.step, s.description);
        if let Some(c) = &s.command {
            let _ = writeln!(out, "      $ {c}");
        }
    }
    out
}

pub fn issues(list: &[Issue]) -> String {
    if list.is_empty() {
        return "no issues\n".into();
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|i| {
            vec![
                i.reference.to_string(),
                i.kind.as_str().to_string(),
                i.state.as_str().to_string(),
                i.coordination.map(|c| format!("#{c}")).unwrap_or_else(|| "-".into()),
                i.title.clone(),
            ]
        })
        .collect();
    table(&["ISSUE", "KIND", "STATE", "COORD", "TITLE"], &rows)
}

pub fn issue(i: &Issue) -> String {
    let state = match i.state {
        IssueState::Open => "open",
        IssueState::Closed => "closed",
    };
    let mut out = format!("{} [{}] {}\n", i.reference, state, i.title);
    let _ = writeln!(out, "kind: {} · labels: {}", i.kind.as_str(), i.labels.join(", "));
    if let Some(p) = &i.parent {
        let _ = writeln!(out, "parent: {p}");
    }
    let _ = writeln!(out, "\n{}", i.body.trim_end());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The terminal column where the second cell of each line starts.
    fn second_column(table: &str) -> Vec<usize> {
        table
            .lines()
            .map(|l| {
                let first_cell_end = l.find("  ").unwrap();
                let start = first_cell_end + l[first_cell_end..].find(|c: char| c != ' ').unwrap();
                display_width(&l[..start])
            })
            .collect()
    }

    #[test]
    fn table_columns_line_up_with_wide_and_combining_characters() {
        let rows = vec![
            vec!["漢字のリポ".to_string(), "wide".to_string()],
            vec!["cafe\u{301}".to_string(), "combining".to_string()],
            vec!["ascii-repo".to_string(), "plain".to_string()],
        ];
        let t = table(&["REPO", "NOTE"], &rows);
        let columns = second_column(&t);
        assert_eq!(columns, vec![12; 4], "{t}");
    }

    #[test]
    fn pad_counts_terminal_columns() {
        assert_eq!(pad("漢字", 6), "漢字  ");
        assert_eq!(pad("e\u{301}", 3), "e\u{301}  ");
        assert_eq!(pad("toolongvalue", 4), "toolongvalue");
    }

    #[derive(Debug)]
    struct Leaf;
    impl std::fmt::Display for Leaf {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("No such file or directory")
        }
    }
    impl std::error::Error for Leaf {}

    /// An error that prints its source itself and also returns it from `source()`.
    #[derive(Debug)]
    struct Repeats(Leaf);
    impl std::fmt::Display for Repeats {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "cannot read /x/tandem.toml: {}", self.0)
        }
    }
    impl std::error::Error for Repeats {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn an_error_chain_names_a_cause_once() {
        let e = anyhow::Error::new(Repeats(Leaf));
        assert_eq!(error_chain(e.chain()), "cannot read /x/tandem.toml: No such file or directory");
        let e = anyhow::Error::new(Leaf).context("opening the workspace");
        assert_eq!(error_chain(e.chain()), "opening the workspace: No such file or directory");
    }

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(shell_word("/usr/bin/tandem"), "/usr/bin/tandem");
        assert_eq!(shell_word("my demo"), "'my demo'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
    }
}
