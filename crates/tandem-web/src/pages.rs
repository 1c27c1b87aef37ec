//! The pages, as functions from the engine's data to HTML (no IO besides the engine's reads), so
//! that the benchmarks measure exactly what a request renders.
//!
//! Reads go through the engine (`Engine::coordination`, `history`, `graph_view`, `health`,
//! `metrics`) and the store it exposes (`list_summaries`, `last_event_id`); what is shown is
//! the model's derived views (progress, critical path, blockers, waves, plans). The dashboard
//! decides nothing about coordinations itself.

use crate::auth::Viewer;
use crate::html::{self, badge, bar, esc, seg, time, Frame, Nav};
use chrono::{DateTime, Duration, Utc};
use std::collections::{HashMap, HashSet};
use std::fmt::Write;
use std::sync::{Arc, Mutex};
use tandem_engine::{Engine, EngineError, HealthOptions, Level, MetricsOptions, Remedy};
use tandem_model::coordination::BlockCause;
use tandem_model::{ChildStatus, CoordId, CoordStatus, CoordinationSummary, IssueRef, Priority, RepoName, Subject};

/// A message shown at the top of a page after an action.
#[derive(Debug, Clone)]
pub enum Notice {
    Refused(String),
    Error(String),
}

/// The page's frame data common to all pages.
pub struct Ctx<'a> {
    pub engine: &'a Engine,
    pub snapshot: &'a Snapshot,
    pub viewer: &'a Viewer,
    pub now: DateTime<Utc>,
    pub event_id: i64,
}

impl Ctx<'_> {
    fn frame<'b>(&'b self, title: &'b str, nav: Nav) -> Frame<'b> {
        Frame { title, nav, workspace: &self.engine.workspace().name, event_id: self.event_id, session: self.viewer }
    }
}

fn notice(o: &mut String, n: Option<&Notice>) {
    match n {
        Some(Notice::Refused(m)) => {
            let _ =
                write!(o, "<div class=\"notice refused\" role=\"alert\"><strong>Refused:</strong> {}</div>", esc(m));
        }
        Some(Notice::Error(m)) => {
            let _ = write!(o, "<div class=\"notice error\" role=\"alert\"><strong>Error:</strong> {}</div>", esc(m));
        }
        None => {}
    }
}

fn csrf_field(o: &mut String, v: &Viewer) {
    if let Some(c) = v.csrf() {
        let _ = write!(o, "<input type=\"hidden\" name=\"csrf\" value=\"{}\">", esc(c));
    }
}

fn issue_link(o: &mut String, r: &IssueRef) {
    let _ = write!(
        o,
        "<a href=\"/issues/{}/{}\">{}#{}</a>",
        seg(r.repo.as_str()),
        r.number,
        esc(r.repo.as_str()),
        r.number
    );
}

fn priority_rank(p: Priority) -> usize {
    Priority::ALL.iter().position(|x| *x == p).unwrap_or(0)
}

// ---------------------------------------------------------------------------------------------
// The list of coordinations.

/// The list's filter, sort and search, from the query string.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub q: String,
    /// `open` (default), `blocked`, `closed`, `all`, or one status.
    pub show: String,
    pub change_type: String,
    /// `attention` (default: blocked first, then priority), `updated`, `age`, `progress`, `priority`, `id`.
    pub sort: String,
    pub page: usize,
}

impl ListQuery {
    pub fn from_pairs(pairs: &[(String, String)]) -> ListQuery {
        let mut q = ListQuery::default();
        for (k, v) in pairs {
            match k.as_str() {
                "q" => q.q = v.trim().to_string(),
                "show" => q.show = v.clone(),
                "type" => q.change_type = v.clone(),
                "sort" => q.sort = v.clone(),
                "page" => q.page = v.parse().unwrap_or(0),
                _ => {}
            }
        }
        q
    }
}

/// Rows per page of the list.
pub const PAGE_ROWS: usize = 500;

/// One blocked item of the attention panel.
struct Attention<'s> {
    c: &'s CoordinationSummary,
    held: Held<'s>,
    reason: &'s str,
    since: DateTime<Utc>,
}

/// What is blocked, and the status it goes back to once unblocked.
enum Held<'s> {
    Coordination(CoordStatus),
    Child(&'s RepoName, ChildStatus),
}

impl Attention<'_> {
    fn repo(&self) -> Option<&RepoName> {
        match self.held {
            Held::Coordination(_) => None,
            Held::Child(r, _) => Some(r),
        }
    }

    fn resume(&self) -> &'static str {
        match self.held {
            Held::Coordination(s) => s.as_str(),
            Held::Child(_, s) => s.as_str(),
        }
    }
}

/// Blocked items shown at once; the rest are one click away (a `<details>`, no script needed).
const ATTENTION_SHOWN: usize = 10;

/// The most frequent reasons named in the panel's summary line.
const REASONS_SHOWN: usize = 4;

struct Row<'s> {
    c: &'s CoordinationSummary,
    effective: CoordStatus,
    overall: f64,
    done: usize,
}

/// Every coordination's summary as of one event id, shared by all requests: pages rendered for
/// the same newest event (every open tab refreshing after one change, say) read them once. A
/// request that sees a newer event id reads them again (`Store::list_summaries`: two queries, no
/// aggregate assembled); the lock makes concurrent requests wait for that one read instead of
/// repeating it.
#[derive(Default)]
pub struct Snapshot {
    inner: Mutex<Option<(i64, Summaries)>>,
}

/// Every coordination as the list shows it.
pub type Summaries = Arc<Vec<CoordinationSummary>>;

impl Snapshot {
    pub fn get(&self, engine: &Engine, event_id: i64) -> Result<Summaries, EngineError> {
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((id, all)) = guard.as_ref() {
            if *id == event_id {
                return Ok(all.clone());
            }
        }
        let all = Arc::new(engine.store().list_summaries()?);
        *guard = Some((event_id, all.clone()));
        Ok(all)
    }
}

/// What clears a blocked item: the command for a terminal (the Unblock button does the same).
fn unblock_command(a: &Attention<'_>) -> String {
    match a.held {
        Held::Child(r, status) => {
            remedy_command(&Remedy::SetChildStatus { coordination: a.c.id, repo: r.clone(), status })
        }
        Held::Coordination(status) => remedy_command(&Remedy::SetStatus { coordination: a.c.id, status }),
    }
}

/// One line of the attention panel: what, why, since when, and what to do next.
fn attention_item(o: &mut String, now: DateTime<Utc>, viewer: &Viewer, a: &Attention<'_>) {
    let id = a.c.id;
    let _ = write!(o, "<li><span class=\"prio p-{p}\">{p}</span> ", p = a.c.priority);
    match a.repo() {
        Some(r) => {
            let _ = write!(
                o,
                "<a href=\"/coordinations/{id}#child-{}\"><strong>{}</strong> in #{id} {}</a>",
                seg(r.as_str()),
                esc(r.as_str()),
                esc(&a.c.title)
            );
        }
        None => {
            let _ = write!(
                o,
                "<a href=\"/coordinations/{id}\"><strong>#{id} {}</strong></a> (the whole coordination)",
                esc(&a.c.title)
            );
        }
    }
    let _ = write!(o, " <span class=\"why\">because: {}</span> <span class=\"muted\">(blocked ", esc(a.reason));
    time(o, now, a.since);
    let what = match a.repo() {
        Some(r) => format!("clear that, then move {r} back to {}", a.resume().replace('_', " ")),
        None => format!("clear that, then move the coordination back to {}", a.resume().replace('_', " ")),
    };
    let _ = write!(o, ")</span> <span class=\"next\">Next: {}.", esc(&what));
    if viewer.csrf().is_some() {
        match a.repo() {
            Some(r) => {
                let _ = write!(
                    o,
                    "<form method=\"post\" action=\"/coordinations/{id}/children/{}\" class=\"inline\">",
                    seg(r.as_str())
                );
            }
            None => {
                let _ = write!(o, "<form method=\"post\" action=\"/coordinations/{id}/status\" class=\"inline\">");
            }
        }
        csrf_field(o, viewer);
        let subject = a.repo().map_or_else(|| format!("#{id}"), |r| format!("{r} in #{id}"));
        let _ = write!(
            o,
            "<input type=\"hidden\" name=\"status\" value=\"{}\"><button class=\"small\" type=\"submit\">Unblock<span class=\"sr\"> {}</span></button></form>",
            a.resume(),
            esc(&subject)
        );
    } else {
        let _ = write!(o, " <code>{}</code>", esc(&unblock_command(a)));
    }
    o.push_str("</span></li>");
}

/// The panel at the top of the list: how much is blocked, the commonest reasons, then each
/// blocked item (sorted here: highest priority first, then the longest blocked) with why, since
/// when and what to do next.
fn attention_panel(o: &mut String, now: DateTime<Utc>, viewer: &Viewer, attention: &mut [Attention<'_>]) {
    attention.sort_by(|a, b| priority_rank(b.c.priority).cmp(&priority_rank(a.c.priority)).then(a.since.cmp(&b.since)));
    o.push_str("<section aria-labelledby=\"att\" class=\"card attention\" id=\"attention\" data-live><h2 id=\"att\">");
    if attention.is_empty() {
        o.push_str("Nothing is blocked</h2><p class=\"muted\">No coordination and no child is blocked.</p></section>");
        return;
    }
    let coordinations = attention.iter().map(|a| a.c.id).collect::<HashSet<_>>().len();
    let _ = write!(
        o,
        "Blocked now: {} {} in {} {}</h2>",
        attention.len(),
        plural(attention.len(), "item", "items"),
        coordinations,
        plural(coordinations, "coordination", "coordinations")
    );
    // One line a newcomer can read first: how urgent, how old, and why.
    let urgent: Vec<String> = [Priority::Critical, Priority::High]
        .iter()
        .map(|p| (p, attention.iter().filter(|a| a.c.priority == *p).count()))
        .filter(|(_, n)| *n > 0)
        .map(|(p, n)| format!("{n} {p}"))
        .collect();
    o.push_str("<p class=\"summary\">");
    if !urgent.is_empty() {
        let _ = write!(o, "<strong>{} priority</strong> · ", urgent.join(", "));
    }
    if let Some(oldest) = attention.iter().map(|a| a.since).min() {
        o.push_str("the oldest blocked ");
        time(o, now, oldest);
    }
    if attention.len() > 1 {
        let mut reasons: HashMap<&str, usize> = HashMap::new();
        for a in attention.iter() {
            *reasons.entry(a.reason).or_default() += 1;
        }
        let mut reasons: Vec<(&str, usize)> = reasons.into_iter().collect();
        reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        o.push_str(" · why: ");
        for (i, (reason, n)) in reasons.iter().take(REASONS_SHOWN).enumerate() {
            if i > 0 {
                o.push_str(", ");
            }
            let _ = write!(o, "<span class=\"why\">{}</span> ({n})", esc(reason));
        }
        if reasons.len() > REASONS_SHOWN {
            let others = reasons.len() - REASONS_SHOWN;
            let _ = write!(o, " and {others} other {}", plural(others, "reason", "reasons"));
        }
    }
    o.push_str("</p><ul class=\"blockers\">");
    for a in attention.iter().take(ATTENTION_SHOWN) {
        attention_item(o, now, viewer, a);
    }
    o.push_str("</ul>");
    if attention.len() > ATTENTION_SHOWN {
        let rest = attention.len() - ATTENTION_SHOWN;
        let _ = write!(
            o,
            "<details><summary>{rest} more blocked {}</summary><ul class=\"blockers\">",
            plural(rest, "item", "items")
        );
        for a in &attention[ATTENTION_SHOWN..] {
            attention_item(o, now, viewer, a);
        }
        o.push_str("</ul></details>");
    }
    o.push_str("</section>");
}

pub fn list(ctx: &Ctx<'_>, query: &ListQuery) -> Result<String, EngineError> {
    let all = ctx.snapshot.get(ctx.engine, ctx.event_id)?;
    let total_all = all.len();
    let needle = query.q.to_lowercase();
    let show = if query.show.is_empty() { "open" } else { query.show.as_str() };
    let mut rows: Vec<Row<'_>> = Vec::new();
    let mut attention: Vec<Attention<'_>> = Vec::new();
    let mut counts: HashMap<CoordStatus, usize> = HashMap::new();
    for c in all.iter() {
        let effective = c.effective_status();
        *counts.entry(effective).or_default() += 1;
        if effective == CoordStatus::Blocked {
            if let Some(h) = &c.hold {
                attention.push(Attention { c, held: Held::Coordination(h.resume), reason: &h.reason, since: h.since });
            }
            for ch in &c.children {
                if let Some(h) = ch.hold.as_ref().filter(|h| h.cause == BlockCause::Own) {
                    attention.push(Attention {
                        c,
                        held: Held::Child(&ch.repo, h.resume),
                        reason: &h.reason,
                        since: h.since,
                    });
                }
            }
        }
        let keep = match show {
            "all" => true,
            "open" => !c.status.is_closed(),
            "closed" => c.status.is_closed(),
            "blocked" => effective == CoordStatus::Blocked,
            s => effective.as_str() == s,
        };
        if !keep || (!query.change_type.is_empty() && c.change_type.as_str() != query.change_type) {
            continue;
        }
        if !needle.is_empty()
            && !c.title.to_lowercase().contains(&needle)
            && !format!("#{}", c.id).contains(&needle)
            && !c.children.iter().any(|ch| ch.repo.as_str().contains(&needle))
        {
            continue;
        }
        rows.push(Row { effective, overall: c.overall(), done: c.children_done(), c });
    }
    match query.sort.as_str() {
        "updated" => rows.sort_by_key(|r| std::cmp::Reverse(r.c.updated_at)),
        "age" => rows.sort_by_key(|r| r.c.created_at),
        "progress" => rows.sort_by(|a, b| a.overall.total_cmp(&b.overall)),
        "priority" => rows.sort_by_key(|r| std::cmp::Reverse(priority_rank(r.c.priority))),
        "id" => rows.sort_by_key(|r| r.c.id),
        _ => rows.sort_by(|a, b| {
            let blocked = |r: &Row| r.effective == CoordStatus::Blocked;
            blocked(b)
                .cmp(&blocked(a))
                .then(priority_rank(b.c.priority).cmp(&priority_rank(a.c.priority)))
                .then(b.c.updated_at.cmp(&a.c.updated_at))
        }),
    }

    let mut o = String::with_capacity(600 * rows.len().min(PAGE_ROWS) + 400 * attention.len() + 4096);
    o.push_str("<h1>Coordinations</h1>");
    attention_panel(&mut o, ctx.now, ctx.viewer, &mut attention);

    // Filter form: works as a plain GET form; the script submits it as you type.
    o.push_str("<form class=\"filters\" method=\"get\" action=\"/\" role=\"search\" id=\"filters\">");
    let _ = write!(
        o,
        "<label>Search <input type=\"search\" name=\"q\" value=\"{}\" placeholder=\"title, #id or repo\"></label>",
        esc(&query.q)
    );
    o.push_str("<label>Show <select name=\"show\">");
    let mut shows: Vec<(String, String)> = vec![
        ("open".into(), "open".into()),
        ("blocked".into(), format!("blocked ({})", counts.get(&CoordStatus::Blocked).copied().unwrap_or(0))),
        ("closed".into(), "closed".into()),
        ("all".into(), "all".into()),
    ];
    shows.extend(CoordStatus::ALL.iter().filter(|s| **s != CoordStatus::Blocked).map(|s| {
        (s.as_str().to_string(), format!("{} ({})", s.as_str().replace('_', " "), counts.get(s).copied().unwrap_or(0)))
    }));
    for (v, label) in &shows {
        let sel = if v == show { " selected" } else { "" };
        let _ = write!(o, "<option value=\"{}\"{sel}>{}</option>", esc(v), esc(label));
    }
    o.push_str("</select></label><label>Type <select name=\"type\"><option value=\"\">any</option>");
    for t in tandem_model::ChangeType::ALL {
        let sel = if t.as_str() == query.change_type { " selected" } else { "" };
        let _ = write!(o, "<option{sel}>{}</option>", t.as_str());
    }
    o.push_str("</select></label><label>Sort <select name=\"sort\">");
    for (v, label) in [
        ("attention", "blocked first"),
        ("updated", "recently updated"),
        ("age", "oldest first"),
        ("progress", "least progress"),
        ("priority", "priority"),
        ("id", "number"),
    ] {
        let sel = if v == query.sort || (query.sort.is_empty() && v == "attention") { " selected" } else { "" };
        let _ = write!(o, "<option value=\"{v}\"{sel}>{label}</option>");
    }
    o.push_str("</select></label><button type=\"submit\">Apply</button></form>");

    // The table.
    let start = query.page * PAGE_ROWS;
    let shown = rows.iter().skip(start).take(PAGE_ROWS);
    o.push_str("<div id=\"list\" data-live>");
    let _ = write!(o, "<p class=\"muted\" id=\"count\">{} of {} coordinations</p>", rows.len(), total_all);
    if rows.is_empty() {
        o.push_str("<p>No coordination matches. <a href=\"/?show=all\">Show all</a>.</p>");
    } else {
        o.push_str(
            "<div class=\"scroll\"><table class=\"coords\"><caption class=\"sr\">Coordinations</caption><thead><tr>\
<th scope=\"col\">#</th><th scope=\"col\">Title</th><th scope=\"col\">Status</th><th scope=\"col\">Type</th>\
<th scope=\"col\">Priority</th><th scope=\"col\">Progress</th><th scope=\"col\">Children</th><th scope=\"col\">Age</th>\
</tr></thead><tbody>",
        );
        for r in shown {
            let c = r.c;
            let blocked = r.effective == CoordStatus::Blocked;
            let _ = write!(
                o,
                "<tr{}><td>{}</td><td><a href=\"/coordinations/{}\">{}</a>",
                if blocked { " class=\"is-blocked\"" } else { "" },
                c.id,
                c.id,
                esc(&c.title)
            );
            if blocked {
                // Why, in the row itself: the coordination's own reason, else its first blocked child's.
                let why =
                    c.hold.as_ref().map(|h| (None, &h.reason)).or_else(|| {
                        c.children.iter().find_map(|ch| ch.hold.as_ref().map(|h| (Some(&ch.repo), &h.reason)))
                    });
                if let Some((repo, reason)) = why {
                    o.push_str("<div class=\"small\">");
                    if let Some(r) = repo {
                        let _ = write!(o, "{}: ", esc(r.as_str()));
                    }
                    let _ = write!(o, "{}", esc(reason));
                    let more = c.blockers().saturating_sub(1);
                    if more > 0 && c.hold.is_none() {
                        let _ = write!(o, " (+{more} more)");
                    }
                    o.push_str("</div>");
                }
            }
            o.push_str("</td><td>");
            badge(&mut o, c.status.as_str());
            if blocked && c.status != CoordStatus::Blocked {
                o.push(' ');
                badge(&mut o, "blocked");
            }
            let _ = write!(
                o,
                "</td><td>{}</td><td><span class=\"prio p-{}\">{}</span></td><td class=\"prog\">",
                c.change_type, c.priority, c.priority
            );
            bar(&mut o, r.overall, &format!("progress of #{}", c.id));
            let _ = write!(o, "</td><td>{}/{}</td><td>", r.done, c.children.len());
            let _ = write!(
                o,
                "<time datetime=\"{}\">{}</time>",
                c.created_at.to_rfc3339(),
                html::age(ctx.now, c.created_at)
            );
            o.push_str("</td></tr>");
        }
        o.push_str("</tbody></table></div>");
        let pages = rows.len().div_ceil(PAGE_ROWS);
        if pages > 1 {
            o.push_str("<nav class=\"pages\" aria-label=\"Pages\">");
            for p in 0..pages {
                let href = format!(
                    "/?q={}&show={}&type={}&sort={}&page={p}",
                    seg(&query.q),
                    seg(show),
                    seg(&query.change_type),
                    seg(&query.sort)
                );
                let cur = if p == query.page { " aria-current=\"page\"" } else { "" };
                let _ = write!(o, "<a href=\"{}\"{cur}>{}</a> ", esc(&href), p + 1);
            }
            o.push_str("</nav>");
        }
    }
    o.push_str("</div>");
    Ok(html::page(&ctx.frame("Coordinations", Nav::Coordinations), &o))
}

/// Names in a sentence, the first dozen then how many more (a 500-child coordination would
/// otherwise bury the page under its list; the table below has them all).
fn capped(names: &[String]) -> String {
    const SHOWN: usize = 12;
    if names.len() <= SHOWN {
        return names.join(", ");
    }
    format!("{} and {} more", names[..SHOWN].join(", "), names.len() - SHOWN)
}

fn plural<'s>(n: usize, one: &'s str, many: &'s str) -> &'s str {
    if n == 1 {
        one
    } else {
        many
    }
}

// ---------------------------------------------------------------------------------------------
// One coordination.

/// How much of the history to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum History {
    Recent,
    All,
}

const RECENT_EVENTS: usize = 100;

pub fn coordination(
    ctx: &Ctx<'_>,
    id: CoordId,
    history: History,
    note: Option<&Notice>,
) -> Result<String, EngineError> {
    let (c, p) = ctx.engine.progress(id)?;
    let events = ctx.engine.history(id)?;
    let deploy = c.deploy_plan(Some(ctx.engine.workspace()));
    let rollback = c.rollback_plan(Some(ctx.engine.workspace()));
    // The rollout, once one started (its steps are read from the history).
    let rollout = ctx.engine.rollout_status(id).ok().filter(|r| r.phase != tandem_model::rollout::Phase::NotStarted);
    let critical: HashSet<&RepoName> = p.critical_path.repos.iter().collect();
    let can_act = ctx.viewer.csrf().is_some();

    let mut o = String::with_capacity(4096 + c.children.len() * 1500);
    let _ = write!(o, "<p class=\"crumbs\"><a href=\"/\">Coordinations</a> › #{}</p>", c.id);
    notice(&mut o, note);
    // Heading and summary.
    let _ = write!(o, "<div id=\"summary\" data-live><h1>#{} {}</h1><p class=\"meta\">", c.id, esc(&c.title));
    badge(&mut o, c.status.as_str());
    if p.effective_status != c.status {
        o.push(' ');
        badge(&mut o, p.effective_status.as_str());
    }
    let _ = write!(
        o,
        " <span>{} change</span> · <span class=\"prio p-{}\">{} priority</span> · <span>{} strategy</span> · opened ",
        c.change_type, c.priority, c.priority, c.strategy
    );
    time(&mut o, ctx.now, c.created_at);
    if let Some(r) = &c.issue {
        o.push_str(" · parent issue ");
        issue_link(&mut o, r);
    }
    o.push_str("</p><div class=\"overall\">");
    bar(&mut o, p.overall, "overall progress");
    let _ = write!(o, " <span>{} of {} children done</span></div>", p.children_done, p.children_total);
    if let Some(plan) = &c.plan {
        let _ = write!(o, "<p class=\"plan\">{}</p>", esc(plan));
    }
    o.push_str("</div>");

    // Blockers and what to do next: first, because that is what the page is opened for.
    o.push_str("<section class=\"card\" id=\"blockers\" data-live aria-labelledby=\"bl\">");
    if p.blockers.is_empty() {
        o.push_str("<h2 id=\"bl\">Nothing is blocked</h2>");
    } else {
        let _ = write!(o, "<h2 id=\"bl\">Blocked ({})</h2><ul class=\"blockers\">", p.blockers.len());
        for b in &p.blockers {
            o.push_str("<li><span class=\"badge s-blocked\">blocked</span> <strong>");
            let _ = write!(o, "{}", esc(&b.subject.to_string()));
            let _ = write!(
                o,
                "</strong> <span class=\"why\">because: {}</span> <span class=\"muted\">since ",
                esc(&b.reason)
            );
            time(&mut o, ctx.now, b.since);
            o.push_str("</span>");
            if b.cause == BlockCause::Parent {
                o.push_str(" <span class=\"muted\">(because the coordination is blocked)</span>");
            } else {
                let resume = match &b.subject {
                    Subject::Coordination => c.hold.as_ref().map(|h| h.resume.to_string()),
                    Subject::Child(r) => c.child(r).and_then(|ch| ch.hold.as_ref()).map(|h| h.resume.to_string()),
                    Subject::Integration => None,
                };
                if let Some(resume) = resume {
                    let _ = write!(
                        o,
                        " <span class=\"next\">Next: resolve it, then move it back to {}.</span>",
                        esc(&resume.replace('_', " "))
                    );
                    if can_act {
                        match &b.subject {
                            Subject::Coordination => {
                                let _ = write!(
                                    o,
                                    "<form method=\"post\" action=\"/coordinations/{}/status\" class=\"inline\">",
                                    c.id
                                );
                                csrf_field(&mut o, ctx.viewer);
                                let _ = write!(o, "<input type=\"hidden\" name=\"status\" value=\"{}\">", esc(&resume));
                            }
                            Subject::Child(r) => {
                                let _ = write!(
                                    o,
                                    "<form method=\"post\" action=\"/coordinations/{}/children/{}\" class=\"inline\">",
                                    c.id,
                                    seg(r.as_str())
                                );
                                csrf_field(&mut o, ctx.viewer);
                                let _ = write!(o, "<input type=\"hidden\" name=\"status\" value=\"{}\">", esc(&resume));
                            }
                            Subject::Integration => {}
                        }
                        let _ = write!(
                            o,
                            "<label class=\"sr\" for=\"unblock-{k}\">Why it is unblocked</label>\
<input id=\"unblock-{k}\" name=\"reason\" placeholder=\"why (optional)\" size=\"16\">\
<button type=\"submit\">Unblock</button></form>",
                            k = esc(&b.subject.to_string().replace(' ', "-"))
                        );
                    }
                }
            }
            o.push_str("</li>");
        }
        o.push_str("</ul>");
    }
    if !c.status.is_closed() {
        let named = |st: ChildStatus| -> Vec<String> {
            c.children.iter().filter(|ch| ch.status == st).map(|ch| esc(ch.repo.as_str()).to_string()).collect()
        };
        let (ready, review) = (named(ChildStatus::Ready), named(ChildStatus::InReview));
        if !ready.is_empty() || !review.is_empty() {
            o.push_str("<p class=\"next-steps\"><strong>Next:</strong> ");
            if !ready.is_empty() {
                let _ = write!(o, "ready to start: {}. ", capped(&ready));
            }
            if !review.is_empty() {
                let _ = write!(o, "waiting for review: {}.", capped(&review));
            }
            o.push_str("</p>");
        }
    }
    if !p.readiness.ready && !c.status.is_closed() {
        o.push_str("<h3>Before it can deploy</h3><ul>");
        for r in &p.readiness.reasons {
            let _ = write!(o, "<li>{}</li>", esc(r));
        }
        o.push_str("</ul>");
    }
    if !p.critical_path.repos.is_empty() {
        o.push_str("<p class=\"critical\"><strong>Critical path:</strong> ");
        for (i, r) in p.critical_path.repos.iter().enumerate() {
            if i > 0 {
                o.push_str(" → ");
            }
            let _ = write!(o, "<a href=\"#child-{}\">{}</a>", seg(r.as_str()), esc(r.as_str()));
        }
        let _ = write!(o, " <span class=\"muted\">({} weight units left)</span></p>", p.critical_path.remaining);
    }
    o.push_str("</section>");

    // Children.
    let _ = write!(
        o,
        "<section id=\"children\" data-live aria-labelledby=\"ch\"><h2 id=\"ch\">Children ({}/{} done)</h2>\
<div class=\"scroll\"><table class=\"children\"><caption class=\"sr\">Children of #{}</caption><thead><tr>\
<th scope=\"col\">Repository</th><th scope=\"col\">Status</th><th scope=\"col\">Checklist</th><th scope=\"col\">Waits for</th>\
<th scope=\"col\">Issue</th>{}</tr></thead><tbody>",
        p.children_done,
        p.children_total,
        c.id,
        if can_act { "<th scope=\"col\">Move</th>" } else { "" }
    );
    for (ch, cp) in c.children.iter().zip(&p.children) {
        let crit = critical.contains(&ch.repo);
        let _ = write!(
            o,
            "<tr id=\"child-{}\" class=\"{}{}\"><th scope=\"row\">{}{} <span class=\"muted role\">{}</span></th><td>",
            esc(ch.repo.as_str()),
            if crit { "crit " } else { "" },
            if ch.status == ChildStatus::Blocked { "is-blocked" } else { "" },
            esc(ch.repo.as_str()),
            if crit { " <span class=\"tag crit-tag\" title=\"on the critical path\">critical path</span>" } else { "" },
            ch.role
        );
        badge(&mut o, ch.status.as_str());
        if let Some(h) = &ch.hold {
            let _ = write!(o, "<div class=\"why small\">{}</div>", esc(&h.reason));
        }
        o.push_str("</td><td>");
        if cp.total > 0 {
            bar(&mut o, cp.checked as f64 / cp.total as f64, &format!("checklist of {}", ch.repo));
            let _ = write!(o, " <span class=\"muted\">{}/{}</span>", cp.checked, cp.total);
            let _ = write!(
                o,
                "<details><summary>Items<span class=\"sr\"> of {}</span></summary><ul class=\"checklist\">",
                esc(ch.repo.as_str())
            );
            for (i, item) in ch.checklist.iter().enumerate() {
                checklist_item(&mut o, ctx, c.id, ch.repo.as_str(), i + 1, &item.text, item.checked);
            }
            o.push_str("</ul></details>");
        } else {
            o.push_str("<span class=\"muted\">none</span>");
        }
        o.push_str("</td><td>");
        if cp.waiting_on.is_empty() {
            o.push_str("<span class=\"muted\">—</span>");
        } else {
            let names: Vec<String> = cp.waiting_on.iter().map(|r| esc(r.as_str()).to_string()).collect();
            o.push_str(&names.join(", "));
        }
        o.push_str("</td><td>");
        match &ch.issue {
            Some(r) => issue_link(&mut o, r),
            None => o.push_str("<span class=\"muted\">not opened</span>"),
        }
        o.push_str("</td>");
        if can_act {
            let _ = write!(
                o,
                "<td><form method=\"post\" action=\"/coordinations/{}/children/{}\" class=\"move\">",
                c.id,
                seg(ch.repo.as_str())
            );
            csrf_field(&mut o, ctx.viewer);
            let key = esc(ch.repo.as_str());
            let _ = write!(o, "<label class=\"sr\" for=\"st-{key}\">New status of {key}</label><select id=\"st-{key}\" name=\"status\">");
            for s in ChildStatus::ALL {
                let sel = if *s == ch.status { " selected" } else { "" };
                let _ = write!(o, "<option value=\"{}\"{sel}>{}</option>", s.as_str(), s.as_str().replace('_', " "));
            }
            let _ = write!(
                o,
                "</select><label class=\"sr\" for=\"re-{key}\">Reason for {key}</label><input id=\"re-{key}\" name=\"reason\" placeholder=\"reason\" size=\"12\">\
<button type=\"submit\">Move<span class=\"sr\"> {key}</span></button></form></td>"
            );
        }
        o.push_str("</tr>");
    }
    o.push_str("</tbody></table></div>");
    // Integration testing.
    let ip = &p.integration;
    o.push_str("<h3>Integration testing</h3><p>");
    badge(&mut o, ip.status.as_str());
    let _ = write!(o, " {}/{} items", ip.checked, ip.total);
    if let Some(r) = &c.integration.issue {
        o.push_str(" · ");
        issue_link(&mut o, r);
    }
    o.push_str("</p>");
    if !c.integration.checklist.is_empty() {
        o.push_str("<details><summary>Items<span class=\"sr\"> of integration testing</span></summary><ul class=\"checklist\">");
        for (i, item) in c.integration.checklist.iter().enumerate() {
            checklist_item(&mut o, ctx, c.id, "integration", i + 1, &item.text, item.checked);
        }
        o.push_str("</ul></details>");
    }
    o.push_str("</section>");

    // Waves of the affected repos.
    o.push_str("<section id=\"waves\" data-live aria-labelledby=\"wv\"><h2 id=\"wv\">Dependency waves</h2>");
    let waves = c.waves();
    let edges: Vec<(RepoName, RepoName)> =
        c.children.iter().flat_map(|ch| ch.after.iter().map(move |a| (ch.repo.clone(), a.clone()))).collect();
    let status: HashMap<&RepoName, ChildStatus> = c.children.iter().map(|ch| (&ch.repo, ch.status)).collect();
    wave_svg(
        &mut o,
        &format!("Affected repositories of #{} in dependency waves", c.id),
        &waves,
        &edges.iter().map(|(a, b)| (a.as_str(), b.as_str(), "")).collect::<Vec<_>>(),
        &|r| {
            let mut class = format!("s-{}", status.get(&RepoName::parse(r).ok()?).map_or("pending", |s| s.as_str()));
            if critical.iter().any(|c| c.as_str() == r) {
                class.push_str(" crit");
            }
            Some(class)
        },
    );
    o.push_str("</section>");

    // Plans.
    o.push_str(
        "<section id=\"plans\" class=\"two\" aria-label=\"Plans\"><div><h2>Deployment plan</h2><ol class=\"plan\">",
    );
    for (w, members) in deploy.waves.iter().enumerate() {
        let _ = write!(o, "<li><strong>Wave {}</strong><ul>", w + 1);
        for step in deploy.steps.iter().filter(|s| s.wave == w + 1) {
            let _ = write!(o, "<li>{}", esc(step.repo.as_str()));
            if let Some(cmd) = &step.command {
                let _ = write!(o, " <code>{}</code>", esc(cmd));
            }
            if let Some(h) = &step.health {
                let _ = write!(o, " <span class=\"muted\">health {}</span>", esc(h));
            }
            o.push_str("</li>");
        }
        let _ = members;
        o.push_str("</ul></li>");
    }
    o.push_str("</ol></div><div><h2>Rollback plan</h2><ol class=\"plan\">");
    for s in &rollback.steps {
        let _ = write!(o, "<li>{}", esc(&s.description));
        if let Some(cmd) = &s.command {
            let _ = write!(o, " <code>{}</code>", esc(cmd));
        }
        o.push_str("</li>");
    }
    o.push_str("</ol></div></section>");

    if let Some(r) = &rollout {
        rollout_section(&mut o, r);
    }

    // Move the coordination.
    if can_act {
        let _ = write!(
            o,
            "<section class=\"card\" aria-labelledby=\"mv\"><h2 id=\"mv\">Move the coordination</h2>\
<form method=\"post\" action=\"/coordinations/{}/status\" class=\"move\">",
            c.id
        );
        csrf_field(&mut o, ctx.viewer);
        o.push_str("<label>Status <select name=\"status\">");
        for s in CoordStatus::ALL {
            let sel = if *s == c.status { " selected" } else { "" };
            let _ = write!(o, "<option value=\"{}\"{sel}>{}</option>", s.as_str(), s.as_str().replace('_', " "));
        }
        o.push_str(
            "</select></label> <label>Reason <input name=\"reason\" size=\"24\"></label> \
<label><input type=\"checkbox\" name=\"force\" value=\"1\"> force (close with open work)</label> \
<button type=\"submit\">Move coordination</button></form></section>",
        );
    } else if matches!(ctx.viewer, Viewer::Anonymous) {
        let _ = write!(
            o,
            "<p class=\"muted\"><a href=\"/signin?next=/coordinations/{}\">Sign in</a> to move children, block, unblock and tick items.</p>",
            c.id
        );
    } else {
        o.push_str("<p class=\"muted\">Read-only: the server was started without a write token.</p>");
    }

    // History.
    let _ = write!(o, "<section id=\"history\" data-live aria-labelledby=\"hi\"><h2 id=\"hi\">History ({} events)</h2><ol class=\"timeline\" reversed>", events.len());
    let skip = match history {
        History::All => 0,
        History::Recent => events.len().saturating_sub(RECENT_EVENTS),
    };
    for e in events.iter().skip(skip).rev() {
        let ev = &e.event;
        let _ = write!(o, "<li><span class=\"when\">");
        time(&mut o, ctx.now, ev.at);
        let _ = write!(
            o,
            "</span> <span class=\"who\">{}</span> <span class=\"what\">{}",
            esc(&ev.actor),
            esc(&ev.subject.to_string())
        );
        match ev.action {
            tandem_model::Action::Status => {
                let _ = write!(
                    o,
                    ": {} → <strong>{}</strong>",
                    esc(ev.from.as_deref().unwrap_or("—")),
                    esc(ev.to.as_deref().unwrap_or("—"))
                );
            }
            a => {
                let _ = write!(o, " {}", esc(&a.as_str().replace('_', " ")));
                if let Some(t) = &ev.to {
                    let _ = write!(o, " {}", esc(t));
                }
            }
        }
        o.push_str("</span>");
        if let Some(r) = &ev.reason {
            let _ = write!(o, " <span class=\"why\">— {}</span>", esc(r));
        }
        o.push_str("</li>");
    }
    o.push_str("</ol>");
    if skip > 0 {
        let _ = write!(
            o,
            "<p><a href=\"/coordinations/{}?history=all#history\">Show all {} events</a></p>",
            c.id,
            events.len()
        );
    }
    o.push_str("</section>");
    let title = format!("#{} {}", c.id, c.title);
    Ok(html::page(&ctx.frame(&title, Nav::None), &o))
}

fn checklist_item(o: &mut String, ctx: &Ctx<'_>, id: CoordId, target: &str, n: usize, text: &str, checked: bool) {
    let mark = if checked { "☑" } else { "☐" };
    o.push_str("<li>");
    if ctx.viewer.csrf().is_some() {
        let _ = write!(o, "<form method=\"post\" action=\"/coordinations/{id}/checklist\" class=\"tick\">");
        csrf_field(o, ctx.viewer);
        let _ = write!(
            o,
            "<input type=\"hidden\" name=\"target\" value=\"{}\"><input type=\"hidden\" name=\"item\" value=\"{n}\">\
<input type=\"hidden\" name=\"checked\" value=\"{}\"><button type=\"submit\" class=\"check\" aria-pressed=\"{checked}\">\
<span aria-hidden=\"true\">{mark}</span> {}</button></form>",
            esc(target),
            if checked { "0" } else { "1" },
            esc(text)
        );
    } else {
        let _ = write!(
            o,
            "<span class=\"{}\"><span aria-hidden=\"true\">{mark}</span><span class=\"sr\">{}</span> {}</span>",
            if checked { "done" } else { "" },
            if checked { "done:" } else { "to do:" },
            esc(text)
        );
    }
    o.push_str("</li>");
}

/// Draws repos in columns by wave (providers left), edges from consumer to provider.
/// `class_of` gives a node's CSS class (status, critical path).
fn wave_svg(
    o: &mut String,
    label: &str,
    waves: &[Vec<RepoName>],
    edges: &[(&str, &str, &str)],
    class_of: &dyn Fn(&str) -> Option<String>,
) {
    const W: usize = 190;
    const GAP: usize = 60;
    const H: usize = 30;
    const VGAP: usize = 12;
    let tallest = waves.iter().map(|w| w.len()).max().unwrap_or(0);
    let width = waves.len() * (W + GAP) + 20;
    let height = tallest * (H + VGAP) + 40;
    let mut pos: HashMap<&str, (usize, usize)> = HashMap::new();
    for (wi, w) in waves.iter().enumerate() {
        for (ri, r) in w.iter().enumerate() {
            pos.insert(r.as_str(), (10 + wi * (W + GAP), 30 + ri * (H + VGAP)));
        }
    }
    let _ = write!(
        o,
        "<div class=\"scroll graph\"><svg role=\"img\" aria-label=\"{}\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\">",
        esc(label)
    );
    for (wi, _) in waves.iter().enumerate() {
        let _ = write!(o, "<text class=\"wave\" x=\"{}\" y=\"16\">wave {}</text>", 10 + wi * (W + GAP), wi + 1);
    }
    for (consumer, provider, via) in edges {
        if let (Some(&(cx, cy)), Some(&(px, py))) = (pos.get(consumer), pos.get(provider)) {
            let (x1, y1, x2, y2) = (px + W, py + H / 2, cx, cy + H / 2);
            let _ = write!(
                o,
                "<path class=\"edge v-{}\" d=\"M{x1} {y1} C{} {y1} {} {y2} {x2} {y2}\"/>",
                esc(via),
                x1 + GAP / 2,
                x2.saturating_sub(GAP / 2)
            );
        }
    }
    for w in waves {
        for r in w {
            let (x, y) = pos[r.as_str()];
            let class = class_of(r.as_str()).unwrap_or_default();
            let mut name = r.as_str().to_string();
            if name.chars().count() > 24 {
                name = name.chars().take(23).collect::<String>() + "…";
            }
            let _ = write!(
                o,
                "<g class=\"node {}\"><title>{}</title><rect x=\"{x}\" y=\"{y}\" width=\"{W}\" height=\"{H}\" rx=\"6\"/>\
<text x=\"{}\" y=\"{}\">{}</text></g>",
                esc(&class),
                esc(r.as_str()),
                x + 8,
                y + 20,
                esc(&name)
            );
        }
    }
    o.push_str("</svg></div>");
}

// ---------------------------------------------------------------------------------------------
// The workspace graph.

pub fn graph(ctx: &Ctx<'_>) -> Result<String, EngineError> {
    let v = ctx.engine.graph_view();
    let mut o = String::with_capacity(4096 + v.repos.len() * 400);
    let _ = write!(
        o,
        "<h1>Workspace graph</h1><p class=\"muted\">{} repositories in {} waves; {} dependencies. Providers on the left: a wave may proceed once the waves before it are done.</p>",
        v.repos.len(),
        v.waves.len(),
        v.edges.len()
    );
    o.push_str("<p class=\"legend\">Edges: ");
    for via in tandem_model::Via::ALL {
        let _ = write!(o, "<span class=\"key v-{via}\">{via}</span> ");
    }
    o.push_str("</p>");
    let waves: Vec<Vec<RepoName>> =
        v.waves.iter().map(|w| w.iter().filter_map(|n| RepoName::parse(n).ok()).collect()).collect();
    let roles: HashMap<&str, String> = v.repos.iter().map(|r| (r.name.as_str(), format!("r-{}", r.role))).collect();
    let edges: Vec<(&str, &str, &str)> =
        v.edges.iter().map(|e| (e.consumer.as_str(), e.provider.as_str(), e.via.as_str())).collect();
    wave_svg(&mut o, &format!("Workspace {} in dependency waves", v.workspace), &waves, &edges, &|r| {
        roles.get(r).cloned()
    });
    o.push_str(
        "<h2>Repositories</h2><div class=\"scroll\"><table><thead><tr><th scope=\"col\">Repository</th><th scope=\"col\">Role</th>\
<th scope=\"col\">Wave</th><th scope=\"col\">Depends on</th><th scope=\"col\">Consumers (all)</th></tr></thead><tbody>",
    );
    for r in &v.repos {
        let deps: Vec<String> = r
            .depends_on
            .iter()
            .map(|d| format!("{} <span class=\"key v-{}\">{}</span>", esc(&d.repo), d.via, d.via))
            .collect();
        let _ = write!(
            o,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{} ({})</td></tr>",
            esc(&r.name),
            r.role,
            r.wave,
            if deps.is_empty() { "—".to_string() } else { deps.join(", ") },
            r.consumers.len(),
            r.transitive_consumers
        );
    }
    o.push_str("</tbody></table></div>");
    Ok(html::page(&ctx.frame("Graph", Nav::Graph), &o))
}

// ---------------------------------------------------------------------------------------------
// Health.

/// Findings shown per level; the rest are counted.
const HEALTH_SHOWN: usize = 100;

/// The findings counted by check, worst first (findings arrive in report order: level, then
/// the order of the check table): at a glance, what kinds of trouble there are and what clears
/// each, before the list of every finding.
fn health_by_check(o: &mut String, findings: &[tandem_engine::HealthFinding]) {
    let mut rows: Vec<(&'static str, Level, usize)> = Vec::new();
    for f in findings {
        match rows.iter_mut().find(|(c, l, _)| *c == f.check && *l == f.level) {
            Some(row) => row.2 += 1,
            None => rows.push((f.check, f.level, 1)),
        }
    }
    o.push_str(
        "<section aria-labelledby=\"h-by-check\"><h2 id=\"h-by-check\">By check</h2><table class=\"by-check\">\
<thead><tr><th scope=\"col\">Level</th><th scope=\"col\">Check</th><th scope=\"col\">Findings</th><th scope=\"col\">What clears it</th></tr></thead><tbody>",
    );
    for (check, level, n) in rows {
        let known = tandem_engine::CHECKS.iter().find(|c| c.id == check);
        let _ = write!(
            o,
            "<tr><td><span class=\"lvl l-{l}\">{l}</span></td><td><code class=\"check\">{check}</code>{title}</td><td>{n}</td><td>{action}</td></tr>",
            l = level.as_str(),
            title = known.map(|c| format!(" <span class=\"muted\">{}</span>", esc(c.title))).unwrap_or_default(),
            action = known.map(|c| esc(c.action).to_string()).unwrap_or_default(),
        );
    }
    o.push_str("</tbody></table></section>");
}

pub fn health(ctx: &Ctx<'_>, probe: bool) -> Result<String, EngineError> {
    let opts = HealthOptions {
        endpoints: if probe { tandem_engine::Endpoints::Probe } else { tandem_engine::Endpoints::Skip },
        ..Default::default()
    };
    let r = ctx.engine.health(&opts)?;
    let mut o = String::with_capacity(8192);
    o.push_str("<h1>Health</h1>");
    let _ = write!(
        o,
        "<p class=\"counts\"><span class=\"lvl l-critical\">{} critical</span> <span class=\"lvl l-warning\">{} warning</span> <span class=\"lvl l-info\">{} info</span> \
<span class=\"muted\">— {} coordinations and {} repositories checked; endpoints {}.</span></p>",
        r.counts.critical,
        r.counts.warning,
        r.counts.info,
        r.coordinations_checked,
        r.repos_checked,
        if r.endpoints_probed {
            "probed".to_string()
        } else {
            "not probed (<a href=\"/health?probe=1\">probe them now</a>)".to_string()
        }
    );
    if r.findings.is_empty() {
        o.push_str("<p class=\"card ok\">Everything is healthy.</p>");
    } else {
        health_by_check(&mut o, &r.findings);
    }
    for level in [Level::Critical, Level::Warning, Level::Info] {
        let all: Vec<_> = r.findings.iter().filter(|f| f.level == level).collect();
        if all.is_empty() {
            continue;
        }
        let fs = &all[..all.len().min(HEALTH_SHOWN)];
        let _ = write!(o, "<section aria-labelledby=\"h-{l}\"><h2 id=\"h-{l}\" class=\"lvl l-{l}\">{l} ({})</h2><ul class=\"findings\">", all.len(), l = level.as_str());
        for f in fs.iter() {
            let _ = write!(o, "<li class=\"card\"><code class=\"check\">{}</code> {}", f.check, esc(&f.message));
            let _ = write!(o, "<div class=\"next\">To clear it: {}</div>", esc(&f.action));
            if let Some(rem) = &f.remedy {
                let _ = write!(o, "<div>Command: <code>{}</code></div>", esc(&remedy_command(rem)));
                if ctx.viewer.csrf().is_some() {
                    match rem {
                        Remedy::SetStatus { coordination, status } => {
                            let _ = write!(o, "<form method=\"post\" action=\"/coordinations/{coordination}/status\" class=\"inline\">");
                            csrf_field(&mut o, ctx.viewer);
                            let _ = write!(o, "<input type=\"hidden\" name=\"status\" value=\"{status}\"><button type=\"submit\">Move #{coordination} to {}</button></form>", status.as_str().replace('_', " "));
                        }
                        Remedy::SetChildStatus { coordination, repo, status } => {
                            let _ = write!(
                                o,
                                "<form method=\"post\" action=\"/coordinations/{coordination}/children/{}\" class=\"inline\">",
                                seg(repo.as_str())
                            );
                            csrf_field(&mut o, ctx.viewer);
                            let _ = write!(
                                o,
                                "<input type=\"hidden\" name=\"status\" value=\"{status}\"><button type=\"submit\">Move {} to {}</button></form>",
                                esc(repo.as_str()),
                                status.as_str().replace('_', " ")
                            );
                        }
                        Remedy::CoordinateRepo { .. } => {}
                    }
                }
            }
            let links: Vec<String> = f
                .subjects
                .iter()
                .map(|s| match s {
                    tandem_engine::HealthSubject::Coordination { id, .. } => {
                        format!("<a href=\"/coordinations/{id}\">{}</a>", esc(&s.to_string()))
                    }
                    tandem_engine::HealthSubject::Child { coordination, repo } => format!(
                        "<a href=\"/coordinations/{coordination}#child-{}\">{}</a>",
                        seg(repo.as_str()),
                        esc(&s.to_string())
                    ),
                    _ => esc(&s.to_string()).to_string(),
                })
                .collect();
            if !links.is_empty() {
                let _ = write!(o, "<div class=\"muted\">About: {}</div>", links.join(", "));
            }
            o.push_str("</li>");
        }
        o.push_str("</ul>");
        if all.len() > fs.len() {
            let _ = write!(
                o,
                "<p class=\"muted\">… and {} more {} findings (<code>tandem health</code> lists them all).</p>",
                all.len() - fs.len(),
                level.as_str()
            );
        }
        o.push_str("</section>");
    }
    Ok(html::page(&ctx.frame("Health", Nav::Health), &o))
}

/// The `tandem` command line that applies a remedy (shown beside the button, for terminals).
fn remedy_command(r: &Remedy) -> String {
    match r {
        Remedy::SetStatus { coordination, status } => format!("tandem coord status {coordination} {status}"),
        Remedy::SetChildStatus { coordination, repo, status } => {
            format!("tandem coord child {coordination} {repo} {status}")
        }
        Remedy::CoordinateRepo { repo } => {
            format!("tandem coord create --from-repo {repo} --type breaking --title TITLE")
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Metrics charts.

/// One window of the charts.
struct Bucket {
    until: DateTime<Utc>,
    complete_h: Option<f64>,
    child_h: Option<f64>,
    success: Option<f64>,
    failed_deploys: usize,
    done: usize,
}

/// Rendered chart bodies, kept while no event is added and for at most a minute (the weeks
/// move with the clock): the metrics of many windows are the dashboard's most expensive read.
#[derive(Default)]
pub struct Memo {
    inner: Mutex<HashMap<usize, (i64, std::time::Instant, String)>>,
}

const MEMO_FOR: std::time::Duration = std::time::Duration::from_secs(60);

pub fn charts(ctx: &Ctx<'_>, weeks: usize, memo: &Memo) -> Result<String, EngineError> {
    let weeks = weeks.clamp(2, 52);
    let mut guard = memo.inner.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((id, at, body)) = guard.get(&weeks) {
        if *id == ctx.event_id && at.elapsed() < MEMO_FOR {
            return Ok(html::page(&ctx.frame("Metrics", Nav::Charts), body));
        }
    }
    let body = chart_body(ctx, weeks)?;
    let page = html::page(&ctx.frame("Metrics", Nav::Charts), &body);
    guard.insert(weeks, (ctx.event_id, std::time::Instant::now(), body));
    Ok(page)
}

fn chart_body(ctx: &Ctx<'_>, weeks: usize) -> Result<String, EngineError> {
    let mut buckets = Vec::with_capacity(weeks);
    for i in (0..weeks).rev() {
        let until = ctx.now - Duration::weeks(i as i64);
        let m = ctx.engine.metrics(&MetricsOptions { window: Duration::weeks(1), until: Some(until) })?;
        buckets.push(Bucket {
            until,
            complete_h: m.time_to_complete.median_seconds.map(|s| s / 3600.0),
            child_h: m.child_resolution.median_seconds.map(|s| s / 3600.0),
            success: m.deployments.success_rate.map(|r| r * 100.0),
            failed_deploys: m.deployments.rolled_back + m.deployments.aborted,
            done: m.outcomes.done,
        });
    }
    let mut o = String::with_capacity(16384);
    let _ = write!(
        o,
        "<h1>Metrics</h1><p class=\"muted\">Week by week, the last {weeks} weeks (each bar: the week ending that day). \
<a href=\"/charts?weeks={}\">Show {} weeks</a>.</p><div class=\"charts\">",
        if weeks == 8 { 26 } else { 8 },
        if weeks == 8 { 26 } else { 8 }
    );
    chart(&mut o, "Time to complete (median, hours)", "h", &buckets, &|b| b.complete_h);
    chart(&mut o, "Child resolution time (median, hours)", "h", &buckets, &|b| b.child_h);
    chart(&mut o, "Deployment success rate (%)", "%", &buckets, &|b| b.success);
    chart(&mut o, "Gate failures (deployments rolled back or aborted)", "", &buckets, &|b| {
        Some(b.failed_deploys as f64)
    });
    chart(&mut o, "Coordinations completed", "", &buckets, &|b| Some(b.done as f64));
    o.push_str("</div>");
    Ok(o)
}

fn chart(o: &mut String, title: &str, unit: &str, buckets: &[Bucket], value: &dyn Fn(&Bucket) -> Option<f64>) {
    const W: f64 = 360.0;
    const H: f64 = 140.0;
    let max = buckets.iter().filter_map(value).fold(0.0f64, f64::max);
    let scale = if max > 0.0 { (H - 20.0) / max } else { 0.0 };
    let bw = W / buckets.len() as f64;
    let _ = write!(
        o,
        "<figure class=\"chart card\"><figcaption>{}</figcaption><svg viewBox=\"0 0 {W} {}\" role=\"img\" aria-label=\"{} — bar chart; the table below has the figures\">",
        esc(title),
        H + 18.0,
        esc(title)
    );
    let _ = write!(o, "<line class=\"axis\" x1=\"0\" y1=\"{H}\" x2=\"{W}\" y2=\"{H}\"/>");
    for (i, b) in buckets.iter().enumerate() {
        let x = i as f64 * bw + 3.0;
        match value(b) {
            Some(v) => {
                let h = (v * scale).max(if v > 0.0 { 2.0 } else { 0.0 });
                let _ = write!(
                    o,
                    "<rect class=\"barv\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\"><title>{}: {}</title></rect>",
                    H - h,
                    bw - 6.0,
                    b.until.format("%b %d"),
                    fmt_value(v, unit)
                );
                if buckets.len() <= 12 && v > 0.0 {
                    let _ = write!(
                        o,
                        "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                        x + (bw - 6.0) / 2.0,
                        (H - h - 3.0).max(10.0),
                        fmt_value(v, unit)
                    );
                }
            }
            None => {
                let _ = write!(o, "<text class=\"nodata\" x=\"{:.1}\" y=\"{}\">–</text>", x + bw / 2.0 - 6.0, H - 4.0);
            }
        }
    }
    if let (Some(first), Some(last)) = (buckets.first(), buckets.last()) {
        let _ = write!(
            o,
            "<text class=\"tick\" x=\"0\" y=\"{}\">{}</text><text class=\"tick\" x=\"{W}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            H + 14.0,
            first.until.format("%b %d"),
            H + 14.0,
            last.until.format("%b %d")
        );
    }
    o.push_str("</svg><details><summary>Figures</summary><table><thead><tr><th scope=\"col\">Week ending</th><th scope=\"col\">Value</th></tr></thead><tbody>");
    for b in buckets {
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{}</td></tr>",
            b.until.format("%Y-%m-%d"),
            value(b).map_or("no data".to_string(), |v| fmt_value(v, unit))
        );
    }
    o.push_str("</tbody></table></details></figure>");
}

fn fmt_value(v: f64, unit: &str) -> String {
    match unit {
        "h" => format!("{v:.1} h"),
        "%" => format!("{v:.0} %"),
        _ => format!("{v:.0}"),
    }
}

// ---------------------------------------------------------------------------------------------
// An issue of the local forge, and small pages.

pub fn issue(ctx: &Ctx<'_>, reference: &str) -> Result<String, EngineError> {
    let i = ctx.engine.issue(reference)?;
    let mut o = String::new();
    let _ = write!(o, "<h1>{}#{} {}</h1><p>", esc(i.reference.repo.as_str()), i.reference.number, esc(&i.title));
    badge(&mut o, i.state.as_str());
    for l in &i.labels {
        let _ = write!(o, " <span class=\"tag\">{}</span>", esc(l));
    }
    if let Some(c) = i.coordination {
        let _ = write!(o, " · <a href=\"/coordinations/{c}\">coordination #{c}</a>");
    }
    let _ = write!(o, "</p><pre class=\"body\">{}</pre>", esc(&i.body));
    Ok(html::page(&ctx.frame(&i.title, Nav::None), &o))
}

pub fn signin(ctx: &Ctx<'_>, next: &str, failed: bool) -> String {
    let mut o = String::from("<h1>Sign in</h1>");
    match ctx.viewer {
        Viewer::ReadOnly => {
            o.push_str("<p>This dashboard is read-only: the server was started without a write token.</p>")
        }
        _ => {
            if failed {
                o.push_str("<div class=\"notice error\" role=\"alert\">That is not the write token.</div>");
            }
            let _ = write!(
                o,
                "<p>Acting (moving children, blocking, ticking items) needs the server's write token. \
The browser keeps a session cookie, not the token.</p>\
<form method=\"post\" action=\"/signin\" class=\"stack\"><input type=\"hidden\" name=\"next\" value=\"{}\">\
<label for=\"token\">Write token</label><input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"current-password\" required>\
<button type=\"submit\">Sign in</button></form>",
                esc(next)
            );
        }
    }
    html::page(&ctx.frame("Sign in", Nav::None), &o)
}

pub fn message(ctx: &Ctx<'_>, title: &str, text: &str) -> String {
    let body = format!("<h1>{}</h1><p>{}</p><p><a href=\"/\">Back to the coordinations</a></p>", esc(title), esc(text));
    html::page(&ctx.frame(title, Nav::None), &body)
}

/// The rollout as it stands: its phase, why it rolled back, and every step with its state.
fn rollout_section(o: &mut String, r: &tandem_engine::RolloutView) {
    use tandem_model::rollout::{Phase, StepState};
    let phase = match r.phase {
        Phase::NotStarted => "not started",
        Phase::Forward => "deploying",
        Phase::RollingBack => "rolling back",
        Phase::Finished => "finished",
    };
    let _ = write!(
        o,
        "<section id=\"rollout\" data-live aria-labelledby=\"ro\"><h2 id=\"ro\">Rollout: {}</h2>",
        esc(phase)
    );
    if let Some(f) = &r.failure {
        let _ = write!(o, "<p class=\"blocker\"><strong>Rolled back:</strong> {}</p>", esc(f));
    }
    if let Some(u) = &r.unfinished_deploy {
        let _ = write!(
            o,
            "<p class=\"blocker\">{} started and never finished: <code>tandem rollout {} --retry-step</code> or <code>--skip-step</code></p>",
            esc(u),
            r.coordination
        );
    }
    o.push_str("<ol class=\"plan\">");
    let steps = r.forward.iter().chain(r.rollback.iter().filter(|s| s.state != StepState::Pending));
    for s in steps {
        let state = match s.state {
            StepState::Pending => "pending",
            StepState::Started => "running",
            StepState::Completed => "done",
            StepState::Failed => "failed",
        };
        let _ = write!(o, "<li><span class=\"badge s-{state}\">{state}</span> {}", esc(&s.key));
        if let Some(d) = &s.detail {
            let _ = write!(o, " <span class=\"muted\">{}</span>", esc(d));
        }
        o.push_str("</li>");
    }
    o.push_str("</ol></section>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use tandem_model::rollout::{Phase, StepKind, StepState};

    fn step(key: &str, kind: StepKind, state: StepState, detail: Option<&str>) -> tandem_engine::StepView {
        tandem_engine::StepView {
            key: key.into(),
            kind,
            repo: None,
            wave: None,
            percent: None,
            state,
            command: None,
            http: None,
            cwd: None,
            env: vec![],
            timeout: None,
            gates: vec![],
            bake: None,
            started_at: None,
            finished_at: None,
            detail: detail.map(String::from),
        }
    }

    fn summary(id: i64, priority: Priority, hours_blocked: i64, reason: &str) -> CoordinationSummary {
        use tandem_model::coordination::Hold;
        let now = chrono::Utc::now();
        let repo = RepoName::parse(&format!("r{id:04}")).unwrap();
        CoordinationSummary {
            id: CoordId(id),
            key: format!("k{id}"),
            title: format!("Change {id}"),
            change_type: tandem_model::ChangeType::Feature,
            priority,
            strategy: tandem_model::Strategy::Parallel,
            status: CoordStatus::InProgress,
            hold: None,
            issue: None,
            created_at: now - Duration::days(30),
            updated_at: now,
            children: vec![tandem_model::ChildSummary {
                repo,
                weight: 1,
                status: ChildStatus::Blocked,
                hold: Some(Hold {
                    resume: ChildStatus::Ready,
                    reason: reason.into(),
                    since: now - Duration::hours(hours_blocked),
                    cause: BlockCause::Own,
                }),
                checked: 0,
                total: 2,
            }],
        }
    }

    fn attention_of(all: &[CoordinationSummary]) -> Vec<Attention<'_>> {
        all.iter()
            .map(|c| {
                let ch = &c.children[0];
                let h = ch.hold.as_ref().unwrap();
                Attention { c, held: Held::Child(&ch.repo, h.resume), reason: &h.reason, since: h.since }
            })
            .collect()
    }

    #[test]
    fn the_attention_panel_puts_urgent_and_old_blockers_first_and_folds_the_rest() {
        let mut all: Vec<CoordinationSummary> = (1..=12)
            .map(|i| summary(i, Priority::Low, i, if i % 3 == 0 { "CI is red" } else { "waits <for> a release" }))
            .collect();
        all.push(summary(13, Priority::Critical, 1, "needs a security review"));
        all.push(summary(14, Priority::High, 2, "waits <for> a release"));
        let mut attention = attention_of(&all);
        let mut o = String::new();
        attention_panel(&mut o, chrono::Utc::now(), &Viewer::Anonymous, &mut attention);
        assert!(o.contains("Blocked now: 14 items in 14 coordinations"), "{o}");
        assert!(o.contains("<strong>1 critical, 1 high priority</strong>"), "{o}");
        assert!(o.contains("the oldest blocked <time"), "{o}");
        // The commonest reason first, with its count, escaped.
        let reasons = o.split("why: ").nth(1).unwrap();
        assert!(
            reasons.starts_with(
                "<span class=\"why\">waits &lt;for&gt; a release</span> (9), <span class=\"why\">CI is red</span> (4)"
            ),
            "{reasons}"
        );
        // Critical, then high, then the low ones oldest first; ten shown, four folded away.
        let order: Vec<usize> =
            ["r0013", "r0014", "r0012", "r0011", "r0005"].iter().map(|r| o.find(r).unwrap()).collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{o}");
        let (shown, folded) = o.split_once("<details>").expect("the rest folded");
        assert_eq!(shown.matches("<li>").count(), 10);
        assert!(folded.starts_with("<summary>4 more blocked items</summary>"), "{folded}");
        assert!(folded.contains("r0001") && !shown.contains("r0001"), "the newest low-priority blocker is folded");
        // What to do next, for a terminal; a signed-in viewer gets the button instead.
        assert!(o.contains("Next: clear that, then move r0013 back to ready. <code>tandem coord child 13 r0013 ready</code></span>"), "{o}");
        let mut signed = String::new();
        attention_panel(&mut signed, chrono::Utc::now(), &Viewer::Signed { csrf: "c".into() }, &mut attention);
        assert!(signed.contains("action=\"/coordinations/13/children/r0013\""), "{signed}");
        assert!(
            signed.contains("name=\"status\" value=\"ready\"><button class=\"small\" type=\"submit\">Unblock"),
            "{signed}"
        );
        assert!(!signed.contains("<code>tandem coord"), "{signed}");
    }

    #[test]
    fn an_empty_attention_panel_says_nothing_is_blocked() {
        let mut o = String::new();
        attention_panel(&mut o, chrono::Utc::now(), &Viewer::ReadOnly, &mut []);
        assert!(o.contains("Nothing is blocked"), "{o}");
    }

    #[test]
    fn a_rolled_back_rollout_shows_why_and_each_step_escaped() {
        let view = tandem_engine::RolloutView {
            coordination: CoordId(7),
            title: "t".into(),
            status: CoordStatus::Blocked,
            phase: Phase::Finished,
            started_at: None,
            failure: Some("gate <p95> failed".into()),
            interval: "1s".into(),
            threshold: 1,
            iterations: 1,
            forward: vec![
                step("deploy loqa-hub", StepKind::Deploy, StepState::Completed, Some("exit status 0")),
                step("flag 50%", StepKind::Flag, StepState::Failed, None),
                step("deploy loqa-relay", StepKind::Deploy, StepState::Pending, None),
            ],
            rollback: vec![
                step("rollback loqa-hub", StepKind::Rollback, StepState::Completed, None),
                step("rollback loqa-relay", StepKind::Rollback, StepState::Pending, None),
            ],
            unfinished_deploy: None,
            logs: None,
        };
        let mut o = String::new();
        rollout_section(&mut o, &view);
        assert!(o.contains("Rollout: finished"), "{o}");
        assert!(o.contains("gate &lt;p95&gt; failed"), "{o}");
        let order: Vec<usize> = ["deploy loqa-hub", "flag 50%", "deploy loqa-relay", "rollback loqa-hub"]
            .iter()
            .map(|k| o.find(k).unwrap_or_else(|| panic!("{k} missing: {o}")))
            .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{o}");
        assert!(!o.contains("rollback loqa-relay"), "a rollback step that never ran is not listed: {o}");
        assert!(o.contains("s-failed\">failed</span> flag 50%"), "{o}");
    }
}
