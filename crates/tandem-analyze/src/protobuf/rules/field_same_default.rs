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
    if prev.ty != cur.ty || prev.label == Label::Repeated || cur.label == Label::Repeated {
        return; // type and cardinality changes are other rules' business
    }
    if matches!(cur.ty, Type::Message | Type::Group) {
        return;
    }
    if prev.default != cur.default {
        let d = field_desc(out.cur, msg, cur);
        let (a, b) = (shown_default(out.prev, prev), shown_default(out.cur, cur));
        at_field(out, cur, &[tag::FIELD_DEFAULT], format!("{d} changed default value from {a} to {b}."));
    }
}

/// A field's default (its type's zero value when none is declared) as buf prints it: Go's
/// value formatting (`1e+10`, `+Inf`, `NaN`), strings quoted, bytes as `[0x61,0x1]`, enum
/// values as `Enum.VALUE`.
fn shown_default(module: &Module, f: &Field) -> String {
    let text = f.default.as_deref();
    match f.ty {
        Type::Double | Type::Float => go_float(text.and_then(|t| t.parse().ok()).unwrap_or(0.0)),
        Type::Bool => text.unwrap_or("false").to_string(),
        Type::String => go_quote(text.unwrap_or("")),
        Type::Bytes => {
            let bytes = unescape_c(text.unwrap_or(""));
            let shown: Vec<String> = bytes.iter().map(|b| format!("{b:#x}")).collect();
            format!("[{}]", shown.join(","))
        }
        Type::Enum => {
            let value = match text {
                Some(v) => v.to_string(),
                None => module
                    .enum_(&f.type_name)
                    .and_then(|e| e.values.first())
                    .map(|v| v.name.clone())
                    .unwrap_or_default(),
            };
            format!("{}.{value}", short_name(&f.type_name))
        }
        _ => text.unwrap_or("0").to_string(),
    }
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
    let e = format!("{v:e}");
    let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if v != 0.0 && !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        format!("{v}")
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
    use super::{go_float, unescape_c};

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
    fn c_escaped_bytes_defaults_are_unescaped() {
        assert_eq!(unescape_c("ab\\001\\x7f\\n\\\\"), b"ab\x01\x7f\n\\".to_vec());
    }
}
