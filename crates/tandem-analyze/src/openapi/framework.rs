//! The rule framework: pairs operations (by normalized path and method), parameters (by
//! location and name, path parameters by position) and schemas (property by property), and
//! hands each pair to the rules that compare that kind of element. A rule never walks the
//! document itself.

use super::node::Node;
use super::schema::{View, Visit, Walker};
use super::spec::{Doc, Op, Param, Spec};
use crate::detect::{finding, RuleInfo};
use tandem_model::{Finding, Severity};

/// What a rule compares.
#[derive(Clone, Copy)]
pub enum Check {
    /// Reported by the detector itself while reading the revisions (OPENAPI_PARSE).
    Input,
    /// The two documents as wholes (deleted paths and operations, added operations).
    Spec(fn(&mut Out, &Spec, &Spec)),
    /// Operations paired by normalized path and method.
    Operation(fn(&mut Out, &Op, &Op)),
    /// Request schemas paired property by property: request bodies by media type, and
    /// parameters paired by `pair_params`.
    Request(fn(&mut Out, &Op, &SchemaPair)),
    /// Response schemas paired property by property, by status and media type.
    Response(fn(&mut Out, &Op, &SchemaPair)),
}

/// One rule: its description (stable ID, severity…) and its check.
pub struct Rule {
    pub info: RuleInfo,
    pub check: Check,
}

/// Where a schema pair comes from.
#[derive(Debug, Clone, Copy)]
pub enum Origin<'p> {
    Body { media: &'p str },
    Parameter(&'p Param<'p>),
    Response { status: &'p str, media: &'p str },
}

/// A schema present in both revisions, at the same property path.
pub struct SchemaPair<'p, 'a> {
    pub origin: Origin<'p>,
    /// Property path from the root schema, or from `schema`: `""`, `user.email`, `tags[]`.
    pub label: &'p str,
    /// The component schema the label starts from (`Order` for `#/components/schemas/Order`).
    pub schema: Option<&'p str>,
    pub prev: &'p View<'a>,
    pub cur: &'p View<'a>,
}

impl SchemaPair<'_, '_> {
    /// What the pair is, for messages: `property "user.email" of the request body of "POST /users"`.
    pub fn subject(&self, op: &Op) -> String {
        subject(self.origin, self.schema, self.label, op)
    }

    /// The same for a property of this schema.
    pub fn child_subject(&self, op: &Op, name: &str) -> String {
        subject(self.origin, self.schema, &self.child_label(name), op)
    }

    /// The property path of a property of this schema: `user.email`.
    pub fn child_label(&self, name: &str) -> String {
        if self.label.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.label)
        }
    }

    /// The schema the properties are in: `the request body of "POST /users"`, or
    /// `schema "User" (in the request body of "POST /users")`.
    pub fn whole(&self, op: &Op) -> String {
        subject(self.origin, self.schema, "", op)
    }
}

fn subject(origin: Origin, schema: Option<&str>, label: &str, op: &Op) -> String {
    let media = |m: &str| if m == "application/json" { String::new() } else { format!(" ({m})") };
    let whole = match origin {
        Origin::Body { media: m } => format!("the request body{} of \"{}\"", media(m), op.name()),
        Origin::Parameter(p) => format!("parameter {} of \"{}\"", p.describe(), op.name()),
        Origin::Response { status, media: m } => format!("the {status} response{} of \"{}\"", media(m), op.name()),
    };
    let whole = match schema {
        Some(name) => format!("schema \"{name}\" (in {whole})"),
        None => whole,
    };
    if label.is_empty() {
        whole
    } else {
        format!("property \"{label}\" of {whole}")
    }
}

/// Where findings go, with both documents at hand.
pub struct Out<'o> {
    pub prev: &'o Doc,
    pub cur: &'o Doc,
    path: &'o str,
    rule: &'static RuleInfo,
    findings: &'o mut Vec<Finding>,
}

impl Out<'_> {
    /// Reports at the line of `node` (a node of the current revision) with the rule's severity.
    pub fn at(&mut self, node: &Node, message: String) {
        let line = self.cur.line_of(node);
        self.findings.push(finding(self.rule, self.path, line, 1, message));
    }

    /// Reports with another severity than the rule's (rules whose severity depends on the case
    /// say so in their docs).
    pub fn at_with(&mut self, node: &Node, severity: Severity, message: String) {
        let line = self.cur.line_of(node);
        let mut f = finding(self.rule, self.path, line, 1, message);
        f.severity = severity;
        self.findings.push(f);
    }
}

/// Parameters present in both operations, paired by key.
pub fn pair_params<'x, 'a>(prev: &'x Op<'a>, cur: &'x Op<'a>) -> Vec<(&'x Param<'a>, &'x Param<'a>)> {
    prev.params.iter().filter_map(|p| cur.params.iter().find(|c| c.key == p.key).map(|c| (p, c))).collect()
}

/// The parameter of `to` that `p` (of `from`) moved to: same name, another location, and
/// neither key present on the other side.
pub fn relocated<'x, 'a>(from: &'x Op<'a>, to: &'x Op<'a>, p: &Param) -> Option<&'x Param<'a>> {
    if to.params.iter().any(|q| q.key == p.key) {
        return None;
    }
    to.params.iter().find(|q| {
        q.location != p.location && q.name.eq_ignore_ascii_case(p.name) && !from.params.iter().any(|o| o.key == q.key)
    })
}

/// Runs `rules` over the two revisions of the file at `path`.
pub fn run<'a>(path: &str, prev: &Spec<'a>, cur: &Spec<'a>, rules: &[&'static Rule]) -> Vec<Finding> {
    let mut findings = Vec::new();
    let out = |rule: &'static Rule, findings: &mut Vec<Finding>, f: &mut dyn FnMut(&mut Out)| {
        let mut o = Out { prev: prev.doc, cur: cur.doc, path, rule: &rule.info, findings };
        f(&mut o);
    };
    for rule in rules {
        if let Check::Spec(check) = rule.check {
            out(rule, &mut findings, &mut |o| check(o, prev, cur));
        }
    }
    let mut walker = Walker::new(prev.doc, cur.doc);
    let request: Vec<_> = rules.iter().filter(|r| matches!(r.check, Check::Request(_))).collect();
    let response: Vec<_> = rules.iter().filter(|r| matches!(r.check, Check::Response(_))).collect();
    for (key, c) in cur.operations() {
        let Some(p) = prev.operation(key, c.method).filter(|p| !(p.unchanged && c.unchanged)) else { continue };
        for rule in rules {
            if let Check::Operation(check) = rule.check {
                out(rule, &mut findings, &mut |o| check(o, p, c));
            }
        }
        let mut dispatch = |origin: Origin, ps: &'a Node, cs: &'a Node, rules: &[&&'static Rule]| {
            let lane = match origin {
                Origin::Body { .. } => 0,
                Origin::Parameter(_) => 1,
                Origin::Response { .. } => 2,
            };
            walker.walk(lane, ps, cs, &mut |v: &Visit| {
                let pair = SchemaPair { origin, label: v.label, schema: v.schema, prev: v.prev, cur: v.cur };
                for rule in rules {
                    match rule.check {
                        Check::Request(check) | Check::Response(check) => {
                            out(rule, &mut findings, &mut |o| check(o, c, &pair))
                        }
                        _ => {}
                    }
                }
            });
        };
        if !request.is_empty() {
            if let (Some(pb), Some(cb)) = (&p.body, &c.body) {
                for (media, cs) in &cb.content {
                    if let (Some(cs), Some(Some(ps))) = (*cs, pb.content.get(media)) {
                        dispatch(Origin::Body { media }, ps, cs, &request);
                    }
                }
            }
            for (pp, cp) in pair_params(p, c) {
                if let (Some(ps), Some(cs)) = (pp.schema, cp.schema) {
                    dispatch(Origin::Parameter(cp), ps, cs, &request);
                }
            }
        }
        if !response.is_empty() {
            for (status, cr) in &c.responses {
                let Some(pr) = p.responses.get(status) else { continue };
                for (media, cs) in &cr.content {
                    if let (Some(cs), Some(Some(ps))) = (*cs, pr.content.get(media)) {
                        dispatch(Origin::Response { status, media }, ps, cs, &response);
                    }
                }
            }
        }
    }
    findings
}
