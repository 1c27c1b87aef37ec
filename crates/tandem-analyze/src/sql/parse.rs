//! Migration text to statements, each with the line it starts on, streamed one at a time so
//! that memory is bounded by the largest statement, not the file. Bad input is data: every
//! statement that does not parse becomes a [`ParseError`] and the others are still returned.
//!
//! The file is cut at top-level semicolons by one forward scan that knows the dialect's quoting
//! and comments (`'…'`, `"…"`, `E'…'`, `$tag$…$tag$`, nested `/* */`, `--`; MySQL's backticks,
//! backslash escapes and `#`); each piece is then tokenized and parsed by sqlparser on its own,
//! so a statement's line is that of its first token and one bad statement spoils nothing else.
//! A piece that fails at its end is retried joined with the pieces after it, which parses
//! bodies that contain semicolons outside quotes (`BEGIN ATOMIC … END`). A piece that cannot
//! even be tokenized (an unterminated string) is an error, and the scan resumes after the next
//! semicolon.
//!
//! PostgreSQL statements sqlparser does not know are recognised here: `DO` blocks (whose
//! plpgsql body is read as a reviewer would: the SQL statements inside, after `BEGIN`, `THEN`,
//! `ELSE` or `LOOP`, and the literal of `EXECUTE '…'`, are returned at their line in the file;
//! plpgsql that is not SQL is skipped), `ALTER SEQUENCE` (no rule reads it: checked for shape
//! only) and `COMMENT ON FUNCTION f(args)` (read without its argument list).
//!
//! # Limits
//! A file over [`MAX_FILE_BYTES`] (32 MiB) is one error and is not read; a statement over
//! [`MAX_STATEMENT_BYTES`] (4 MiB) is an error and the rest of the file is read.

use sqlparser::ast::{ObjectType, Statement};
use sqlparser::dialect::{Dialect as SqlDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

/// Largest migration file read.
pub(crate) const MAX_FILE_BYTES: usize = 32 * 1024 * 1024;
/// Largest single statement parsed.
pub(crate) const MAX_STATEMENT_BYTES: usize = 4 * 1024 * 1024;

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

/// What the parser hands on, in file order.
#[derive(Debug)]
pub(crate) enum Item {
    Statement(Box<Stmt>),
    Error(ParseError),
}

/// Everything a migration file holds, collected (for tests; the detector streams).
#[cfg(test)]
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub statements: Vec<Stmt>,
    pub errors: Vec<ParseError>,
}

#[cfg(test)]
pub(crate) fn parse(bytes: &[u8], dialect: Dialect) -> Parsed {
    let mut out = Parsed::default();
    parse_each(bytes, dialect, &mut |item| match item {
        Item::Statement(s) => out.statements.push(*s),
        Item::Error(e) => out.errors.push(e),
    });
    out
}

/// Longest run of pieces joined together when a piece alone does not parse.
const MAX_JOIN: usize = 64;

/// Parses a migration file, handing each statement and error to `sink` in file order.
pub(crate) fn parse_each(bytes: &[u8], dialect: Dialect, sink: &mut dyn FnMut(Item)) {
    if bytes.len() > MAX_FILE_BYTES {
        return sink(Item::Error(ParseError {
            line: 1,
            column: 1,
            message: format!(
                "the file is {} bytes, more than the {MAX_FILE_BYTES} bytes (32 MiB) a migration may have; it was not analysed",
                bytes.len()
            ),
        }));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let line = 1 + bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() as u32;
            return sink(Item::Error(ParseError {
                line,
                column: 1,
                message: format!("the file is not UTF-8 text (invalid byte at offset {})", e.valid_up_to()),
            }));
        }
    };
    Reader { text, dialect, origin: Place { line: 1, column: 1 }, context: Context::File }.run(sink);
}

/// A 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Place {
    line: u32,
    column: u32,
}

/// Where the text being read comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    /// A migration file: every statement must parse.
    File,
    /// The plpgsql body of a `DO` block: SQL statements are read, the rest is skipped.
    DoBody,
    /// The literal of an `EXECUTE '…'` in a `DO` body: SQL whose bad statements are skipped.
    Execute,
}

/// Reads one text (a file, or a body inside it) whose first character is at `origin`.
struct Reader<'a> {
    text: &'a str,
    dialect: Dialect,
    origin: Place,
    context: Context,
}

impl Reader<'_> {
    fn run(&self, sink: &mut dyn FnMut(Item)) {
        let mut cuts = Cuts::new(self.text, self.dialect, self.origin);
        while let Some(piece) = cuts.next() {
            self.piece(piece, &mut cuts, sink);
        }
    }

    /// Reads the statement starting with `first`, joining the pieces after it when needed.
    fn piece(&self, first: Piece, cuts: &mut Cuts<'_>, sink: &mut dyn FnMut(Item)) {
        let strict = self.context == Context::File;
        if first.end - first.start > MAX_STATEMENT_BYTES {
            if strict {
                sink(Item::Error(ParseError {
                    line: first.place.line,
                    column: first.place.column,
                    message: format!(
                        "the statement is {} bytes, more than the {MAX_STATEMENT_BYTES} bytes (4 MiB) a statement may have; it was not analysed",
                        first.end - first.start
                    ),
                }));
            }
            return;
        }
        let tokens = match self.tokenize(&first) {
            Ok(tokens) => tokens,
            Err(e) => {
                if strict {
                    sink(Item::Error(e));
                }
                // Resume after the first semicolon of the piece (its end, when quoting was
                // unterminated, is the end of the text).
                cuts.resume_after_semicolon(first.start);
                return;
            }
        };
        let Some(start) = tokens.iter().find(|t| !is_trivia(&t.token)).map(|t| t.span.start) else {
            return;
        };
        let place = Place { line: (start.line as u32).max(1), column: (start.column as u32).max(1) };
        if let Some(handled) = self.special(&tokens, place, sink) {
            if let Err(e) = handled {
                if strict {
                    sink(Item::Error(e));
                }
            }
            return;
        }
        let end = tokens.last().map(|t| (t.span.end.line as u32, t.span.end.column as u32)).unwrap_or((0, 0));
        let saved = cuts.clone();
        let mut joined = tokens;
        let mut first_error = None;
        for extra in 0..MAX_JOIN {
            match parse_tokens(joined.clone(), self.dialect) {
                Ok(statements) => {
                    for (ast, drop_concurrently) in statements {
                        let in_body = self.context != Context::File;
                        if in_body
                            && matches!(
                                ast,
                                Statement::StartTransaction { .. }
                                    | Statement::Commit { .. }
                                    | Statement::Rollback { .. }
                            )
                        {
                            // plpgsql's BEGIN and END are block keywords, not transactions.
                            continue;
                        }
                        sink(Item::Statement(Box::new(Stmt {
                            ast,
                            line: place.line,
                            column: place.column,
                            drop_concurrently,
                        })));
                    }
                    return;
                }
                Err(e) => {
                    // Failing inside this piece, not at its end: more pieces cannot help.
                    let inside = matches!(e.1, Some(at) if at < end);
                    first_error.get_or_insert(e);
                    if inside || extra + 1 == MAX_JOIN {
                        break;
                    }
                }
            }
            let Some(next) = cuts.next() else { break };
            if next.end - first.start > MAX_STATEMENT_BYTES {
                break;
            }
            match self.tokenize(&next) {
                Ok(more) => {
                    joined.push(TokenWithSpan::wrap(Token::SemiColon));
                    joined.extend(more);
                }
                Err(_) => break,
            }
        }
        *cuts = saved;
        if strict {
            let (message, at) = first_error.unwrap_or_else(|| ("unknown parse error".into(), None));
            let (line, column) = at.unwrap_or((place.line, place.column));
            sink(Item::Error(ParseError { line, column, message }));
        }
    }

    /// Tokens of a piece, placed in the file.
    fn tokenize(&self, piece: &Piece) -> Result<Vec<TokenWithSpan>, ParseError> {
        let text = &self.text[piece.start..piece.end];
        let at = piece.place;
        let shift = |line: u64, column: u64| -> (u64, u64) {
            let column = if line <= 1 { column + at.column as u64 - 1 } else { column };
            (line + at.line as u64 - 1, column)
        };
        let result =
            std::panic::catch_unwind(|| Tokenizer::new(self.dialect.sqlparser(), text).tokenize_with_location());
        match result {
            Ok(Ok(mut tokens)) => {
                for t in &mut tokens {
                    (t.span.start.line, t.span.start.column) = shift(t.span.start.line, t.span.start.column);
                    (t.span.end.line, t.span.end.column) = shift(t.span.end.line, t.span.end.column);
                }
                tokens.retain(|t| t.token != Token::EOF);
                Ok(tokens)
            }
            Ok(Err(e)) => {
                let (line, column) = shift(e.location.line.max(1), e.location.column.max(1));
                Err(ParseError { line: line as u32, column: column as u32, message: e.message })
            }
            Err(_) => Err(ParseError { line: at.line, column: at.column, message: "the SQL tokenizer failed".into() }),
        }
    }

    /// Statements sqlparser does not know: `None` when `tokens` is not one of them.
    fn special(
        &self,
        tokens: &[TokenWithSpan],
        place: Place,
        sink: &mut dyn FnMut(Item),
    ) -> Option<Result<(), ParseError>> {
        if self.dialect != Dialect::Postgres {
            return None;
        }
        let sig: Vec<&TokenWithSpan> = tokens.iter().filter(|t| !is_trivia(&t.token)).collect();
        let kw = |i: usize| match sig.get(i).map(|t| &t.token) {
            Some(Token::Word(w)) => Some(w.keyword),
            _ => None,
        };
        let error = |t: Option<&&TokenWithSpan>, message: &str| {
            let at = t.map_or(place, |t| Place { line: t.span.start.line as u32, column: t.span.start.column as u32 });
            Err(ParseError { line: at.line, column: at.column, message: message.to_string() })
        };
        match (kw(0), kw(1)) {
            (Some(Keyword::DO), _) if self.context == Context::File => {
                Some(self.do_block(&sig, sink).or_else(|(i, m)| error(sig.get(i), &m)))
            }
            (Some(Keyword::ALTER), Some(Keyword::SEQUENCE)) => Some(alter_sequence(&sig).or_else(|i| {
                error(sig.get(i), "ALTER SEQUENCE is written `ALTER SEQUENCE [IF EXISTS] name option …`")
            })),
            (Some(Keyword::COMMENT), Some(Keyword::ON)) => {
                comment_on_routine(tokens).map(|stripped| match parse_tokens(stripped, self.dialect) {
                    Ok(statements) => {
                        for (ast, _) in statements {
                            sink(Item::Statement(Box::new(Stmt {
                                ast,
                                line: place.line,
                                column: place.column,
                                drop_concurrently: false,
                            })));
                        }
                        Ok(())
                    }
                    Err((message, at)) => {
                        let (line, column) = at.unwrap_or((place.line, place.column));
                        Err(ParseError { line, column, message })
                    }
                })
            }
            _ => None,
        }
    }

    /// `DO [LANGUAGE lang] body [LANGUAGE lang]`: reads a plpgsql body's SQL statements.
    /// Errors are the index of the offending token and a message.
    fn do_block(&self, sig: &[&TokenWithSpan], sink: &mut dyn FnMut(Item)) -> Result<(), (usize, String)> {
        let usage = "a DO block is written `DO [LANGUAGE name] $$ body $$ [LANGUAGE name]`";
        let mut language: Option<String> = None;
        let mut body: Option<(&TokenWithSpan, String, usize)> = None;
        let mut i = 1;
        while i < sig.len() {
            match &sig[i].token {
                Token::Word(w) if w.keyword == Keyword::LANGUAGE && language.is_none() => {
                    match sig.get(i + 1).map(|t| &t.token) {
                        Some(Token::Word(name)) => language = Some(name.value.to_ascii_lowercase()),
                        Some(Token::SingleQuotedString(name)) => language = Some(name.to_ascii_lowercase()),
                        _ => return Err((i + 1, format!("expected a language name after LANGUAGE; {usage}"))),
                    }
                    i += 2;
                }
                Token::DollarQuotedString(d) if body.is_none() => {
                    let opener = d.tag.as_ref().map_or(2, |t| t.chars().count() + 2);
                    body = Some((sig[i], d.value.clone(), opener));
                    i += 1;
                }
                Token::SingleQuotedString(s) if body.is_none() => {
                    body = Some((sig[i], s.clone(), 1));
                    i += 1;
                }
                _ => return Err((i, format!("unexpected token {}; {usage}", sig[i].token))),
            }
        }
        let Some((token, text, opener)) = body else {
            return Err((sig.len().saturating_sub(1), format!("the block has no body; {usage}")));
        };
        if language.as_deref().is_some_and(|l| l != "plpgsql") {
            return Ok(());
        }
        let origin =
            Place { line: token.span.start.line as u32, column: token.span.start.column as u32 + opener as u32 };
        Reader { text: &text, dialect: self.dialect, origin, context: Context::DoBody }.body(sink);
        Ok(())
    }

    /// A plpgsql body: each piece with its block keywords (`BEGIN`, `DECLARE`…, `IF … THEN`,
    /// `ELSE`, `LOOP`, labels) taken off the front is parsed as SQL when it is; `EXECUTE '…'`
    /// reads its literal as SQL.
    fn body(&self, sink: &mut dyn FnMut(Item)) {
        let cuts = Cuts::new(self.text, self.dialect, self.origin);
        for piece in cuts {
            if piece.end - piece.start > MAX_STATEMENT_BYTES {
                continue;
            }
            let Ok(tokens) = self.tokenize(&piece) else { continue };
            let tokens = strip_block_keywords(tokens);
            let sig: Vec<&TokenWithSpan> = tokens.iter().filter(|t| !is_trivia(&t.token)).collect();
            let Some(first) = sig.first() else { continue };
            let execute = matches!(&first.token, Token::Word(w) if w.keyword == Keyword::EXECUTE);
            if execute {
                if let [_, literal] = sig.as_slice() {
                    let (text, opener) = match &literal.token {
                        Token::SingleQuotedString(s) => (s.clone(), 1),
                        Token::DollarQuotedString(d) => {
                            (d.value.clone(), d.tag.as_ref().map_or(2, |t| t.chars().count() + 2))
                        }
                        _ => continue,
                    };
                    let origin = Place {
                        line: literal.span.start.line as u32,
                        column: literal.span.start.column as u32 + opener as u32,
                    };
                    Reader { text: &text, dialect: self.dialect, origin, context: Context::Execute }.run(sink);
                }
                continue;
            }
            let start = first.span.start;
            let place = Place { line: start.line as u32, column: start.column as u32 };
            if let Ok(statements) = parse_tokens(tokens, self.dialect) {
                for (ast, drop_concurrently) in statements {
                    if !matches!(
                        ast,
                        Statement::StartTransaction { .. } | Statement::Commit { .. } | Statement::Rollback { .. }
                    ) {
                        sink(Item::Statement(Box::new(Stmt {
                            ast,
                            line: place.line,
                            column: place.column,
                            drop_concurrently,
                        })));
                    }
                }
            }
        }
    }
}

/// Takes plpgsql's block keywords off the front of a body piece: labels (`<<name>>`), `BEGIN`,
/// `DECLARE`, `ELSE`, `LOOP`, `EXCEPTION`, and everything up to a `THEN` (`IF …`, `ELSIF …`,
/// `WHEN …`).
fn strip_block_keywords(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let mut from = 0;
    loop {
        let Some(i) = (from..tokens.len()).find(|&i| !is_trivia(&tokens[i].token)) else { return Vec::new() };
        let next = match &tokens[i].token {
            Token::ShiftLeft => (i..tokens.len()).find(|&j| tokens[j].token == Token::ShiftRight).map(|j| j + 1),
            Token::Word(w) if w.quote_style.is_none() => match w.value.to_ascii_uppercase().as_str() {
                "BEGIN" | "DECLARE" | "ELSE" | "LOOP" | "EXCEPTION" => Some(i + 1),
                "IF" | "ELSIF" | "ELSEIF" | "WHEN" => (i..tokens.len())
                    .find(|&j| matches!(&tokens[j].token, Token::Word(t) if t.keyword == Keyword::THEN))
                    .map(|j| j + 1),
                _ => None,
            },
            _ => None,
        };
        match next {
            Some(n) => from = n,
            None => return tokens.into_iter().skip(i).collect(),
        }
    }
}

/// `ALTER SEQUENCE [IF EXISTS] name option…`: the name is an identifier (possibly qualified)
/// and every option is words, numbers, signs, commas, dots and balanced parentheses.
fn alter_sequence(sig: &[&TokenWithSpan]) -> Result<(), usize> {
    let mut i = 2;
    if matches!(&sig.get(i).map(|t| &t.token), Some(Token::Word(w)) if w.keyword == Keyword::IF) {
        i += 2;
    }
    if !matches!(sig.get(i).map(|t| &t.token), Some(Token::Word(_))) {
        return Err(i);
    }
    let mut depth = 0i32;
    for (j, t) in sig.iter().enumerate().skip(i + 1) {
        match &t.token {
            Token::LParen => depth += 1,
            Token::RParen if depth > 0 => depth -= 1,
            Token::Word(_) | Token::Number(..) | Token::Minus | Token::Plus | Token::Comma | Token::Period => {}
            _ => return Err(j),
        }
    }
    if depth == 0 {
        Ok(())
    } else {
        Err(sig.len() - 1)
    }
}

/// `COMMENT ON FUNCTION|PROCEDURE|AGGREGATE|ROUTINE name(args) IS …` without `(args)`, which
/// sqlparser does not read; `None` for other statements.
fn comment_on_routine(tokens: &[TokenWithSpan]) -> Option<Vec<TokenWithSpan>> {
    let sig: Vec<usize> = (0..tokens.len()).filter(|&i| !is_trivia(&tokens[i].token)).collect();
    let kind = match &tokens[*sig.get(2)?].token {
        Token::Word(w) => w.keyword,
        _ => return None,
    };
    if !matches!(kind, Keyword::FUNCTION | Keyword::PROCEDURE | Keyword::AGGREGATE | Keyword::ROUTINE) {
        return None;
    }
    // The name: words joined by dots, then the argument list.
    let mut k = 3;
    while matches!(tokens.get(*sig.get(k)?).map(|t| &t.token), Some(Token::Word(_)) | Some(Token::Period)) {
        k += 1;
    }
    let open = *sig.get(k)?;
    if tokens[open].token != Token::LParen {
        return None;
    }
    let mut depth = 0;
    let mut close = None;
    for (j, t) in tokens.iter().enumerate().skip(open) {
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen => {
                depth -= 1;
                if depth == 0 {
                    close = Some(j);
                    break;
                }
            }
            _ => {}
        }
    }
    let close = close?;
    Some(tokens[..open].iter().chain(&tokens[close + 1..]).cloned().collect())
}

/// One piece of text between top-level semicolons: byte range and where it starts.
#[derive(Debug, Clone, Copy)]
struct Piece {
    start: usize,
    end: usize,
    place: Place,
}

/// Cuts a text at top-level semicolons in one forward scan (see the module documentation).
#[derive(Clone)]
struct Cuts<'a> {
    bytes: &'a [u8],
    dialect: Dialect,
    pos: usize,
    /// Line and column of `pos` (the scan counts them as it goes).
    at: Place,
    /// How far the line and column have been counted, and their values there.
    counted: usize,
}

impl<'a> Cuts<'a> {
    fn new(text: &'a str, dialect: Dialect, origin: Place) -> Cuts<'a> {
        Cuts { bytes: text.as_bytes(), dialect, pos: 0, at: origin, counted: 0 }
    }

    /// The place of byte `to` (not before the last place asked).
    fn place_of(&mut self, to: usize) -> Place {
        for &b in &self.bytes[self.counted..to] {
            if b == b'\n' {
                self.at = Place { line: self.at.line + 1, column: 1 };
            } else if b & 0xC0 != 0x80 {
                self.at.column += 1;
            }
        }
        self.counted = to;
        self.at
    }

    /// Continues after the first semicolon at or after `from`.
    fn resume_after_semicolon(&mut self, from: usize) {
        let next = self.bytes[from..].iter().position(|&b| b == b';').map_or(self.bytes.len(), |i| from + i + 1);
        if next > self.counted {
            self.place_of(next);
        }
        self.pos = next.max(self.counted);
    }

    fn end_of_quoted(&self, open: usize, quote: u8, backslash: bool) -> usize {
        let b = self.bytes;
        let mut i = open + 1;
        while i < b.len() {
            if backslash && b[i] == b'\\' {
                i += 2;
                continue;
            }
            if b[i] == quote {
                return i + 1;
            }
            i += 1;
        }
        b.len()
    }

    fn end_of_block_comment(&self, open: usize) -> usize {
        let b = self.bytes;
        let nested = self.dialect == Dialect::Postgres;
        let (mut depth, mut i) = (1, open + 2);
        while i + 1 < b.len() {
            if b[i] == b'*' && b[i + 1] == b'/' {
                depth -= 1;
                i += 2;
                if depth == 0 || !nested {
                    return i;
                }
            } else if nested && b[i] == b'/' && b[i + 1] == b'*' {
                depth += 1;
                i += 2;
            } else {
                i += 1;
            }
        }
        b.len()
    }

    /// The end of a `$tag$ … $tag$` string starting at `open`, if a dollar quote starts there.
    fn end_of_dollar_quote(&self, open: usize) -> Option<usize> {
        let b = self.bytes;
        if open > 0 && is_ident_byte(b[open - 1]) {
            return None;
        }
        let tag_len = b[open + 1..].iter().position(|&c| !is_ident_byte(c)).unwrap_or(b.len() - open - 1);
        let close = open + 1 + tag_len;
        if b.get(close) != Some(&b'$') || b.get(open + 1).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        let tag = &b[open..=close];
        let body = close + 1;
        Some(b[body..].windows(tag.len()).position(|w| w == tag).map_or(b.len(), |i| body + i + tag.len()))
    }
}

impl Iterator for Cuts<'_> {
    type Item = Piece;

    fn next(&mut self) -> Option<Piece> {
        let b = self.bytes;
        let mysql = self.dialect == Dialect::MySql;
        let postgres = self.dialect == Dialect::Postgres;
        while self.pos < b.len() {
            let start = self.pos;
            let mut i = start;
            let end = loop {
                if i >= b.len() {
                    break b.len();
                }
                i = match b[i] {
                    b';' => break i,
                    b'\'' => {
                        let e_string =
                            postgres && i > 0 && matches!(b[i - 1], b'e' | b'E') && (i < 2 || !is_ident_byte(b[i - 2]));
                        self.end_of_quoted(i, b'\'', mysql || e_string)
                    }
                    b'"' => self.end_of_quoted(i, b'"', mysql),
                    b'`' if mysql => self.end_of_quoted(i, b'`', false),
                    b'-' if b.get(i + 1) == Some(&b'-') => {
                        b[i..].iter().position(|&c| c == b'\n').map_or(b.len(), |n| i + n)
                    }
                    b'#' if mysql => b[i..].iter().position(|&c| c == b'\n').map_or(b.len(), |n| i + n),
                    b'/' if b.get(i + 1) == Some(&b'*') => self.end_of_block_comment(i),
                    b'$' if postgres => self.end_of_dollar_quote(i).unwrap_or(i + 1),
                    _ => i + 1,
                };
            };
            self.pos = (end + 1).min(b.len()).max(end);
            let piece_text = &b[start..end];
            if piece_text.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let place = self.place_of(start);
            return Some(Piece { start, end, place });
        }
        None
    }
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

fn is_trivia(t: &Token) -> bool {
    matches!(t, Token::Whitespace(_))
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
