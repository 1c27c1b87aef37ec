//! Protobuf breaking-change detection, judged as `buf breaking` judges: the same rule IDs,
//! categories, verdicts and reported places.
//!
//! Both revisions are compiled straight from their [`Source`]s (a git tree, the working tree or
//! a directory); only the changed `.proto` files are compiled (with what they import), then the
//! framework pairs previous and current elements and runs the selected rules.

pub mod compile;
pub mod config;
pub mod editions;
pub mod framework;
pub mod ir;
pub mod limits;
pub mod rules;

use crate::source::Source;
use config::{BreakingConfig, ProtoConfig};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use tandem_model::{Finding, Severity};

/// The rule ID of a file that does not compile in the current revision.
pub const COMPILE_RULE: &str = "COMPILE";
/// The rule ID of a file that did not compile in the previous revision (nothing to compare).
pub const COMPILE_PREVIOUS_RULE: &str = "COMPILE_PREVIOUS";

/// How to compare.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Breaking configuration from `tandem.toml`; overrides any `buf.yaml`.
    pub breaking: Option<BreakingConfig>,
    /// Restrict to these paths (repo-relative), e.g. the files a diff touched. `None`: every
    /// `.proto` file whose content differs.
    pub changed: Option<Vec<String>>,
    /// What becomes of the compiler's memory once the comparison is done.
    pub compiler_memory: CompilerMemory,
}

/// What becomes of the last compiler's memory (millions of small allocations for a large
/// module) once its side is compiled. The previous side's compiler is always freed, on its own
/// thread while the current side compiles, so that two are never held at once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CompilerMemory {
    /// Freed: what a long-running process (a server) needs.
    #[default]
    Free,
    /// Left to the operating system: for a one-shot process (the CLI) that exits right after,
    /// freeing it one allocation at a time would only delay the exit.
    LeaveToProcessExit,
}

/// What a comparison found.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    /// The `.proto` files compared (present on either side).
    pub files: Vec<String>,
    /// Where the rule selection came from.
    pub config: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ProtoError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
}

fn in_roots(path: &str, cfg: &ProtoConfig) -> bool {
    let under = |p: &str, d: &str| d.is_empty() || p.starts_with(&format!("{}/", d.trim_end_matches('/')));
    cfg.roots.iter().any(|r| under(path, r)) && !cfg.excludes.iter().any(|e| path == e || under(path, e))
}

/// Compares the protobuf files of two revisions.
pub fn compare(prev: Arc<dyn Source>, cur: Arc<dyn Source>, opts: &Options) -> Result<Outcome, ProtoError> {
    let mut cfg = config::load(cur.as_ref())?;
    let (breaking, config_source) = match &opts.breaking {
        Some(b) => (b.clone(), "tandem.toml".to_string()),
        None => (cfg.breaking.clone(), cfg.source.clone()),
    };
    let version = if opts.breaking.is_some() { config::BufVersion::V2 } else { cfg.version };
    let rules = breaking.select(&config_source, version)?;
    cfg.breaking = breaking.clone();
    // The previous revision is laid out by its own buf.yaml (its roots may differ, e.g. v1beta1
    // `build.roots`); the rules are the current one's, as buf takes them. A previous buf.yaml
    // that does not load leaves the current layout.
    let prev_cfg = match config::load(prev.as_ref()) {
        Ok(p) => ProtoConfig { breaking: breaking.clone(), ..p },
        Err(_) => cfg.clone(),
    };

    let is_proto = |p: &str| p.ends_with(".proto");
    let in_either = |p: &str| in_roots(p, &cfg) || in_roots(p, &prev_cfg);
    let targets: Vec<String> = match &opts.changed {
        Some(list) => list.iter().filter(|p| is_proto(p) && in_either(p)).cloned().collect(),
        None => {
            let mut all: Vec<String> =
                prev.list(&|p| is_proto(p)).into_iter().chain(cur.list(&|p| is_proto(p))).collect();
            all.sort();
            all.dedup();
            // Like buf, compare whole modules; skip the work only when nothing differs.
            let all: Vec<String> = all.into_iter().filter(|p| in_either(p)).collect();
            if all.iter().all(|p| prev.read(p) == cur.read(p)) {
                Vec::new()
            } else {
                all
            }
        }
    };
    if targets.is_empty() {
        return Ok(Outcome { findings: Vec::new(), files: Vec::new(), config: config_source });
    }
    let (mut prev_targets, mut cur_targets) = (Vec::new(), Vec::new());
    for t in &targets {
        for (source, list, side) in [(&prev, &mut prev_targets, &prev_cfg), (&cur, &mut cur_targets, &cfg)] {
            if !in_roots(t, side) {
                continue;
            }
            if source.read(t).is_some() {
                list.push(t.clone());
            }
        }
    }
    let targets_set: HashSet<&str> = targets.iter().map(String::as_str).collect();
    // Each side compiles on a thread with a stack of known size (the compiler recurses once
    // per nesting level, and the caller may be a worker thread with a small stack), one side
    // after the other: a compiler holds tens of times the size of what it compiles (about 40
    // times for a module of small files), and only one is held at a time. Each compilation
    // parses on a second thread while its compiler checks, which keeps two cores busy; the
    // previous side's compiler is freed on its own thread while the current side compiles.
    let memory = opts.compiler_memory;
    let (prev_ref, prev_roots) = (&prev_targets, &prev_cfg.roots);
    let ((mut prev_mod, prev_problems), (mut cur_mod, cur_problems)) = std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::channel();
        let compile_prev = move || {
            let send = |r| drop(tx.send(r));
            compile::compile_then(prev.clone(), prev_ref, prev_roots, CompilerMemory::Free, send)
        };
        let previous = on_compile_stack(s, compile_prev);
        let previous = match rx.recv() {
            Ok(r) => r,
            // the thread ended without an outcome: its panic goes on here
            Err(_) => {
                previous.join();
                unreachable!("a compilation that sent nothing panicked")
            }
        };
        let compile_cur = || compile::compile(cur.clone(), &cur_targets, &cfg.roots, memory);
        (previous, on_compile_stack(s, compile_cur).join())
    });

    let mut findings = Vec::new();
    let mut broken: HashSet<String> = HashSet::new();
    for p in &cur_problems {
        broken.insert(p.path.clone());
        findings.push(Finding {
            rule: COMPILE_RULE.into(),
            severity: Severity::Breaking,
            kind: "protobuf".into(),
            path: p.path.clone(),
            line: p.line,
            column: p.column,
            end_line: p.line,
            end_column: p.column,
            message: format!("The file does not compile: {}", p.message),
        });
    }
    let mut prev_broken: HashSet<&str> = HashSet::new();
    for p in &prev_problems {
        broken.insert(p.path.clone());
        // one note per file: the previous revision's errors are not the change's
        if !prev_broken.insert(p.path.as_str()) {
            continue;
        }
        findings.push(Finding {
            rule: COMPILE_PREVIOUS_RULE.into(),
            severity: Severity::Warning,
            kind: "protobuf".into(),
            path: p.path.clone(),
            line: 0,
            column: 0,
            end_line: 0,
            end_column: 0,
            message: format!(
                "The previous revision of this file does not compile, so it was not compared: {}",
                p.message
            ),
        });
    }
    // A file that failed on either side (or imports one that did) is compared on neither.
    let compiled = |m: &ir::Module| -> HashSet<String> { m.files.iter().map(|f| f.path.clone()).collect() };
    let (prev_compiled, cur_compiled) = (compiled(&prev_mod), compiled(&cur_mod));
    let on_prev: HashSet<&str> = prev_targets.iter().map(String::as_str).collect();
    let on_cur: HashSet<&str> = cur_targets.iter().map(String::as_str).collect();
    let mut failed: HashSet<String> = targets
        .iter()
        .filter(|t| {
            (on_prev.contains(t.as_str()) && !prev_compiled.contains(*t))
                || (on_cur.contains(t.as_str()) && !cur_compiled.contains(*t))
                || broken.contains(*t)
        })
        .cloned()
        .collect();
    // The well-known types a side holds are those its compiled files import: when a file did
    // not compile, the ones it imported are missing on that side without being deleted.
    let only_on = |a: &HashSet<String>, b: &HashSet<String>| -> Vec<String> {
        a.iter().filter(|p| !targets_set.contains(p.as_str()) && !b.contains(*p)).cloned().collect()
    };
    if !cur_problems.is_empty() {
        failed.extend(only_on(&prev_compiled, &cur_compiled));
    }
    if !prev_problems.is_empty() {
        failed.extend(only_on(&cur_compiled, &prev_compiled));
    }
    if !failed.is_empty() {
        prev_mod = rebuild_without(&prev_mod, &failed);
        cur_mod = rebuild_without(&cur_mod, &failed);
    }
    if opts.changed.is_some() {
        // Only changed files were compiled: learn which packages the unchanged files hold, so
        // a package is not taken for deleted while it lives on elsewhere.
        let cur_pk = cur_mod.packages();
        let missing: HashSet<String> =
            prev_mod.packages().into_iter().filter(|p| !cur_pk.contains(p)).map(String::from).collect();
        if !missing.is_empty() {
            for path in cur.list(&|p| is_proto(p)) {
                if targets_set.contains(path.as_str()) || !in_roots(&path, &cfg) {
                    continue;
                }
                if let Some(pkg) = cur.read(&path).and_then(|b| package_of(&b)) {
                    if missing.contains(&pkg) {
                        cur_mod.extra_packages.entry(pkg).or_insert(path);
                    }
                }
            }
        }
    }

    if opts.changed.is_some() {
        add_unchanged_files_of_thinned_packages(&prev_mod, &mut cur_mod, &cur, &targets_set, &cfg, memory);
        keep_wkts_imported_elsewhere(&mut prev_mod, &mut cur_mod, cur.as_ref(), &targets_set, &cfg);
    }

    let ignore_unstable = breaking.ignore_unstable_packages;
    let names: BTreeMap<String, String> =
        prev_mod.files.iter().chain(cur_mod.files.iter()).map(|f| (f.path.clone(), f.name.clone())).collect();
    let packages: BTreeMap<String, String> =
        prev_mod.files.iter().chain(cur_mod.files.iter()).map(|f| (f.path.clone(), f.package.clone())).collect();
    for f in framework::run(&prev_mod, &cur_mod, &rules) {
        let rule = rules.iter().find(|r| r.id == f.rule).copied();
        let name = names.get(&f.path).cloned().unwrap_or_else(|| f.path.clone());
        if rule.is_some_and(|r| breaking.ignores(r, &f.path, &name)) {
            continue;
        }
        if ignore_unstable && packages.get(&f.path).is_some_and(|p| config::is_unstable_package(p)) {
            continue;
        }
        findings.push(f);
    }
    findings.sort_by(|a, b| {
        (&a.path, a.line, a.column, &a.rule, &a.message).cmp(&(&b.path, b.line, b.column, &b.rule, &b.message))
    });
    findings.dedup();
    Ok(Outcome { findings, files: targets, config: config_source })
}

/// A running or finished compilation of one side.
enum Compiling<'scope, T> {
    Thread(std::thread::ScopedJoinHandle<'scope, T>),
    /// The thread could not be started (out of resources): compiled on the caller's thread.
    Done(T),
}

impl<T> Compiling<'_, T> {
    fn join(self) -> T {
        match self {
            Compiling::Thread(h) => h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
            Compiling::Done(t) => t,
        }
    }
}

fn on_compile_stack<'scope, T: Send + 'scope>(
    s: &'scope std::thread::Scope<'scope, '_>,
    f: impl FnOnce() -> T + Send + Clone + 'scope,
) -> Compiling<'scope, T> {
    match std::thread::Builder::new().stack_size(limits::COMPILE_STACK_BYTES).spawn_scoped(s, f.clone()) {
        Ok(h) => Compiling::Thread(h),
        Err(_) => Compiling::Done(f()),
    }
}

fn rebuild_without(m: &ir::Module, drop: &HashSet<String>) -> ir::Module {
    let mut out = ir::Module::default();
    for f in &m.files {
        if !drop.contains(&f.path) {
            out.add_file_from(f);
        }
    }
    out
}

/// Only changed files were compiled. buf judges a deleted message, enum, service or extension
/// under the PACKAGE_*_NO_DELETE rules only while the package still holds an element of that
/// kind, in the whole module: when the changed files hold none any more (say, a whole file was
/// deleted), the unchanged current files of that package are compiled too, so the rules see
/// what the package still holds (issue 11). They are unchanged, so only their elements are
/// added: their compile problems are not the commit's.
fn add_unchanged_files_of_thinned_packages(
    prev_mod: &ir::Module,
    cur_mod: &mut ir::Module,
    cur: &Arc<dyn Source>,
    targets: &HashSet<&str>,
    cfg: &ProtoConfig,
    memory: CompilerMemory,
) {
    let kinds = |m: &ir::Module| -> [HashSet<String>; 4] {
        let pk = |file: usize| m.files[file].package.clone();
        [
            m.messages.iter().map(|e| pk(e.file)).collect(),
            m.enums.iter().map(|e| pk(e.file)).collect(),
            m.services.iter().map(|e| pk(e.file)).collect(),
            m.extensions.iter().map(|e| pk(e.file)).collect(),
        ]
    };
    let (before, after) = (kinds(prev_mod), kinds(cur_mod));
    let thinned: HashSet<&String> =
        before.iter().zip(after.iter()).flat_map(|(b, a)| b.iter().filter(|p| !a.contains(*p))).collect();
    if thinned.is_empty() {
        return;
    }
    let extra: Vec<String> = cur
        .list(&|p| p.ends_with(".proto"))
        .into_iter()
        .filter(|p| !targets.contains(p.as_str()) && in_roots(p, cfg))
        .filter(|p| cur.read(p).and_then(|b| package_of(&b)).is_some_and(|pkg| thinned.contains(&pkg)))
        .collect();
    if extra.is_empty() {
        return;
    }
    let (more, _problems) = compile::compile(cur.clone(), &extra, &cfg.roots, memory);
    for f in &more.files {
        if cur_mod.file(&f.name).is_none() {
            cur_mod.add_file_from(f);
        }
    }
}

/// Only changed files were compiled, so the current side holds the well-known types those
/// import, not the whole module's. A well-known type the previous side held that an unchanged
/// file still imports (directly, or through another well-known type) is still in the module,
/// as buf sees it, so it must not be taken for deleted (issue 11).
fn keep_wkts_imported_elsewhere(
    prev_mod: &mut ir::Module,
    cur_mod: &mut ir::Module,
    cur: &dyn Source,
    targets: &HashSet<&str>,
    cfg: &ProtoConfig,
) {
    let gone: Vec<&ir::File> =
        prev_mod.files.iter().filter(|f| compile::is_well_known(&f.name) && cur_mod.file(&f.name).is_none()).collect();
    if gone.is_empty() {
        return;
    }
    let mut kept: HashSet<String> = HashSet::new();
    for path in cur.list(&|p| p.ends_with(".proto")) {
        if targets.contains(path.as_str()) || !in_roots(&path, cfg) {
            continue;
        }
        if let Some(bytes) = cur.read(&path) {
            for import in imports_of(&bytes) {
                if gone.iter().any(|f| f.name == import) {
                    kept.insert(import);
                }
            }
        }
    }
    // what a kept well-known type imports is in the module too
    let mut queue: Vec<String> = kept.iter().cloned().collect();
    while let Some(name) = queue.pop() {
        if let Some(f) = prev_mod.file(&name) {
            for dep in &f.proto.dependency {
                if gone.iter().any(|g| &g.name == dep) && kept.insert(dep.clone()) {
                    queue.push(dep.clone());
                }
            }
        }
    }
    if kept.is_empty() {
        return;
    }
    // Unchanged on both sides, so nothing in them to compare: they leave the previous side,
    // and their package stays known on the current one.
    for f in gone.iter().filter(|f| kept.contains(&f.name)) {
        cur_mod.extra_packages.entry(f.package.clone()).or_insert_with(|| f.path.clone());
    }
    *prev_mod = rebuild_without(prev_mod, &kept);
}

/// The paths a proto file imports, read without compiling it.
fn imports_of(bytes: &[u8]) -> Vec<String> {
    let Ok(text) = std::str::from_utf8(bytes) else { return Vec::new() };
    text.lines()
        .filter_map(|line| {
            let rest = line.trim().strip_prefix("import")?;
            let rest = rest.trim_start();
            let rest = rest.strip_prefix("public").or_else(|| rest.strip_prefix("weak")).unwrap_or(rest).trim_start();
            let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
            let body = &rest[1..];
            Some(body[..body.find(quote)?].to_string())
        })
        .collect()
}

/// The `package` statement of a proto file, read without compiling it.
pub fn package_of(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?;
    for line in text.lines() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("package") {
            if rest.starts_with(|c: char| c.is_whitespace()) {
                return Some(rest.trim().trim_end_matches(';').trim().to_string());
            }
        }
    }
    Some(String::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::DirSource;

    /// Compares `previous` with `current` (path, text) on a thread with a 2 MiB stack, the
    /// stack of a tokio worker: the analysis must not depend on its caller's stack.
    fn check(previous: &[(&str, &str)], current: &[(&str, &str)]) -> Outcome {
        let dir = tempfile::tempdir().unwrap();
        for (side, files) in [("previous", previous), ("current", current)] {
            for (path, text) in files {
                let p = dir.path().join(side).join(path);
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(p, text).unwrap();
            }
        }
        let root = dir.path().to_path_buf();
        std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || {
                let prev = Arc::new(DirSource { root: root.join("previous") });
                let cur = Arc::new(DirSource { root: root.join("current") });
                compare(prev, cur, &Options::default()).unwrap()
            })
            .unwrap()
            .join()
            .unwrap()
    }

    const USER_V1: &str =
        "syntax = \"proto3\";\npackage u;\nmessage User {\n  string id = 1;\n  string email = 2;\n}\n";
    const USER_V2: &str = "syntax = \"proto3\";\npackage u;\nmessage User {\n  string id = 1;\n}\n";

    /// A message of type M nested `levels` deep in a file option's message literal.
    fn option_literal(levels: usize) -> String {
        format!(
            "syntax = \"proto2\";\npackage d;\nimport \"google/protobuf/descriptor.proto\";\nmessage M {{ optional M a = 1; }}\nextend google.protobuf.FileOptions {{ optional M m = 50000; }}\noption (m) = {{ {}{} }};\n",
            "a { ".repeat(levels),
            "} ".repeat(levels)
        )
    }

    fn rules(o: &Outcome) -> Vec<(&str, &str, u32)> {
        o.findings.iter().map(|f| (f.rule.as_str(), f.path.as_str(), f.line)).collect()
    }

    #[test]
    fn option_literal_nested_5000_deep_is_a_compile_finding_at_its_line_and_the_rest_is_compared() {
        let deep = option_literal(5000);
        let o = check(
            &[("u.proto", USER_V1), ("d.proto", "syntax = \"proto3\";\n")],
            &[("u.proto", USER_V2), ("d.proto", &deep)],
        );
        assert_eq!(rules(&o), vec![("COMPILE", "d.proto", 6), ("FIELD_NO_DELETE", "u.proto", 3)], "{o:?}");
        let m = &o.findings[0].message;
        assert!(m.contains("d.proto:6:") && m.contains("deeper than the limit of 64 levels"), "{m}");
    }

    #[test]
    fn option_literal_at_the_nesting_limit_compiles_on_a_small_caller_stack() {
        // 63 levels inside the literal's own braces: 64 in all
        let at_limit = option_literal(limits::MAX_NESTING - 1);
        let o = check(&[("d.proto", "syntax = \"proto2\";\npackage d;\n")], &[("d.proto", &at_limit)]);
        assert_eq!(rules(&o), vec![], "{o:?}");
        let over = option_literal(limits::MAX_NESTING);
        let o = check(&[("d.proto", "syntax = \"proto2\";\npackage d;\n")], &[("d.proto", &over)]);
        assert_eq!(rules(&o), vec![("COMPILE", "d.proto", 6)], "{o:?}");
    }

    #[test]
    fn messages_nested_5000_deep_are_a_compile_finding_not_a_crash() {
        let deep = format!("syntax = \"proto3\";\n{}{}", "message A {\n".repeat(5000), "}\n".repeat(5000));
        let o = check(&[("a.proto", "syntax = \"proto3\";\n")], &[("a.proto", &deep)]);
        assert_eq!(rules(&o), vec![("COMPILE", "a.proto", limits::MAX_NESTING as u32 + 2)], "{o:?}");
    }

    #[test]
    fn an_import_deeply_nested_is_reported_on_the_imported_file() {
        let deep = format!("syntax = \"proto3\";\npackage a;\n{}{}", "message A {\n".repeat(100), "}\n".repeat(100));
        let user = "syntax = \"proto3\";\npackage u;\nimport \"a.proto\";\nmessage User {\n  string id = 1;\n}\n";
        let o = check(
            &[("u.proto", USER_V1), ("a.proto", "syntax = \"proto3\";\n")],
            &[("u.proto", user), ("a.proto", &deep)],
        );
        let compile: Vec<_> = o.findings.iter().filter(|f| f.rule == COMPILE_RULE).collect();
        assert!(!compile.is_empty() && compile.iter().all(|f| f.path == "a.proto" && f.line == 67), "{o:?}");
    }

    #[test]
    fn a_file_over_the_size_limit_is_a_compile_finding_naming_the_limit_and_the_rest_is_compared() {
        let mut big = String::from("syntax = \"proto3\";\npackage b;\n");
        let mut i = 0;
        while big.len() <= limits::MAX_PROTO_FILE_BYTES {
            big.push_str(&format!("message M{i} {{ string a = 1; }}\n"));
            i += 1;
        }
        let o = check(
            &[("u.proto", USER_V1), ("b.proto", "syntax = \"proto3\";\n")],
            &[("u.proto", USER_V2), ("b.proto", &big)],
        );
        assert_eq!(rules(&o), vec![("COMPILE", "b.proto", 0), ("FIELD_NO_DELETE", "u.proto", 3)], "{o:?}");
        assert!(o.findings[0].message.contains("over the limit of 4194304 bytes (4 MiB)"), "{o:?}");
    }

    #[test]
    fn an_import_of_a_parent_directory_names_the_file_line_and_the_import_path() {
        let user = "syntax = \"proto3\";\npackage u;\n// shared types\nimport \"../common/money.proto\";\nmessage User {\n  string id = 1;\n}\n";
        let o = check(&[("api/u.proto", USER_V1)], &[("api/u.proto", user)]);
        assert_eq!(rules(&o), vec![("COMPILE", "api/u.proto", 4)], "{o:?}");
        let m = &o.findings[0].message;
        assert!(m.contains("import \"../common/money.proto\" is not a valid import path") && m.contains("'..'"), "{m}");
        assert!(!m.contains("group"), "{m}");
    }
}
