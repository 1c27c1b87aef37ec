//! Command-line choices taken from the model's closed vocabularies, so `--help`, completions and
//! the parser all read the same list (`ChangeType::ALL`, `CoordStatus::ALL`, …) and none is
//! written out again here.

use clap::builder::{PossibleValue, TypedValueParser};
use clap::error::ErrorKind;
use std::ffi::OsStr;
use std::marker::PhantomData;
use std::str::FromStr;
use tandem_model::{ChangeType, ChildStatus, CoordStatus, ImpactLevel, Priority, UnknownValue};

/// A closed vocabulary of the model: every value and its spelling.
pub(crate) trait Choice: FromStr<Err = UnknownValue> + Copy + Send + Sync + 'static {
    fn all() -> &'static [Self];
    fn spelling(self) -> &'static str;
}

macro_rules! choice {
    ($($t:ty),+) => {$(
        impl Choice for $t {
            fn all() -> &'static [Self] {
                <$t>::ALL
            }
            fn spelling(self) -> &'static str {
                self.as_str()
            }
        }
    )+};
}

choice!(ChangeType, Priority, CoordStatus, ChildStatus);

/// The health levels and impact levels keep their lists as arrays.
macro_rules! choice_array {
    ($($t:ty),+) => {$(
        impl Choice for $t {
            fn all() -> &'static [Self] {
                &<$t>::ALL
            }
            fn spelling(self) -> &'static str {
                self.as_str()
            }
        }
    )+};
}

choice_array!(tandem_engine::Level, ImpactLevel);

/// Parses with the model's `FromStr` (which also accepts `in-progress` for `in_progress`) and
/// offers the model's list as the possible values.
#[derive(Clone)]
pub(crate) struct ChoiceParser<T>(PhantomData<T>);

pub(crate) fn choice<T: Choice>() -> ChoiceParser<T> {
    ChoiceParser(PhantomData)
}

impl<T: Choice> TypedValueParser for ChoiceParser<T> {
    type Value = T;

    fn parse_ref(&self, cmd: &clap::Command, arg: Option<&clap::Arg>, value: &OsStr) -> Result<T, clap::Error> {
        let text = value.to_string_lossy();
        text.parse().map_err(|e: UnknownValue| {
            let arg = arg.map(|a| format!(" for '{a}'")).unwrap_or_default();
            clap::Error::raw(ErrorKind::InvalidValue, format!("invalid value{arg}: {e}\n")).with_cmd(cmd)
        })
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(T::all().iter().map(|v| PossibleValue::new(v.spelling()))))
    }
}

/// The rule kinds of the catalogue, for `rules --kind`.
pub(crate) fn rule_kinds() -> NamedList {
    let mut kinds: Vec<String> = tandem_engine::report::rule_catalogue().into_iter().map(|r| r.kind).collect();
    kinds.dedup();
    NamedList { what: "rule kind", values: kinds }
}

/// A choice among names known only at run time, worded as the model's `UnknownValue` is.
#[derive(Clone)]
pub(crate) struct NamedList {
    what: &'static str,
    values: Vec<String>,
}

impl TypedValueParser for NamedList {
    type Value = String;

    fn parse_ref(&self, cmd: &clap::Command, arg: Option<&clap::Arg>, value: &OsStr) -> Result<String, clap::Error> {
        let text = value.to_string_lossy();
        if self.values.iter().any(|v| *v == text) {
            return Ok(text.into_owned());
        }
        let arg = arg.map(|a| format!(" for '{a}'")).unwrap_or_default();
        let message = format!(
            "invalid value{arg}: unknown {} '{}'; expected one of: {}\n",
            self.what,
            tandem_model::manifest::clip(&text),
            self.values.join(", ")
        );
        Err(clap::Error::raw(ErrorKind::InvalidValue, message).with_cmd(cmd))
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(self.values.iter().map(|v| PossibleValue::new(v.clone()))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn possible_values_are_the_models_list() {
        let shown: Vec<String> =
            choice::<CoordStatus>().possible_values().unwrap().map(|v| v.get_name().to_string()).collect();
        let model: Vec<&str> = CoordStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(shown, model);
    }

    #[test]
    fn a_choice_accepts_the_models_other_spellings_and_names_the_list_otherwise() {
        let cmd = clap::Command::new("t");
        let parsed = choice::<ImpactLevel>().parse_ref(&cmd, None, OsStr::new(" High")).unwrap();
        assert_eq!(parsed, ImpactLevel::High);
        let in_progress = choice::<CoordStatus>().parse_ref(&cmd, None, OsStr::new("in-progress")).unwrap();
        assert_eq!(in_progress, CoordStatus::InProgress);
        let e = choice::<ImpactLevel>().parse_ref(&cmd, None, OsStr::new("severe")).unwrap_err().to_string();
        assert!(e.contains("unknown impact level 'severe'; expected one of: none, low, medium, high, critical"), "{e}");
    }
}
