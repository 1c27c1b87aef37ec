//! Compiling the protobuf files of one side of a comparison, straight from a [`Source`].

use super::editions::{self, EditionInfo};
use super::ir::Module;
use super::limits::{self, Refusal};
use super::CompilerMemory;
use crate::source::Source;
use protox::file::{ChainFileResolver, File, FileResolver, GoogleFileResolver};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// A file that could not be compiled: where, and the compiler's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileProblem {
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// import name -> (repo path, text) of every file opened.
type Opened = Rc<RefCell<HashMap<String, (String, Rc<str>)>>>;

/// The files refused by a limit, by the text of the error handed to the compiler (which
/// names the file, so it is unique): (repo path, refusal).
type Refused = Rc<RefCell<HashMap<String, (String, Refusal)>>>;

/// import name -> what the editions front end learnt of an editions file: its features, and
/// where it inserted labels into the text the compiler saw (to place the compiler's errors).
type Editions = Rc<RefCell<HashMap<String, EditionFile>>>;

/// What the editions front end learnt of one editions file.
#[derive(Default)]
struct EditionFile {
    info: std::sync::Arc<EditionInfo>,
    /// Offsets at which labels were inserted into the text the compiler saw.
    inserted: Vec<usize>,
    /// How to move the compiled file's locations back to the text as written.
    fix: editions::Fix,
}

/// Maps import names to repository paths through the module roots, reading from the source.
struct Resolver {
    source: std::sync::Arc<dyn Source>,
    roots: Vec<String>,
    /// Every .proto path of the source, listed on first need (to infer roots of odd imports).
    all: RefCell<Option<Vec<String>>>,
    /// name -> (repo path, text) of every file opened.
    opened: Opened,
    /// Files over a limit, which the compiler never sees.
    refused: Refused,
    /// Import names whose source locations are kept (the compared files). Other files only
    /// resolve names: dropping their locations halves the compiler's memory and time.
    located: std::collections::HashSet<String>,
    /// The editions files parsed, by import name.
    editions: Editions,
}

fn join(root: &str, name: &str) -> String {
    if root.is_empty() {
        name.to_string()
    } else {
        format!("{}/{name}", root.trim_end_matches('/'))
    }
}

impl Resolver {
    fn candidates(&self, name: &str) -> Vec<String> {
        let mut c: Vec<String> = self.roots.iter().map(|r| join(r, name)).collect();
        let mut all = self.all.borrow_mut();
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
        self.refused.borrow_mut().insert(key.clone(), (path.to_string(), refusal));
        protox::Error::new(key)
    }
}

impl Resolver {
    /// Parses a file, keeping its source locations only when it is one of the compared files.
    fn parse(&self, name: &str, path: &str, text: &str) -> Result<File, protox::Error> {
        if let Some(decl) = editions::declaration(text) {
            return self.parse_editions(name, path, text, decl);
        }
        let mut file = File::from_source(name, text)?;
        if text.contains("edition_defaults") || text.contains("feature_support") {
            // a file defining features (cpp_features.proto and the like): see the function
            let mut fd = file.file_descriptor_proto().clone();
            if editions::drop_feature_definitions(&mut fd) {
                file = File::from_file_descriptor_proto(fd);
            }
        }
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
        if self.located.contains(name) {
            return Ok(file);
        }
        let mut fd = file.file_descriptor_proto().clone();
        fd.source_code_info = None;
        Ok(File::from_file_descriptor_proto(fd))
    }
}

impl Resolver {
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
        match editions::parse(name, path, text, &decl) {
            Ok(mut parsed) => {
                let file = if self.located.contains(name) {
                    // with its text, so the compiler's errors are located
                    match parsed.file.take() {
                        Some(file) => file,
                        None => File::from_source(name, &parsed.text)?,
                    }
                } else {
                    parsed.fd.source_code_info = None;
                    File::from_file_descriptor_proto(parsed.fd)
                };
                let e =
                    EditionFile { info: std::sync::Arc::new(parsed.info), inserted: parsed.inserted, fix: parsed.fix };
                self.editions.borrow_mut().insert(name.to_string(), e);
                Ok(file)
            }
            Err(editions::Failure::Refused(r)) => Err(self.refuse(path, r)),
            Err(editions::Failure::Parse(e, inserted)) => {
                self.editions.borrow_mut().insert(name.to_string(), EditionFile { inserted, ..Default::default() });
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

impl FileResolver for Resolver {
    fn open_file(&self, name: &str) -> Result<File, protox::Error> {
        let known = self.opened.borrow().get(name).cloned();
        if let Some((path, text)) = known {
            // opened before by a compiler that failed: parse again the same way
            return self.parse(name, &path, &text);
        }
        let (path, text) = self.load(name)?;
        // remember the text before parsing, so a parse error can be located in it
        self.opened.borrow_mut().insert(name.to_string(), (path.clone(), Rc::from(text.as_str())));
        self.parse(name, &path, &text)
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
/// compiled and a problem for each that did not. The compiler's own memory is done with (freed
/// or left to the process's exit, as `memory` says) before the module is built, so the two are
/// never held at once.
pub fn compile(
    source: std::sync::Arc<dyn Source>,
    targets: &[String],
    roots: &[String],
    memory: CompilerMemory,
) -> (Module, Vec<CompileProblem>) {
    let opened = Rc::new(RefCell::new(HashMap::new()));
    let refused: Refused = Rc::new(RefCell::new(HashMap::new()));
    let located: std::collections::HashSet<String> = targets.iter().map(|p| import_name(p, roots)).collect();
    let editions: Editions = Rc::new(RefCell::new(HashMap::new()));
    // A compiler over `source` whose resolver records the texts it opens in `opened`.
    // `instead`: one file's text to compile in place of the source's (see `recover_after_syntax_errors`)
    let new_compiler_with = |instead: Option<Recovered>| {
        let mut chain = ChainFileResolver::new();
        if let Some(r) = instead {
            chain.add(r);
        }
        chain.add(Resolver {
            source: source.clone(),
            roots: roots.to_vec(),
            all: RefCell::new(None),
            opened: opened.clone(),
            refused: refused.clone(),
            located: located.clone(),
            editions: editions.clone(),
        });
        chain.add(GoogleFileResolver::new());
        chain.add(LanguageFeatures);
        let mut compiler = protox::Compiler::with_file_resolver(chain);
        // only the targets are needed in full; imports only resolve names
        compiler.include_source_info(true).include_imports(false);
        compiler
    };
    let new_compiler = || new_compiler_with(None);
    let mut problems = Vec::new();
    let mut compiled: Vec<(String, String)> = Vec::new();
    {
        let mut compiler = new_compiler();
        let names: Vec<String> = targets.iter().map(|p| import_name(p, roots)).collect();
        if compiler.open_files(&names).is_ok() {
            compiled = targets.iter().cloned().zip(names).collect();
        } else {
            // something does not compile: find what, file by file, with a fresh compiler
            compiler = new_compiler();
            for (path, name) in targets.iter().zip(names) {
                match compiler.open_file(&name) {
                    Ok(_) => compiled.push((path.clone(), name)),
                    Err(e) => {
                        let mut found = problem(path, &e, &opened.borrow(), &refused.borrow(), &editions.borrow());
                        let plain = !editions.borrow().contains_key(&name);
                        let text = opened.borrow().get(&name).map(|(_, t)| t.clone()).filter(|_| plain && e.is_parse());
                        if let Some(text) = text {
                            let known = (&opened, &refused, &editions);
                            let more = after_syntax_errors(&e, path, &name, &text, known, &new_compiler_with);
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
        }
        let fds = compiler.file_descriptor_set();
        // buf's image holds the well-known types a file imports: they are compared too.
        let pool = compiler.descriptor_pool();
        let mut wkt: Vec<(String, prost_types::FileDescriptorProto)> = pool
            .files()
            .filter(|f| is_well_known(f.name()))
            .filter(|f| !compiled.iter().any(|(_, n)| n == f.name()))
            .map(|f| (f.name().to_string(), f.file_descriptor_proto().clone()))
            .collect();
        wkt.sort_by(|a, b| a.0.cmp(&b.0));
        match memory {
            CompilerMemory::Free => drop((compiler, pool)),
            CompilerMemory::LeaveToProcessExit => std::mem::forget((compiler, pool)),
        }
        let mut by_name: HashMap<String, prost_types::FileDescriptorProto> =
            fds.file.into_iter().map(|f| (f.name().to_string(), f)).collect();
        let mut module = Module::default();
        for (name, fd) in wkt {
            module.add_file(name, fd, "");
        }
        for (path, name) in compiled {
            if let Some(mut fd) = by_name.remove(&name) {
                let text = opened.borrow().get(&name).map(|(_, t)| t.clone()).unwrap_or_else(|| Rc::from(""));
                match editions.borrow().get(&name) {
                    Some(e) => {
                        e.fix.apply(&mut fd);
                        module.add_edition_file(path, fd, &text, e.info.clone())
                    }
                    None => module.add_file(path, fd, &text),
                }
            }
        }
        // what protox does not check in editions files
        let invalid = editions::validate(&module);
        if !invalid.is_empty() {
            let bad: std::collections::HashSet<&str> = invalid.iter().map(|p| p.path.as_str()).collect();
            let mut kept = Module::default();
            for f in module.files.iter().filter(|f| !bad.contains(f.path.as_str())) {
                kept.add_file_from(f);
            }
            module = kept;
            problems.extend(invalid);
        }
        (module, problems)
    }
}

fn problem(
    path: &str,
    e: &protox::Error,
    opened: &HashMap<String, (String, Rc<str>)>,
    refused: &HashMap<String, (String, Refusal)>,
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

/// What the compiler knows of the files it opened, for [`problem`].
type Known<'a> = (&'a Opened, &'a Refused, &'a Editions);

/// buf's parser goes on after a syntax error: it lists the later syntax errors and the names
/// that resolve to nothing; protox stops at the first statement it cannot read. The file's
/// later syntax errors (see [`recover`]) and, compiling the readable rest again, its undefined
/// names.
fn after_syntax_errors(
    e: &protox::Error,
    path: &str,
    name: &str,
    text: &str,
    (opened, refused, editions): Known,
    new_compiler_with: &dyn Fn(Option<Recovered>) -> protox::Compiler,
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
        // the compiler borrows what it learns while it runs: borrowed here only after
        let again = new_compiler_with(Some(recovered)).open_file(name).err();
        if let Some(again) = again {
            let undefined = problem(path, &again, &opened.borrow(), &refused.borrow(), &editions.borrow())
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
