//! A compiled protobuf module, flattened for comparison: every message, enum, service and
//! extension indexed by its fully-qualified name, with the source location of each element.

use super::editions::{Defaults, EditionInfo, Features, MESSAGE_ENCODING};
use prost_types::{
    field_descriptor_proto::{Label, Type},
    DescriptorProto, EnumDescriptorProto, FieldDescriptorProto, FileDescriptorProto,
};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// A 1-based source range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

/// Field numbers of descriptor.proto used to address elements in source info.
pub mod tag {
    pub const FILE_PACKAGE: i32 = 2;
    pub const FILE_MESSAGE: i32 = 4;
    pub const FILE_ENUM: i32 = 5;
    pub const FILE_SERVICE: i32 = 6;
    pub const FILE_EXTENSION: i32 = 7;
    pub const FILE_OPTIONS: i32 = 8;
    pub const FILE_SYNTAX: i32 = 12;
    pub const FILE_EDITION: i32 = 14;
    pub const MSG_FIELD: i32 = 2;
    pub const MSG_NESTED: i32 = 3;
    pub const MSG_ENUM: i32 = 4;
    pub const MSG_EXT_RANGE: i32 = 5;
    pub const MSG_EXTENSION: i32 = 6;
    pub const MSG_OPTIONS: i32 = 7;
    pub const MSG_ONEOF: i32 = 8;
    pub const MSG_RESERVED_RANGE: i32 = 9;
    pub const MSG_RESERVED_NAME: i32 = 10;
    pub const FIELD_NAME: i32 = 1;
    pub const FIELD_NUMBER: i32 = 3;
    pub const FIELD_LABEL: i32 = 4;
    pub const FIELD_TYPE: i32 = 5;
    pub const FIELD_TYPE_NAME: i32 = 6;
    pub const FIELD_EXTENDEE: i32 = 2;
    pub const FIELD_DEFAULT: i32 = 7;
    pub const FIELD_OPTIONS: i32 = 8;
    pub const FIELD_ONEOF_INDEX: i32 = 9;
    pub const FIELD_JSON_NAME: i32 = 10;
    pub const ENUM_VALUE: i32 = 2;
    pub const ENUM_OPTIONS: i32 = 3;
    pub const ENUM_RESERVED_RANGE: i32 = 4;
    pub const ENUM_RESERVED_NAME: i32 = 5;
    pub const ENUM_VALUE_NAME: i32 = 1;
    pub const ENUM_VALUE_NUMBER: i32 = 2;
    pub const SERVICE_METHOD: i32 = 2;
    pub const SERVICE_OPTIONS: i32 = 3;
    pub const METHOD_INPUT: i32 = 2;
    pub const METHOD_OUTPUT: i32 = 3;
    pub const METHOD_OPTIONS: i32 = 4;
    pub const METHOD_CLIENT_STREAMING: i32 = 5;
    pub const METHOD_SERVER_STREAMING: i32 = 6;
}

/// A small, fast hasher for descriptor paths (short integer sequences); not DoS-resistant,
/// which does not matter for keys we build ourselves.
#[derive(Default, Clone, Copy)]
pub struct PathHasher(u64);

impl std::hash::Hasher for PathHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_i32(&mut self, n: i32) {
        self.0 = (self.0.rotate_left(5) ^ n as u32 as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0.rotate_left(5) ^ n as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

type PathMap<V> = HashMap<Vec<i32>, V, std::hash::BuildHasherDefault<PathHasher>>;

/// Source locations of one file, by descriptor path.
#[derive(Debug, Clone, Default)]
pub struct Locations {
    spans: PathMap<Span>,
}

impl Locations {
    fn from_file(f: &FileDescriptorProto, text: &str) -> Locations {
        let mut spans = PathMap::default();
        let lines: Vec<&str> = text.split('\n').collect();
        let mut columns = Columns::new(&lines);
        let mut col = |line: i32, col: i32| columns.display(line, col);
        if let Some(info) = &f.source_code_info {
            for loc in &info.location {
                let s = &loc.span;
                let span = match s.len() {
                    3 => Span {
                        line: s[0] as u32 + 1,
                        column: col(s[0], s[1]),
                        end_line: s[0] as u32 + 1,
                        end_column: col(s[0], s[2]),
                    },
                    4 => Span {
                        line: s[0] as u32 + 1,
                        column: col(s[0], s[1]),
                        end_line: s[2] as u32 + 1,
                        end_column: col(s[2], s[3]),
                    },
                    _ => continue,
                };
                let mut span = span;
                let n = loc.path.len();
                if n >= 3
                    && loc.path[n - 1] == tag::FIELD_DEFAULT
                    && matches!(loc.path[n - 3], tag::MSG_FIELD | tag::FILE_EXTENSION | tag::MSG_EXTENSION)
                {
                    // buf places `[default = …]` at the `default` keyword
                    if let Some(l) = lines.get(s[0].max(0) as usize) {
                        let mut end = (s[1].max(0) as usize).min(l.len());
                        while !l.is_char_boundary(end) {
                            end -= 1;
                        }
                        if let Some(i) = l[..end].rfind("default") {
                            span.column = col(s[0], i as i32);
                        }
                    }
                }
                if n >= 3
                    && loc.path[n - 1] == tag::FIELD_JSON_NAME
                    && matches!(loc.path[n - 3], tag::MSG_FIELD | tag::FILE_EXTENSION | tag::MSG_EXTENSION)
                {
                    // the compiler may record `json_name` twice (the option and its value), in
                    // either order; buf places it at the option's name, the earlier one
                    let e = spans.entry(loc.path.clone()).or_insert(span);
                    if (span.line, span.column) < (e.line, e.column) {
                        *e = span;
                    }
                    continue;
                }
                // the first location recorded for a path is the whole element
                spans.entry(loc.path.clone()).or_insert(span);
            }
        }
        Locations { spans }
    }

    pub fn get(&self, path: &[i32]) -> Option<Span> {
        self.spans.get(path).copied()
    }
}

/// Display columns of byte offsets in the lines of a file, as buf counts them: tabs stop every
/// 4 columns and wide characters (CJK, emoji) take two. Lines of plain ASCII (almost all) cost
/// nothing; for the others a checkpoint every [`Columns::STEP`] bytes is kept, so each lookup
/// scans at most that many bytes however long the line (a one-line file included).
struct Columns<'a> {
    lines: &'a [&'a str],
    /// Per line index: `None` for plain lines, else the display column at every STEP bytes.
    checkpoints: HashMap<usize, Option<Vec<u32>>>,
}

impl<'a> Columns<'a> {
    const STEP: usize = 256;

    fn new(lines: &'a [&'a str]) -> Self {
        Columns { lines, checkpoints: HashMap::new() }
    }

    fn width(c: u32, ch: char) -> u32 {
        if ch == '\t' {
            c + 4 - c % 4
        } else {
            c + unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0) as u32
        }
    }

    /// The 1-based display column of the 0-based byte column `col` of 0-based line `line`.
    fn display(&mut self, line: i32, col: i32) -> u32 {
        let Some(l) = self.lines.get(line.max(0) as usize).copied() else { return col.max(0) as u32 + 1 };
        let marks = self.checkpoints.entry(line.max(0) as usize).or_insert_with(|| {
            if l.is_ascii() && !l.contains('\t') {
                return None;
            }
            // marks[k]: the display column at the first char boundary at or after k * STEP
            let mut marks = Vec::with_capacity(l.len() / Self::STEP + 1);
            let mut c = 0u32;
            for (b, ch) in l.char_indices() {
                while marks.len() * Self::STEP <= b {
                    marks.push(c);
                }
                c = Self::width(c, ch);
            }
            Some(marks)
        });
        let Some(marks) = marks else { return col.max(0) as u32 + 1 };
        let mut b = (col.max(0) as usize).min(l.len());
        while b > 0 && !l.is_char_boundary(b) {
            b -= 1;
        }
        // start from the last checkpoint at or before `b`
        let mut k = (b / Self::STEP).min(marks.len().saturating_sub(1));
        let mut start = k * Self::STEP;
        while start > 0 && !l.is_char_boundary(start) {
            start += 1;
        }
        if start > b {
            k = k.saturating_sub(1);
            start = k * Self::STEP;
            while start > 0 && !l.is_char_boundary(start) {
                start += 1;
            }
        }
        let base = marks.get(k).copied().unwrap_or(0);
        l[start.min(b)..b].chars().fold(base, Self::width) + 1
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Proto2,
    Proto3,
    Editions(i32),
}

impl Syntax {
    pub fn as_str(&self) -> String {
        match self {
            Syntax::Proto2 => "proto2".into(),
            Syntax::Proto3 => "proto3".into(),
            // buf names every edition "editions"
            Syntax::Editions(_) => "editions".into(),
        }
    }
}

/// A field (or an extension, when `extendee` is set).
#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub number: i32,
    pub label: Label,
    pub ty: Type,
    /// Fully-qualified type name for messages and enums, without the leading dot.
    pub type_name: String,
    pub json_name: String,
    pub has_json_name: bool,
    pub default: Option<String>,
    /// The oneof this field is in (not counting proto3 `optional`'s synthetic oneof).
    pub oneof: Option<String>,
    pub proto3_optional: bool,
    pub extendee: Option<String>,
    /// The descriptor's options only (the rest is in the fields above).
    pub proto: FieldDescriptorProto,
    pub path: Vec<i32>,
    /// The fully-qualified name of the enclosing message ("" at file level).
    pub parent: String,
    pub file: usize,
    /// Resolved features (a proto2 or proto3 file's are its syntax's defaults).
    pub features: Features,
}

impl Field {
    pub fn full_name(&self) -> String {
        if self.parent.is_empty() {
            self.name.clone()
        } else {
            format!("{}.{}", self.parent, self.name)
        }
    }
}

/// Number ranges (reserved or extension ranges) in their declared order, with an index that
/// answers "is this number covered" in O(log n).
#[derive(Debug, Clone, Default)]
pub struct Ranges {
    /// As declared: (start, end), the end exclusive when `end_exclusive` (messages).
    declared: Vec<(i32, i32)>,
    end_exclusive: bool,
    /// (start, last) with an inclusive last, sorted by start...
    sorted: Vec<(i64, i64)>,
    /// ...and the largest `last` among `sorted[..=i]`.
    reach: Vec<i64>,
}

impl Ranges {
    pub fn new(declared: Vec<(i32, i32)>, end_exclusive: bool) -> Ranges {
        let last = |e: i32| if end_exclusive { e as i64 - 1 } else { e as i64 };
        let mut sorted: Vec<(i64, i64)> = declared.iter().map(|&(s, e)| (s as i64, last(e))).collect();
        sorted.sort_unstable();
        let mut reach = Vec::with_capacity(sorted.len());
        let mut max = i64::MIN;
        for &(_, l) in &sorted {
            max = max.max(l);
            reach.push(max);
        }
        Ranges { declared, end_exclusive, sorted, reach }
    }

    /// The ranges as declared.
    pub fn iter(&self) -> impl Iterator<Item = (i32, i32)> + '_ {
        self.declared.iter().copied()
    }

    /// The last number covered without a gap from `n` on, if `n` is covered at all.
    fn covered_to(&self, n: i64) -> Option<i64> {
        let i = self.sorted.partition_point(|&(s, _)| s <= n);
        let reach = *self.reach.get(i.checked_sub(1)?)?;
        (reach >= n).then_some(reach)
    }

    /// Whether `n` lies in one of the ranges.
    pub fn contains(&self, n: i32) -> bool {
        self.covered_to(n as i64).is_some()
    }

    /// The numbers of `r` (a range of the same kind) in none of the ranges, as inclusive
    /// (first, last) runs in ascending order.
    pub fn missing(&self, r: (i32, i32)) -> Vec<(i64, i64)> {
        let last = if self.end_exclusive { r.1 as i64 - 1 } else { r.1 as i64 };
        let mut runs = Vec::new();
        let mut n = r.0 as i64;
        while n <= last {
            if let Some(to) = self.covered_to(n) {
                n = to + 1;
                continue;
            }
            // the gap ends just before the next range that starts after n
            let i = self.sorted.partition_point(|&(s, _)| s <= n);
            let end = self.sorted.get(i).map_or(last, |&(s, _)| (s - 1).min(last));
            runs.push((n, end));
            n = end + 1;
        }
        runs
    }

    /// Whether every number of `r` (a range of the same kind) is in one of the ranges.
    pub fn covers(&self, r: (i32, i32)) -> bool {
        let last = if self.end_exclusive { r.1 as i64 - 1 } else { r.1 as i64 };
        let mut n = r.0 as i64;
        while n <= last {
            match self.covered_to(n) {
                Some(to) => n = to + 1,
                None => return false,
            }
        }
        true
    }
}

/// Names (reserved names, oneofs) in their declared order, with a set for lookups.
#[derive(Debug, Clone, Default)]
pub struct Names {
    declared: Vec<String>,
    set: std::collections::HashSet<String>,
}

impl Names {
    pub fn new(declared: Vec<String>) -> Names {
        let set = declared.iter().cloned().collect();
        Names { declared, set }
    }

    pub fn iter(&self) -> impl Iterator<Item = &String> + '_ {
        self.declared.iter()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.set.contains(name)
    }
}

#[derive(Debug, Clone)]
pub struct Message {
    pub full_name: String,
    pub name: String,
    pub fields: Vec<Field>,
    /// Index of the first field with each number.
    field_by_number: HashMap<i32, usize>,
    pub oneofs: Names,
    pub reserved_ranges: Ranges,
    pub reserved_names: Names,
    pub extension_ranges: Ranges,
    pub proto: DescriptorProto,
    pub is_map_entry: bool,
    pub path: Vec<i32>,
    pub file: usize,
    pub features: Features,
}

#[derive(Debug, Clone)]
pub struct EnumValue {
    pub name: String,
    pub number: i32,
    pub path: Vec<i32>,
}

impl Message {
    /// The field numbered `number` (the first one, in a message that does not compile).
    pub fn field(&self, number: i32) -> Option<&Field> {
        self.field_by_number.get(&number).map(|&i| &self.fields[i])
    }
}

#[derive(Debug, Clone)]
pub struct Enum {
    pub full_name: String,
    pub values: Vec<EnumValue>,
    /// Indexes of the values with each number (aliases share one), in declared order.
    values_by_number: HashMap<i32, Vec<usize>>,
    pub reserved_ranges: Ranges,
    pub reserved_names: Names,
    pub proto: EnumDescriptorProto,
    pub path: Vec<i32>,
    pub file: usize,
    /// The enclosing message ("" at file level).
    pub parent: String,
    pub features: Features,
}

impl Enum {
    /// The values numbered `number` (more than one when aliased), in declared order.
    pub fn values_numbered(&self, number: i32) -> impl Iterator<Item = &EnumValue> + '_ {
        self.values_by_number.get(&number).into_iter().flatten().map(|&i| &self.values[i])
    }

    pub fn has_number(&self, number: i32) -> bool {
        self.values_by_number.contains_key(&number)
    }
}

#[derive(Debug, Clone)]
pub struct Method {
    pub name: String,
    pub input: String,
    pub output: String,
    pub client_streaming: bool,
    pub server_streaming: bool,
    pub proto: prost_types::MethodDescriptorProto,
    pub path: Vec<i32>,
}

#[derive(Debug, Clone)]
pub struct Service {
    pub full_name: String,
    pub methods: Vec<Method>,
    /// Index of the first method with each name.
    method_by_name: HashMap<String, usize>,
    pub proto: prost_types::ServiceDescriptorProto,
    pub path: Vec<i32>,
    pub file: usize,
}

impl Service {
    pub fn method(&self, name: &str) -> Option<&Method> {
        self.method_by_name.get(name).map(|&i| &self.methods[i])
    }
}

#[derive(Debug, Clone)]
pub struct File {
    /// The path reported in findings (relative to the repository root).
    pub path: String,
    /// The import name (relative to its module root).
    pub name: String,
    pub package: String,
    pub syntax: Syntax,
    /// The file's resolved features, and (editions files) the features set on its elements.
    pub features: Features,
    pub edition: Option<Arc<EditionInfo>>,
    pub proto: FileDescriptorProto,
    pub locations: Locations,
    pub messages: Vec<usize>,
    pub enums: Vec<usize>,
    pub services: Vec<usize>,
    pub extensions: Vec<usize>,
}

impl File {
    pub fn span(&self, path: &[i32]) -> Option<Span> {
        self.locations.get(path)
    }
}

/// All compared files of one revision.
#[derive(Debug, Clone, Default)]
pub struct Module {
    pub files: Vec<File>,
    pub messages: Vec<Message>,
    pub enums: Vec<Enum>,
    pub services: Vec<Service>,
    pub extensions: Vec<Field>,
    pub file_by_name: BTreeMap<String, usize>,
    pub message_by_name: HashMap<String, usize>,
    pub enum_by_name: HashMap<String, usize>,
    pub service_by_name: HashMap<String, usize>,
    /// Extensions by (extendee, number).
    pub extension_by_key: HashMap<(String, i32), usize>,
    /// Packages of files that were not compiled (unchanged), with one path holding each.
    pub extra_packages: BTreeMap<String, String>,
}

/// An element still to be added to a module, with what names it.
enum Item<'a> {
    /// A message, the prefix of its name, its path.
    Message(&'a DescriptorProto, String, Vec<i32>),
    /// An enum, the prefix of its name, its enclosing message ("" at file level), its path.
    Enum(&'a EnumDescriptorProto, String, String, Vec<i32>),
    /// An extension, its enclosing message ("" at file level), its path.
    Extension(&'a FieldDescriptorProto, String, Vec<i32>),
}

fn strip_dot(s: &str) -> String {
    s.strip_prefix('.').unwrap_or(s).to_string()
}

fn qualify(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

impl Module {
    /// Adds a file of another module again (used to drop files from a module).
    pub fn add_file_from(&mut self, f: &File) {
        let locations = f.locations.clone();
        self.add_file_with(f.path.clone(), f.proto.clone(), locations, f.edition.clone());
    }

    /// Adds a compiled file; `path` is how findings name it, `text` its source (for columns).
    pub fn add_file(&mut self, path: String, mut fd: FileDescriptorProto, text: &str) {
        let locations = Locations::from_file(&fd, text);
        // the locations are all that is kept of the source info (its largest part)
        fd.source_code_info = None;
        self.add_file_with(path, fd, locations, None);
    }

    /// Adds a compiled editions file, with what the editions front end learnt of it.
    pub fn add_edition_file(&mut self, path: String, mut fd: FileDescriptorProto, text: &str, info: Arc<EditionInfo>) {
        let locations = Locations::from_file(&fd, text);
        fd.source_code_info = None;
        self.add_file_with(path, fd, locations, Some(info));
    }

    fn add_file_with(
        &mut self,
        path: String,
        fd: FileDescriptorProto,
        locations: Locations,
        edition: Option<Arc<EditionInfo>>,
    ) {
        let fi = self.files.len();
        let (syntax, defaults) = match (&edition, fd.syntax.as_deref()) {
            (Some(e), _) => (Syntax::Editions(e.year), Defaults::Edition(e.year)),
            (None, Some("proto3")) => (Syntax::Proto3, Defaults::Proto3),
            _ => (Syntax::Proto2, Defaults::Proto2),
        };
        let features = Features::defaults(defaults).with(edition.as_ref().and_then(|e| e.at(&[])));
        let mut file = File {
            path,
            name: fd.name().to_string(),
            package: fd.package().to_string(),
            syntax,
            features,
            edition,
            locations,
            proto: FileDescriptorProto::default(),
            messages: Vec::new(),
            enums: Vec::new(),
            services: Vec::new(),
            extensions: Vec::new(),
        };
        let pkg = fd.package().to_string();
        // Messages nest: walked with a work list, not recursion, in the order a depth-first
        // walk visits them (a message, its nested messages, its enums, its extensions).
        let mut work: Vec<Item> = Vec::new();
        work.extend(
            fd.extension
                .iter()
                .enumerate()
                .rev()
                .map(|(i, x)| Item::Extension(x, String::new(), vec![tag::FILE_EXTENSION, i as i32])),
        );
        work.extend(
            fd.enum_type
                .iter()
                .enumerate()
                .rev()
                .map(|(i, e)| Item::Enum(e, pkg.clone(), String::new(), vec![tag::FILE_ENUM, i as i32])),
        );
        let mut messages: Vec<Item> = fd
            .message_type
            .iter()
            .enumerate()
            .map(|(i, m)| Item::Message(m, pkg.clone(), vec![tag::FILE_MESSAGE, i as i32]))
            .collect();
        messages.reverse();
        work.extend(messages);
        // file-level extensions come after the services
        let mut deferred_extensions: Vec<Item> = Vec::new();
        while let Some(item) = work.pop() {
            match item {
                Item::Message(m, prefix, path) => {
                    let full_name = qualify(&prefix, m.name());
                    self.add_message(&mut file, fi, &full_name, m, path.clone());
                    work.extend(m.extension.iter().enumerate().rev().map(|(i, x)| {
                        Item::Extension(
                            x,
                            full_name.clone(),
                            [path.as_slice(), &[tag::MSG_EXTENSION, i as i32]].concat(),
                        )
                    }));
                    work.extend(m.enum_type.iter().enumerate().rev().map(|(i, e)| {
                        Item::Enum(
                            e,
                            full_name.clone(),
                            full_name.clone(),
                            [path.as_slice(), &[tag::MSG_ENUM, i as i32]].concat(),
                        )
                    }));
                    work.extend(m.nested_type.iter().enumerate().rev().map(|(i, n)| {
                        Item::Message(n, full_name.clone(), [path.as_slice(), &[tag::MSG_NESTED, i as i32]].concat())
                    }));
                }
                Item::Enum(e, prefix, parent, path) => self.add_enum(&mut file, fi, &prefix, &parent, e, path),
                Item::Extension(x, parent, path) if parent.is_empty() => {
                    deferred_extensions.push(Item::Extension(x, parent, path))
                }
                Item::Extension(x, parent, path) => self.add_extension(&mut file, fi, &parent, x, path),
            }
        }
        for (i, s) in fd.service.iter().enumerate() {
            let full_name = qualify(&pkg, s.name());
            let path = vec![tag::FILE_SERVICE, i as i32];
            let methods: Vec<Method> = s
                .method
                .iter()
                .enumerate()
                .map(|(j, m)| {
                    let mut p = path.clone();
                    p.extend([tag::SERVICE_METHOD, j as i32]);
                    Method {
                        name: m.name().to_string(),
                        input: strip_dot(m.input_type()),
                        output: strip_dot(m.output_type()),
                        client_streaming: m.client_streaming(),
                        server_streaming: m.server_streaming(),
                        proto: m.clone(),
                        path: p,
                    }
                })
                .collect();
            let mut method_by_name = HashMap::with_capacity(methods.len());
            for (j, m) in methods.iter().enumerate() {
                method_by_name.entry(m.name.clone()).or_insert(j);
            }
            self.service_by_name.insert(full_name.clone(), self.services.len());
            file.services.push(self.services.len());
            let proto = prost_types::ServiceDescriptorProto {
                name: s.name.clone(),
                options: s.options.clone(),
                ..Default::default()
            };
            self.services.push(Service { full_name, methods, method_by_name, proto, path, file: fi });
        }
        for item in deferred_extensions {
            if let Item::Extension(x, parent, path) = item {
                self.add_extension(&mut file, fi, &parent, x, path);
            }
        }
        // Map entries are synthetic and have no source; buf reports them at the map field.
        let mut map_fields: HashMap<(&str, &str), &Field> = HashMap::new();
        for &mi in &file.messages {
            for f in &self.messages[mi].fields {
                if f.ty == Type::Message {
                    map_fields.entry((f.parent.as_str(), f.type_name.as_str())).or_insert(f);
                }
            }
        }
        let mut extra: Vec<(Vec<i32>, Span)> = Vec::new();
        for &mi in &file.messages {
            let m = &self.messages[mi];
            if !m.is_map_entry {
                continue;
            }
            // the map field lives in the entry's parent message
            let Some(parent) = m.full_name.rsplit_once('.').map(|(p, _)| p) else { continue };
            let Some(field) = map_fields.get(&(parent, m.full_name.as_str())) else { continue };
            let Some(span) = file.locations.get(&field.path) else { continue };
            extra.push((m.path.clone(), span));
            for f in &m.fields {
                extra.push((f.path.clone(), span));
                for part in
                    [tag::FIELD_NAME, tag::FIELD_TYPE, tag::FIELD_TYPE_NAME, tag::FIELD_LABEL, tag::FIELD_NUMBER]
                {
                    extra.push(([f.path.as_slice(), &[part]].concat(), span));
                }
            }
        }
        for (p, span) in extra {
            file.locations.spans.entry(p).or_insert(span);
        }
        file.proto = fd;
        self.file_by_name.insert(file.name.clone(), fi);
        self.files.push(file);
    }

    /// The features of an element of `file` inside `parent` (a message's full name, or "" at
    /// file level), with those it sets itself.
    fn features_at(&self, file: &File, parent: &str, path: &[i32]) -> Features {
        let Some(info) = &file.edition else { return file.features };
        let base = match parent {
            "" => file.features,
            p => self.message(p).map_or(file.features, |m| m.features),
        };
        base.with(info.map_entry(path)).with(info.at(path))
    }

    fn add_extension(&mut self, file: &mut File, fi: usize, parent: &str, x: &FieldDescriptorProto, path: Vec<i32>) {
        let features = self.features_at(file, parent, &path);
        let f = field(x, parent, &[], path, fi, features);
        self.extension_by_key.insert((f.extendee.clone().unwrap_or_default(), f.number), self.extensions.len());
        file.extensions.push(self.extensions.len());
        self.extensions.push(f);
    }

    /// Adds one message (its nested elements are the caller's).
    fn add_message(&mut self, file: &mut File, fi: usize, full_name: &str, m: &DescriptorProto, path: Vec<i32>) {
        let oneofs: Vec<String> = m.oneof_decl.iter().map(|o| o.name().to_string()).collect();
        // proto3 `optional` fields live in synthetic oneofs that are not real oneofs
        let mut synthetic = vec![false; oneofs.len()];
        for f in &m.field {
            if let Some(k) = f.oneof_index.filter(|_| f.proto3_optional()) {
                if let Some(s) = synthetic.get_mut(k as usize) {
                    *s = true;
                }
            }
        }
        let parent = if path.len() > 2 { full_name.rsplit_once('.').map_or("", |(p, _)| p) } else { "" };
        let features = self.features_at(file, parent, &path);
        let info = file.edition.clone();
        let fields: Vec<Field> = m
            .field
            .iter()
            .enumerate()
            .map(|(j, f)| {
                let mut p = path.clone();
                p.extend([tag::MSG_FIELD, j as i32]);
                // a field inherits from its oneof, the oneof from the message
                let field_features = match &info {
                    None => features,
                    Some(info) => {
                        let oneof = f.oneof_index.map(|k| [path.as_slice(), &[tag::MSG_ONEOF, k]].concat());
                        features.with(oneof.and_then(|o| info.at(&o))).with(info.at(&p))
                    }
                };
                let mut fld = field(f, full_name, &oneofs, p, fi, field_features);
                if let Some(k) = f.oneof_index {
                    if synthetic.get(k as usize).copied().unwrap_or(false) {
                        fld.oneof = None;
                    }
                }
                fld
            })
            .collect();
        let mut field_by_number = HashMap::with_capacity(fields.len());
        for (j, f) in fields.iter().enumerate() {
            field_by_number.entry(f.number).or_insert(j);
        }
        let real_oneofs = oneofs.iter().zip(&synthetic).filter(|(_, s)| !**s).map(|(o, _)| o.clone()).collect();
        let msg = Message {
            full_name: full_name.to_string(),
            name: m.name().to_string(),
            fields,
            field_by_number,
            oneofs: Names::new(real_oneofs),
            reserved_ranges: Ranges::new(m.reserved_range.iter().map(|r| (r.start(), r.end())).collect(), true),
            reserved_names: Names::new(m.reserved_name.clone()),
            extension_ranges: Ranges::new(m.extension_range.iter().map(|r| (r.start(), r.end())).collect(), true),
            // only the options are compared; nested elements are indexed on their own
            proto: DescriptorProto { name: m.name.clone(), options: m.options.clone(), ..Default::default() },
            is_map_entry: m.options.as_ref().and_then(|o| o.map_entry).unwrap_or(false),
            path,
            file: fi,
            features,
        };
        self.message_by_name.insert(full_name.to_string(), self.messages.len());
        file.messages.push(self.messages.len());
        self.messages.push(msg);
    }

    fn add_enum(
        &mut self,
        file: &mut File,
        fi: usize,
        prefix: &str,
        parent: &str,
        e: &EnumDescriptorProto,
        path: Vec<i32>,
    ) {
        let full_name = qualify(prefix, e.name());
        let features = self.features_at(file, parent, &path);
        let values: Vec<EnumValue> = e
            .value
            .iter()
            .enumerate()
            .map(|(j, v)| {
                let mut p = path.clone();
                p.extend([tag::ENUM_VALUE, j as i32]);
                EnumValue { name: v.name().to_string(), number: v.number(), path: p }
            })
            .collect();
        let mut values_by_number: HashMap<i32, Vec<usize>> = HashMap::with_capacity(values.len());
        for (j, v) in values.iter().enumerate() {
            values_by_number.entry(v.number).or_default().push(j);
        }
        self.enum_by_name.insert(full_name.clone(), self.enums.len());
        file.enums.push(self.enums.len());
        self.enums.push(Enum {
            full_name,
            values,
            values_by_number,
            reserved_ranges: Ranges::new(e.reserved_range.iter().map(|r| (r.start(), r.end())).collect(), false),
            reserved_names: Names::new(e.reserved_name.clone()),
            proto: EnumDescriptorProto { name: e.name.clone(), options: e.options.clone(), ..Default::default() },
            path,
            file: fi,
            parent: parent.to_string(),
            features,
        });
    }

    pub fn file(&self, name: &str) -> Option<&File> {
        self.file_by_name.get(name).map(|&i| &self.files[i])
    }

    pub fn message(&self, name: &str) -> Option<&Message> {
        self.message_by_name.get(name).map(|&i| &self.messages[i])
    }

    pub fn enum_(&self, name: &str) -> Option<&Enum> {
        self.enum_by_name.get(name).map(|&i| &self.enums[i])
    }

    /// Every package with at least one file (compiled or not).
    pub fn packages(&self) -> std::collections::BTreeSet<&str> {
        self.files.iter().map(|f| f.package.as_str()).chain(self.extra_packages.keys().map(String::as_str)).collect()
    }
}

fn field(
    f: &FieldDescriptorProto,
    parent: &str,
    oneofs: &[String],
    path: Vec<i32>,
    fi: usize,
    features: Features,
) -> Field {
    // an editions message field encoded as a group (DELIMITED) is a group, as buf sees it
    let ty = match f.r#type() {
        Type::Message if features.get(MESSAGE_ENCODING) == "DELIMITED" => Type::Group,
        t => t,
    };
    Field {
        name: f.name().to_string(),
        number: f.number(),
        label: f.label(),
        ty,
        type_name: strip_dot(f.type_name()),
        json_name: f.json_name().to_string(),
        has_json_name: f.json_name.is_some(),
        default: f.default_value.clone(),
        oneof: f.oneof_index.and_then(|k| oneofs.get(k as usize).cloned()),
        proto3_optional: f.proto3_optional(),
        extendee: f.extendee.as_deref().map(strip_dot),
        // only the options are compared; the rest is in the fields above
        proto: FieldDescriptorProto { options: f.options.clone(), ..Default::default() },
        path,
        parent: parent.to_string(),
        file: fi,
        features,
    }
}
