//! Limits a `.proto` file must stay within before the compiler sees it.
//!
//! The compiler (protox, and the text-format parser it uses for message literals in options)
//! recurses once per nesting level, and its memory grows with the file. A file over a limit is
//! not compiled: it becomes a `COMPILE` finding naming the file and the line, and the rest of
//! the analysis goes on.

/// The largest `.proto` file compiled, in bytes (4 MiB): twice the largest public API
/// definitions (about 2 MB). The compiler takes ~200 times a file's size in memory at its
/// peak, so this also bounds the memory of an analysis.
pub const MAX_PROTO_FILE_BYTES: usize = 4 * 1024 * 1024;

/// The deepest nesting of brackets (`{`, `[`, `(`, `<`, outside strings and comments) in a
/// `.proto` file: nested messages, option values and message literals in options all count.
/// protox itself refuses messages nested deeper than 31 levels, but not message literals,
/// which its text-format parser reads recursively (~20 KB of stack per level in a debug build:
/// ~100 levels overflowed a 2 MiB stack). 64 levels need about 1.3 MB, well within the stack
/// the compiler runs on ([`COMPILE_STACK_BYTES`]).
pub const MAX_NESTING: usize = 64;

/// The stack of the threads that compile, whatever the caller's stack (a tokio worker has
/// 2 MiB): room for [`MAX_NESTING`] levels many times over.
pub const COMPILE_STACK_BYTES: usize = 16 * 1024 * 1024;

/// Why a file is not compiled, and where (1-based line and column; 0 when it is the whole
/// file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub line: u32,
    pub column: u32,
    pub message: String,
    /// Further problems of the same file, reported with this one.
    pub more: Vec<Refusal>,
}

/// Checks the size of the file `path` (`len` bytes), before it is even decoded.
pub fn check_size(path: &str, len: usize) -> Result<(), Refusal> {
    if len <= MAX_PROTO_FILE_BYTES {
        return Ok(());
    }
    Err(Refusal {
        line: 0,
        column: 0,
        message: format!(
            "{path} is {len} bytes, over the limit of {MAX_PROTO_FILE_BYTES} bytes ({} MiB) for a .proto file; it was not compiled",
            MAX_PROTO_FILE_BYTES / (1024 * 1024)
        ),
        more: Vec::new(),
    })
}

/// Checks the nesting of `text` (the file `path`), in one pass that never recurses.
pub fn check_nesting(path: &str, text: &str) -> Result<(), Refusal> {
    let bytes = text.as_bytes();
    let (mut depth, mut line, mut line_start, mut i) = (0usize, 1u32, 0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                line += 1;
                line_start = i + 1;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    if bytes[i] == b'\n' {
                        line += 1;
                        line_start = i + 1;
                    }
                    i += 1;
                }
                i += 2;
                continue;
            }
            quote @ (b'"' | b'\'') => {
                // a string ends at its closing quote or, unterminated, at the end of the line
                i += 1;
                while i < bytes.len() && bytes[i] != quote && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                if i < bytes.len() && bytes[i] == quote {
                    i += 1;
                }
                continue;
            }
            b'{' | b'[' | b'(' | b'<' => {
                depth += 1;
                if depth > MAX_NESTING {
                    let column = text[line_start..i].chars().count() as u32 + 1;
                    return Err(Refusal {
                        line,
                        column,
                        message: format!(
                            "{path}:{line}:{column}: nesting is deeper than the limit of {MAX_NESTING} levels (messages, option values and message literals count); the file was not compiled"
                        ),
                        more: Vec::new(),
                    });
                }
            }
            b'}' | b']' | b')' | b'>' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(levels: usize) -> String {
        format!("syntax = \"proto3\";\n{}{}", "message A {\n".repeat(levels), "}\n".repeat(levels))
    }

    #[test]
    fn nesting_at_the_limit_is_accepted() {
        assert_eq!(check_nesting("a.proto", &nested(MAX_NESTING)), Ok(()));
    }

    #[test]
    fn nesting_over_the_limit_is_refused_at_the_bracket_that_goes_too_deep() {
        let r = check_nesting("a.proto", &nested(MAX_NESTING + 1)).unwrap_err();
        assert_eq!((r.line, r.column), (MAX_NESTING as u32 + 2, 11));
        assert!(r.message.contains("a.proto") && r.message.contains("64 levels"), "{}", r.message);
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        let deep = "{".repeat(MAX_NESTING * 2);
        let text = format!(
            "syntax = \"proto3\";\n// {deep}\n/* {deep}\n{deep} */\noption java_package = \"{deep}\";\noption go_package = '\\'{deep}';\n"
        );
        assert_eq!(check_nesting("a.proto", &text), Ok(()));
    }

    #[test]
    fn an_unterminated_string_ends_at_the_end_of_its_line() {
        let text = format!("option x = \"unterminated\n{}", "{".repeat(MAX_NESTING + 1));
        assert_eq!(check_nesting("a.proto", &text).unwrap_err().line, 2);
    }

    #[test]
    fn closing_brackets_never_make_the_depth_negative() {
        let text = format!("{}{}", "}".repeat(100), "{".repeat(MAX_NESTING + 1));
        assert!(check_nesting("a.proto", &text).is_err());
    }

    #[test]
    fn a_file_over_the_size_limit_is_refused_naming_the_limit() {
        assert_eq!(check_size("big.proto", MAX_PROTO_FILE_BYTES), Ok(()));
        let r = check_size("big.proto", MAX_PROTO_FILE_BYTES + 1).unwrap_err();
        assert!(r.message.contains("big.proto") && r.message.contains("4 MiB"), "{}", r.message);
    }
}
