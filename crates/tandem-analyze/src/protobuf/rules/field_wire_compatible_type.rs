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
        // string may become bytes, not the reverse: apart, and judged in `wire_type_check`
        Type::String => 5,
        Type::Bytes => 11,
        Type::Message => 6,
        Type::Group => 7,
        Type::Float => 8,
        Type::Double => 9,
    }
}

fn check(out: &mut Out, msg: Option<&Message>, prev: &Field, cur: &Field) {
    wire_type_check(out, msg, prev, cur, group, &format!("{SEE_WIRE}."), true);
}
