//! go.mod: a small parser for its line grammar, and what discovery takes from it.
//!
//! A go.mod is a list of directives, one a line (`module`, `go`, `toolchain`, `godebug`,
//! `require`, `exclude`, `replace`, `retract`, `tool`, `ignore`), each either on one line or as a
//! block `verb (` … `)` with one entry a line. Arguments are bare words or quoted strings
//! (`"…"` with escapes, or `` `…` ``); `//` starts a comment; `=>` separates a replacement.
//! The parser recovers at the next line: every error is reported with its line and what was
//! understood is kept.

use super::{Dep, Facts, FileError, Namespace};

/// A parsed go.mod. Every entry carries its 1-based line.
///
/// Discovery reads the module, requires and replaces; the rest is parsed so that a valid file
/// is accepted whole and an invalid one is pointed at, and is there for later readers.
#[allow(dead_code)]
#[derive(Debug, Default, PartialEq)]
pub(crate) struct GoMod {
    pub module: Option<(String, usize)>,
    pub go: Option<(String, usize)>,
    pub toolchain: Option<(String, usize)>,
    pub requires: Vec<Require>,
    pub excludes: Vec<Exclude>,
    pub replaces: Vec<Replace>,
    pub retracts: Vec<Retract>,
}

#[derive(Debug, PartialEq)]
pub(crate) struct Require {
    pub path: String,
    pub version: String,
    /// Marked `// indirect`: needed by the build, not imported by this module.
    pub indirect: bool,
    pub line: usize,
}

#[allow(dead_code)] // see GoMod
#[derive(Debug, PartialEq)]
pub(crate) struct Exclude {
    pub path: String,
    pub version: String,
    pub line: usize,
}

#[derive(Debug, PartialEq)]
pub(crate) struct Replace {
    pub path: String,
    /// Only this version is replaced; all versions when absent.
    pub version: Option<String>,
    pub target: Target,
    pub line: usize,
}

/// What a `replace` substitutes.
#[derive(Debug, PartialEq)]
pub(crate) enum Target {
    /// Another module at a version.
    Module { path: String, version: String },
    /// A directory, relative to the go.mod or absolute.
    Dir(String),
}

#[allow(dead_code)] // see GoMod
#[derive(Debug, PartialEq)]
pub(crate) struct Retract {
    /// The retracted versions, `low..=high`; equal for a single version.
    pub low: String,
    pub high: String,
    pub rationale: Option<String>,
    pub line: usize,
}

/// A syntax error at a line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("go.mod:{line}: {message}")]
pub(crate) struct SyntaxError {
    pub line: usize,
    pub message: String,
}

/// What discovery takes from a go.mod: the module path as the repo's name, each require, and
/// each replace (a directory target as the version `local:<dir>`).
pub(super) fn read(text: &str) -> Facts {
    let (gomod, errors) = parse(text);
    let mut facts = Facts::default();
    facts.identities.extend(gomod.module.map(|(path, _)| path));
    for r in gomod.requires {
        let mut dep = Dep::new(Namespace::GoModule, r.path, Some(r.version), Some(r.line));
        dep.indirect = r.indirect;
        facts.deps.push(dep);
    }
    for r in gomod.replaces {
        let dep = match r.target {
            Target::Dir(dir) => {
                Dep::new(Namespace::GoModule, r.path, Some(format!("local:{dir}")), Some(r.line)).at_path(Some(dir))
            }
            Target::Module { path, version } => Dep::new(Namespace::GoModule, path, Some(version), Some(r.line)),
        };
        facts.deps.push(dep);
    }
    facts.errors = errors.into_iter().map(|e| FileError::new(Some(e.line), e.message)).collect();
    facts
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// A bare word or a quoted string, unquoted.
    Word(String),
    Open,
    Close,
    OpenBracket,
    CloseBracket,
    Comma,
    Arrow,
}

/// One line in tokens, with the text of its `//` comment.
struct Line {
    number: usize,
    tokens: Vec<Token>,
    comment: Option<String>,
}

const VERBS: &[&str] =
    &["module", "go", "toolchain", "godebug", "require", "exclude", "replace", "retract", "tool", "ignore"];

/// Parses a go.mod; never fails: errors come back beside what could be read.
pub(crate) fn parse(text: &str) -> (GoMod, Vec<SyntaxError>) {
    let mut p = Parser { gomod: GoMod::default(), errors: Vec::new() };
    let mut block: Option<(String, usize)> = None;
    for (i, raw) in text.lines().enumerate() {
        let number = i + 1;
        let line = match lex(raw.trim_start_matches('\u{feff}'), number) {
            Ok(line) => line,
            Err(e) => {
                p.errors.push(e);
                continue;
            }
        };
        let tokens = line.tokens.as_slice();
        if tokens.is_empty() {
            continue;
        }
        if let Some((verb, _)) = &block {
            match tokens {
                [Token::Close] => block = None,
                _ if tokens.iter().any(|t| matches!(t, Token::Open | Token::Close)) => {
                    p.error(number, "unexpected parenthesis inside a block; a block ends with ')' alone on its line");
                }
                _ => {
                    let verb = verb.clone();
                    p.entry(&verb, tokens, &line);
                }
            }
            continue;
        }
        let Token::Word(verb) = &tokens[0] else {
            p.error(number, "expected a directive such as module, go, require or replace");
            continue;
        };
        if !VERBS.contains(&verb.as_str()) {
            p.error(number, format!("unknown directive '{verb}'"));
            continue;
        }
        let args = &tokens[1..];
        match args {
            [Token::Open] => block = Some((verb.clone(), number)),
            _ if args.iter().any(|t| matches!(t, Token::Open | Token::Close)) => p.error(
                number,
                format!("misplaced parenthesis; a block is written `{verb} (` with entries on the lines below"),
            ),
            _ => p.entry(verb, args, &line),
        }
    }
    if let Some((verb, start)) = block {
        p.error(start, format!("`{verb} (` block is not closed with ')'"));
    }
    (p.gomod, p.errors)
}

struct Parser {
    gomod: GoMod,
    errors: Vec<SyntaxError>,
}

impl Parser {
    fn error(&mut self, line: usize, message: impl Into<String>) {
        self.errors.push(SyntaxError { line, message: message.into() });
    }

    /// One directive (or block entry) of `verb` with its arguments.
    fn entry(&mut self, verb: &str, args: &[Token], line: &Line) {
        let n = line.number;
        let words: Option<Vec<&str>> = args
            .iter()
            .map(|t| match t {
                Token::Word(w) => Some(w.as_str()),
                _ => None,
            })
            .collect();
        match verb {
            "module" | "go" | "toolchain" => {
                let Some([value]) = words.as_deref() else {
                    return self.error(n, format!("`{verb}` takes exactly one argument"));
                };
                let valid = match verb {
                    "go" => is_go_version(value),
                    "toolchain" => *value == "default" || value.strip_prefix("go").is_some_and(is_go_version),
                    _ => !value.is_empty(),
                };
                if !valid {
                    let expected = match verb {
                        "go" => "a Go version such as 1.22 or 1.22.1",
                        "toolchain" => "a toolchain such as go1.22.1",
                        _ => "a module path",
                    };
                    return self.error(n, format!("invalid `{verb}` value '{value}'; expected {expected}"));
                }
                let slot = match verb {
                    "module" => &mut self.gomod.module,
                    "go" => &mut self.gomod.go,
                    _ => &mut self.gomod.toolchain,
                };
                if let Some((_, first)) = slot {
                    let first = *first;
                    return self.error(n, format!("repeated `{verb}` directive (first on line {first})"));
                }
                *slot = Some((value.to_string(), n));
            }
            "require" | "exclude" => {
                let Some([path, version]) = words.as_deref() else {
                    return self.error(
                        n,
                        format!("`{verb}` takes a module path and a version, e.g. `{verb} example.com/m v1.2.3`"),
                    );
                };
                if !is_module_version(version) {
                    return self
                        .error(n, format!("invalid version '{version}' of {path}; expected one such as v1.2.3"));
                }
                let (path, version) = (path.to_string(), version.to_string());
                if verb == "require" {
                    let indirect =
                        line.comment.as_deref().is_some_and(|c| c == "indirect" || c.starts_with("indirect;"));
                    self.gomod.requires.push(Require { path, version, indirect, line: n });
                } else {
                    self.gomod.excludes.push(Exclude { path, version, line: n });
                }
            }
            "replace" => self.replace(args, n),
            "retract" => self.retract(args, line),
            // godebug key=value, tool and ignore paths: nothing discovery needs.
            _ => {
                if !matches!(words.as_deref(), Some([_, ..])) {
                    self.error(n, format!("`{verb}` expects arguments"));
                }
            }
        }
    }

    fn replace(&mut self, args: &[Token], n: usize) {
        let usage = "`replace` is written `old [version] => new version` or `old [version] => ./dir`";
        let Some(arrow) = args.iter().position(|t| *t == Token::Arrow) else {
            return self.error(n, format!("missing '=>'; {usage}"));
        };
        let word = |t: &Token| match t {
            Token::Word(w) => Some(w.clone()),
            _ => None,
        };
        let left: Option<Vec<String>> = args[..arrow].iter().map(word).collect();
        let right: Option<Vec<String>> = args[arrow + 1..].iter().map(word).collect();
        let (Some(left), Some(right)) = (left, right) else {
            return self.error(n, usage);
        };
        let (path, version) = match left.as_slice() {
            [path] => (path.clone(), None),
            [path, version] if is_module_version(version) => (path.clone(), Some(version.clone())),
            [_, version] => return self.error(n, format!("invalid version '{version}'; expected one such as v1.2.3")),
            _ => return self.error(n, usage),
        };
        let target = match right.as_slice() {
            [dir] if is_dir_path(dir) => Target::Dir(dir.clone()),
            [module] => {
                return self.error(
                    n,
                    format!(
                        "replacement '{module}' has no version; a replacement without version must be a \
                         directory (starting with ./, ../ or /)"
                    ),
                )
            }
            [dir, _] if is_dir_path(dir) => {
                return self.error(n, format!("replacement directory '{dir}' cannot have a version"))
            }
            [path, version] if is_module_version(version) => {
                Target::Module { path: path.clone(), version: version.clone() }
            }
            [_, version] => return self.error(n, format!("invalid version '{version}'; expected one such as v1.2.3")),
            _ => return self.error(n, usage),
        };
        self.gomod.replaces.push(Replace { path, version, target, line: n });
    }

    fn retract(&mut self, args: &[Token], line: &Line) {
        let n = line.number;
        let (low, high) = match args {
            [Token::Word(v)] => (v, v),
            [Token::OpenBracket, Token::Word(low), Token::Comma, Token::Word(high), Token::CloseBracket] => (low, high),
            _ => return self.error(n, "`retract` takes a version or an interval `[low, high]`"),
        };
        if let Some(bad) = [low, high].into_iter().find(|v| !is_module_version(v)) {
            return self.error(n, format!("invalid version '{bad}'; expected one such as v1.2.3"));
        }
        self.gomod.retracts.push(Retract {
            low: low.clone(),
            high: high.clone(),
            rationale: line.comment.clone(),
            line: n,
        });
    }
}

/// Splits one line into tokens and its comment.
fn lex(text: &str, number: usize) -> Result<Line, SyntaxError> {
    let err = |message: String| SyntaxError { line: number, message };
    let mut tokens = Vec::new();
    let mut comment = None;
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        let Some(c) = rest.chars().next() else { break };
        if let Some(text) = rest.strip_prefix("//") {
            comment = Some(text.trim().to_string());
            break;
        }
        if let Some(after) = rest.strip_prefix("=>") {
            tokens.push(Token::Arrow);
            rest = after;
            continue;
        }
        let punct = match c {
            '(' => Some(Token::Open),
            ')' => Some(Token::Close),
            '[' => Some(Token::OpenBracket),
            ']' => Some(Token::CloseBracket),
            ',' => Some(Token::Comma),
            _ => None,
        };
        if let Some(t) = punct {
            tokens.push(t);
            rest = &rest[1..];
            continue;
        }
        match c {
            '"' => {
                let (word, after) = unquote(rest).map_err(err)?;
                tokens.push(Token::Word(word));
                rest = after;
            }
            '`' => {
                let body = &rest[1..];
                let end = body.find('`').ok_or_else(|| err("unterminated raw string (missing `)".into()))?;
                tokens.push(Token::Word(body[..end].to_string()));
                rest = &body[end + 1..];
            }
            _ => {
                let end = rest
                    .char_indices()
                    .find(|&(i, c)| c.is_whitespace() || "()[],\"`".contains(c) || rest[i..].starts_with("//"))
                    .map_or(rest.len(), |(i, _)| i);
                tokens.push(Token::Word(rest[..end].to_string()));
                rest = &rest[end..];
            }
        }
    }
    Ok(Line { number, tokens, comment })
}

/// Reads a Go interpreted string at the start of `s`; returns its value and the text after it.
fn unquote(s: &str) -> Result<(String, &str), String> {
    let mut out = String::new();
    let mut chars = s.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, &s[i + 1..])),
            '\\' => {
                let escaped = match chars.next().map(|(_, e)| e) {
                    Some('n') => '\n',
                    Some('t') => '\t',
                    Some('r') => '\r',
                    Some(e @ ('\\' | '"' | '\'')) => e,
                    Some(e) => return Err(format!("unknown escape '\\{e}' in quoted string")),
                    None => break,
                };
                out.push(escaped);
            }
            _ => out.push(c),
        }
    }
    Err("unterminated quoted string (missing \")".into())
}

/// `1.22`, `1.22.1`, `1.23rc1`.
fn is_go_version(v: &str) -> bool {
    let numeric_end = v.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(v.len());
    let (numbers, suffix) = v.split_at(numeric_end);
    let parts_ok = !numbers.is_empty() && numbers.split('.').all(|p| !p.is_empty()) && numbers.split('.').count() <= 3;
    let suffix_ok = suffix.is_empty()
        || ["rc", "beta"].iter().any(|pre| {
            suffix.strip_prefix(pre).is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        });
    parts_ok && suffix_ok
}

/// A semantic version with a `v`: `v1.2.3`, `v0.0.0-20240101120000-abcdef123456`,
/// `v2.0.0+incompatible`.
fn is_module_version(v: &str) -> bool {
    let Some(rest) = v.strip_prefix('v') else { return false };
    let core_end = rest.find(['-', '+']).unwrap_or(rest.len());
    let (core, extra) = rest.split_at(core_end);
    let parts: Vec<&str> = core.split('.').collect();
    let core_ok = parts.len() == 3 && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    let extra_ok = extra.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '.'))
        && !extra.ends_with(['-', '+', '.']);
    core_ok && extra_ok
}

/// A replacement directory: rooted, or starting with `./` or `../` (either slash).
fn is_dir_path(p: &str) -> bool {
    p == "."
        || p == ".."
        || ["./", "../", ".\\", "..\\", "/", "\\"].iter().any(|prefix| p.starts_with(prefix))
        || p.as_bytes().get(1..3).is_some_and(|b| b == b":\\" || b == b":/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<(usize, String)> {
        parse(text).1.into_iter().map(|e| (e.line, e.message)).collect()
    }

    #[test]
    fn go_mod_require_block_with_replace_is_parsed() {
        let text = r#"// Module of the hub.
module github.com/loqalabs/loqa-hub

go 1.22.1

toolchain go1.22.4

require (
	github.com/loqalabs/loqa-proto/go v0.3.1
	"github.com/nats-io/nats.go" v1.37.0 // quoted path
	golang.org/x/net v0.0.0-20240101120000-abcdef123456 // indirect
	github.com/old/thing v2.0.0+incompatible // indirect; kept for plugins
)

require github.com/spf13/cobra v1.8.0

replace github.com/loqalabs/loqa-proto/go => ../loqa-proto/go

replace (
	github.com/nats-io/nats.go v1.37.0 => github.com/loqalabs/nats.go v1.37.1-loqa.1
	golang.org/x/net => `/opt/forks/net`
)

exclude github.com/spf13/cobra v1.7.0

retract [v0.1.0, v0.1.5] // published by mistake
retract v0.2.0
"#;
        let (m, errors) = parse(text);
        assert_eq!(errors, []);
        assert_eq!(m.module, Some(("github.com/loqalabs/loqa-hub".into(), 2)));
        assert_eq!(m.go, Some(("1.22.1".into(), 4)));
        assert_eq!(m.toolchain, Some(("go1.22.4".into(), 6)));
        let requires: Vec<_> =
            m.requires.iter().map(|r| (r.path.as_str(), r.version.as_str(), r.indirect, r.line)).collect();
        assert_eq!(
            requires,
            [
                ("github.com/loqalabs/loqa-proto/go", "v0.3.1", false, 9),
                ("github.com/nats-io/nats.go", "v1.37.0", false, 10),
                ("golang.org/x/net", "v0.0.0-20240101120000-abcdef123456", true, 11),
                ("github.com/old/thing", "v2.0.0+incompatible", true, 12),
                ("github.com/spf13/cobra", "v1.8.0", false, 15),
            ]
        );
        assert_eq!(
            m.replaces,
            [
                Replace {
                    path: "github.com/loqalabs/loqa-proto/go".into(),
                    version: None,
                    target: Target::Dir("../loqa-proto/go".into()),
                    line: 17,
                },
                Replace {
                    path: "github.com/nats-io/nats.go".into(),
                    version: Some("v1.37.0".into()),
                    target: Target::Module {
                        path: "github.com/loqalabs/nats.go".into(),
                        version: "v1.37.1-loqa.1".into()
                    },
                    line: 20,
                },
                Replace {
                    path: "golang.org/x/net".into(),
                    version: None,
                    target: Target::Dir("/opt/forks/net".into()),
                    line: 21,
                },
            ]
        );
        assert_eq!(m.excludes, [Exclude { path: "github.com/spf13/cobra".into(), version: "v1.7.0".into(), line: 24 }]);
        assert_eq!(
            m.retracts,
            [
                Retract {
                    low: "v0.1.0".into(),
                    high: "v0.1.5".into(),
                    rationale: Some("published by mistake".into()),
                    line: 26
                },
                Retract { low: "v0.2.0".into(), high: "v0.2.0".into(), rationale: None, line: 27 },
            ]
        );
    }

    #[test]
    fn crlf_line_endings_comments_and_empty_blocks_are_accepted() {
        let text =
            "module example.com/m // the module\r\n\r\nrequire (\r\n)\r\n// trailing\r\ngodebug default=go1.21\r\n";
        let (m, errors) = parse(text);
        assert_eq!(errors, []);
        assert_eq!(m.module, Some(("example.com/m".into(), 1)));
    }

    #[test]
    fn quoted_paths_unescape() {
        let (m, errors) = parse("require \"example.com/a\\\"b\" v1.0.0\n");
        assert_eq!(errors, []);
        assert_eq!(m.requires[0].path, "example.com/a\"b");
    }

    #[test]
    fn syntax_errors_carry_their_line_and_parsing_goes_on() {
        let text = "\
module example.com/m
module example.com/other
go one.two
require example.com/a
require example.com/b 1.0.0
replace example.com/c => example.com/d
replace example.com/e v1.0.0 example.com/f v1.0.0
replace example.com/g => ./g v1.0.0
frobnicate all
require \"example.com/unterminated v1.0.0
retract [v1.0.0 v1.1.0]
) 
require example.com/ok v1.0.0
require (
    example.com/x v1.0.0 (
";
        let got = errors(text);
        let lines: Vec<usize> = got.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 15, 14], "{got:#?}");
        assert!(got[0].1.contains("repeated `module` directive (first on line 1)"), "{got:#?}");
        assert!(got[4].1.contains("must be a directory"), "{got:#?}");
        assert!(got[7].1.contains("unknown directive 'frobnicate'"), "{got:#?}");
        assert!(got[12].1.contains("`require (` block is not closed"), "{got:#?}");
        // What was valid is kept.
        let (m, _) = parse(text);
        let paths: Vec<&str> = m.requires.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(paths, ["example.com/ok"]);
        assert_eq!(m.module, Some(("example.com/m".into(), 1)));
    }

    #[test]
    fn go_mod_facts_report_replaced_directories_as_local_versions() {
        let facts = read("module example.com/hub\nrequire example.com/proto v0.3.1 // indirect\nreplace example.com/proto => ../proto\n");
        assert_eq!(facts.identities, ["example.com/hub"]);
        assert_eq!(
            facts.rows(),
            ["2 example.com/proto v0.3.1 indirect", "3 example.com/proto local:../proto path=../proto"]
        );
    }

    #[test]
    fn versions_are_validated() {
        for good in ["v1.2.3", "v0.0.0-20240101120000-abcdef123456", "v2.0.0+incompatible", "v1.0.0-rc.1"] {
            assert!(is_module_version(good), "{good}");
        }
        for bad in ["1.2.3", "v1.2", "v1.2.3-", "vx.y.z", "v1..2"] {
            assert!(!is_module_version(bad), "{bad}");
        }
        for good in ["1.21", "1.21.0", "1.23rc1"] {
            assert!(is_go_version(good), "{good}");
        }
        assert!(!is_go_version("1.21-x") && !is_go_version("") && !is_go_version("1..2"));
    }
}
