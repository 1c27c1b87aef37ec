//! What every rule file uses.

pub use super::super::editions::{
    option_path, CPP_STRING_TYPE, ENUM_TYPE, FIELD_PRESENCE, JAVA_UTF8_VALIDATION, JSON_FORMAT, UTF8_VALIDATION,
};
pub use super::super::framework::{sub, Category, Check, Out, Rule};
pub use super::super::ir::{tag, Enum, Field, File, Message, Method, Module, Ranges, Service, Syntax};
pub use prost_types::field_descriptor_proto::{Label, Type};

pub use Category::{Csr as CSR, File as FILE, Package as PACKAGE, Wire as WIRE, WireJson as WIRE_JSON};

/// Declares a rule file's `RULE` constant.
macro_rules! rule {
    ($id:literal, [$($cat:ident),*], $purpose:literal, $check:expr) => {
        pub const RULE: Rule = Rule { id: $id, categories: &[$($cat),*], purpose: $purpose, why: WHY, check: $check };
    };
}
pub(crate) use rule;

/// Declares a rule comparing one file option (FILE_SAME_<OPTION>).
macro_rules! file_option_rule {
    ($id:literal, $name:literal, $tag:expr, |$o:ident| $get:expr, $default:expr) => {
        pub const RULE: Rule = Rule {
            id: $id,
            categories: &[FILE, PACKAGE],
            purpose: concat!("Checks that files have the same value for the ", $name, " option."),
            why: WHY,
            check: Check::File(check),
        };

        fn check(out: &mut Out, prev: &File, cur: &File) {
            let get = |f: &File| -> String {
                match f.proto.options.as_ref() {
                    Some($o) => $get,
                    None => $default.to_string(),
                }
            };
            let (a, b) = (get(prev), get(cur));
            if a != b {
                let fi = out.cur.file_by_name[&cur.name];
                // buf reports a removed option at the file (1:1)
                out.at_first(
                    fi,
                    &[&[tag::FILE_OPTIONS, $tag]],
                    format!("File option \"{}\" changed from {} to {}.", $name, go_quote(&a), go_quote(&b)),
                );
            }
        }
    };
}
pub(crate) use file_option_rule;

/// The name of an element relative to its package (buf's "nested name").
pub fn nested_name(full_name: &str, package: &str) -> String {
    if package.is_empty() {
        return full_name.to_string();
    }
    full_name.strip_prefix(&format!("{package}.")).unwrap_or(full_name).to_string()
}

pub fn msg_name(m: &Message, module: &Module) -> String {
    nested_name(&m.full_name, &module.files[m.file].package)
}

pub fn enum_name(e: &Enum, module: &Module) -> String {
    nested_name(&e.full_name, &module.files[e.file].package)
}

pub fn service_name(s: &Service, module: &Module) -> String {
    nested_name(&s.full_name, &module.files[s.file].package)
}

/// The fully-qualified name of an extension.
pub fn extension_full_name(x: &Field, module: &Module) -> String {
    let scope = if x.parent.is_empty() { module.files[x.file].package.clone() } else { x.parent.clone() };
    if scope.is_empty() {
        x.name.clone()
    } else {
        format!("{scope}.{}", x.name)
    }
}

/// The type of a field as buf prints it: a scalar name or the fully-qualified message/enum name.
pub fn type_str(f: &Field) -> String {
    match f.ty {
        Type::Message | Type::Enum | Type::Group => f.type_name.clone(),
        t => scalar_name(t).to_string(),
    }
}

/// The two types as buf's wire rules print them: kinds ("enum", "message") when the kinds
/// differ, names when the kind is the same.
pub fn wire_type_strs(prev: &Field, cur: &Field) -> (String, String) {
    if prev.ty == cur.ty {
        (type_str(prev), type_str(cur))
    } else {
        (kind_name(prev).to_string(), kind_name(cur).to_string())
    }
}

/// The kind of a field as buf names it: a scalar name, "message", "group", or "message
/// (delimited encoding)" for an editions message field with DELIMITED encoding.
pub fn kind_name(f: &Field) -> &'static str {
    if f.ty == Type::Group && f.features.get(super::super::editions::MESSAGE_ENCODING) == "DELIMITED" {
        return "message (delimited encoding)";
    }
    scalar_name(f.ty)
}

/// The pointers buf appends to the wire rules' messages.
pub const SEE_WIRE: &str =
    "See https://developers.google.com/protocol-buffers/docs/proto3#updating for wire compatibility rules";
pub const SEE_JSON: &str =
    "and https://developers.google.com/protocol-buffers/docs/proto3#json for JSON compatibility rules.";

pub fn scalar_name(t: Type) -> &'static str {
    match t {
        Type::Double => "double",
        Type::Float => "float",
        Type::Int64 => "int64",
        Type::Uint64 => "uint64",
        Type::Int32 => "int32",
        Type::Fixed64 => "fixed64",
        Type::Fixed32 => "fixed32",
        Type::Bool => "bool",
        Type::String => "string",
        Type::Group => "group",
        Type::Message => "message",
        Type::Bytes => "bytes",
        Type::Uint32 => "uint32",
        Type::Enum => "enum",
        Type::Sfixed32 => "sfixed32",
        Type::Sfixed64 => "sfixed64",
        Type::Sint32 => "sint32",
        Type::Sint64 => "sint64",
    }
}

/// How buf names a field (or an extension) in messages.
pub fn field_desc(module: &Module, msg: Option<&Message>, f: &Field) -> String {
    match msg {
        Some(m) => {
            format!("Field \"{}\" with name \"{}\" on message \"{}\"", f.number, f.name, short_name(&m.full_name))
        }
        None => format!(
            "Extension \"{}\" with name \"{}\" on message \"{}\"",
            f.number,
            extension_full_name(f, module),
            f.extendee.clone().unwrap_or_default()
        ),
    }
}

/// Reports a deleted element at the innermost enclosing message that still exists in the
/// current file (its parent, else the parent's parent, ...), else at the file (1:1), as buf does.
pub fn at_parent_or_file(out: &mut Out, file: usize, full_name: &str, package: &str, text: String) {
    let mut scope = full_name;
    let mut found = None;
    while let Some((parent, _)) = scope.rsplit_once('.') {
        if parent == package || parent.len() < package.len() {
            break;
        }
        if let Some(m) = out.cur.message(parent).filter(|m| m.file == file) {
            found = Some(m.path.clone());
            break;
        }
        scope = parent;
    }
    match found {
        Some(path) => out.at(file, &path, text),
        None => out.at_file(file, text),
    }
}

/// The wire rules' shared verdict (FIELD_WIRE_COMPATIBLE_TYPE, FIELD_WIRE_JSON_COMPATIBLE_TYPE):
/// kinds in different compatibility groups (`group`) are reported with buf's pointers `see`
/// appended (on the wire alone, `wire_only`, string may become bytes and bytes becoming string
/// gets buf's note on UTF-8); within
/// one group, a message or group field that names another type is reported, and so is an enum
/// field whose new enum has another short name or lacks a value (name and number) of the old.
pub fn wire_type_check(
    out: &mut Out,
    msg: Option<&Message>,
    prev: &Field,
    cur: &Field,
    group: fn(Type) -> u8,
    see: &str,
    wire_only: bool,
) {
    let d = field_desc(out.cur, msg, cur);
    if group(prev.ty) != group(cur.ty) {
        let mut text = format!("{d} changed type from \"{}\" to \"{}\". {see}", kind_name(prev), kind_name(cur));
        match (prev.ty, cur.ty) {
            (Type::String, Type::Bytes) if wire_only => return,
            (Type::Bytes, Type::String) if wire_only => text.push_str(BYTES_TO_STRING),
            _ => {}
        }
        at_field(out, cur, type_parts(cur), text);
        return;
    }
    if prev.type_name == cur.type_name {
        return;
    }
    let changed = match cur.ty {
        Type::Message | Type::Group => true,
        Type::Enum => match (out.prev.enum_(&prev.type_name), out.cur.enum_(&cur.type_name)) {
            (Some(a), Some(b)) => {
                short_name(&a.full_name) != short_name(&b.full_name)
                    || !a.values.iter().all(|v| b.values.iter().any(|w| w.name == v.name && w.number == v.number))
            }
            // an enum of an unchanged file (only changed files compiled): judged by name
            _ => short_name(&prev.type_name) != short_name(&cur.type_name),
        },
        _ => false,
    };
    if changed {
        let text = format!("{d} changed type from \"{}\" to \"{}\".", prev.type_name, cur.type_name);
        at_field(out, cur, type_parts(cur), text);
    }
}

/// buf's note when a bytes field becomes a string field.
const BYTES_TO_STRING: &str = " Note that while string and bytes are compatible if the data is valid UTF-8, there is no way to enforce that a bytes field is UTF-8, so these fields may be incompatible.";

/// Where buf places a field's type: the `group` keyword for groups, else the type token.
pub fn type_parts(f: &Field) -> &'static [i32] {
    if f.ty == Type::Group {
        &[tag::FIELD_TYPE, tag::FIELD_TYPE_NAME]
    } else {
        &[tag::FIELD_TYPE_NAME, tag::FIELD_TYPE]
    }
}

/// Reports at the enclosing current message.
pub fn at_message(out: &mut Out, m: &Message, text: String) {
    out.at(m.file, &m.path, text);
}

/// Reports at a part of a current field (e.g. its type or name), or the field itself.
pub fn at_field(out: &mut Out, f: &Field, parts: &[i32], text: String) {
    let tries: Vec<Vec<i32>> = parts.iter().map(|p| sub(&f.path, &[*p])).chain([f.path.clone()]).collect();
    let refs: Vec<&[i32]> = tries.iter().map(|p| p.as_slice()).collect();
    out.at_first(f.file, &refs, text);
}

// ---- resolved features (editions files resolve them in the IR; proto2 and proto3 files have
// their syntax's defaults) ----

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Explicit,
    Implicit,
    LegacyRequired,
}

pub fn presence(module: &Module, f: &Field) -> Presence {
    if f.label == Label::Required {
        return Presence::LegacyRequired;
    }
    let editions = matches!(module.files[f.file].syntax, Syntax::Editions(_));
    if editions && f.label != Label::Repeated && f.features.get(FIELD_PRESENCE) == "LEGACY_REQUIRED" {
        return Presence::LegacyRequired;
    }
    if f.label == Label::Repeated
        || f.ty == Type::Message
        || f.ty == Type::Group
        || f.oneof.is_some()
        || f.extendee.is_some()
        || f.proto3_optional
    {
        return Presence::Explicit;
    }
    match f.features.get(FIELD_PRESENCE) {
        "IMPLICIT" => Presence::Implicit,
        _ => Presence::Explicit,
    }
}

/// buf's cardinality names.
pub fn cardinality(module: &Module, f: &Field) -> &'static str {
    if f.label == Label::Repeated {
        if f.ty == Type::Message && module.message(&f.type_name).is_some_and(|m| m.is_map_entry) {
            return "map";
        }
        return "repeated";
    }
    match presence(module, f) {
        Presence::LegacyRequired => "required",
        Presence::Explicit => "optional with explicit presence",
        Presence::Implicit => "optional with implicit presence",
    }
}

/// The resolved `utf8_validation` of a field: "VERIFY" or "NONE".
pub fn utf8_validation(f: &Field) -> &'static str {
    f.features.get(UTF8_VALIDATION)
}

/// "open" or "closed".
pub fn enum_type(_module: &Module, e: &Enum) -> &'static str {
    match e.features.get(ENUM_TYPE) {
        "CLOSED" => "closed",
        _ => "open",
    }
}

/// JSON format support of an enum: "ALLOW" or "LEGACY_BEST_EFFORT".
pub fn enum_json_format(_module: &Module, e: &Enum) -> &'static str {
    e.features.get(JSON_FORMAT)
}

/// JSON format support of a message: "ALLOW" or "LEGACY_BEST_EFFORT".
pub fn message_json_format(_module: &Module, m: &Message) -> &'static str {
    m.features.get(JSON_FORMAT)
}

/// The path of a feature's option set on the element at `path` (whose options are its
/// `options_tag` field), where buf reports a changed feature set there.
pub fn feature_path(path: &[i32], options_tag: i32, feature: usize) -> Vec<i32> {
    option_path(path, options_tag, feature)
}

/// The largest number a message's fields or ranges may use (2^29 - 1, or 2^31 - 2 with the
/// message-set wire format): a range ending there is printed "[n,max]".
pub fn message_max(m: &Message) -> i64 {
    if m.proto.options.as_ref().and_then(|o| o.message_set_wire_format).unwrap_or(false) {
        i32::MAX as i64 - 1
    } else {
        536_870_911
    }
}

/// The largest number of an enum value.
pub const ENUM_MAX: i64 = i32::MAX as i64;

/// The range as buf prints it: "[start,end]" with an inclusive end, "[start,max]" when it
/// ends at `max`.
pub fn range_str(r: (i32, i32), end_exclusive: bool, max: i64) -> String {
    let end = if end_exclusive { r.1 - 1 } else { r.1 };
    run_str((r.0 as i64, end as i64), max)
}

/// One inclusive run of numbers as buf prints it: "[n]" for one number, "[first,max]" when
/// it ends at `max`, else "[first,last]".
fn run_str((first, last): (i64, i64), max: i64) -> String {
    if first == last {
        format!("[{first}]")
    } else if last == max {
        format!("[{first},max]")
    } else {
        format!("[{first},{last}]")
    }
}

/// buf's sentence for a range that lost numbers: "Previously present <what> "[1,5]" on
/// <owner> is missing values: [2], [4,5] were removed." The previous range ends at "max" by
/// the previous element's `prev_max`, the missing runs by the current one's `cur_max`.
pub fn range_missing(
    what: &str,
    owner: &str,
    r: (i32, i32),
    cur: &Ranges,
    end_exclusive: bool,
    (prev_max, cur_max): (i64, i64),
) -> String {
    let missing: Vec<String> = cur.missing(r).into_iter().map(|run| run_str(run, cur_max)).collect();
    format!(
        "Previously present {what} \"{}\" on {owner} is missing values: {} were removed.",
        range_str(r, end_exclusive, prev_max),
        missing.join(", ")
    )
}

/// The last component of a fully-qualified name: buf's name of the message or enum a field,
/// value, range or oneof belongs to ("on message \"Dimension\"", not "Report.Dimension").
pub fn short_name(full_name: &str) -> &str {
    full_name.rsplit('.').next().unwrap_or(full_name)
}

/// A string quoted as buf quotes it (Go's `%q`): backslashes and quotes escaped, C escapes
/// for the usual control characters, `\xNN` for the others, `\uNNNN` for invisible ones.
pub fn go_quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '\\' => q.push_str("\\\\"),
            '"' => q.push_str("\\\""),
            '\u{7}' => q.push_str("\\a"),
            '\u{8}' => q.push_str("\\b"),
            '\u{c}' => q.push_str("\\f"),
            '\n' => q.push_str("\\n"),
            '\r' => q.push_str("\\r"),
            '\t' => q.push_str("\\t"),
            '\u{b}' => q.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => q.push_str(&format!("\\x{:02x}", c as u32)),
            c if !go_printable(c) => match c as u32 {
                n @ 0..=0xffff => q.push_str(&format!("\\u{n:04x}")),
                n => q.push_str(&format!("\\U{n:08x}")),
            },
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

/// Go's `unicode.IsPrint`, as far as text in a .proto file meets it: no control characters, no
/// spaces but U+0020, no invisible format characters.
fn go_printable(c: char) -> bool {
    let n = c as u32;
    !(c.is_control()
        || (c.is_whitespace() && c != ' ')
        || n == 0xad
        || (0x200b..=0x200f).contains(&n)
        || (0x202a..=0x202e).contains(&n)
        || (0x2060..=0x2064).contains(&n)
        || n == 0xfeff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_values_are_listed_as_buf_lists_them() {
        let cur = Ranges::new(vec![(2, 3), (6, 7)], false);
        assert_eq!(
            range_missing("reserved range", "enum \"Role\"", (1, 9), &cur, false, (ENUM_MAX, ENUM_MAX)),
            "Previously present reserved range \"[1,9]\" on enum \"Role\" is missing values: [1], [4,5], [8,9] were removed."
        );
        let messages = Ranges::new(vec![(1, 5)], true);
        assert_eq!(messages.missing((1, 8)), vec![(5, 7)]);
        assert_eq!(range_str((4, 5), true, ENUM_MAX), "[4]");
        assert_eq!(range_str((4, 536_870_912), true, 536_870_911), "[4,max]");
    }

    #[test]
    fn quoting_escapes_backslashes_and_quotes_as_go_does() {
        assert_eq!(go_quote("Acme\\V1 \"x\"\t"), "\"Acme\\\\V1 \\\"x\\\"\\t\"");
        assert_eq!(go_quote("a\u{1}b\u{7}é\u{a0}\u{200b}"), "\"a\\x01b\\aé\\u00a0\\u200b\"");
    }
}
