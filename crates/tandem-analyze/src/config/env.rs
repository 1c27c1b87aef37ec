//! `.env.example`-style files: `KEY=value` lines, `export KEY=value`, `#` comments, values
//! optionally quoted. A line that is none of these is an error with its line.

/// One `KEY=value` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EnvKey {
    pub name: String,
    /// The value as written, unquoted; `None` for a key without one (compose `- KEY`).
    pub value: Option<String>,
    pub line: usize,
}

/// The keys of an env file, in file order.
#[derive(Debug, Default)]
pub(crate) struct EnvFile {
    pub keys: Vec<EnvKey>,
}

pub(crate) fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// The value of `KEY=value` as written: quotes removed, or an unquoted value's ` #` comment.
pub(crate) fn value(raw: &str) -> String {
    let raw = raw.trim();
    for q in ['"', '\''] {
        if let Some(rest) = raw.strip_prefix(q) {
            return rest.split_once(q).map_or(rest, |(v, _)| v).to_string();
        }
    }
    raw.split_once(" #").map_or(raw, |(v, _)| v).trim_end().to_string()
}

impl EnvFile {
    pub(crate) fn parse(text: &str) -> Result<EnvFile, Vec<(usize, String)>> {
        let mut keys = Vec::new();
        let mut errors = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim().trim_start_matches('\u{feff}');
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let line = line.strip_prefix("export ").unwrap_or(line);
            match line.split_once('=') {
                Some((name, v)) if valid_name(name.trim()) => {
                    keys.push(EnvKey { name: name.trim().to_string(), value: Some(value(v)), line: i + 1 })
                }
                Some((name, _)) => errors.push((i + 1, format!("'{}' is not a variable name", name.trim()))),
                None => errors.push((i + 1, format!("line {} is not `KEY=value`", i + 1))),
            }
        }
        if errors.is_empty() {
            Ok(EnvFile { keys })
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_values_comments_and_exports_are_read() {
        let f = EnvFile::parse("# db\nexport DB_URL=\"postgres://x\" # main\nPORT=80 # web\nEMPTY=\n").unwrap();
        let got: Vec<_> = f.keys.iter().map(|k| (k.name.as_str(), k.value.as_deref().unwrap(), k.line)).collect();
        assert_eq!(got, [("DB_URL", "postgres://x", 2), ("PORT", "80", 3), ("EMPTY", "", 4)]);
    }

    #[test]
    fn lines_that_are_not_assignments_are_errors_with_their_line() {
        let errors = EnvFile::parse("A=1\nnot an assignment\n9X=2\n").unwrap_err();
        assert_eq!(errors.iter().map(|e| e.0).collect::<Vec<_>>(), [2, 3]);
    }
}
