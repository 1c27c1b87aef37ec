//! FIELD_WIRE_JSON_COMPATIBLE_TYPE
//!
//! ## What it does
//! Checks that fields have wire and JSON compatible types in a given message.
//!
//! ## Why it breaks consumers
//! Data encoded with the old type, in binary or JSON, cannot be decoded with the new type.
//!
//! ## Example
//! `int32 amount = 3;` became `int64 amount = 3;` (JSON encodes 64-bit integers as strings).

use super::prelude::*;

const WHY: &str = "Data encoded with the old type, in binary or JSON, cannot be decoded with the new type.";

rule!(
    "FIELD_WIRE_JSON_COMPATIBLE_TYPE",
    [CSR, WIRE_JSON],
    "Checks that fields have wire and JSON compatible types in a given message.",
    Check::Field(check)
);

fn group(t: Type) -> u8 {
    match t {
        Type::Int32 | Type::Uint32 => 1,
        Type::Int64 | Type::Uint64 => 2,
        Type::Fixed32 | Type::Sfixed32 => 3,
        Type::Fixed64 | Type::Sfixed64 => 4,
        Type::Sint32 => 5,
        Type::Sint64 => 6,
        Type::Bool => 7,
        Type::String => 8,
        Type::Bytes => 9,
        Type::Enum => 10,
        Type::Message => 11,
        Type::Group => 12,
        Type::Float => 13,
        Type::Double => 14,
    }
}

fn check(out: &mut Out, msg: Option<&Message>, prev: &Field, cur: &Field) {
    wire_type_check(out, msg, prev, cur, group, &format!("{SEE_WIRE} {SEE_JSON}"), false);
}
