//! FIELD_WIRE_COMPATIBLE_TYPE
//!
//! ## What it does
//! Checks that fields have wire-compatible types in a given message.
//!
//! ## Why it breaks consumers
//! Data encoded with the old type cannot be decoded correctly with a wire-incompatible new type.
//!
//! ## Example
//! `int32 amount = 3;` became `sint32 amount = 3;` (zigzag encoding differs).

use super::prelude::*;

const WHY: &str = "Data encoded with the old type cannot be decoded correctly with a wire-incompatible new type.";

rule!(
    "FIELD_WIRE_COMPATIBLE_TYPE",
    [WIRE],
    "Checks that fields have wire-compatible types in a given message.",
    Check::Field(check)
);

fn group(t: Type) -> u8 {
    match t {
        Type::Int32 | Type::Int64 | Type::Uint32 | Type::Uint64 | Type::Bool => 1,
        Type::Enum => 10,
        Type::Sint32 | Type::Sint64 => 2,
        Type::Fixed32 | Type::Sfixed32 => 3,
        Type::Fixed64 | Type::Sfixed64 => 4,
        Type::String | Type::Bytes => 5,
        Type::Message => 6,
        Type::Group => 7,
        Type::Float => 8,
        Type::Double => 9,
    }
}

fn check(out: &mut Out, msg: Option<&Message>, prev: &Field, cur: &Field) {
    let named = matches!(cur.ty, Type::Message | Type::Enum | Type::Group);
    if (prev.ty == cur.ty && (!named || prev.type_name == cur.type_name))
        || (prev.ty != cur.ty && group(prev.ty) == group(cur.ty))
    {
        return;
    }
    let d = field_desc(out.cur, msg, cur);
    let (a, b) = wire_type_strs(prev, cur);
    // buf points at the compatibility rules only when the kind of type changed
    let text = if prev.ty == cur.ty {
        format!("{d} changed type from \"{a}\" to \"{b}\".")
    } else {
        format!("{d} changed type from \"{a}\" to \"{b}\". {SEE_WIRE}.")
    };
    at_field(out, cur, type_parts(cur), text);
}
