//! The rule framework: pairs previous and current elements and hands each pair to the rules
//! that compare that kind of element. A rule never walks the module itself.

use super::ir::{Enum, Field, File, Message, Method, Module, Service, Span};
use tandem_model::{Finding, Severity};

/// buf's rule categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    File,
    Package,
    WireJson,
    Wire,
    Csr,
}

impl Category {
    pub const ALL: [Category; 5] =
        [Category::File, Category::Package, Category::WireJson, Category::Wire, Category::Csr];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::File => "FILE",
            Category::Package => "PACKAGE",
            Category::WireJson => "WIRE_JSON",
            Category::Wire => "WIRE",
            Category::Csr => "CSR",
        }
    }

    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// What a rule compares.
#[derive(Clone, Copy)]
pub enum Check {
    /// The two modules as wholes (deletions of files, packages, top-level elements).
    Module(fn(&mut Out)),
    /// Files paired by name.
    File(fn(&mut Out, &File, &File)),
    /// Messages paired by fully-qualified name.
    Message(fn(&mut Out, &Message, &Message)),
    /// Fields paired by number within paired messages (with the message), and extensions
    /// paired by extendee and number (without).
    Field(fn(&mut Out, Option<&Message>, &Field, &Field)),
    /// Enums paired by fully-qualified name.
    Enum(fn(&mut Out, &Enum, &Enum)),
    /// Services paired by fully-qualified name.
    Service(fn(&mut Out, &Service, &Service)),
    /// Methods paired by name, within paired services.
    Method(fn(&mut Out, &Service, &Method, &Method)),
    /// Extensions paired by extendee and number.
    Extension(fn(&mut Out, &Field, &Field)),
}

/// One rule: a stable ID, its categories, and its check.
pub struct Rule {
    pub id: &'static str,
    pub categories: &'static [Category],
    /// What it checks (buf's purpose text).
    pub purpose: &'static str,
    /// Why a change it reports breaks consumers.
    pub why: &'static str,
    pub check: Check,
}

/// Where findings go, with access to both modules.
pub struct Out<'a> {
    pub prev: &'a Module,
    pub cur: &'a Module,
    rule: &'static str,
    findings: &'a mut Vec<Finding>,
}

impl Out<'_> {
    fn push(&mut self, path: &str, span: Option<Span>, message: String) {
        // buf reports elements without a location (deleted files, removed options) at 1:1.
        let s = span.unwrap_or(Span { line: 1, column: 1, end_line: 1, end_column: 1 });
        self.findings.push(Finding {
            rule: self.rule.to_string(),
            severity: Severity::Breaking,
            kind: "protobuf".into(),
            path: path.to_string(),
            line: s.line,
            column: s.column,
            end_line: s.end_line,
            end_column: s.end_column,
            message,
        });
    }

    /// Reports at the element `path` of the current revision's file `file`.
    pub fn at(&mut self, file: usize, path: &[i32], message: String) {
        let f = &self.cur.files[file];
        let span = f.span(path);
        let p = f.path.clone();
        self.push(&p, span, message);
    }

    /// Reports at the first of `paths` that has a location in the current file.
    pub fn at_first(&mut self, file: usize, paths: &[&[i32]], message: String) {
        let f = &self.cur.files[file];
        let span = paths.iter().find_map(|p| f.span(p));
        let p = f.path.clone();
        self.push(&p, span, message);
    }

    /// Reports against a current file as a whole (no location).
    pub fn at_file(&mut self, file: usize, message: String) {
        let p = self.cur.files[file].path.clone();
        self.push(&p, None, message);
    }

    /// Reports against a file path with no location (e.g. a deleted file).
    pub fn at_path(&mut self, path: &str, message: String) {
        self.push(path, None, message);
    }
}

/// Runs `rules` over the pairs of `prev` and `cur`.
pub fn run(prev: &Module, cur: &Module, rules: &[&Rule]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for rule in rules {
        let mut out = Out { prev, cur, rule: rule.id, findings: &mut findings };
        match rule.check {
            Check::Module(f) => f(&mut out),
            Check::File(f) => {
                for pf in &prev.files {
                    if let Some(cf) = cur.file(&pf.name) {
                        f(&mut out, pf, cf);
                    }
                }
            }
            Check::Message(f) => {
                for pm in &prev.messages {
                    if let Some(cm) = cur.message(&pm.full_name) {
                        f(&mut out, pm, cm);
                    }
                }
            }
            Check::Field(f) => {
                for pm in &prev.messages {
                    if let Some(cm) = cur.message(&pm.full_name) {
                        for pf in &pm.fields {
                            if let Some(cf) = cm.field(pf.number) {
                                f(&mut out, Some(cm), pf, cf);
                            }
                        }
                    }
                }
                for px in &prev.extensions {
                    let key = (px.extendee.clone().unwrap_or_default(), px.number);
                    if let Some(&ci) = cur.extension_by_key.get(&key) {
                        f(&mut out, None, px, &cur.extensions[ci]);
                    }
                }
            }
            Check::Enum(f) => {
                for pe in &prev.enums {
                    if let Some(ce) = cur.enum_(&pe.full_name) {
                        f(&mut out, pe, ce);
                    }
                }
            }
            Check::Service(f) => {
                for ps in &prev.services {
                    if let Some(&ci) = cur.service_by_name.get(&ps.full_name) {
                        f(&mut out, ps, &cur.services[ci]);
                    }
                }
            }
            Check::Method(f) => {
                for ps in &prev.services {
                    if let Some(&ci) = cur.service_by_name.get(&ps.full_name) {
                        let cs = &cur.services[ci];
                        for pm in &ps.methods {
                            if let Some(cm) = cs.method(&pm.name) {
                                f(&mut out, cs, pm, cm);
                            }
                        }
                    }
                }
            }
            Check::Extension(f) => {
                for px in &prev.extensions {
                    let key = (px.extendee.clone().unwrap_or_default(), px.number);
                    if let Some(&ci) = cur.extension_by_key.get(&key) {
                        f(&mut out, px, &cur.extensions[ci]);
                    }
                }
            }
        }
    }
    findings
}

/// A path extended by more components.
pub fn sub(path: &[i32], more: &[i32]) -> Vec<i32> {
    let mut p = path.to_vec();
    p.extend_from_slice(more);
    p
}
