//! Compiling the protobuf files of one side of a comparison, straight from a [`Source`].

use super::editions::{self, EditionInfo};
use super::ir::Module;
use super::limits::{self, Refusal};
use super::CompilerMemory;
use crate::source::Source;
use protox::file::{ChainFileResolver, File, FileResolver, GoogleFileResolver};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Condvar, Mutex};

/// A file that could not be compiled: where, and the compiler's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileProblem {
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// import name -> (repo path, text) of every file opened.
type Opened = HashMap<String, (String, Arc<str>)>;

/// The files refused by a limit, by the text of the error handed to the compiler (which
/// names the file, so it is unique): (repo path, refusal).
type Refused = HashMap<String, (String, Refusal)>;

/// What the editions front end learnt of one editions file.
#[derive(Default)]
struct EditionFile {
    info: Arc<EditionInfo>,
    /// Offsets at which labels were inserted into the text the compiler saw.
    inserted: Vec<usize>,
    /// How to move the compiled file's locations back to the text as written.
    fix: editions::Fix,
}

/// Maps import names to repository paths through the module roots, reading from the source;
/// shared by the compiler's thread and the thread parsing ahead of it.
struct Shared {
    source: Arc<dyn Source>,
    roots: Vec<String>,
    /// Every .proto path of the source, listed on first need (to infer roots of odd imports).
    all: Mutex<Option<Vec<String>>>,
    /// name -> (repo path, text) of every file opened.
    opened: Mutex<Opened>,
    /// Files over a limit, which the compiler never sees.
    refused: Mutex<Refused>,
    /// Import names whose source locations are kept (the compared files). Other files only
    /// resolve names: dropping their locations halves the compiler's memory and time.
    located: HashSet<String>,
    /// import name -> what the editions front end learnt of an editions file: its features,
    /// and where it inserted labels into the text the compiler saw (to place its errors).
    editions: Mutex<HashMap<String, EditionFile>>,
}

fn join(root: &str, name: &str) -> String {
    if root.is_empty() {
        name.to_string()
    } else {
        format!("{}/{name}", root.trim_end_matches('/'))
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    fn candidates(&self, name: &str) -> Vec<String> {
        let mut c: Vec<String> = self.roots.iter().map(|r| join(r, name)).collect();
        let mut all = lock(&self.all);
        let list = all.get_or_insert_with(|| self.source.list(&|p| p.ends_with(".proto")));
        let suffix = format!("/{name}");
        c.extend(list.iter().filter(|p| p.ends_with(&suffix)).cloned());
        c
    }

    fn load(&self, name: &str) -> Result<(String, String), protox::Error> {
        for path in self.candidates(name) {
            if let Some(bytes) = self.source.read(&path) {
                limits::check_size(&path, bytes.len()).map_err(|r| self.refuse(&path, r))?;
                let text = String::from_utf8(bytes)
                    .map_err(|_| protox::Error::new(std::io::Error::other(format!("{path} is not UTF-8 text"))))?;
                limits::check_nesting(&path, &text).map_err(|r| self.refuse(&path, r))?;
                return Ok((path, text));
            }
        }
        Err(protox::Error::file_not_found(name))
    }

    /// Records why `path` is not compiled; the compiler gets an error naming it.
    fn refuse(&self, path: &str, refusal: Refusal) -> protox::Error {
        let key = refusal.message.clone();
        lock(&self.refused).insert(key.clone(), (path.to_string(), refusal));
        protox::Error::new(key)
    }

    /// Reads and parses the file named `name`, as the compiler asks for it.
    fn open(&self, name: &str) -> Result<File, protox::Error> {
        let known = lock(&self.opened).get(name).cloned();
        if let Some((path, text)) = known {
            // opened before by a compiler that failed: parse again the same way
            return self.parse(name, &path, &text);
        }
        let (path, text) = self.load(name)?;
        // remember the text before parsing, so a parse error can be located in it
        lock(&self.opened).insert(name.to_string(), (path.clone(), Arc::from(text.as_str())));
        self.parse(name, &path, &text)
    }

    /// Parses a file, keeping its source locations only when it is one of the compared files.
    fn parse(&self, name: &str, path: &str, text: &str) -> Result<File, protox::Error> {
        if let Some(decl) = editions::declaration(text) {
            return self.parse_editions(name, path, text, decl);
        }
        // a compared file keeps its text, so the compiler's errors are located; another is
        // parsed to its descriptor alone (no copy of the text)
        let located = self.located.contains(name);
        let file = match located {
            true => File::from_source(name, text)?,
            false => match protox_parse::parse(name, text) {
                Ok(fd) => File::from_file_descriptor_proto(fd),
                // the compiler's own error, as it words it
                Err(_) => File::from_source(name, text)?,
            },
        };
        // a file defining features (cpp_features.proto and the like): see the function
        let file = editions::without_feature_definitions(file, text);
        // only editions files may set features (the text is searched first: most files name none)
        let features =
            text.contains("features").then(|| editions::features_outside_editions(file.file_descriptor_proto()));
        if let Some((line, column)) = features.flatten() {
            let syntax = file.file_descriptor_proto().syntax.clone().unwrap_or_else(|| "proto2".into());
            let message = format!(
                "{path}: `features` options are only valid in editions files, not in {syntax} (declare `edition = \"2023\";` instead of `syntax`)"
            );
            return Err(self.refuse(path, Refusal { line, column, message, more: Vec::new() }));
        }
        if located {
            return Ok(file);
        }
        let mut fd: prost_types::FileDescriptorProto = file.into();
        fd.source_code_info = None;
        Ok(File::from_file_descriptor_proto(fd))
    }

    /// Parses an editions file with the editions front end (see [`editions`]).
    fn parse_editions(
        &self,
        name: &str,
        path: &str,
        text: &str,
        decl: Result<editions::Declaration, (usize, String)>,
    ) -> Result<File, protox::Error> {
        let decl = decl.map_err(|(offset, message)| {
            let (line, column) = tandem_model::manifest::line_col(text, offset.min(text.len()));
            let message = format!("{path}: {message}");
            let r = Refusal { line: line as u32, column: column as u32, message, more: Vec::new() };
            self.refuse(path, r)
        })?;
        // with its text when compared, so the compiler's errors are located
        let located = self.located.contains(name);
        match editions::parse(name, path, text, &decl, located) {
            Ok(parsed) => {
                let file = if located {
                    parsed.file
                } else {
                    let mut fd: prost_types::FileDescriptorProto = parsed.file.into();
                    fd.source_code_info = None;
                    File::from_file_descriptor_proto(fd)
                };
                let e = EditionFile { info: Arc::new(parsed.info), inserted: parsed.inserted, fix: parsed.fix };
                lock(&self.editions).insert(name.to_string(), e);
                Ok(file)
            }
            Err(editions::Failure::Refused(r)) => Err(self.refuse(path, r)),
            Err(editions::Failure::Parse(e, inserted)) => {
                lock(&self.editions).insert(name.to_string(), EditionFile { inserted, ..Default::default() });
                Err(e)
            }
        }
    }
}

/// protobuf's language feature files (`google/protobuf/cpp_features.proto`, …), which the
/// compiler does not bring, for `features.(pb.cpp).…` options.
struct LanguageFeatures;

impl FileResolver for LanguageFeatures {
    fn open_file(&self, name: &str) -> Result<File, protox::Error> {
        match editions::language_features_file(name) {
            Some(text) => File::from_source(name, text),
            None => Err(protox::Error::file_not_found(name)),
        }
    }
}

/// The files parsed ahead of the compiler, on another thread: with the parsing moved off the
/// compiler's thread, compiling the sides one after the other (so that only one compiler's
/// memory is held at a time) still keeps two cores busy.
struct Ahead {
    state: Mutex<AheadState>,
    changed: Condvar,
}

#[derive(Default)]
struct AheadState {
    /// Names taken by the thread parsing ahead (true) or by the compiler (false).
    claimed: HashMap<String, bool>,
    /// Parsed, waiting for the compiler to ask.
    ready: HashMap<String, File>,
    /// The compiler is done: parse nothing more.
    stop: bool,
}

impl Ahead {
    /// How many parsed files may wait for the compiler (a bound on the memory they hold).
    const WINDOW: usize = 64;

    /// The file `name` if it was parsed ahead (waiting for it when its parse is under way);
    /// `None` when the compiler is to parse it itself.
    fn take(&self, name: &str) -> Option<File> {
        let mut s = lock(&self.state);
        loop {
            if let Some(file) = s.ready.remove(name) {
                self.changed.notify_all();
                return Some(file);
            }
            match s.claimed.get(name) {
                Some(true) => s = self.changed.wait(s).unwrap_or_else(|p| p.into_inner()),
                _ => {
                    s.claimed.insert(name.to_string(), false);
                    return None;
                }
            }
        }
    }

    /// Parses `targets` and what they import, depth first in the order the compiler asks for
    /// them, keeping at most [`Ahead::WINDOW`] files ahead of it. A file that does not parse
    /// is left to the compiler, which then meets the error itself.
    fn run(&self, shared: &Shared, targets: &[String]) {
        let mut stack: Vec<String> = targets.iter().rev().cloned().collect();
        while let Some(name) = stack.pop() {
            {
                let mut s = lock(&self.state);
                while !s.stop && s.ready.len() >= Self::WINDOW {
                    s = self.changed.wait(s).unwrap_or_else(|p| p.into_inner());
                }
                if s.stop {
                    return;
                }
                if s.claimed.contains_key(&name) {
                    continue;
                }
                s.claimed.insert(name.clone(), true);
            }
            // only files of the source: the compiler's own files come from its resolvers; a
            // panic in the parser is left for the compiler's thread to meet and report
            let parsed = match is_well_known(&name) {
                true => Ok(None),
                false => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| shared.open(&name).ok())),
            };
            let mut s = lock(&self.state);
            let go_on = match parsed {
                Ok(Some(file)) => {
                    stack.extend(file.file_descriptor_proto().dependency.iter().rev().cloned());
                    s.ready.insert(name, file);
                    true
                }
                Ok(None) => {
                    s.claimed.remove(&name);
                    true
                }
                Err(_) => {
                    s.claimed.remove(&name);
                    false
                }
            };
            self.changed.notify_all();
            if !go_on {
                return;
            }
        }
    }

    fn stop(&self) {
        lock(&self.state).stop = true;
        self.changed.notify_all();
    }
}

/// The compiler's resolver of the source's files.
struct Resolver {
    shared: Arc<Shared>,
    ahead: Option<Arc<Ahead>>,
}

impl FileResolver for Resolver {
    fn open_file(&self, name: &str) -> Result<File, protox::Error> {
        if let Some(file) = self.ahead.as_ref().and_then(|a| a.take(name)) {
            return Ok(file);
        }
        self.shared.open(name)
    }
}

/// The import name of a repo path under the first root that contains it.
pub fn import_name(path: &str, roots: &[String]) -> String {
    let mut best: Option<&str> = None;
    for r in roots {
        if r.is_empty() {
            best = best.or(Some(path));
            continue;
        }
        let prefix = format!("{}/", r.trim_end_matches('/'));
        if let Some(rest) = path.strip_prefix(&prefix) {
            // the longest matching root wins
            if best.is_none_or(|b| rest.len() < b.len()) {
                best = Some(rest);
            }
        }
    }
    best.unwrap_or(path).to_string()
}

/// Compiles `targets` (repo paths) from `source`; returns the module of the targets that
/// compiled and a problem for each that did not.
pub fn compile(
    source: Arc<dyn Source>,
    targets: &[String],
    roots: &[String],
    memory: CompilerMemory,
) -> (Module, Vec<CompileProblem>) {
    compile_then(source, targets, roots, memory, |r| r)
}

/// Compiles as [`compile`] does and hands the outcome to `then`; only after that is the
/// compiler's memory (millions of small allocations for a large module) freed, on this thread
/// (where it was allocated, so that the allocator takes it back at once), or left to the
/// process's exit, as `memory` says. The module is built from the compiler's descriptors one
/// file at a time, never from a copy of them all.
pub fn compile_then<R>(
    source: Arc<dyn Source>,
    targets: &[String],
    roots: &[String],
    memory: CompilerMemory,
    then: impl FnOnce((Module, Vec<CompileProblem>)) -> R,
) -> R {
    let shared = Arc::new(Shared {
        source,
        roots: roots.to_vec(),
        all: Mutex::new(None),
        opened: Mutex::new(HashMap::new()),
        refused: Mutex::new(HashMap::new()),
        located: targets.iter().map(|p| import_name(p, roots)).collect(),
        editions: Mutex::new(HashMap::new()),
    });
    // A compiler over the source whose resolver records the texts it opens; `ahead`: the
    // thread parsing ahead of it; `instead`: one file's text to compile in place of the
    // source's (see `after_syntax_errors`).
    let new_compiler_with = |ahead: Option<Arc<Ahead>>, instead: Option<Recovered>| {
        let mut chain = ChainFileResolver::new();
        if let Some(r) = instead {
            chain.add(r);
        }
        chain.add(Resolver { shared: shared.clone(), ahead });
        chain.add(GoogleFileResolver::new());
        chain.add(LanguageFeatures);
        let mut compiler = protox::Compiler::with_file_resolver(chain);
        // only the targets are needed in full; imports only resolve names
        compiler.include_source_info(true).include_imports(false);
        compiler
    };
    let new_compiler = |ahead: Option<Arc<Ahead>>| new_compiler_with(ahead, None);
    let mut problems = Vec::new();
    let mut compiled: Vec<(String, String)> = Vec::new();
    let names: Vec<String> = targets.iter().map(|p| import_name(p, roots)).collect();
    // the files are parsed on another thread while the compiler checks those parsed before
    let ahead = Arc::new(Ahead { state: Mutex::new(AheadState::default()), changed: Condvar::new() });
    let all_compiled = std::thread::scope(|s| {
        let reader = std::thread::Builder::new()
            .stack_size(limits::COMPILE_STACK_BYTES)
            .spawn_scoped(s, || ahead.run(&shared, &names))
            .is_ok();
        let mut compiler = new_compiler(reader.then(|| ahead.clone()));
        let ok = compiler.open_files(&names).is_ok();
        ahead.stop();
        ok.then_some(compiler)
    });
    drop(ahead);
    let compiler = match all_compiled {
        Some(compiler) => {
            compiled = targets.iter().cloned().zip(names).collect();
            compiler
        }
        None => {
            // something does not compile: find what, file by file, with a fresh compiler
            let mut compiler = new_compiler(None);
            for (path, name) in targets.iter().zip(names) {
                match compiler.open_file(&name) {
                    Ok(_) => compiled.push((path.clone(), name)),
                    Err(e) => {
                        let mut found =
                            problem(path, &e, &lock(&shared.opened), &lock(&shared.refused), &lock(&shared.editions));
                        let plain = !lock(&shared.editions).contains_key(&name);
                        let text =
                            lock(&shared.opened).get(&name).map(|(_, t)| t.clone()).filter(|_| plain && e.is_parse());
                        if let Some(text) = text {
                            let again = |r: Recovered| new_compiler_with(None, Some(r));
                            let more = after_syntax_errors(&e, path, &name, &text, &shared, &again);
                            found.extend(
                                more.into_iter()
                                    .filter(|p| !found.iter().any(|f| (f.line, f.column) == (p.line, p.column)))
                                    .collect::<Vec<_>>(),
                            );
                        }
                        problems.extend(found)
                    }
                }
            }
            compiler
        }
    };
    let pool = compiler.descriptor_pool();
    drop(compiler);
    let mut module = Module::default();
    // buf's image holds the well-known types a file imports: they are compared too.
    let mut wkt: Vec<String> = pool
        .files()
        .filter(|f| is_well_known(f.name()))
        .filter(|f| !compiled.iter().any(|(_, n)| n == f.name()))
        .map(|f| f.name().to_string())
        .collect();
    wkt.sort();
    for name in wkt {
        if let Some(f) = pool.get_file_by_name(&name) {
            module.add_file(name, f.file_descriptor_proto().clone(), "");
        }
    }
    // Each compared file is copied out of the compiler on its own (with its source info, which
    // the module keeps only as locations), never all of them at once.
    let opened = std::mem::take(&mut *lock(&shared.opened));
    let editions = std::mem::take(&mut *lock(&shared.editions));
    let mut added: HashSet<String> = HashSet::new();
    for (path, name) in compiled {
        let Some(f) = pool.get_file_by_name(&name) else { continue };
        if !added.insert(name.clone()) {
            continue;
        }
        let mut fd = f.file_descriptor_proto().clone();
        let text = opened.get(&name).map(|(_, t)| t.clone()).unwrap_or_else(|| Arc::from(""));
        match editions.get(&name) {
            Some(e) => {
                e.fix.apply(&mut fd);
                module.add_edition_file(path, fd, &text, e.info.clone())
            }
            None => module.add_file(path, fd, &text),
        }
    }
    // what protox does not check in editions files; the file defining a type is asked of the
    // compiler's pool, which also holds the files not compared
    let defined_in = |type_name: &str| -> Option<String> {
        let name = type_name.trim_start_matches('.');
        pool.get_message_by_name(name)
            .map(|m| m.parent_file().name().to_string())
            .or_else(|| pool.get_enum_by_name(name).map(|e| e.parent_file().name().to_string()))
    };
    let invalid = editions::validate(&module, &defined_in);
    if !invalid.is_empty() {
        let bad: HashSet<&str> = invalid.iter().map(|p| p.path.as_str()).collect();
        let mut kept = Module::default();
        for f in module.files.iter().filter(|f| !bad.contains(f.path.as_str())) {
            kept.add_file_from(f);
        }
        module = kept;
        problems.extend(invalid);
    }
    let out = then((module, problems));
    match memory {
        CompilerMemory::Free => drop((pool, opened)),
        CompilerMemory::LeaveToProcessExit => std::mem::forget((pool, opened)),
    }
    out
}

fn problem(
    path: &str,
    e: &protox::Error,
    opened: &Opened,
    refused: &Refused,
    editions: &HashMap<String, EditionFile>,
) -> Vec<CompileProblem> {
    use miette::Diagnostic;
    if let Some((at_path, r)) = refused.get(&e.to_string()) {
        let mut message = r.message.clone();
        if at_path != path {
            message = format!("{message} (imported by {path})");
        }
        let first = CompileProblem { path: at_path.clone(), line: r.line, column: r.column, message };
        let more = r.more.iter().map(|m| CompileProblem {
            path: at_path.clone(),
            line: m.line,
            column: m.column,
            message: m.message.clone(),
        });
        return std::iter::once(first).chain(more).collect();
    }
    // Locate the error in the file it names (an import may be the broken one).
    let (at_path, text) = match e.file().and_then(|f| opened.get(f)) {
        Some((p, t)) => (p.clone(), Some(t.clone())),
        None => (path.to_string(), opened.values().find(|(p, _)| p == path).map(|(_, t)| t.clone())),
    };
    // the primary label when there is one, else the last (a duplicate's second use)
    let labels: Vec<miette::LabeledSpan> = e.labels().map(|l| l.collect()).unwrap_or_default();
    let label = labels.iter().find(|l| l.primary()).or(labels.last());
    // an editions file's text had labels inserted before the compiler saw it
    let inserted = e.file().and_then(|f| editions.get(f)).map(|e| e.inserted.as_slice()).unwrap_or(&[]);
    let offset = label.map(|l| editions::original_offset(inserted, l.offset()));
    let (line, column) = match (offset, text.clone()) {
        (Some(o), Some(t)) => {
            let (l, c) = tandem_model::manifest::line_col(&t, o);
            (l as u32, c as u32)
        }
        _ => (0, 0),
    };
    let mut message = e.to_string();
    if let Some(import) = label.zip(text.as_deref()).and_then(|(l, t)| invalid_import_at(t, l.offset(), l.len())) {
        // protox words this "invalid group name"; say what is wrong and how to write it
        message = format!(
            "import \"{import}\" is not a valid import path: an import names a file relative to a module root (the directory of buf.yaml, or a root listed in it) and may not contain '.' or '..' components, backslashes, empty components or a leading '/'; write the path from the root"
        );
    }
    if at_path != path {
        message = format!("{message} (in {at_path}, imported by {path})");
    }
    let mut out = vec![CompileProblem { path: at_path.clone(), line, column, message }];
    // buf lists every error of a file; the compiler gives the ones after the first as related
    // diagnostics (several syntax errors, or several errors found checking the file)
    for d in e.related().into_iter().flatten() {
        let labels: Vec<miette::LabeledSpan> = d.labels().map(|l| l.collect()).unwrap_or_default();
        let label = labels.iter().find(|l| l.primary()).or(labels.last());
        let (line, column) = match (label, text.as_deref()) {
            (Some(l), Some(t)) => {
                let (l, c) = tandem_model::manifest::line_col(t, editions::original_offset(inserted, l.offset()));
                (l as u32, c as u32)
            }
            _ => (0, 0),
        };
        let mut message = d.to_string();
        if at_path != path {
            message = format!("{message} (in {at_path}, imported by {path})");
        }
        let p = CompileProblem { path: at_path.clone(), line, column, message };
        if !out.iter().any(|o| o.line == p.line && o.column == p.column && o.message == p.message) {
            out.push(p);
        }
    }
    out
}

/// A file's text with its statements that have syntax errors blanked out, compiled in place of
/// the file as written.
struct Recovered {
    name: String,
    text: String,
}

impl FileResolver for Recovered {
    fn open_file(&self, name: &str) -> Result<File, protox::Error> {
        if name == self.name {
            File::from_source(name, &self.text)
        } else {
            Err(protox::Error::file_not_found(name))
        }
    }
}

/// buf's parser goes on after a syntax error: it lists the later syntax errors and the names
/// that resolve to nothing; protox stops at the first statement it cannot read. The file's
/// later syntax errors (see [`recover`]) and, compiling the readable rest again, its undefined
/// names.
fn after_syntax_errors(
    e: &protox::Error,
    path: &str,
    name: &str,
    text: &str,
    shared: &Shared,
    compiler_with: &dyn Fn(Recovered) -> protox::Compiler,
) -> Vec<CompileProblem> {
    let (recovered, later) = recover(e, name, text);
    let mut out: Vec<CompileProblem> = later
        .into_iter()
        .map(|(at, message)| {
            let (line, column) = tandem_model::manifest::line_col(text, at.min(text.len()));
            CompileProblem { path: path.to_string(), line: line as u32, column: column as u32, message }
        })
        .collect();
    if let Some(recovered) = recovered {
        // the compiler locks what it learns while it runs: locked here only after
        let again = compiler_with(recovered).open_file(name).err();
        if let Some(again) = again {
            let undefined =
                problem(path, &again, &lock(&shared.opened), &lock(&shared.refused), &lock(&shared.editions))
                    .into_iter()
                    .filter(|p| p.path == path && p.message.contains("is not defined"));
            out.extend(undefined);
        }
    }
    out
}

/// Blanks out the statements with a syntax error (from the previous `;`, `{` or `}` to the next
/// `;`), offsets kept, and parses the text again, until it parses: the syntax errors met on the
/// way (offset, message), and the text that parses. No text when it would not be fair to judge:
/// a statement spans a block, an `import` or `package` would be lost, or the text still does
/// not parse after a few rounds.
fn recover(e: &protox::Error, name: &str, text: &str) -> (Option<Recovered>, Vec<(usize, String)>) {
    use miette::Diagnostic;
    let mut out = text.as_bytes().to_vec();
    let mut later: Vec<(usize, String)> = Vec::new();
    let located = |d: &dyn Diagnostic| d.labels().and_then(|mut l| l.next()).map(|l| (l.offset(), d.to_string()));
    let mut errors: Vec<(usize, String)> =
        std::iter::once(e as &dyn Diagnostic).chain(e.related().into_iter().flatten()).filter_map(located).collect();
    for _ in 0..8 {
        for (at, _) in &errors {
            let b = out.as_slice();
            let at = (*at).min(b.len());
            let start = b[..at].iter().rposition(|c| matches!(c, b';' | b'{' | b'}')).map_or(0, |i| i + 1);
            let Some(end) = b[at..].iter().position(|c| matches!(c, b';' | b'{' | b'}')).map(|n| at + n) else {
                return (None, later);
            };
            let statement = String::from_utf8_lossy(&b[start..=end]);
            let loses_names = statement
                .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                .any(|w| matches!(w, "import" | "package"));
            if b[end] != b';' || loses_names {
                return (None, later);
            }
            for c in &mut out[start..=end] {
                if *c != b'\n' {
                    *c = b' ';
                }
            }
        }
        let Ok(blanked) = String::from_utf8(out.clone()) else { return (None, later) };
        match protox_parse::parse(name, &blanked) {
            Ok(_) => return (Some(Recovered { name: name.to_string(), text: blanked }), later),
            Err(e) => {
                errors = std::iter::once(&e as &dyn Diagnostic)
                    .chain(e.related().into_iter().flatten())
                    .filter_map(located)
                    .collect();
                later.extend(errors.iter().cloned());
            }
        }
    }
    (None, later)
}

/// The path of an `import` statement whose string literal is `text[offset..offset + len]`, when
/// that path is one the compiler refuses (the rule protoc and protox apply).
fn invalid_import_at(text: &str, offset: usize, len: usize) -> Option<String> {
    let literal = text.get(offset..offset.checked_add(len)?)?;
    let path = literal.strip_prefix(['"', '\''])?.strip_suffix(['"', '\''])?;
    // the statement the literal is in: back to the previous `;` or `}` (or the file's start)
    let before = &text[..offset];
    let statement = &before[before.rfind([';', '}']).map_or(0, |i| i + 1)..];
    let words: Vec<&str> =
        statement.lines().flat_map(|l| l.split("//").next().unwrap_or("").split_whitespace()).collect();
    let is_import = matches!(words.as_slice(), ["import"] | ["import", "public" | "weak"]);
    let valid =
        !path.starts_with('/') && path.split('/').all(|c| !c.is_empty() && !c.contains('\\') && c != "." && c != "..");
    (is_import && !valid).then(|| path.to_string())
}

/// Whether a file name is one of the well-known types the compiler provides.
pub fn is_well_known(name: &str) -> bool {
    name.starts_with("google/protobuf/")
}
