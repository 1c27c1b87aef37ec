//! Impact analysis (SPEC C5): what changed in a repository's contracts between two revisions,
//! how bad it is, and which repositories must follow.

use crate::error::{EngineError, Input, Result};
use crate::{CreateRequest, Engine};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tandem_analyze::detect::{self, DetectOptions, FilePair};
use tandem_analyze::protobuf::{self, config::BreakingConfig};
use tandem_analyze::source::{DirSource, GitRepo, Source};
use tandem_model::{
    AnalysisRecord, ChangeType, ContractKind, CoordId, Finding, ImpactLevel, RepoName, Severity, Strategy, Workspace,
};

/// What to analyse.
#[derive(Debug, Clone, Default)]
pub struct AnalyzeRequest {
    /// A workspace repo (its checkout is analysed). Default: the repo whose checkout contains
    /// `path`, or the git repository around `path` when there is no workspace.
    pub repo: Option<String>,
    /// A directory inside the checkout; default: the current directory.
    pub path: Option<PathBuf>,
    /// The two states compared.
    pub compare: Compare,
    /// Only these changed paths (e.g. from an MCP client); git comparisons only.
    pub changed_files: Vec<String>,
    /// What becomes of the protobuf compiler's memory once the analysis is done.
    pub compiler_memory: protobuf::CompilerMemory,
}

/// Which two states of a repository an analysis compares. One of three, so that no front end
/// can ask for a contradiction (a head revision *and* the working tree) that the engine would
/// have to resolve silently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Compare {
    /// Two git revisions. `base` defaults to the merge-base of head with the default branch (or
    /// head's parent when head is on the default branch); `head` to HEAD.
    Revisions { base: Option<String>, head: Option<String> },
    /// The working tree, uncommitted changes included, against `base` (default as above).
    Worktree { base: Option<String> },
    /// Two directories without git: the analysed checkout (current) against `previous`.
    Directories { previous: PathBuf },
}

impl Default for Compare {
    fn default() -> Self {
        Compare::Revisions { base: None, head: None }
    }
}

impl Compare {
    /// The comparison loose inputs (flags, tool arguments) describe, or an error naming the
    /// input that contradicts another. Every front end builds its request through this, so the
    /// combinations are judged in one place.
    pub fn from_parts(
        base: Option<String>,
        head: Option<String>,
        worktree: bool,
        previous: Option<PathBuf>,
    ) -> Result<Compare> {
        let rev = |input: Input, r: Option<String>| -> Result<Option<String>> {
            match r {
                Some(r) if r.trim().is_empty() => Err(EngineError::input(input, "the revision is empty")),
                r => Ok(r.map(|r| r.trim().to_string())),
            }
        };
        let base = rev(Input::Base, base)?;
        let head = rev(Input::Head, head)?;
        match (previous, worktree) {
            (Some(_), true) => Err(EngineError::input(
                Input::Against,
                "a directory comparison and the working tree exclude each other",
            )),
            (Some(_), false) if base.is_some() || head.is_some() => {
                Err(EngineError::input(Input::Against, "a directory comparison takes no git revisions (base or head)"))
            }
            (Some(previous), false) => Ok(Compare::Directories { previous }),
            (None, true) if head.is_some() => Err(EngineError::input(
                Input::Worktree,
                "the working tree is the head of this comparison: give a head revision or the working tree, not both",
            )),
            (None, true) => Ok(Compare::Worktree { base }),
            (None, false) => Ok(Compare::Revisions { base, head }),
        }
    }

    fn base(&self) -> Option<&str> {
        match self {
            Compare::Revisions { base, .. } | Compare::Worktree { base } => base.as_deref(),
            Compare::Directories { .. } => None,
        }
    }
}

/// A repo that must follow, and why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Consumer {
    pub repo: RepoName,
    /// `direct` or `transitive`.
    pub relation: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Impact {
    pub level: ImpactLevel,
    pub consumers: Vec<Consumer>,
    /// The coordination type the change calls for, when it calls for one.
    pub change_type: Option<ChangeType>,
    pub strategy: Option<Strategy>,
    pub reason: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub breaking: usize,
    pub warning: usize,
    pub info: usize,
}

/// The result of an analysis. Its JSON form is documented in `docs/analysis.schema.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub repo: Option<RepoName>,
    /// The checkout analysed.
    pub root: PathBuf,
    pub base: String,
    pub head: String,
    /// The contract files compared.
    pub files: Vec<String>,
    /// Where the protobuf rule selection came from.
    pub config: String,
    pub findings: Vec<Finding>,
    pub counts: Counts,
    pub impact: Impact,
    pub recommendations: Vec<String>,
    /// The recorded analysis, when it was recorded.
    pub analysis_id: Option<i64>,
    /// The coordination opened for it, when one was.
    pub coordination: Option<CoordId>,
}

impl Analysis {
    /// The highest severity found.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

fn short(oid: &str) -> String {
    oid.chars().take(12).collect()
}

/// Which repo of the workspace a request is about, and its checkout.
fn locate(ws: Option<&Workspace>, req: &AnalyzeRequest) -> Result<(Option<RepoName>, PathBuf)> {
    if let (Some(ws), Some(name)) = (ws, &req.repo) {
        let repo = ws.resolve(name).map_err(|m| EngineError::input(Input::Repo, m))?;
        let path = repo.path.clone().ok_or_else(|| {
            EngineError::input(
                Input::Repo,
                format!(
                    "repository '{name}' has no `path` in {}; add its checkout to analyse it",
                    ws.manifest_path.display()
                ),
            )
        })?;
        if !path.is_dir() {
            return Err(EngineError::input(
                Input::Repo,
                format!("the checkout of '{name}' ({}) does not exist", path.display()),
            ));
        }
        return Ok((Some(repo.name.clone()), path));
    }
    if req.repo.is_some() {
        return Err(EngineError::input(
            Input::Workspace,
            "naming a repository needs a workspace (tandem.toml); without one, analyse the checkout itself",
        ));
    }
    let here = match &req.path {
        Some(p) => p.clone(),
        None => std::env::current_dir().map_err(|source| EngineError::Io { path: ".".into(), source })?,
    };
    let here = here.canonicalize().unwrap_or(here);
    if let Some(ws) = ws {
        for r in &ws.repos {
            if let Some(p) = &r.path {
                let p = p.canonicalize().unwrap_or_else(|_| p.clone());
                if here.starts_with(&p) {
                    return Ok((Some(r.name.clone()), p));
                }
            }
        }
    }
    Ok((None, here))
}

/// The contract kind the workspace declares for each path of the repo, by its globs.
fn declared_kinds(ws: Option<&Workspace>, repo: Option<&RepoName>) -> Vec<(ContractKind, globset::GlobSet)> {
    let Some(r) = ws.and_then(|w| repo.and_then(|n| w.repo(n))) else { return Vec::new() };
    r.contracts
        .iter()
        .filter_map(|c| {
            let mut b = globset::GlobSetBuilder::new();
            for g in &c.globs {
                b.add(globset::Glob::new(g).ok()?);
            }
            Some((c.kind, b.build().ok()?))
        })
        .collect()
}

/// Contract globs of kind protobuf declared for the repo, when any.
fn protobuf_globs(ws: Option<&Workspace>, repo: Option<&RepoName>) -> Option<globset::GlobSet> {
    let r = ws?.repo(repo?)?;
    let mut b = globset::GlobSetBuilder::new();
    let mut any = false;
    for c in r.contracts.iter().filter(|c| c.kind == ContractKind::Protobuf) {
        for g in &c.globs {
            if let Ok(g) = globset::Glob::new(g) {
                b.add(g);
                any = true;
            }
        }
    }
    if any {
        b.build().ok()
    } else {
        None
    }
}

/// One changed file's bytes on both sides.
struct Contents {
    path: String,
    prev: Option<Vec<u8>>,
    cur: Option<Vec<u8>>,
}

/// The two sides of a comparison and what changed between them.
struct Sides {
    prev: Arc<dyn Source>,
    cur: Arc<dyn Source>,
    /// Changed paths (git), or `None` to compare whole directories.
    changed: Option<Vec<String>>,
    base: String,
    head: String,
}

/// Analyses a repository outside any workspace (like `buf breaking` in a bare repository).
/// Records nothing; opening a coordination is refused, since without a workspace there are
/// no consumers to open it for.
pub fn analyze_outside_workspace(req: &AnalyzeRequest, create_coordination: Option<ImpactLevel>) -> Result<Analysis> {
    if create_coordination.is_some() {
        return Err(EngineError::input(
            Input::OpenCoordination,
            "opening a coordination needs a workspace (tandem.toml) to know the consumers",
        ));
    }
    analyze(None, req)
}

/// Analyses a repository's contracts, with or without a workspace (pure: records nothing).
pub fn analyze(ws: Option<&Workspace>, req: &AnalyzeRequest) -> Result<Analysis> {
    let (repo, root) = locate(ws, req)?;
    let breaking: Option<BreakingConfig> = ws
        .and_then(|w| repo.as_ref().and_then(|r| w.repo(r)))
        .and_then(|r| r.breaking.clone())
        .map(|b| BreakingConfig { use_: b.use_, except: b.except, ignore: b.ignore, ..Default::default() });
    let globs = protobuf_globs(ws, repo.as_ref());
    let keep = |p: &str| p.ends_with(".proto") && globs.as_ref().is_none_or(|g| g.is_match(p));

    let Sides { prev, cur, changed, base, head } = if let Compare::Directories { previous: against } = &req.compare {
        if !against.is_dir() {
            return Err(EngineError::input(Input::Against, format!("{} is not a directory", against.display())));
        }
        if !req.changed_files.is_empty() {
            return Err(EngineError::input(
                Input::Against,
                "a directory comparison compares every file; a list of changed files needs git revisions",
            ));
        }
        Sides {
            prev: Arc::new(DirSource { root: against.clone() }),
            cur: Arc::new(DirSource { root: root.clone() }),
            changed: None,
            base: against.display().to_string(),
            head: root.display().to_string(),
        }
    } else {
        let git = GitRepo::discover(&root).map_err(|e| EngineError::Invalid(e.to_string()))?;
        let invalid = |e: tandem_analyze::source::SourceError| EngineError::Invalid(e.to_string());
        let worktree = matches!(req.compare, Compare::Worktree { .. });
        let head = match &req.compare {
            Compare::Revisions { head: Some(h), .. } => h.as_str(),
            _ => "HEAD",
        };
        let head_oid = git.resolve(head).map_err(invalid)?;
        let base_oid = match req.compare.base() {
            Some(b) => git.resolve(b).map_err(invalid)?,
            None => {
                let mb = git
                    .merge_base_with_default(head_oid)
                    .map_err(|e| EngineError::input(Input::Base, e.to_string()))?;
                if mb == head_oid && !worktree {
                    // on the default branch itself: what the head commit changed
                    git.resolve(&format!("{head_oid}^")).unwrap_or(mb)
                } else {
                    mb
                }
            }
        };
        let base_src = git.tree(base_oid, &short(&base_oid.to_string())).map_err(invalid)?;
        let (cur, head_label, changed): (Arc<dyn Source>, String, Vec<String>) = if worktree {
            let changed = git.changed_paths(&base_src, None).map_err(invalid)?;
            (Arc::new(git.worktree()), "working tree".into(), changed)
        } else {
            let head_src = git.tree(head_oid, &short(&head_oid.to_string())).map_err(invalid)?;
            let changed = git.changed_paths(&base_src, Some(&head_src)).map_err(invalid)?;
            (Arc::new(head_src), head_oid.to_string(), changed)
        };
        // paths are relative to the git root; the checkout may be a subdirectory of it
        let changed = if req.changed_files.is_empty() {
            changed
        } else {
            changed.into_iter().filter(|c| req.changed_files.contains(c)).collect()
        };
        Sides { prev: Arc::new(base_src), cur, changed: Some(changed), base: base_oid.to_string(), head: head_label }
    };

    // Other contract kinds: every changed file a detector claims.
    let kinds = declared_kinds(ws, repo.as_ref());
    let declared = |p: &str| kinds.iter().find(|(_, g)| g.is_match(p)).map(|(k, _)| *k);
    let other_paths: Vec<String> = match &changed {
        Some(c) => c.iter().filter(|p| !p.ends_with(".proto")).cloned().collect(),
        None => {
            let mut all: Vec<String> = prev
                .list(&|p| !p.ends_with(".proto"))
                .into_iter()
                .chain(cur.list(&|p| !p.ends_with(".proto")))
                .collect();
            all.sort();
            all.dedup();
            all.into_iter().filter(|p| prev.read(p) != cur.read(p)).collect()
        }
    };
    let contents: Vec<Contents> =
        other_paths.iter().map(|p| Contents { path: p.clone(), prev: prev.read(p), cur: cur.read(p) }).collect();
    let pairs: Vec<FilePair> =
        contents.iter().map(|c| FilePair { path: &c.path, prev: c.prev.as_deref(), cur: c.cur.as_deref() }).collect();
    let repo_entry = ws.and_then(|w| repo.as_ref().and_then(|r| w.repo(r)));
    let detect_opts = DetectOptions {
        sql_dialect: repo_entry.and_then(|r| r.sql_dialect.clone()),
        sql_transaction: repo_entry.map(|r| r.sql_transaction).unwrap_or_default(),
    };
    let mut other_findings = detect::run(&pairs, &declared, &detect_opts);
    let other_files: Vec<String> = other_findings.iter().map(|f| f.path.clone()).collect();

    let changed = changed.map(|c| c.into_iter().filter(|p| keep(p)).collect::<Vec<_>>());
    let outcome = if changed.as_ref().is_some_and(|c| c.is_empty()) {
        // Fast path: no contract file changed, nothing to compile.
        protobuf::Outcome { findings: Vec::new(), files: Vec::new(), config: "no contract file changed".into() }
    } else {
        let opts = protobuf::Options { breaking, changed, compiler_memory: req.compiler_memory };
        protobuf::compare(prev, cur, &opts).map_err(|e| EngineError::Invalid(e.to_string()))?
    };
    let mut findings: Vec<Finding> = outcome.findings;
    findings.append(&mut other_findings);
    let mut files = outcome.files;
    for f in other_files {
        if !files.contains(&f) {
            files.push(f);
        }
    }
    let counts = Counts {
        breaking: findings.iter().filter(|f| f.severity == Severity::Breaking).count(),
        warning: findings.iter().filter(|f| f.severity == Severity::Warning).count(),
        info: findings.iter().filter(|f| f.severity == Severity::Info).count(),
    };
    let impact = impact(ws, repo.as_ref(), &findings, &counts);
    let recommendations = recommendations(&findings, &impact);
    Ok(Analysis {
        repo,
        root,
        base,
        head,
        files,
        config: outcome.config,
        findings,
        counts,
        impact,
        recommendations,
        analysis_id: None,
        coordination: None,
    })
}

fn impact(ws: Option<&Workspace>, repo: Option<&RepoName>, findings: &[Finding], counts: &Counts) -> Impact {
    let none = |reason: &str| Impact {
        level: ImpactLevel::None,
        consumers: vec![],
        change_type: None,
        strategy: None,
        reason: reason.into(),
    };
    if findings.is_empty() {
        return none("no contract changes found");
    }
    let (Some(ws), Some(repo)) = (ws, repo) else {
        let level = if counts.breaking > 0 { ImpactLevel::Low } else { ImpactLevel::None };
        return Impact {
            level,
            consumers: vec![],
            change_type: None,
            strategy: None,
            reason: "no workspace: consumers unknown".into(),
        };
    };
    let g = ws.graph();
    let Some(i) = g.index_of(repo) else { return none("repository not in the graph") };
    // protocol contracts reach every transitive consumer; APIs their direct consumers
    let direct: Vec<usize> = g.consumers_of(i).to_vec();
    let protocol = findings.iter().any(|f| f.kind == "protobuf" && f.severity == Severity::Breaking)
        || (counts.breaking == 0 && findings.iter().any(|f| f.kind == "protobuf"));
    let reach: Vec<usize> = if protocol { g.transitive_consumers(i) } else { direct.clone() };
    let consumers: Vec<Consumer> = reach
        .iter()
        .map(|&c| Consumer {
            repo: g.name(c).clone(),
            relation: if direct.contains(&c) { "direct" } else { "transitive" },
        })
        .collect();
    let (level, reason) = match (counts.breaking > 0, consumers.len()) {
        (true, 0) => (ImpactLevel::Low, "breaking changes, but no repository depends on this one".to_string()),
        (true, n) => (
            ImpactLevel::Critical,
            format!("breaking {} changes reach {n} consuming repositories", if protocol { "protocol" } else { "API" }),
        ),
        (false, 0) => (ImpactLevel::Low, "internal: no repository depends on this one".to_string()),
        (false, 1) => (ImpactLevel::Medium, "one consuming repository with integration points".to_string()),
        (false, n) => (ImpactLevel::High, format!("{n} repositories depend on this one")),
    };
    let change_type = if counts.breaking > 0 {
        Some(if protocol { ChangeType::Protocol } else { ChangeType::Breaking })
    } else {
        None
    };
    Impact { level, consumers, change_type, strategy: change_type.map(|c| ws.coordination.strategy_for(c)), reason }
}

/// Concrete advice per rule, then for the coordination as a whole.
fn recommendations(findings: &[Finding], impact: &Impact) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: String| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    for f in findings {
        let quoted: Vec<&str> = f.message.split('"').skip(1).step_by(2).collect();
        let q = |i: usize| quoted.get(i).copied().unwrap_or("");
        match f.rule.as_str() {
            "FIELD_NO_DELETE" | "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED" | "FIELD_NO_DELETE_UNLESS_NAME_RESERVED" => push(format!(
                "{}: reserve field number {} and its name instead of deleting it (`reserved {}; reserved \"{}\";`)",
                f.path, q(0), q(0), q(1)
            )),
            "ENUM_VALUE_NO_DELETE" | "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED" | "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED" => push(format!(
                "{}: reserve enum value number {} (and its name) instead of deleting it",
                f.path, q(0)
            )),
            "FIELD_SAME_TYPE" | "FIELD_WIRE_COMPATIBLE_TYPE" | "FIELD_WIRE_JSON_COMPATIBLE_TYPE" => push(format!(
                "{}: add a new field with a new number for the new type, deprecate the old one, and reserve it once consumers have moved",
                f.path
            )),
            "FIELD_SAME_NAME" | "FIELD_SAME_JSON_NAME" | "ENUM_VALUE_SAME_NAME" => push(format!(
                "{}: keep the old name (JSON and generated code use it); add a new field or value if the meaning changed",
                f.path
            )),
            "MESSAGE_NO_DELETE" | "PACKAGE_MESSAGE_NO_DELETE" | "ENUM_NO_DELETE" | "PACKAGE_ENUM_NO_DELETE" => push(format!(
                "{}: keep {} and mark it `option deprecated = true;` until every consumer has stopped using it",
                f.path, q(0)
            )),
            "RPC_NO_DELETE" | "SERVICE_NO_DELETE" | "PACKAGE_SERVICE_NO_DELETE" => push(format!(
                "{}: deprecate the RPC or service (`option deprecated = true;`) and remove it only after clients have migrated",
                f.path
            )),
            "FILE_SAME_PACKAGE" | "PACKAGE_NO_DELETE" | "FILE_NO_DELETE" => push(format!(
                "{}: publish the new definitions in a new versioned package (e.g. v2) beside the old one instead of moving or deleting it",
                f.path
            )),
            "RPC_SAME_REQUEST_TYPE" | "RPC_SAME_RESPONSE_TYPE" | "RPC_SAME_CLIENT_STREAMING" | "RPC_SAME_SERVER_STREAMING" => push(format!(
                "{}: add a new RPC with the new signature and keep the old one until clients have moved",
                f.path
            )),
            protobuf::COMPILE_RULE => push(format!("{}: fix the file so it compiles; it was not compared", f.path)),
            _ => {}
        }
    }
    if !impact.consumers.is_empty() && impact.level >= ImpactLevel::High {
        let names: Vec<&str> = impact.consumers.iter().map(|c| c.repo.as_str()).collect();
        push(format!(
            "open a {} coordination so that {} follow (the analysis can open it)",
            impact.change_type.map(|c| c.as_str()).unwrap_or("breaking"),
            names.join(", ")
        ));
    }
    out
}

impl Engine {
    /// Analyses, records the analysis in the store, and (when asked and the impact reaches
    /// `min_impact`) opens the coordination, idempotently per (repo, head).
    pub fn analyze(&self, req: &AnalyzeRequest, create_coordination: Option<ImpactLevel>) -> Result<Analysis> {
        let mut a = analyze(Some(&self.ws), req)?;
        // Internal dependencies the analysed repo pins behind what their providers now declare
        // (needs the whole workspace, so it is checked here rather than per file).
        if let Some(repo) = a.repo.clone() {
            let d = tandem_analyze::discover(&self.ws);
            let pins: Vec<tandem_analyze::Pin> = d.pins.into_iter().filter(|p| p.consumer == repo).collect();
            let mut current = std::collections::BTreeMap::new();
            for provider in pins.iter().map(|p| p.provider.clone()) {
                if let Some(v) = self
                    .ws
                    .repo(&provider)
                    .and_then(|r| r.path.as_deref())
                    .and_then(tandem_analyze::versions::current_version)
                {
                    current.insert(provider, v);
                }
            }
            let unparseable = tandem_analyze::deps::unparseable::findings(&pins);
            a.counts.warning += unparseable.len();
            a.findings.extend(unparseable);
            let behind = tandem_analyze::deps::behind::findings(&pins, &current);
            if !behind.is_empty() {
                a.counts.warning += behind.len();
                a.findings.extend(behind);
                a.recommendations
                    .push(format!("bump {repo}'s internal dependencies to the versions their providers now declare"));
            }
        }
        let record = AnalysisRecord {
            id: 0,
            repo: a.repo.clone(),
            base: a.base.clone(),
            head: a.head.clone(),
            at: self.clock.now(),
            findings: a.findings.clone(),
            impact: a.impact.level,
            consumers: a.impact.consumers.iter().map(|c| c.repo.clone()).collect(),
            coordination: None,
        };
        let id = self.store.record_analysis(&record)?;
        a.analysis_id = Some(id);
        if let (Some(min), Some(repo), Some(ct)) = (create_coordination, a.repo.clone(), a.impact.change_type) {
            if a.impact.level >= min && a.impact.level > ImpactLevel::None {
                let mut plan = format!(
                    "Breaking changes found by `tandem analyze` ({} .. {}):\n\n",
                    short(&a.base),
                    short(&a.head)
                );
                for f in a.findings.iter().filter(|f| f.severity == Severity::Breaking).take(50) {
                    plan.push_str(&format!("- `{}` {}:{} {}\n", f.rule, f.path, f.line, f.message));
                }
                if !a.recommendations.is_empty() {
                    plan.push_str("\nRecommendations:\n\n");
                    for r in &a.recommendations {
                        plan.push_str(&format!("- {r}\n"));
                    }
                }
                let req = CreateRequest {
                    title: format!("Breaking contract changes in {repo} ({})", short(&a.head)),
                    change_type: Some(ct),
                    from_repo: Some(repo.to_string()),
                    plan: Some(plan),
                    key: Some(format!("analysis:{repo}:{}", a.head)),
                    ..Default::default()
                };
                let created = self.create_coordination(&req, &mut |_| {})?;
                self.store.set_analysis_coordination(id, created.coordination.id)?;
                a.coordination = Some(created.coordination.id);
            }
        }
        Ok(a)
    }
}

/// The default tools directory (buf, schemas) used by tests and benchmarks.
pub fn tools_dir() -> PathBuf {
    std::env::var_os("TANDEM_TOOLS_DIR").map(PathBuf::from).unwrap_or_else(|| {
        Path::new(&std::env::var("HOME").unwrap_or_else(|_| "/tmp".into())).join(".cache/tandem-tools")
    })
}

#[cfg(test)]
mod compare_tests {
    use super::*;

    fn input_of(r: Result<Compare>) -> Input {
        match r {
            Err(EngineError::Input { input, .. }) => input,
            other => panic!("expected an input error, got {other:?}"),
        }
    }

    #[test]
    fn every_consistent_combination_has_one_comparison() {
        assert_eq!(Compare::from_parts(None, None, false, None).unwrap(), Compare::default());
        assert_eq!(
            Compare::from_parts(Some("v1".into()), Some(" HEAD ".into()), false, None).unwrap(),
            Compare::Revisions { base: Some("v1".into()), head: Some("HEAD".into()) }
        );
        assert_eq!(
            Compare::from_parts(Some("main".into()), None, true, None).unwrap(),
            Compare::Worktree { base: Some("main".into()) }
        );
        assert_eq!(
            Compare::from_parts(None, None, false, Some("old".into())).unwrap(),
            Compare::Directories { previous: "old".into() }
        );
    }

    /// Regression (issue 10, item 9): a head with the working tree was silently dropped.
    #[test]
    fn contradictions_name_the_input_to_blame() {
        assert_eq!(input_of(Compare::from_parts(None, Some("HEAD~1".into()), true, None)), Input::Worktree);
        assert_eq!(input_of(Compare::from_parts(None, None, true, Some("old".into()))), Input::Against);
        assert_eq!(input_of(Compare::from_parts(Some("v1".into()), None, false, Some("old".into()))), Input::Against);
        assert_eq!(input_of(Compare::from_parts(Some("  ".into()), None, false, None)), Input::Base);
        assert_eq!(input_of(Compare::from_parts(None, Some(String::new()), false, None)), Input::Head);
    }
}
