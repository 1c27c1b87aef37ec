//! What every rule file uses.

pub use super::super::framework::{relocated, Check, Origin, Out, Rule, SchemaPair};
pub use super::super::schema::{type_breaks, Flow, View};
pub use super::super::spec::{Op, Spec};
pub use crate::detect::RuleInfo;
pub use tandem_model::Severity;

/// Declares a rule file's `RULE`: stable ID, severity, summary, why it breaks consumers, check.
macro_rules! rule {
    ($id:literal, $severity:ident, $summary:literal, $why:literal, $check:expr) => {
        pub static RULE: Rule = Rule {
            info: RuleInfo { id: $id, kind: "openapi", severity: Severity::$severity, summary: $summary, why: $why },
            check: $check,
        };
    };
}
pub(crate) use rule;

/// `"a", "b"` — values as they are written, for messages.
pub fn list<T: std::fmt::Display>(values: &[T]) -> String {
    values.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", ")
}

/// `Value "x" was` / `Values "x", "y" were`.
pub fn values_were<T: std::fmt::Display>(values: &[T]) -> String {
    if values.len() == 1 {
        format!("Value {} was", values[0])
    } else {
        format!("Values {} were", list(values))
    }
}

/// The subject at the start of a sentence.
pub fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
}
