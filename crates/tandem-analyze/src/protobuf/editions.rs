//! The editions front end: protox reads proto2 and proto3 but not `edition = "2023";` files.
//! An editions file is handed to protox's parser as the proto2 file it is a superset of
//! everything else of: the `edition` declaration blanked out (a file without `syntax` is proto2)
//! and `optional ` written before each field the parser finds without a label (editions fields
//! carry none; their presence is a feature). What editions forbid and proto2 allows
//! (`optional`, `required`, groups) is refused here, at its place. The `features` options are
//! read from the parsed file before the compiler interprets (and checks) them, and resolved
//! from the edition's defaults down through file, message, oneof, field and enum in the IR
//! ([`Features::resolve`]); protox then builds the pool as for any proto2 file. Source
//! locations are moved back to the columns of the text as written.

use super::limits::Refusal;
use prost_types::{DescriptorProto, EnumDescriptorProto, FileDescriptorProto, UninterpretedOption};
use std::collections::HashMap;

/// What is inserted before a field the parser finds without a label.
const LABEL: &str = "optional ";

/// The `edition = "…";` declaration at the start of a file.
#[derive(Debug, Clone)]
pub struct Declaration {
    /// The value as written ("2023").
    pub value: String,
    /// Byte range of the whole statement.
    pub start: usize,
    pub end: usize,
    /// Byte offset of the value's literal.
    pub value_at: usize,
}

/// Skips whitespace and comments from `i`.
fn skip_blank(b: &[u8], mut i: usize) -> usize {
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            i += 2;
            while i < b.len() && !b[i..].starts_with(b"*/") {
                i += 1;
            }
            i = (i + 2).min(b.len());
        } else {
            return i;
        }
    }
}

/// Whether the file's first statement is `edition …`, and where its parts are. `Err` (with an
/// offset) when it starts with `edition` but is not a well-formed declaration.
pub fn declaration(text: &str) -> Option<Result<Declaration, (usize, String)>> {
    let b = text.as_bytes();
    let start = skip_blank(b, 0);
    let rest = &b[start..];
    if !rest.starts_with(b"edition") || rest.get(7).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') {
        return None;
    }
    let mut i = skip_blank(b, start + 7);
    if b.get(i) != Some(&b'=') {
        return Some(Err((i, "expected `=` after `edition`".into())));
    }
    i = skip_blank(b, i + 1);
    let value_at = i;
    let Some(&quote @ (b'"' | b'\'')) = b.get(i) else {
        return Some(Err((i, "expected the edition as a string, e.g. \"2023\"".into())));
    };
    let close = match b[i + 1..].iter().position(|&c| c == quote || c == b'\n') {
        Some(n) if b[i + 1 + n] == quote => i + 1 + n,
        _ => return Some(Err((i, "unterminated string in the `edition` declaration".into()))),
    };
    let value = text[i + 1..close].to_string();
    i = skip_blank(b, close + 1);
    if b.get(i) != Some(&b';') {
        return Some(Err((i, "expected `;` after the `edition` declaration".into())));
    }
    Some(Ok(Declaration { value, start, end: i + 1, value_at }))
}

/// The editions this front end reads, as (declared value, edition year).
pub fn edition_year(value: &str) -> Option<i32> {
    match value {
        "2023" => Some(2023),
        "2024" => Some(2024),
        _ => None,
    }
}

// ---- features ----

/// The features buf's rules read, in this order in [`Features`] and [`Overrides`].
pub const FIELD_PRESENCE: usize = 0;
pub const ENUM_TYPE: usize = 1;
pub const REPEATED_FIELD_ENCODING: usize = 2;
pub const UTF8_VALIDATION: usize = 3;
pub const MESSAGE_ENCODING: usize = 4;
pub const JSON_FORMAT: usize = 5;
pub const CPP_STRING_TYPE: usize = 6;
pub const JAVA_UTF8_VALIDATION: usize = 7;
const COUNT: usize = 8;

/// Per feature: its name in `features.<name>` (or the `(pb.cpp)` / `(pb.java)` extension's
/// field), its number in FeatureSet (or in CppFeatures / JavaFeatures), its values by number.
struct Spec {
    extension: Option<&'static str>,
    name: &'static str,
    number: i32,
    values: &'static [&'static str],
}

const SPECS: [Spec; COUNT] = [
    Spec {
        extension: None,
        name: "field_presence",
        number: 1,
        values: &["FIELD_PRESENCE_UNKNOWN", "EXPLICIT", "IMPLICIT", "LEGACY_REQUIRED"],
    },
    Spec { extension: None, name: "enum_type", number: 2, values: &["ENUM_TYPE_UNKNOWN", "OPEN", "CLOSED"] },
    Spec {
        extension: None,
        name: "repeated_field_encoding",
        number: 3,
        values: &["REPEATED_FIELD_ENCODING_UNKNOWN", "PACKED", "EXPANDED"],
    },
    Spec {
        extension: None,
        name: "utf8_validation",
        number: 4,
        values: &["UTF8_VALIDATION_UNKNOWN", "", "VERIFY", "NONE"],
    },
    Spec {
        extension: None,
        name: "message_encoding",
        number: 5,
        values: &["MESSAGE_ENCODING_UNKNOWN", "LENGTH_PREFIXED", "DELIMITED"],
    },
    Spec {
        extension: None,
        name: "json_format",
        number: 6,
        values: &["JSON_FORMAT_UNKNOWN", "ALLOW", "LEGACY_BEST_EFFORT"],
    },
    Spec {
        extension: Some("pb.cpp"),
        name: "string_type",
        number: 2,
        values: &["STRING_TYPE_UNKNOWN", "VIEW", "CORD", "STRING"],
    },
    Spec {
        extension: Some("pb.java"),
        name: "utf8_validation",
        number: 2,
        values: &["UTF8_VALIDATION_UNKNOWN", "DEFAULT", "VERIFY"],
    },
];

/// The number of the `features` field of the options of the element at `element_path`, whose
/// options are its field `options_tag` (descriptor.proto: FileOptions 50, MessageOptions 12,
/// FieldOptions 21, EnumOptions 7, OneofOptions 1).
pub fn features_field(element_path: &[i32], options_tag: i32) -> i32 {
    use super::ir::tag;
    if element_path.is_empty() {
        return 50;
    }
    match options_tag {
        tag::MSG_OPTIONS => 12,
        tag::FIELD_OPTIONS => 21,
        tag::ENUM_OPTIONS => 7,
        _ => 1,
    }
}
/// The extension numbers of `(pb.cpp)` and `(pb.java)` in FeatureSet.
const CPP_EXTENSION: i32 = 1000;
const JAVA_EXTENSION: i32 = 1001;

/// The path of a feature's option set on the element at `element_path` (whose options are its
/// field `options_tag`): buf reports a changed feature there when the element sets it itself.
pub fn option_path(element_path: &[i32], options_tag: i32, feature: usize) -> Vec<i32> {
    let s = &SPECS[feature];
    let features = features_field(element_path, options_tag);
    let below: &[i32] = match s.extension {
        None => &[features, s.number],
        Some("pb.cpp") => &[features, CPP_EXTENSION, s.number],
        Some(_) => &[features, JAVA_EXTENSION, s.number],
    };
    [element_path, &[options_tag], below].concat()
}

/// The features set on one element, by value number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Overrides([u8; COUNT]);

impl Overrides {
    fn set(&mut self, feature: usize, value: &str) {
        if let Some(n) = SPECS[feature].values.iter().position(|v| *v == value && !v.is_empty()) {
            self.0[feature] = n as u8;
        }
    }
}

/// The resolved features of an element (every feature has a value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Features([u8; COUNT]);

/// Which defaults apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Defaults {
    Proto2,
    Proto3,
    Edition(i32),
}

impl Features {
    /// The defaults of a syntax or edition, as protobuf's descriptor.proto (and cpp_features /
    /// java_features.proto) publish them.
    pub fn defaults(d: Defaults) -> Features {
        // field_presence, enum_type, repeated_field_encoding, utf8_validation, message_encoding,
        // json_format, (pb.cpp).string_type, (pb.java).utf8_validation
        Features(match d {
            Defaults::Proto2 => [1, 2, 2, 3, 1, 2, 3, 1],
            Defaults::Proto3 => [2, 1, 1, 2, 1, 1, 3, 1],
            Defaults::Edition(2023) => [1, 1, 1, 2, 1, 1, 3, 1],
            // 2024: (pb.cpp).string_type defaults to VIEW
            Defaults::Edition(_) => [1, 1, 1, 2, 1, 1, 1, 1],
        })
    }

    /// These features with the ones an element sets itself.
    pub fn with(self, o: Option<&Overrides>) -> Features {
        let mut f = self;
        if let Some(o) = o {
            for (i, v) in o.0.iter().enumerate() {
                if *v != 0 {
                    f.0[i] = *v;
                }
            }
        }
        f
    }

    /// The value's name, as descriptor.proto spells it ("EXPLICIT", "VERIFY", …).
    pub fn get(&self, feature: usize) -> &'static str {
        SPECS[feature].values[self.0[feature] as usize]
    }
}

/// What the front end learnt of an editions file that the compiled descriptor does not keep.
#[derive(Debug, Clone, Default)]
pub struct EditionInfo {
    pub year: i32,
    /// The features set on elements, by the element's descriptor path ([] for the file).
    pub overrides: HashMap<Vec<i32>, Overrides>,
    /// The features of map fields, by the path of their map entry message: a map's key and
    /// value resolve their features through the map field (protobuf copies them onto the
    /// entry message), not only through the message holding the map.
    pub map_entries: HashMap<Vec<i32>, Overrides>,
    /// The files imported with `import option` (edition 2024): their extensions may be used
    /// in options, their types nowhere else.
    pub option_imports: Vec<String>,
}

impl EditionInfo {
    /// The features the element at `path` sets itself.
    pub fn at(&self, path: &[i32]) -> Option<&Overrides> {
        self.overrides.get(path)
    }

    /// The features a map entry message (at `path`) takes from its map field.
    pub fn map_entry(&self, path: &[i32]) -> Option<&Overrides> {
        self.map_entries.get(path)
    }
}

/// The features set in a file, by element path, and the descriptor paths of the options
/// that set them (`[element…, options, 999, i]`), in the order they are read.
#[derive(Default)]
struct Read {
    overrides: HashMap<Vec<i32>, Overrides>,
    map_entries: HashMap<Vec<i32>, Overrides>,
    options: Vec<Vec<i32>>,
}

/// Reads `features.…` options from one element's uninterpreted options (`options_tag`: the
/// element's options field).
fn read_options(options: &[UninterpretedOption], path: &[i32], options_tag: i32, into: &mut Read) {
    for (i, o) in options.iter().enumerate() {
        if o.name.first().is_some_and(|p| p.name_part == "features" && !p.is_extension) {
            into.options.push([path, &[options_tag, 999, i as i32]].concat());
        }
        let parts: Vec<(&str, bool)> =
            o.name.iter().map(|p| (p.name_part.trim_start_matches('.'), p.is_extension)).collect();
        let Some(value) = o.identifier_value.as_deref() else { continue };
        let feature = match parts.as_slice() {
            [("features", false), (name, false)] => SPECS.iter().position(|s| s.extension.is_none() && s.name == *name),
            [("features", false), (ext, true), (name, false)] => {
                SPECS.iter().position(|s| s.extension == Some(*ext) && s.name == *name)
            }
            _ => None,
        };
        if let Some(feature) = feature {
            into.overrides.entry(path.to_vec()).or_default().set(feature, value);
        }
    }
}

fn read_message(m: &DescriptorProto, path: Vec<i32>, into: &mut Read) {
    use super::ir::tag;
    if let Some(o) = &m.options {
        read_options(&o.uninterpreted_option, &path, tag::MSG_OPTIONS, into);
    }
    let at = |t: i32, i: usize| [path.as_slice(), &[t, i as i32]].concat();
    for (i, f) in m.field.iter().enumerate() {
        if let Some(o) = &f.options {
            read_options(&o.uninterpreted_option, &at(tag::MSG_FIELD, i), tag::FIELD_OPTIONS, into);
        }
    }
    for (i, f) in m.extension.iter().enumerate() {
        if let Some(o) = &f.options {
            read_options(&o.uninterpreted_option, &at(tag::MSG_EXTENSION, i), tag::FIELD_OPTIONS, into);
        }
    }
    for (i, d) in m.oneof_decl.iter().enumerate() {
        if let Some(o) = &d.options {
            read_options(&o.uninterpreted_option, &at(tag::MSG_ONEOF, i), 2, into);
        }
    }
    for (i, e) in m.enum_type.iter().enumerate() {
        read_enum(e, at(tag::MSG_ENUM, i), into);
    }
    for (i, n) in m.nested_type.iter().enumerate() {
        let entry = at(tag::MSG_NESTED, i);
        if n.options.as_ref().and_then(|o| o.map_entry).unwrap_or(false) {
            // the map field naming this entry passes its features on to the key and value
            let map_field = m.field.iter().position(|f| f.type_name().rsplit('.').next() == Some(n.name()));
            if let Some(o) = map_field.and_then(|j| into.overrides.get(&at(tag::MSG_FIELD, j))) {
                into.map_entries.insert(entry.clone(), *o);
            }
        }
        read_message(n, entry, into);
    }
}

fn read_enum(e: &EnumDescriptorProto, path: Vec<i32>, into: &mut Read) {
    if let Some(o) = &e.options {
        read_options(&o.uninterpreted_option, &path, super::ir::tag::ENUM_OPTIONS, into);
    }
}

/// The features set anywhere in a parsed (not yet compiled) file.
fn read_features(fd: &FileDescriptorProto) -> Read {
    use super::ir::tag;
    let mut into = Read::default();
    if let Some(o) = &fd.options {
        read_options(&o.uninterpreted_option, &[], tag::FILE_OPTIONS, &mut into);
    }
    for (i, m) in fd.message_type.iter().enumerate() {
        read_message(m, vec![tag::FILE_MESSAGE, i as i32], &mut into);
    }
    for (i, e) in fd.enum_type.iter().enumerate() {
        read_enum(e, vec![tag::FILE_ENUM, i as i32], &mut into);
    }
    for (i, f) in fd.extension.iter().enumerate() {
        if let Some(o) = &f.options {
            read_options(&o.uninterpreted_option, &[tag::FILE_EXTENSION, i as i32], tag::FIELD_OPTIONS, &mut into);
        }
    }
    into
}

/// In a proto2 or proto3 file (parsed, not compiled), where the first `features` option is
/// (1-based line and column; 0 when not located): only editions files may set features.
pub fn features_outside_editions(fd: &FileDescriptorProto) -> Option<(u32, u32)> {
    let read = read_features(fd);
    let first = read.options.first()?;
    let info = fd.source_code_info.as_ref();
    let span = info.and_then(|i| i.location.iter().find(|l| &l.path == first)).map(|l| l.span.clone());
    Some(span.map_or((0, 0), |s| (s[0] as u32 + 1, s.get(1).map_or(0, |c| *c as u32 + 1))))
}

// ---- parsing ----

/// An editions file, parsed.
pub struct Parsed {
    /// The file as the compiler takes it (with the text handed to it, when asked to keep it).
    pub file: protox::file::File,
    pub info: EditionInfo,
    /// The text handed to the compiler, and where it differs from the file: the offsets (in
    /// that text) at which [`LABEL`] was inserted, ascending.
    pub text: String,
    pub inserted: Vec<usize>,
    /// How to move the compiled file's source locations back to the text as written.
    pub fix: Fix,
}

impl Parsed {
    /// The parsed file (source locations in the text handed to the compiler).
    pub fn fd(&self) -> &FileDescriptorProto {
        self.file.file_descriptor_proto()
    }
}

/// `text` parsed as the compiler takes it, if it parses: with the text itself when
/// `keep_text` (so that the compiler's errors are located), else the descriptor alone.
fn try_parse(name: &str, text: &str, keep_text: bool) -> Option<protox::file::File> {
    if keep_text {
        protox::file::File::from_source(name, text).ok()
    } else {
        protox_parse::parse(name, text).ok().map(protox::file::File::from_file_descriptor_proto)
    }
}

/// Moves source locations given in the text handed to the compiler back to the columns of the
/// file as written, drops the locations of inserted labels, and locates the `edition`
/// declaration (path 14, buf's place for a changed syntax).
#[derive(Debug, Clone, Default)]
pub struct Fix {
    /// Inserted labels as (line, column) of the compiler's text, ascending.
    marks: Vec<(i32, i32)>,
    /// The declaration's span, as source info gives spans.
    edition_span: Vec<i32>,
}

/// Why an editions file is not read.
pub enum Failure {
    /// Refused here, at a place of the file as written.
    Refused(Refusal),
    /// The parser's error, on the text handed to it (see [`original_offset`]).
    Parse(protox::Error, Vec<usize>),
}

/// The offset in the file as written of `offset` in the text with labels inserted.
pub fn original_offset(inserted: &[usize], offset: usize) -> usize {
    let before = inserted.partition_point(|&at| at + LABEL.len() <= offset);
    offset - before * LABEL.len()
}

/// Calls `f` with the span of every word (identifier or keyword) of a file outside comments
/// and strings, in order; words that follow a `.` (parts of a qualified name) are left out.
fn for_each_word(b: &[u8], mut f: impl FnMut(usize, usize)) {
    let is_word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1).is_some_and(|c| *c == b'/' || *c == b'*') => {
                i = skip_blank(b, i);
                continue;
            }
            q @ (b'"' | b'\'') => {
                i += 1;
                while i < b.len() && b[i] != q && b[i] != b'\n' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            c if is_word(c) => {
                let start = i;
                while i < b.len() && is_word(b[i]) {
                    i += 1;
                }
                if start == 0 || b[start - 1] != b'.' {
                    f(start, i);
                }
            }
            _ => i += 1,
        }
    }
}

/// An `import option "…";` statement (edition 2024): the file it names is imported for its
/// options' extensions only.
#[derive(Debug, Clone)]
pub struct OptionImport {
    /// The imported file's name.
    pub name: String,
    /// Byte range of the `option` keyword.
    pub keyword: (usize, usize),
}

/// What edition 2024 adds to the grammar, found outside comments and strings: the spans of
/// `export` / `local` before `message` and `enum`, and the `import option` statements.
fn edition_2024_syntax(text: &str) -> (Vec<(usize, usize)>, Vec<OptionImport>) {
    let b = text.as_bytes();
    let (mut visibility, mut imports) = (Vec::new(), Vec::new());
    let mut prev: Option<(usize, usize)> = None;
    for_each_word(b, |start, end| {
        let word = &b[start..end];
        if let Some((p0, p1)) = prev.filter(|&(_, p1)| skip_blank(b, p1) == start) {
            let before = &b[p0..p1];
            if matches!(word, b"message" | b"enum") && matches!(before, b"export" | b"local") {
                visibility.push((p0, p1));
            }
            if word == b"option" && before == b"import" {
                let at = skip_blank(b, end);
                let name = match b.get(at) {
                    Some(&q @ (b'"' | b'\'')) => {
                        let len = b[at + 1..].iter().position(|&c| c == q || c == b'\n').unwrap_or(0);
                        text[at + 1..at + 1 + len].to_string()
                    }
                    _ => String::new(),
                };
                imports.push(OptionImport { name, keyword: (start, end) });
            }
        }
        prev = Some((start, end));
    });
    (visibility, imports)
}

/// Whether [`edition_2024_syntax`] may find anything in `text`: in edition 2024 a word of its
/// syntax occurs; in 2023 (which refuses `import option`) an `import` is followed by `option`.
fn may_hold_2024_syntax(text: &str, year: i32) -> bool {
    let b = text.as_bytes();
    let import_option =
        || text.match_indices("import").any(|(at, w)| b[skip_blank(b, at + w.len())..].starts_with(b"option"));
    if year >= 2024 {
        text.contains("export") || text.contains("local") || import_option()
    } else {
        import_option()
    }
}

/// Blanks out `spans` of `text`, keeping every offset.
fn blank(text: &mut String, spans: &[(usize, usize)]) {
    for &(from, to) in spans {
        text.replace_range(from..to, &" ".repeat(to - from));
    }
}

fn refusal(text: &str, offset: usize, message: String) -> Refusal {
    let (line, column) = tandem_model::manifest::line_col(text, offset.min(text.len()));
    Refusal { line: line as u32, column: column as u32, message, more: Vec::new() }
}

/// Parses an editions file (`decl` is its declaration). `path` names the file in messages;
/// `keep_text`: whether the parsed file keeps the text handed to the compiler (see [`Parsed`]).
pub fn parse(name: &str, path: &str, text: &str, decl: &Declaration, keep_text: bool) -> Result<Parsed, Failure> {
    use miette::Diagnostic;
    // a file without `syntax` is proto2: blank the declaration out, keeping the lines
    let mut rewritten: String = text[..decl.start].to_string();
    rewritten.extend(text[decl.start..decl.end].chars().map(|c| if c == '\n' { '\n' } else { ' ' }));
    rewritten.push_str(&text[decl.end..]);
    let Some(year) = edition_year(&decl.value) else {
        let mut r = refusal(
            text,
            decl.value_at,
            format!(
                "{path}: edition \"{}\" is not supported: tandem reads editions \"2023\" and \"2024\" (and proto2, proto3)",
                decl.value
            ),
        );
        // buf reads on as if the file had no edition (proto2) and lists each field without a
        // label; so does tandem
        if let Err(e) = protox_parse::parse(name, &rewritten) {
            for d in std::iter::once(&e as &dyn Diagnostic).chain(e.related().into_iter().flatten()) {
                let Some(label) = d.labels().and_then(|mut l| l.next()) else { continue };
                if d.to_string().starts_with("fields must have a label") {
                    let why = format!(
                        "{path}: a field without a label, which proto2 requires (the file is read as proto2, since edition \"{}\" is unknown)",
                        decl.value
                    );
                    r.more.push(refusal(text, label.offset(), why));
                }
            }
        }
        return Err(Failure::Refused(r));
    };
    // most files hold neither: the scan is skipped when no word of it occurs in the text
    let (visibility, option_imports) =
        if may_hold_2024_syntax(&rewritten, year) { edition_2024_syntax(&rewritten) } else { (Vec::new(), Vec::new()) };
    if year >= 2024 {
        // symbol visibility (`export message`, `local enum`) changes no breaking rule's verdict;
        // an `import option` is read as a plain import (which types it may lend is checked
        // after compiling, in `validate`)
        blank(&mut rewritten, &visibility);
        blank(&mut rewritten, &option_imports.iter().map(|o| o.keyword).collect::<Vec<_>>());
    } else if let Some(first) = option_imports.first() {
        return Err(Failure::Refused(refusal(
            text,
            first.keyword.0,
            format!(
                "{path}: `import option` is not supported in edition \"{}\"; it needs `edition = \"2024\";`",
                decl.value
            ),
        )));
    }
    // what `check_editions_rules` refuses is written with one of these words (the labels
    // inserted below are not in `text`)
    let forbidden_words = ["optional", "required", "group"].iter().any(|w| text.contains(w));
    if !keep_text && !forbidden_words {
        if let Some(parsed) = parse_unlocated(name, text, &rewritten, decl, year, &option_imports) {
            return Ok(parsed);
        }
    }
    let mut inserted: Vec<usize> = Vec::new();
    // Most editions fields have no label, which the proto2 parser refuses: the labels are put
    // where a scan of the text expects them and the file parsed once. Where that text does not
    // parse (the scan guessed wrong), the parser's own answer is taken instead, as below.
    let guessed = unlabelled_fields(&rewritten);
    let first_try = (!guessed.is_empty())
        .then(|| {
            let (with_labels, at) = insert_labels(&rewritten, &guessed);
            try_parse(name, &with_labels, keep_text).map(|f| (f, with_labels, at))
        })
        .flatten();
    let file = if let Some((f, with_labels, at)) = first_try {
        rewritten = with_labels;
        inserted = at;
        f
    } else {
        match protox_parse::parse(name, &rewritten) {
            // no field without a label (the text is parsed again only to be kept)
            Ok(fd) if !keep_text => protox::file::File::from_file_descriptor_proto(fd),
            Ok(_) => protox::file::File::from_source(name, &rewritten).map_err(|e| Failure::Parse(e, Vec::new()))?,
            Err(e) => {
                // the fields the parser found without a label: give them one and parse again
                let mut at: Vec<usize> = std::iter::once(&e as &dyn Diagnostic)
                    .chain(e.related().into_iter().flatten())
                    .filter(|d| d.to_string().starts_with("fields must have a label"))
                    .filter_map(|d| d.labels().and_then(|mut l| l.next()).map(|l| l.offset()))
                    .collect();
                if at.is_empty() {
                    return Err(Failure::Parse(e.into(), Vec::new()));
                }
                at.sort_unstable();
                at.dedup();
                let (with_labels, at) = insert_labels(&rewritten, &at);
                rewritten = with_labels;
                inserted = at;
                // parsed by the compiler's own entry point: the file keeps its text for locating errors
                match protox::file::File::from_source(name, &rewritten) {
                    Ok(f) => f,
                    Err(e) => return Err(Failure::Parse(e, inserted)),
                }
            }
        }
    };
    let file = without_feature_definitions(file, text);
    let fd = file.file_descriptor_proto();
    if forbidden_words {
        check_editions_rules(fd, &rewritten, text, path, &inserted)?;
    }
    let fix = Fix::new(&rewritten, &inserted, decl, text);
    let info = edition_info(fd, year, &option_imports);
    Ok(Parsed { file, info, text: rewritten, inserted, fix })
}

fn edition_info(fd: &FileDescriptorProto, year: i32, option_imports: &[OptionImport]) -> EditionInfo {
    let Read { overrides, map_entries, .. } = read_features(fd);
    let option_imports = option_imports.iter().map(|o| o.name.clone()).collect();
    EditionInfo { year, overrides, map_entries, option_imports }
}

/// The quick way for a file whose locations are not kept (not one of the compared files) and
/// that writes no `optional`, `required` or `group`: parsed as proto3, where a field needs no
/// label, and then taken as the proto2 file the labelled text would have given (without a
/// label, a field is `optional` in both, and proto3 adds nothing else to a file that parses
/// as both). `None` when it does not parse so (the labelled way then finds out why).
fn parse_unlocated(
    name: &str,
    text: &str,
    rewritten: &str,
    decl: &Declaration,
    year: i32,
    option_imports: &[OptionImport],
) -> Option<Parsed> {
    const PROTO3: &str = "syntax = \"proto3\";";
    let mut as_proto3 = String::with_capacity(PROTO3.len() + rewritten.len());
    as_proto3.push_str(PROTO3);
    as_proto3.push_str(rewritten);
    let mut fd = protox_parse::parse(name, &as_proto3).ok()?;
    fd.syntax = None;
    fd.source_code_info = None;
    let file = without_feature_definitions(protox::file::File::from_file_descriptor_proto(fd), text);
    let info = edition_info(file.file_descriptor_proto(), year, option_imports);
    let fix = Fix::new(rewritten, &[], decl, text);
    Some(Parsed { file, info, text: as_proto3, inserted: Vec::new(), fix })
}

/// `text` with [`LABEL`] inserted at each of the sorted offsets `at`, and where each inserted
/// label starts in the new text.
fn insert_labels(text: &str, at: &[usize]) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(text.len() + at.len() * LABEL.len());
    let mut inserted = Vec::with_capacity(at.len());
    let mut from = 0;
    for (k, &o) in at.iter().enumerate() {
        out.push_str(&text[from..o]);
        inserted.push(o + k * LABEL.len());
        out.push_str(LABEL);
        from = o;
    }
    out.push_str(&text[from..]);
    (out, inserted)
}

/// Where the fields without a label start: statements of the form `Type name = …` (the type
/// possibly qualified) outside oneofs, found by a scan that skips comments and strings. A guess:
/// a wrong one makes the labelled text fail to parse, and the caller then asks the parser.
fn unlabelled_fields(text: &str) -> Vec<usize> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    // per open brace: whether it opened a oneof
    let mut blocks: Vec<bool> = Vec::new();
    let mut statement_start = true;
    // the last two words of the statement so far, as spans (to tell `oneof name {`)
    type Span = Option<(usize, usize)>;
    let mut words: (Span, Span) = (None, None);
    let word_char = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = b[i..].iter().position(|&c| c == b'\n').map_or(b.len(), |n| i + n);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(b.len(), |n| i + 2 + n + 2);
                continue;
            }
            b'"' | b'\'' => {
                let mut j = i + 1;
                while j < b.len() && b[j] != c && b[j] != b'\n' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                i = j + 1;
                statement_start = false;
                continue;
            }
            b'{' => {
                let oneof = matches!(words, (Some(k), Some(_)) if &text[k.0..k.1] == "oneof");
                blocks.push(oneof);
                statement_start = true;
                words = (None, None);
            }
            b'}' => {
                blocks.pop();
                statement_start = true;
                words = (None, None);
            }
            b';' => {
                statement_start = true;
                words = (None, None);
            }
            c if word_char(c) || c == b'.' => {
                let start = i;
                while i < b.len() && (word_char(b[i]) || b[i] == b'.') {
                    i += 1;
                }
                if statement_start && !blocks.last().copied().unwrap_or(false) && is_field_start(text, start, i) {
                    out.push(start);
                }
                statement_start = false;
                words = (words.1, Some((start, i)));
                continue;
            }
            c if c.is_ascii_whitespace() => {}
            _ => statement_start = false,
        }
        i += 1;
    }
    out
}

/// Whether the word `text[start..end]`, first of a statement, is the type of a field written
/// without a label: not a keyword, then a name, then `=`.
fn is_field_start(text: &str, start: usize, end: usize) -> bool {
    const KEYWORDS: &[&str] = &[
        "syntax",
        "edition",
        "package",
        "import",
        "option",
        "message",
        "enum",
        "service",
        "rpc",
        "extend",
        "oneof",
        "reserved",
        "extensions",
        "optional",
        "required",
        "repeated",
        "map",
        "group",
        "stream",
        "returns",
        "export",
        "local",
        "weak",
        "public",
    ];
    let word = &text[start..end];
    if KEYWORDS.contains(&word) || word.starts_with(|c: char| c.is_ascii_digit()) {
        return false;
    }
    let rest = text[end..].trim_start();
    let name_len = rest.bytes().take_while(|&c| c.is_ascii_alphanumeric() || c == b'_').count();
    name_len > 0 && rest[name_len..].trim_start().starts_with('=')
}

/// What editions forbid and proto2 allows: explicit `optional` / `required` labels, groups.
fn check_editions_rules(
    fd: &FileDescriptorProto,
    rewritten: &str,
    text: &str,
    path: &str,
    inserted: &[usize],
) -> Result<(), Failure> {
    use super::ir::tag;
    let Some(info) = &fd.source_code_info else { return Ok(()) };
    let line_starts: Vec<usize> = std::iter::once(0).chain(rewritten.match_indices('\n').map(|(i, _)| i + 1)).collect();
    let mut first: Option<Refusal> = None;
    for loc in &info.location {
        let n = loc.path.len();
        if n < 3 || n % 2 == 0 || !matches!(loc.path[n - 3], tag::MSG_FIELD | tag::MSG_EXTENSION | tag::FILE_EXTENSION)
        {
            continue;
        }
        let last = loc.path[n - 1];
        if last != tag::FIELD_LABEL && last != tag::FIELD_TYPE {
            continue;
        }
        let Some(&line_start) = line_starts.get(loc.span[0].max(0) as usize) else { continue };
        let offset = line_start + loc.span.get(1).copied().unwrap_or(0).max(0) as usize;
        let Some(rest) = rewritten.get(offset..) else { continue };
        if inserted.binary_search(&offset).is_ok() {
            continue;
        }
        let word: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        let message = match (last, word.as_str()) {
            (tag::FIELD_LABEL, "optional" | "required") => format!(
                "{path}: the `{word}` label is not allowed in editions files; set `features.field_presence` instead (EXPLICIT, IMPLICIT or LEGACY_REQUIRED)"
            ),
            (tag::FIELD_TYPE, "group") => format!(
                "{path}: group syntax is not allowed in editions files; declare a message and set `features.message_encoding = DELIMITED` on the field"
            ),
            _ => continue,
        };
        let r = refusal(text, original_offset(inserted, offset), message);
        if first.as_ref().is_none_or(|f| (r.line, r.column) < (f.line, f.column)) {
            first = Some(r);
        }
    }
    match first {
        Some(r) => Err(Failure::Refused(r)),
        None => Ok(()),
    }
}

impl Fix {
    fn new(rewritten: &str, inserted: &[usize], decl: &Declaration, text: &str) -> Fix {
        // (line, column) of each inserted label: the lines counted from one label to the next
        let mut marks: Vec<(i32, i32)> = Vec::with_capacity(inserted.len());
        let b = rewritten.as_bytes();
        let (mut line, mut line_start, mut from) = (0i32, 0usize, 0usize);
        for &at in inserted {
            let between = &b[from..at];
            let newlines = between.iter().filter(|&&c| c == b'\n').count();
            if newlines > 0 {
                line += newlines as i32;
                line_start = from + between.iter().rposition(|&c| c == b'\n').map_or(0, |n| n + 1);
            }
            marks.push((line, (at - line_start) as i32));
            from = at;
        }
        let (l0, c0) = tandem_model::manifest::line_col(text, decl.start);
        let (l1, c1) = tandem_model::manifest::line_col(text, decl.end);
        let edition_span = if l0 == l1 {
            vec![l0 as i32 - 1, c0 as i32 - 1, c1 as i32 - 1]
        } else {
            vec![l0 as i32 - 1, c0 as i32 - 1, l1 as i32 - 1, c1 as i32 - 1]
        };
        Fix { marks, edition_span }
    }

    pub fn apply(&self, fd: &mut FileDescriptorProto) {
        use super::ir::tag;
        let Some(info) = fd.source_code_info.as_mut() else { return };
        let marks = &self.marks;
        let len = LABEL.len() as i32;
        // `marks` ascend (line, column); per line, where its marks start in `marks` (a line
        // rarely holds more than one)
        let lines = marks.last().map_or(0, |&(l, _)| l as usize + 1);
        let mut first = vec![marks.len(); lines + 1];
        for (k, &(l, _)) in marks.iter().enumerate().rev() {
            first[l as usize] = k;
        }
        for l in (0..lines).rev() {
            first[l] = first[l].min(first[l + 1]);
        }
        let on_line = |line: i32| -> &[(i32, i32)] {
            match usize::try_from(line) {
                Ok(l) if l < lines => &marks[first[l]..first[l + 1]],
                _ => &[],
            }
        };
        // the labels inserted before a place on its line
        let back = |line: i32, col: i32| -> i32 {
            let before = on_line(line).iter().take_while(|&&(_, c)| c + len <= col).count();
            col - before as i32 * len
        };
        info.location.retain(|loc| {
            let n = loc.path.len();
            // a field's label: [… field tag, index, 4] (odd length; a field's own path is even)
            let is_label = n >= 3 && n % 2 == 1 && loc.path[n - 1] == tag::FIELD_LABEL && loc.span.len() >= 3;
            !(is_label && on_line(loc.span[0]).iter().any(|&(_, c)| c == loc.span[1]))
        });
        for loc in &mut info.location {
            let s = &mut loc.span;
            match s.len() {
                3 => {
                    s[1] = back(s[0], s[1]);
                    s[2] = back(s[0], s[2]);
                }
                4 => {
                    s[1] = back(s[0], s[1]);
                    s[3] = back(s[2], s[3]);
                }
                _ => {}
            }
        }
        let span = self.edition_span.clone();
        info.location.insert(
            1.min(info.location.len()),
            prost_types::source_code_info::Location { path: vec![tag::FILE_EDITION], span, ..Default::default() },
        );
    }
}

/// `file` (parsed from `text`) without the options that define features, if `text` has any
/// (see [`drop_feature_definitions`]); the compiler takes it so. The text is searched first:
/// almost no file defines features.
pub fn without_feature_definitions(file: protox::file::File, text: &str) -> protox::file::File {
    if !(text.contains("edition_defaults") || text.contains("feature_support")) {
        return file;
    }
    let mut fd = file.file_descriptor_proto().clone();
    if drop_feature_definitions(&mut fd) {
        protox::file::File::from_file_descriptor_proto(fd)
    } else {
        file
    }
}

/// The field options that define a feature (`edition_defaults`, `feature_support`), as
/// protobuf's own `cpp_features.proto` and its copies set them. The compiler's descriptor.proto
/// predates edition 2024 and `feature_support`, so it cannot interpret them; no breaking rule
/// reads them. Removes them from a parsed file's fields; whether any was removed.
pub fn drop_feature_definitions(fd: &mut FileDescriptorProto) -> bool {
    fn drop(options: &mut Option<prost_types::FieldOptions>) -> bool {
        let Some(o) = options.as_mut() else { return false };
        let before = o.uninterpreted_option.len();
        o.uninterpreted_option.retain(|u| {
            !matches!(u.name.as_slice(), [p] if !p.is_extension && matches!(p.name_part.as_str(), "edition_defaults" | "feature_support"))
        });
        o.uninterpreted_option.len() != before
    }
    fn in_message(m: &mut DescriptorProto) -> bool {
        let mut any = false;
        for f in m.field.iter_mut().chain(m.extension.iter_mut()) {
            any |= drop(&mut f.options);
        }
        for n in &mut m.nested_type {
            any |= in_message(n);
        }
        any
    }
    let mut any = false;
    for f in &mut fd.extension {
        any |= drop(&mut f.options);
    }
    for m in &mut fd.message_type {
        any |= in_message(m);
    }
    any
}

/// The language feature files of protobuf (`google/protobuf/cpp_features.proto`, …): only
/// the parts an option can name, for `features.(pb.cpp).…` and `features.(pb.java).…`.
pub fn language_features_file(name: &str) -> Option<&'static str> {
    match name {
        "google/protobuf/cpp_features.proto" => Some(
            "syntax = \"proto2\";\npackage pb;\nimport \"google/protobuf/descriptor.proto\";\n\
             extend google.protobuf.FeatureSet { optional CppFeatures cpp = 1000; }\n\
             message CppFeatures {\n  optional bool legacy_closed_enum = 1;\n\
             enum StringType { STRING_TYPE_UNKNOWN = 0; VIEW = 1; CORD = 2; STRING = 3; }\n\
             optional StringType string_type = 2;\n  optional bool enable_nodiscard = 3;\n}\n",
        ),
        "google/protobuf/java_features.proto" => Some(
            "syntax = \"proto2\";\npackage pb;\nimport \"google/protobuf/descriptor.proto\";\n\
             extend google.protobuf.FeatureSet { optional JavaFeatures java = 1001; }\n\
             message JavaFeatures {\n  optional bool legacy_closed_enum = 1;\n\
             enum Utf8Validation { UTF8_VALIDATION_UNKNOWN = 0; DEFAULT = 1; VERIFY = 2; }\n\
             optional Utf8Validation utf8_validation = 2;\n  optional bool large_enum = 3;\n\
             optional bool use_old_outer_classname_default = 4;\n\
             message NestInFileClassFeature {\n\
             enum NestInFileClass { NEST_IN_FILE_CLASS_UNKNOWN = 0; NO = 1; YES = 2; LEGACY = 3; }\n}\n\
             optional NestInFileClassFeature.NestInFileClass nest_in_file_class = 5;\n}\n",
        ),
        "google/protobuf/go_features.proto" => Some(
            "syntax = \"proto2\";\npackage pb;\nimport \"google/protobuf/descriptor.proto\";\n\
             extend google.protobuf.FeatureSet { optional GoFeatures go = 1002; }\n\
             message GoFeatures {\n  optional bool legacy_unmarshal_json_enum = 1;\n\
             enum APILevel { API_LEVEL_UNSPECIFIED = 0; API_OPEN = 1; API_HYBRID = 2; API_OPAQUE = 3; }\n\
             optional APILevel api_level = 2;\n\
             enum StripEnumPrefix { STRIP_ENUM_PREFIX_UNSPECIFIED = 0; STRIP_ENUM_PREFIX_KEEP = 1; STRIP_ENUM_PREFIX_GENERATE_BOTH = 2; STRIP_ENUM_PREFIX_STRIP = 3; }\n\
             optional StripEnumPrefix strip_enum_prefix = 3;\n}\n",
        ),
        _ => None,
    }
}

// ---- the rules of editions protox does not know ----

/// What kind of element a descriptor path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Element {
    File,
    Message,
    Enum,
    Field,
    Oneof,
    Other,
}

fn element(path: &[i32]) -> Element {
    use super::ir::tag;
    match path.len() {
        0 => Element::File,
        2 => match path[0] {
            tag::FILE_MESSAGE => Element::Message,
            tag::FILE_ENUM => Element::Enum,
            tag::FILE_EXTENSION => Element::Field,
            _ => Element::Other,
        },
        n => match path[n - 2] {
            tag::MSG_NESTED => Element::Message,
            tag::MSG_ENUM => Element::Enum,
            tag::MSG_FIELD | tag::MSG_EXTENSION => Element::Field,
            tag::MSG_ONEOF => Element::Oneof,
            _ => Element::Other,
        },
    }
}

/// The element kinds each feature may be set on, besides files (descriptor.proto's targets).
fn allowed(feature: usize, on: Element) -> bool {
    match feature {
        ENUM_TYPE => on == Element::Enum,
        JSON_FORMAT => matches!(on, Element::Message | Element::Enum),
        _ => on == Element::Field,
    }
}

fn kind_name(e: Element) -> &'static str {
    match e {
        Element::File => "a file",
        Element::Message => "a message",
        Element::Enum => "an enum",
        Element::Field => "a field",
        Element::Oneof => "a oneof",
        Element::Other => "this element",
    }
}

/// The options field of an element of each kind.
fn options_tag(e: Element) -> i32 {
    use super::ir::tag;
    match e {
        Element::Message => tag::MSG_OPTIONS,
        Element::Enum => tag::ENUM_OPTIONS,
        Element::Field => tag::FIELD_OPTIONS,
        Element::Oneof => 2,
        _ => tag::FILE_OPTIONS,
    }
}

/// Checks what the compiler cannot check in editions files: where each feature may be set,
/// that open enums start at zero, that implicit presence is used only where it can be. The
/// problems found, one per file at most (the first in the file).
pub fn validate(
    module: &super::ir::Module,
    defined_in: &dyn Fn(&str) -> Option<String>,
) -> Vec<super::compile::CompileProblem> {
    use super::compile::CompileProblem;
    use super::ir::tag;
    use prost_types::field_descriptor_proto::{Label, Type};
    let mut problems = Vec::new();
    for file in &module.files {
        let Some(info) = &file.edition else { continue };
        let mut found: Vec<(Vec<i32>, String)> = Vec::new();
        let mut paths: Vec<(&Vec<i32>, &Overrides)> = info.overrides.iter().collect();
        paths.sort_by(|a, b| a.0.cmp(b.0));
        for (path, o) in paths {
            let on = element(path);
            if on == Element::File {
                continue;
            }
            for (feature, v) in o.0.iter().enumerate() {
                if *v != 0 && !allowed(feature, on) {
                    let spec = &SPECS[feature];
                    let name = match spec.extension {
                        Some(ext) => format!("features.({ext}).{}", spec.name),
                        None => format!("features.{}", spec.name),
                    };
                    let at = option_path(path, options_tag(on), feature);
                    found.push((at, format!("`{name}` cannot be set on {}", kind_name(on))));
                }
            }
        }
        for &ei in &file.enums {
            let e = &module.enums[ei];
            if e.features.get(ENUM_TYPE) == "OPEN" {
                if let Some(first) = e.values.first().filter(|v| v.number != 0) {
                    found.push((
                        [first.path.as_slice(), &[tag::ENUM_VALUE_NUMBER]].concat(),
                        format!(
                            "the first value of open enum `{}` must be zero (enums are open in editions unless `features.enum_type = CLOSED`)",
                            e.full_name
                        ),
                    ));
                }
            }
        }
        let fields = file
            .messages
            .iter()
            .flat_map(|&mi| module.messages[mi].fields.iter())
            .chain(file.extensions.iter().map(|&xi| &module.extensions[xi]));
        for f in fields {
            if info.year >= 2024 && f.proto.options.as_ref().is_some_and(|o| o.ctype.is_some()) {
                let at = [f.path.as_slice(), &[tag::FIELD_OPTIONS, 1]].concat();
                found.push((
                    at,
                    format!(
                        "field `{}`: `ctype` is not allowed from edition 2024 on; set `features.(pb.cpp).string_type`",
                        f.name
                    ),
                ));
            }
            let set_here = info.at(&f.path).is_some_and(|o| o.0[FIELD_PRESENCE] != 0);
            if f.label == Label::Repeated && set_here {
                found.push((
                    f.path.clone(),
                    format!("repeated field `{}` cannot set `features.field_presence`", f.name),
                ));
                continue;
            }
            if f.label == Label::Repeated || f.features.get(FIELD_PRESENCE) != "IMPLICIT" {
                continue;
            }
            let type_at = || [f.path.as_slice(), &[tag::FIELD_TYPE_NAME]].concat();
            if set_here && (matches!(f.ty, Type::Message | Type::Group) || f.oneof.is_some() || f.extendee.is_some()) {
                let what = if f.extendee.is_some() {
                    "an extension"
                } else if f.oneof.is_some() {
                    "a oneof member"
                } else {
                    "a message field"
                };
                found.push((type_at(), format!("field `{}` is {what}, which cannot have implicit presence", f.name)));
            } else if f.ty == Type::Enum
                && f.oneof.is_none()
                && f.extendee.is_none()
                && module.enum_(&f.type_name).is_some_and(|e| e.features.get(ENUM_TYPE) == "CLOSED")
            {
                found.push((
                    type_at(),
                    format!("closed enum `{}` cannot be the type of implicit-presence field `{}`", f.type_name, f.name),
                ));
            }
        }
        // a type lent only by an `import option` (its file is in the module, compiled)
        if !info.option_imports.is_empty() {
            let fields = file
                .messages
                .iter()
                .flat_map(|&mi| module.messages[mi].fields.iter())
                .chain(file.extensions.iter().map(|&xi| &module.extensions[xi]));
            for f in fields.filter(|f| matches!(f.ty, Type::Message | Type::Group | Type::Enum)) {
                // the module holds the compared files; an unchanged import is only in the pool
                let from = module
                    .message(&f.type_name)
                    .map(|m| m.file)
                    .or_else(|| module.enum_(&f.type_name).map(|e| e.file))
                    .map(|fi| module.files[fi].name.clone())
                    .or_else(|| defined_in(&f.type_name));
                if let Some(from) = from.filter(|n| info.option_imports.iter().any(|o| o == n)) {
                    found.push((
                        [f.path.as_slice(), &[tag::FIELD_TYPE_NAME]].concat(),
                        format!(
                            "field `{}`: `{}` is defined in \"{from}\", which is imported only for use in options (`import option`); import it with a plain `import` to use its types",
                            f.name, f.type_name
                        ),
                    ));
                }
            }
        }
        let located: Vec<(super::ir::Span, String)> =
            found.into_iter().map(|(p, m)| (file.span(&p).unwrap_or_default(), m)).collect();
        if let Some((span, message)) = located.into_iter().min_by_key(|(s, _)| (s.line, s.column)) {
            problems.push(CompileProblem { path: file.path.clone(), line: span.line, column: span.column, message });
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The offsets at which the proto2 parser asks for a label (what the slow path inserts).
    fn parser_wants_labels(text: &str) -> Vec<usize> {
        use miette::Diagnostic;
        let Err(e) = protox_parse::parse("x.proto", text) else { return Vec::new() };
        let mut at: Vec<usize> = std::iter::once(&e as &dyn Diagnostic)
            .chain(e.related().into_iter().flatten())
            .filter(|d| d.to_string().starts_with("fields must have a label"))
            .filter_map(|d| d.labels().and_then(|mut l| l.next()).map(|l| l.offset()))
            .collect();
        at.sort_unstable();
        at.dedup();
        at
    }

    #[test]
    fn the_scan_puts_labels_where_the_parser_asks_for_them() {
        // the declaration blanked, as `parse` does before scanning
        let text = r#"                 
package a.b; // fields: "string x = 1;"
import "c.proto";
option (my.opt) = { a: 1 b { c: 2 } };
/* int32 commented = 9; */
message M {
  string name = 1 [default = "x;y}"];
  .a.b.Other other = 2;
  map<string, int32> counts = 3;
  oneof choice {
    int64 id = 4;
    string tag = 5;
  }
  message Inner { bytes raw = 1; enum E { E_UNSPECIFIED = 0; E_ONE = 1; } E e = 2; }
  reserved 10 to 12;
  extensions 100 to max;
  repeated string many = 6 [features.repeated_field_encoding = EXPANDED];
  Inner /* odd */ inner = 7;
}
extend M { int32 extra = 100; }
service S { rpc Get(M) returns (M); }
"#;
        let guessed = unlabelled_fields(text);
        let wanted = parser_wants_labels(text);
        assert!(wanted.len() >= 6, "the sample has fields without labels: {wanted:?}");
        // the field behind a comment is left to the parser: the guess then differs, and is refused
        let without_odd: Vec<usize> = wanted.iter().copied().filter(|&o| !text[o..].starts_with("Inner /*")).collect();
        assert_eq!(guessed, without_odd);
        let labelled = insert_labels(text, &guessed).0;
        assert!(protox_parse::parse("x.proto", &labelled).is_err(), "one field still lacks its label");
        // with that field written plainly, the guess is exactly the parser's, and the text parses
        let plain = text.replace("Inner /* odd */ inner", "Inner           inner");
        assert_eq!(unlabelled_fields(&plain), parser_wants_labels(&plain));
        assert!(protox_parse::parse("x.proto", &insert_labels(&plain, &unlabelled_fields(&plain)).0).is_ok());
    }

    #[test]
    fn the_declaration_is_found_after_comments_and_only_there() {
        let text = "// header\n/* block */ edition = '2024' ;\npackage a;\n";
        let d = declaration(text).unwrap().unwrap();
        assert_eq!((d.value.as_str(), &text[d.start..d.end]), ("2024", "edition = '2024' ;"));
        assert!(declaration("syntax = \"proto3\";\n").is_none());
        assert!(declaration("editions = 1;").is_none());
        let (at, why) = declaration("edition = \"2023\"\npackage a;").unwrap().unwrap_err();
        assert_eq!(at, 17);
        assert!(why.contains("`;`"), "{why}");
    }

    #[test]
    fn features_resolve_from_the_edition_defaults_down() {
        let f = Features::defaults(Defaults::Edition(2023));
        assert_eq!(
            [FIELD_PRESENCE, ENUM_TYPE, UTF8_VALIDATION, JSON_FORMAT, CPP_STRING_TYPE].map(|k| f.get(k)),
            ["EXPLICIT", "OPEN", "VERIFY", "ALLOW", "STRING"]
        );
        assert_eq!(Features::defaults(Defaults::Edition(2024)).get(CPP_STRING_TYPE), "VIEW");
        assert_eq!(Features::defaults(Defaults::Proto2).get(ENUM_TYPE), "CLOSED");
        assert_eq!(Features::defaults(Defaults::Proto3).get(FIELD_PRESENCE), "IMPLICIT");
        let mut file = Overrides::default();
        file.set(FIELD_PRESENCE, "IMPLICIT");
        let mut field = Overrides::default();
        field.set(UTF8_VALIDATION, "NONE");
        field.set(UTF8_VALIDATION, "NOT_A_VALUE");
        let resolved = f.with(Some(&file)).with(Some(&field));
        assert_eq!((resolved.get(FIELD_PRESENCE), resolved.get(UTF8_VALIDATION)), ("IMPLICIT", "NONE"));
    }

    #[test]
    fn fields_without_labels_parse_and_keep_their_columns() {
        let text = "edition = \"2023\";\npackage a;\nmessage M { string s = 1 [features.utf8_validation = NONE]; int32 n = 2; }\n";
        let decl = declaration(text).unwrap().unwrap();
        let Ok(parsed) = parse("a.proto", "a.proto", text, &decl, true) else { panic!("does not parse") };
        assert_eq!(parsed.info.year, 2023);
        assert_eq!(parsed.inserted.len(), 2);
        let m = &parsed.fd().message_type[0];
        assert_eq!(m.field.iter().map(|f| f.name()).collect::<Vec<_>>(), ["s", "n"]);
        let mut expected = Overrides::default();
        expected.set(UTF8_VALIDATION, "NONE");
        assert_eq!(parsed.info.at(&[4, 0, 2, 0]), Some(&expected));
        // the second field starts at column 60 as written (0-based), after one inserted label
        let mut fd = parsed.fd().clone();
        parsed.fix.apply(&mut fd);
        let info = fd.source_code_info.unwrap();
        let span = &info.location.iter().find(|l| l.path == [4, 0, 2, 1]).unwrap().span;
        assert_eq!(span[..2], [2, text.lines().nth(2).unwrap().find("int32").unwrap() as i32]);
        assert!(info.location.iter().any(|l| l.path == [14] && l.span == [0, 0, 17]));
        assert!(!info.location.iter().any(|l| l.path == [4, 0, 2, 0, 4]), "an inserted label has no place");
    }

    #[test]
    fn an_unlocated_file_parses_the_quick_way_to_what_the_labelled_way_gives() {
        // (text, whether the quick way takes it)
        let cases = [
            (
                "// leading comment\nedition = \"2023\";\npackage a.b;\nimport \"x.proto\";\n\
                 option features.field_presence = IMPLICIT;\noption java_package = \"a.b\";\n\
                 message M {\n  option features.message_encoding = DELIMITED;\n  string s = 1 [features.utf8_validation = NONE];\n\
                   a.b.N n = 2;\n  repeated int32 r = 3 [features.repeated_field_encoding = EXPANDED];\n\
                   map<string, N> m = 4;\n  oneof o { int64 x = 5; bytes y = 6; }\n  reserved 7, 9 to 11;\n  reserved \"old\";\n\
                   extensions 100 to 199;\n  message Inner { enum E { option features.enum_type = CLOSED; E_ONE = 1; } E e = 1; }\n}\n\
                 message N { int32 v = 1 [json_name = \"value\", deprecated = true]; }\n\
                 extend M { string tag = 100; repeated N more = 101; }\n\
                 enum Open { OPEN_ZERO = 0; OPEN_ONE = 1 [deprecated = true]; }\n\
                 service S { rpc Get(M) returns (stream N); }\n",
                true,
            ),
            ("edition = \"2023\";\nmessage M { int32 a = 1 [default = 5, features.field_presence = EXPLICIT]; }\n", false),
            ("edition = \"2024\";\nexport message M { int32 a = 1; }\nlocal enum E { E_ZERO = 0; }\n", true),
            ("edition = \"2023\";\n// every field here is optional\nmessage M { int32 a = 1; }\n", false),
            ("edition = \"2023\";\nmessage M { repeated int32 a = 1; map<int32, int32> b = 2; }\n", true),
        ];
        for (text, quick) in cases {
            let decl = declaration(text).unwrap().unwrap();
            let Ok(slow) = parse("a.proto", "a.proto", text, &decl, true) else { panic!("does not parse: {text}") };
            let Ok(fast) = parse("a.proto", "a.proto", text, &decl, false) else { panic!("does not parse: {text}") };
            // the quick way hands the compiler the text as proto3
            assert_eq!(fast.text.starts_with("syntax = \"proto3\";"), quick, "{text}");
            let mut expected = slow.fd().clone();
            expected.source_code_info = None;
            let mut got = fast.fd().clone();
            got.source_code_info = None;
            assert_eq!(got, expected, "{text}");
            assert_eq!(fast.info.overrides, slow.info.overrides, "{text}");
            assert_eq!(fast.info.map_entries, slow.info.map_entries, "{text}");
        }
    }

    #[test]
    fn what_editions_forbid_is_refused_at_its_place() {
        for (text, line, col, word) in [
            ("edition = \"2023\";\nmessage M {\n  optional int32 a = 1;\n}\n", 3, 3, "optional"),
            ("edition = \"2023\";\nmessage M {\n  int32 a = 1; required int32 b = 2;\n}\n", 3, 16, "required"),
            ("edition = \"2023\";\nmessage M {\n  repeated group G = 1 { int32 x = 1; }\n}\n", 3, 12, "group"),
            ("edition = \"2025\";\nmessage M {}\n", 1, 11, "2025"),
        ] {
            let decl = declaration(text).unwrap().unwrap();
            match parse("a.proto", "a.proto", text, &decl, true) {
                Err(Failure::Refused(r)) => {
                    assert_eq!((r.line, r.column), (line, col), "{text}: {}", r.message);
                    assert!(r.message.contains(word), "{}", r.message);
                }
                _ => panic!("{text}: not refused"),
            }
        }
    }

    #[test]
    fn edition_2024_visibility_keywords_are_read() {
        let text = "edition = \"2024\";\n// export message in a comment\nexport message M { local enum E { E_A = 0; } string export = 1; }\nlocal message N {}\n";
        let decl = declaration(text).unwrap().unwrap();
        let Ok(parsed) = parse("a.proto", "a.proto", text, &decl, true) else { panic!("does not parse") };
        let names: Vec<&str> = parsed.fd().message_type.iter().map(|m| m.name()).collect();
        assert_eq!(names, ["M", "N"]);
        assert_eq!(parsed.fd().message_type[0].field[0].name(), "export");
        assert_eq!(parsed.text.len(), text.len() + parsed.inserted.len() * LABEL.len());
        assert!(parsed.text.contains("// export message in a comment"));
    }

    #[test]
    fn option_imports_are_read_in_2024_and_refused_before() {
        let text = "edition = \"2024\";\n// import option \"in_a_comment.proto\";\nimport option \"acme/opts.proto\";\nimport \"b.proto\";\nmessage M { string s = 1; }\n";
        let decl = declaration(text).unwrap().unwrap();
        let Ok(parsed) = parse("a.proto", "a.proto", text, &decl, true) else { panic!("does not parse") };
        assert_eq!(parsed.info.option_imports, ["acme/opts.proto"]);
        assert_eq!(parsed.fd().dependency, ["acme/opts.proto", "b.proto"]);
        let old = text.replace("2024", "2023");
        let decl = declaration(&old).unwrap().unwrap();
        match parse("a.proto", "a.proto", &old, &decl, false) {
            Err(Failure::Refused(r)) => {
                assert_eq!((r.line, r.column), (3, 8), "{}", r.message);
                assert!(r.message.contains("`import option`"), "{}", r.message);
            }
            _ => panic!("`import option` accepted in edition 2023"),
        }
    }

    #[test]
    fn a_map_field_passes_its_features_to_its_entry() {
        let text = "edition = \"2023\";\nmessage M {\n  map<string, string> a = 1 [features.utf8_validation = NONE];\n  map<string, string> b = 2;\n}\n";
        let decl = declaration(text).unwrap().unwrap();
        let Ok(parsed) = parse("a.proto", "a.proto", text, &decl, true) else { panic!("does not parse") };
        let mut none = Overrides::default();
        none.set(UTF8_VALIDATION, "NONE");
        let entries: Vec<(&str, Option<&Overrides>)> = parsed.fd().message_type[0]
            .nested_type
            .iter()
            .enumerate()
            .map(|(i, n)| (n.name(), parsed.info.map_entry(&[4, 0, 3, i as i32])))
            .collect();
        assert_eq!(entries, [("AEntry", Some(&none)), ("BEntry", None)]);
    }

    #[test]
    fn feature_definitions_are_dropped_for_the_compiler() {
        let text = "syntax = \"proto2\";\nmessage F {\n  optional int32 x = 1 [retention = RETENTION_RUNTIME, edition_defaults = { edition: EDITION_2024, value: \"1\" }, feature_support = { edition_introduced: EDITION_2023 }];\n}\n";
        let mut fd = protox_parse::parse("f.proto", text).unwrap();
        assert!(drop_feature_definitions(&mut fd));
        let kept: Vec<&str> = fd.message_type[0].field[0]
            .options
            .as_ref()
            .unwrap()
            .uninterpreted_option
            .iter()
            .map(|o| o.name[0].name_part.as_str())
            .collect();
        assert_eq!(kept, ["retention"]);
        assert!(!drop_feature_definitions(&mut fd), "nothing left to drop");
    }

    #[test]
    fn offsets_move_back_over_inserted_labels() {
        // labels inserted at 10 and 30 (offsets in the rewritten text)
        let inserted = [10, 30];
        assert_eq!(original_offset(&inserted, 5), 5);
        assert_eq!(original_offset(&inserted, 19), 10);
        assert_eq!(original_offset(&inserted, 45), 45 - 2 * LABEL.len());
    }
}
