//! Migration text to statements, each with the line it starts on. Bad input is data: every
//! statement that does not parse becomes a [`ParseError`] and the others are still returned.
//!
//! The file is tokenized once (the tokenizer knows the dialect's quoting, comments and
//! dollar-quoted bodies) and cut at top-level semicolons; each piece is parsed on its own, so a
//! statement's line is that of its first token and one bad statement spoils nothing else. A
//! piece that fails is retried joined with the pieces after it, which parses bodies that
//! contain semicolons outside quotes (`BEGIN ATOMIC … END`). When even tokenizing fails (an
//! unterminated string or comment), the text is split on every `;` and each part is tokenized
//! alone.

use sqlparser::ast::{ObjectType, Statement};
use sqlparser::dialect::{Dialect as SqlDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

/// The SQL dialect a migration is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Postgres,
    MySql,
    Sqlite,
}

impl Dialect {
    /// `postgres` (also `postgresql`, and the default for anything unknown), `mysql`, `sqlite`.
    pub(crate) fn parse(name: Option<&str>) -> Dialect {
        match name.map(str::to_ascii_lowercase).as_deref() {
            Some("mysql") | Some("mariadb") => Dialect::MySql,
            Some("sqlite") | Some("sqlite3") => Dialect::Sqlite,
            _ => Dialect::Postgres,
        }
    }

    fn sqlparser(self) -> &'static dyn SqlDialect {
        match self {
            Dialect::Postgres => &PostgreSqlDialect {},
            Dialect::MySql => &MySqlDialect {},
            Dialect::Sqlite => &SQLiteDialect {},
        }
    }
}

/// One parsed statement.
#[derive(Debug)]
pub(crate) struct Stmt {
    pub ast: Statement,
    /// 1-based line of the statement's first token.
    pub line: u32,
    /// 1-based column of that token.
    pub column: u32,
    /// `DROP INDEX CONCURRENTLY` (which sqlparser does not know: the keyword is taken out before
    /// parsing and remembered here).
    pub drop_concurrently: bool,
}

/// A statement (or the file) that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// What a migration file holds.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub statements: Vec<Stmt>,
    pub errors: Vec<ParseError>,
}

/// Longest run of pieces joined together when a piece alone does not parse.
const MAX_JOIN: usize = 64;

/// Parses a migration file.
pub(crate) fn parse(bytes: &[u8], dialect: Dialect) -> Parsed {
    let mut out = Parsed::default();
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let line = 1 + bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() as u32;
            out.errors.push(ParseError {
                line,
                column: 1,
                message: format!("the file is not UTF-8 text (invalid byte at offset {})", e.valid_up_to()),
            });
            return out;
        }
    };
    let pieces = match tokenize(text, dialect, 0) {
        Ok(tokens) => split_on_semicolons(tokens),
        Err(_) => {
            let mut pieces = Vec::new();
            let mut line_offset = 0;
            for part in text.split(';') {
                match tokenize(part, dialect, line_offset) {
                    Ok(tokens) => pieces.extend(split_on_semicolons(tokens)),
                    Err(e) => out.errors.push(e),
                }
                line_offset += part.matches('\n').count() as u32;
            }
            pieces
        }
    };
    parse_pieces(pieces, dialect, &mut out);
    out
}

fn tokenize(text: &str, dialect: Dialect, line_offset: u32) -> Result<Vec<TokenWithSpan>, ParseError> {
    let result = std::panic::catch_unwind(|| Tokenizer::new(dialect.sqlparser(), text).tokenize_with_location());
    match result {
        Ok(Ok(mut tokens)) => {
            for t in &mut tokens {
                t.span.start.line += line_offset as u64;
                t.span.end.line += line_offset as u64;
            }
            Ok(tokens)
        }
        Ok(Err(e)) => Err(ParseError {
            line: e.location.line as u32 + line_offset,
            column: e.location.column as u32,
            message: e.message,
        }),
        Err(_) => Err(ParseError { line: line_offset + 1, column: 1, message: "the SQL tokenizer failed".into() }),
    }
}

/// Cuts a token stream at top-level semicolons, dropping pieces with nothing but whitespace and
/// comments.
fn split_on_semicolons(tokens: Vec<TokenWithSpan>) -> Vec<Vec<TokenWithSpan>> {
    let mut pieces = Vec::new();
    let mut cur = Vec::new();
    for t in tokens {
        if t.token == Token::SemiColon {
            pieces.push(std::mem::take(&mut cur));
        } else if t.token != Token::EOF {
            cur.push(t);
        }
    }
    pieces.push(cur);
    pieces.retain(|p| p.iter().any(|t| !is_trivia(&t.token)));
    pieces
}

fn is_trivia(t: &Token) -> bool {
    matches!(t, Token::Whitespace(_))
}

fn parse_pieces(pieces: Vec<Vec<TokenWithSpan>>, dialect: Dialect, out: &mut Parsed) {
    let mut i = 0;
    while i < pieces.len() {
        let first = pieces[i].iter().find(|t| !is_trivia(&t.token)).map(|t| t.span.start);
        let line = first.map(|l| l.line as u32).unwrap_or(1).max(1);
        let column = first.map(|l| l.column as u32).unwrap_or(1).max(1);
        let end = pieces[i].last().map(|t| (t.span.end.line as u32, t.span.end.column as u32)).unwrap_or((0, 0));
        let mut joined: Vec<TokenWithSpan> = Vec::new();
        let mut first_error = None;
        let mut done = false;
        let mut next = i + 1;
        for (j, piece) in pieces.iter().enumerate().skip(i).take(MAX_JOIN) {
            if j > i {
                joined.push(TokenWithSpan::wrap(Token::SemiColon));
            }
            joined.extend(piece.iter().cloned());
            match parse_tokens(joined.clone(), dialect) {
                Ok(statements) => {
                    out.statements.extend(statements.into_iter().map(|(ast, drop_concurrently)| Stmt {
                        ast,
                        line,
                        column,
                        drop_concurrently,
                    }));
                    next = j + 1;
                    done = true;
                    break;
                }
                Err(e) => {
                    // Failing inside this piece, not at its end: more pieces cannot help.
                    let inside = matches!(e.1, Some(at) if at < end);
                    first_error.get_or_insert(e);
                    if inside {
                        break;
                    }
                }
            }
        }
        if !done {
            let (message, at) = first_error.unwrap_or_else(|| ("unknown parse error".into(), None));
            let (l, c) = at.unwrap_or((line, 1));
            out.errors.push(ParseError { line: l, column: c, message });
        }
        i = next;
    }
}

type ParseFailure = (String, Option<(u32, u32)>);

/// Parses one statement's tokens (or a few joined by semicolons).
fn parse_tokens(tokens: Vec<TokenWithSpan>, dialect: Dialect) -> Result<Vec<(Statement, bool)>, ParseFailure> {
    let (tokens, concurrently) = strip_drop_index_concurrently(tokens);
    let result = std::panic::catch_unwind(move || {
        Parser::new(dialect.sqlparser()).with_tokens_with_locations(tokens).parse_statements()
    });
    let statements = match result {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Err(split_location(&e.to_string())),
        Err(_) => return Err(("the SQL parser failed".into(), None)),
    };
    let mut flags = concurrently.into_iter();
    Ok(statements
        .into_iter()
        .map(|s| {
            let c =
                matches!(s, Statement::Drop { object_type: ObjectType::Index, .. }) && flags.next().unwrap_or(false);
            (s, c)
        })
        .collect())
}

/// Takes `CONCURRENTLY` out of every `DROP INDEX CONCURRENTLY`, returning for each `DROP INDEX`
/// in order whether it had the keyword.
fn strip_drop_index_concurrently(tokens: Vec<TokenWithSpan>) -> (Vec<TokenWithSpan>, Vec<bool>) {
    let mut out: Vec<TokenWithSpan> = Vec::with_capacity(tokens.len());
    let mut flags = Vec::new();
    // The last two significant keywords seen, to recognise `DROP INDEX`.
    let mut last: [Option<Keyword>; 2] = [None, None];
    for t in tokens {
        if is_trivia(&t.token) {
            out.push(t);
            continue;
        }
        let kw = match &t.token {
            Token::Word(w) => Some(w.keyword),
            _ => None,
        };
        if last == [Some(Keyword::DROP), Some(Keyword::INDEX)] {
            let conc = kw == Some(Keyword::CONCURRENTLY);
            flags.push(conc);
            last = [Some(Keyword::INDEX), kw];
            if conc {
                continue;
            }
        } else {
            last = [last[1], kw];
        }
        out.push(t);
    }
    (out, flags)
}

/// `"message at Line: 3, Column: 7"` → the message and its place.
fn split_location(msg: &str) -> ParseFailure {
    let msg = msg.strip_prefix("sql parser error: ").unwrap_or(msg);
    if let Some(at) = msg.rfind(" at Line: ") {
        let place = &msg[at + " at Line: ".len()..];
        let mut parts = place.split(", Column: ");
        let line = parts.next().and_then(|l| l.trim().parse::<u32>().ok());
        let col = parts.next().and_then(|c| c.trim().parse::<u32>().ok());
        if let (Some(l), Some(c)) = (line, col) {
            return (msg[..at].to_string(), Some((l, c)));
        }
    }
    (msg.to_string(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(sql: &str) -> Vec<u32> {
        parse(sql.as_bytes(), Dialect::Postgres).statements.iter().map(|s| s.line).collect()
    }

    #[test]
    fn statements_start_on_the_line_of_their_first_token() {
        assert_eq!(lines("-- header\nDROP TABLE a;\n\n/* c */ DROP TABLE b;\nDROP\nTABLE c"), vec![2, 4, 5]);
    }

    #[test]
    fn semicolons_in_strings_and_dollar_bodies_do_not_split() {
        let sql = "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\nSELECT ';';\nDROP TABLE x;";
        let p = parse(sql.as_bytes(), Dialect::Postgres);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.statements.iter().map(|s| s.line).collect::<Vec<_>>(), vec![1, 2, 3]);
    }

    #[test]
    fn one_bad_statement_is_an_error_and_the_rest_is_parsed() {
        let p = parse(b"DROP TABLE a;\nALTER TABEL b DROP COLUMN c;\nDROP TABLE d;", Dialect::Postgres);
        assert_eq!(p.statements.len(), 2);
        assert_eq!(p.errors.len(), 1);
        assert_eq!(p.errors[0].line, 2);
        assert!(p.errors[0].message.contains("TABEL"), "{}", p.errors[0].message);
    }

    #[test]
    fn bodies_with_semicolons_outside_quotes_are_one_statement() {
        let sql =
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT 2;\nEND;\nDROP TABLE x;";
        let p = parse(sql.as_bytes(), Dialect::Postgres);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.statements.iter().map(|s| s.line).collect::<Vec<_>>(), vec![1, 6]);
    }

    #[test]
    fn many_bad_statements_are_reported_quickly() {
        let sql = "ALTER TABEL t DROP COLUMN c;\n".repeat(2000);
        let started = std::time::Instant::now();
        let p = parse(sql.as_bytes(), Dialect::Postgres);
        assert_eq!(p.errors.len(), 2000);
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
    }

    #[test]
    fn drop_index_concurrently_is_understood() {
        let p = parse(b"DROP INDEX CONCURRENTLY IF EXISTS i;\nDROP INDEX j;", Dialect::Postgres);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.statements.iter().map(|s| s.drop_concurrently).collect::<Vec<_>>(), vec![true, false]);
    }

    #[test]
    fn unterminated_string_is_an_error_with_its_line() {
        let p = parse(b"DROP TABLE a;\nSELECT 'oops;\n", Dialect::Postgres);
        assert_eq!(p.errors.len(), 1);
        assert_eq!(p.errors[0].line, 2);
    }

    #[test]
    fn invalid_utf8_is_an_error() {
        let p = parse(b"DROP TABLE a;\n\xff\xfe\x00", Dialect::Postgres);
        assert_eq!(p.errors.len(), 1);
        assert_eq!(p.errors[0].line, 2);
        assert!(p.statements.is_empty());
    }

    #[test]
    fn unknown_dialect_names_mean_postgres() {
        assert_eq!(Dialect::parse(None), Dialect::Postgres);
        assert_eq!(Dialect::parse(Some("MySQL")), Dialect::MySql);
        assert_eq!(Dialect::parse(Some("sqlite")), Dialect::Sqlite);
        assert_eq!(Dialect::parse(Some("oracle")), Dialect::Postgres);
    }
}
