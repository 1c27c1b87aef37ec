//! FIELD_SAME_DEFAULT
//!
//! ## What it does
//! Checks that fields have the same default value, if a default is specified.
//!
//! ## Why it breaks consumers
//! Readers of data that omits the field see a different value.
//!
//! ## Example
//! `optional int32 retries = 6 [default = 3];` became `[default = 5]`.

use super::prelude::*;

const WHY: &str = "Readers of data that omits the field see a different value.";

rule!(
    "FIELD_SAME_DEFAULT",
    [CSR, FILE, PACKAGE, WIRE_JSON, WIRE],
    "Checks that fields have the same default value, if a default is specified.",
    Check::Field(check)
);

fn check(out: &mut Out, msg: Option<&Message>, prev: &Field, cur: &Field) {
    // lists, maps and message fields have no default
    let can_have = |f: &Field| f.label != Label::Repeated && !matches!(f.ty, Type::Message | Type::Group);
    if !can_have(prev) || !can_have(cur) {
        return;
    }
    let (a, b) = (FieldDefault::of(out.prev, prev), FieldDefault::of(out.cur, cur));
    if (a.is_zero() && b.is_zero()) || a.same_as(&b) {
        return;
    }
    let d = field_desc(out.cur, msg, cur);
    at_field(out, cur, &[tag::FIELD_DEFAULT], format!("{d} changed default value from {} to {}.", a.shown, b.shown));
}

/// A field's default value as buf compares it (the declared one, else its type's zero value,
/// the first value for an enum) and as buf prints it.
struct FieldDefault {
    value: Value,
    shown: String,
}

/// Defaults compare across types as buf compares them: strings and bytes by their bytes,
/// everything else (numbers, bools, enum numbers) by numeric value.
enum Value {
    Bytes(Vec<u8>),
    Bool(bool),
    Int(i128),
    F32(f32),
    F64(f64),
    /// An enum value of an enum this side does not hold (only changed files compiled): its name.
    UnknownEnum(String),
}

impl FieldDefault {
    fn of(module: &Module, f: &Field) -> FieldDefault {
        let text = f.default.as_deref();
        let int = |t: Option<&str>| Value::Int(t.and_then(|t| t.parse().ok()).unwrap_or(0));
        match f.ty {
            Type::Double => {
                let v = text.map_or(0.0, parse_float);
                FieldDefault { value: Value::F64(v), shown: go_float(v) }
            }
            Type::Float => {
                let v = text.map_or(0.0, parse_float) as f32;
                FieldDefault { value: Value::F32(v), shown: go_float32(v) }
            }
            Type::Bool => {
                let v = text == Some("true");
                FieldDefault { value: Value::Bool(v), shown: v.to_string() }
            }
            Type::String => {
                let v = text.unwrap_or("");
                FieldDefault { value: Value::Bytes(v.as_bytes().to_vec()), shown: go_quote(v) }
            }
            Type::Bytes => {
                let bytes = unescape_c(text.unwrap_or(""));
                let shown: Vec<String> = bytes.iter().map(|b| format!("0x{b:X}")).collect();
                FieldDefault { value: Value::Bytes(bytes), shown: format!("[{}]", shown.join(",")) }
            }
            Type::Enum => {
                let e = module.enum_(&f.type_name);
                let name = short_name(&f.type_name);
                let number = match (e, text) {
                    (Some(e), Some(t)) => e.values.iter().find(|v| v.name == t).map(|v| v.number),
                    (Some(e), None) => e.values.first().map(|v| v.number),
                    (None, _) => None,
                };
                match (e, number) {
                    // printed by the first value with that number (an alias prints as its first name)
                    (Some(e), Some(n)) => {
                        let first = e.values.iter().find(|v| v.number == n).map_or("", |v| v.name.as_str());
                        FieldDefault { value: Value::Int(n as i128), shown: format!("{name}.{first}") }
                    }
                    _ => {
                        let v = text.unwrap_or_default().to_string();
                        FieldDefault { shown: format!("{name}.{v}"), value: Value::UnknownEnum(v) }
                    }
                }
            }
            _ => {
                let value = int(text);
                FieldDefault { shown: text.unwrap_or("0").to_string(), value }
            }
        }
    }

    /// Go's zero value (a negative zero is not zero).
    fn is_zero(&self) -> bool {
        match &self.value {
            Value::Bytes(b) => b.is_empty(),
            Value::Bool(b) => !b,
            Value::Int(i) => *i == 0,
            Value::F32(v) => v.to_bits() == 0,
            Value::F64(v) => v.to_bits() == 0,
            Value::UnknownEnum(_) => false,
        }
    }

    /// buf's comparison: bytes with bytes; a float and a double as floats; any other two
    /// numbers (bools as 0 and 1) by exact value; NaN equals NaN.
    fn same_as(&self, other: &FieldDefault) -> bool {
        use Value::*;
        match (&self.value, &other.value) {
            (Bytes(a), Bytes(b)) => a == b,
            (Bytes(_), _) | (_, Bytes(_)) => false,
            (UnknownEnum(a), UnknownEnum(b)) => a == b,
            (UnknownEnum(_), _) | (_, UnknownEnum(_)) => false,
            (F32(a), F64(b)) | (F64(b), F32(a)) => (a.is_nan() && b.is_nan()) || *a == *b as f32,
            (a, b) => match (exact(a), exact(b)) {
                (Exact::Nan, Exact::Nan) => true,
                (Exact::Int(x), Exact::Int(y)) => x == y,
                (Exact::Float(x), Exact::Float(y)) => x == y,
                (Exact::Int(i), Exact::Float(f)) | (Exact::Float(f), Exact::Int(i)) => {
                    f.fract() == 0.0 && f.abs() < 1e38 && f as i128 == i
                }
                _ => false,
            },
        }
    }
}

/// A number, exactly: an integer, a float that is not an integer-valued one within i128, or NaN.
enum Exact {
    Int(i128),
    Float(f64),
    Nan,
}

fn exact(v: &Value) -> Exact {
    let float = |f: f64| {
        if f.is_nan() {
            Exact::Nan
        } else {
            Exact::Float(f)
        }
    };
    match v {
        Value::Bool(b) => Exact::Int(*b as i128),
        Value::Int(i) => Exact::Int(*i),
        Value::F32(f) => float(*f as f64),
        Value::F64(f) => float(*f),
        Value::Bytes(_) | Value::UnknownEnum(_) => Exact::Nan,
    }
}

/// A float default as the compiler writes it ("1.5", "inf", "-inf", "nan").
fn parse_float(t: &str) -> f64 {
    match t.to_ascii_lowercase().as_str() {
        "inf" | "+inf" | "infinity" => f64::INFINITY,
        "-inf" | "-infinity" => f64::NEG_INFINITY,
        "nan" | "-nan" => f64::NAN,
        t => t.parse().unwrap_or(0.0),
    }
}

/// Go's `%v` of a float32: the shortest digits that read back as the same float32.
fn go_float32(v: f32) -> String {
    if v.is_nan() || v.is_infinite() {
        return go_float(v as f64);
    }
    go_g(&format!("{v:e}"), format!("{v}"), v == 0.0)
}

/// Go's `strconv.FormatFloat(v, 'g', -1, 64)`: the shortest digits, in exponent form when the
/// exponent is below -4 or at least 6.
fn go_float(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    go_g(&format!("{v:e}"), format!("{v}"), v == 0.0)
}

/// Go's shortest `%g` from Rust's shortest digits: `e` is the number in `{:e}` form, `plain`
/// in `{}` form.
fn go_g(e: &str, plain: String, zero: bool) -> String {
    let (mantissa, exp) = e.split_once('e').unwrap_or((e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !zero && !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        plain
    }
}

/// The bytes of a C-escaped default (`descriptor.proto` escapes bytes defaults that way).
fn unescape_c(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' || i + 1 == b.len() {
            out.push(b[i]);
            i += 1;
            continue;
        }
        i += 1;
        match b[i] {
            b'0'..=b'7' => {
                let mut n: u32 = 0;
                let mut k = 0;
                while k < 3 && i < b.len() && (b'0'..=b'7').contains(&b[i]) {
                    n = n * 8 + (b[i] - b'0') as u32;
                    i += 1;
                    k += 1;
                }
                out.push(n as u8);
            }
            b'x' => {
                i += 1;
                let mut n: u32 = 0;
                let mut k = 0;
                while k < 2 && i < b.len() && b[i].is_ascii_hexdigit() {
                    n = n * 16 + (b[i] as char).to_digit(16).unwrap_or(0);
                    i += 1;
                    k += 1;
                }
                out.push(n as u8);
            }
            c => {
                out.push(match c {
                    b'n' => b'\n',
                    b't' => b'\t',
                    b'r' => b'\r',
                    b'a' => 0x07,
                    b'b' => 0x08,
                    b'f' => 0x0c,
                    b'v' => 0x0b,
                    other => other,
                });
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{go_float, go_float32, unescape_c, FieldDefault, Value};

    #[test]
    fn floats_are_printed_as_go_prints_them() {
        let cases =
            [(0.0, "0"), (1.5, "1.5"), (1e10, "1e+10"), (0.0025, "0.0025"), (1e-5, "1e-05"), (123456.0, "123456")];
        for (v, want) in cases {
            assert_eq!(go_float(v), want, "{v}");
        }
        assert_eq!(go_float(1.5e7), "1.5e+07");
        assert_eq!(go_float(f64::INFINITY), "+Inf");
        assert_eq!(go_float(f64::NEG_INFINITY), "-Inf");
        assert_eq!(go_float(f64::NAN), "NaN");
    }

    #[test]
    fn float32_defaults_print_their_own_shortest_digits() {
        assert_eq!(go_float32(1.1), "1.1");
        assert_eq!(go_float32(1e10), "1e+10");
        assert_eq!(go_float32(3e-7), "3e-07");
        assert_eq!(go_float32(f32::NEG_INFINITY), "-Inf");
    }

    #[test]
    fn defaults_compare_across_types_as_buf_compares_them() {
        let d = |value: Value| FieldDefault { value, shown: String::new() };
        let same = |a: Value, b: Value| d(a).same_as(&d(b));
        assert!(same(Value::F32(1.1), Value::F64(1.1)), "a float and a double compare as floats");
        assert!(same(Value::Int(2), Value::F64(2.0)));
        assert!(!same(Value::Int(2), Value::F64(2.5)));
        assert!(same(Value::Bool(true), Value::Int(1)));
        assert!(same(Value::F64(f64::NAN), Value::F32(f32::NAN)));
        assert!(!same(Value::Bytes(b"0".to_vec()), Value::Int(0)), "text never equals a number");
        assert!(same(Value::Bytes(b"ab".to_vec()), Value::Bytes(b"ab".to_vec())));
        assert!(!d(Value::F64(-0.0)).is_zero(), "Go's zero value is +0 only");
        assert!(d(Value::Int(0)).is_zero());
    }

    #[test]
    fn c_escaped_bytes_defaults_are_unescaped() {
        assert_eq!(unescape_c("ab\\001\\x7f\\n\\\\"), b"ab\x01\x7f\n\\".to_vec());
    }
}
