//! Validated names and identifiers.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A repository name: 1–100 characters of ASCII letters, digits, `-`, `_` and `.`,
/// not starting with `.` or `-`. Parsed once at the edge; an invalid name cannot exist.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct RepoName(String);

/// Why a string is not a valid repository name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid repository name '{given}': {why}")]
pub struct InvalidName {
    pub given: String,
    pub why: &'static str,
}

impl RepoName {
    pub fn parse(s: &str) -> Result<Self, InvalidName> {
        let bad = |why| Err(InvalidName { given: s.to_string(), why });
        if s.is_empty() {
            return bad("it is empty");
        }
        if s.len() > 100 {
            return bad("it is longer than 100 characters");
        }
        if s.starts_with('.') || s.starts_with('-') {
            return bad("it must not start with '.' or '-'");
        }
        if !s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
            return bad("use only letters, digits, '-', '_' and '.'");
        }
        Ok(RepoName(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for RepoName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        RepoName::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for RepoName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for RepoName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// The identifier of a coordination in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CoordId(pub i64);

impl fmt::Display for CoordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A reference to an issue in a forge: `repo#number`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IssueRef {
    pub repo: RepoName,
    pub number: u64,
}

impl IssueRef {
    /// Parses `repo#number`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let (repo, num) = s
            .rsplit_once('#')
            .ok_or_else(|| format!("invalid issue reference '{s}': expected REPO#NUMBER, e.g. loqa#3"))?;
        let repo = RepoName::parse(repo).map_err(|e| e.to_string())?;
        let number =
            num.parse::<u64>().map_err(|_| format!("invalid issue reference '{s}': '{num}' is not an issue number"))?;
        Ok(IssueRef { repo, number })
    }
}

impl fmt::Display for IssueRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.repo, self.number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_names_are_validated() {
        assert!(RepoName::parse("loqa-proto").is_ok());
        assert!(RepoName::parse("www.loqalabs_com").is_ok());
        assert!(RepoName::parse("").is_err());
        assert!(RepoName::parse("-x").is_err());
        assert!(RepoName::parse("a b").unwrap_err().to_string().contains("letters, digits"));
    }

    #[test]
    fn issue_refs_parse() {
        let r = IssueRef::parse("loqa-hub#12").unwrap();
        assert_eq!(r.repo.as_str(), "loqa-hub");
        assert_eq!(r.number, 12);
        assert_eq!(r.to_string(), "loqa-hub#12");
        assert!(IssueRef::parse("loqa").is_err());
        assert!(IssueRef::parse("loqa#x").is_err());
    }
}
