//! A health endpoint's URL, parsed once (WHATWG rules, the `url` crate) when the manifest is
//! read, and shown only redacted.
//!
//! # What is shown
//! [`HealthUrl`]'s `Display`, `Debug` and `Serialize` give `scheme://***@host:port/path?***`:
//! the userinfo (user *and* password: a user name is often a token) and the query (often a
//! token) are replaced by `***`, the fragment is dropped. The credentials are reachable only
//! through [`HealthUrl::credentials`], for the request itself.
//!
//! # Passwords with `/`, `?`, `#` or `@`
//! URL rules end the authority at the first `/`, `?` or `#`: in `http://user:pa/ss@host/` the
//! host is `user`, the "port" is `pa` (refused: not a number) and `/ss@host/` is a path. A
//! text-level redaction cannot know where such a password ends, so tandem never has to guess:
//! - a URL the parser refuses is never echoed (errors say what is wrong, not the value);
//! - a URL whose path, query or fragment holds an `@` is refused at load. A literal `@` after
//!   the host is what an unencoded password containing `/`, `?` or `#` leaves behind
//!   (`http://user:1234/ss@host` parses as host `user`, port 1234, path `/ss@host`); a health
//!   path needing `@` writes it `%40`;
//! - an `@` inside the password itself is fine: the authority ends at the *last* `@` before the
//!   first `/`, `?` or `#` (`http://user:p@ss@host/` has the password `p@ss`).
//!
//! So every accepted URL's userinfo is exactly what the parser says it is, and redacting the
//! parsed userinfo hides all of it. For text that was never parsed (or failed to parse),
//! [`redact`] hides everything between `://` and the *last* `@` of the text, and the query.

use serde::{Serialize, Serializer};
use std::fmt;

/// The longest health URL accepted, in bytes.
pub const MAX_URL_LEN: usize = 2048;

/// Why a health URL was refused. Never carries the URL or any part of its userinfo.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HealthUrlError {
    #[error("is {len} bytes long (at most {MAX_URL_LEN})")]
    TooLong { len: usize },
    #[error("contains {what} (U+{code:04X}) at character {at}")]
    ControlCharacter { what: &'static str, code: u32, at: usize },
    #[error("is not a valid URL: {reason}")]
    Invalid { reason: String },
    #[error("is not an http:// or https:// URL")]
    Scheme,
    #[error("names no host")]
    NoHost,
    #[error("has an '@' after the host (an unencoded '/', '?' or '#' in a password?)")]
    AtAfterHost,
}

impl HealthUrlError {
    /// What a correct value looks like, for the message's "expected" line.
    pub fn expected(&self) -> &'static str {
        match self {
            HealthUrlError::AtAfterHost => {
                "credentials with '/', '?', '#' or '@' percent-encoded (%2F, %3F, %23, %40), \
                 e.g. \"http://user:pa%2Fss@host:3000/health\""
            }
            _ => "a URL such as \"http://127.0.0.1:3000/health\" or \"https://host/health\"",
        }
    }
}

/// http or https.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    Http,
    Https,
}

/// A validated http(s) health URL. Printing it (any way) shows it redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct HealthUrl {
    url: url::Url,
}

/// The user and password of a health URL, percent-decoded: sent as Basic authentication,
/// never printed (`Debug` is redacted).
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    user_colon_password: Vec<u8>,
}

impl Credentials {
    /// `user:password`, the bytes Basic authentication encodes. For the request only.
    pub fn expose_user_colon_password(&self) -> &[u8] {
        &self.user_colon_password
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Credentials(***)")
    }
}

impl HealthUrl {
    /// Parses and validates a health URL: at most [`MAX_URL_LEN`] bytes, no control character
    /// or whitespace (the URL parser would silently drop CR, LF and tab), http or https, a host,
    /// no `@` after the host. The fragment is dropped (it is never sent).
    pub fn parse(text: &str) -> Result<HealthUrl, HealthUrlError> {
        if text.len() > MAX_URL_LEN {
            return Err(HealthUrlError::TooLong { len: text.len() });
        }
        if let Some((i, c)) = text.chars().enumerate().find(|(_, c)| c.is_control() || c.is_whitespace()) {
            let what = match c {
                '\r' => "a carriage return",
                '\n' => "a line feed",
                '\t' => "a tab",
                c if c.is_whitespace() => "a space",
                _ => "a control character",
            };
            return Err(HealthUrlError::ControlCharacter { what, code: c as u32, at: i + 1 });
        }
        // The parser's messages ("invalid port number", "empty host"...) never quote the input.
        let mut url = url::Url::parse(text).map_err(|e| HealthUrlError::Invalid { reason: e.to_string() })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(HealthUrlError::Scheme);
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(HealthUrlError::NoHost);
        }
        let after_host = [Some(url.path()), url.query(), url.fragment()];
        if after_host.iter().flatten().any(|part| part.contains('@')) {
            return Err(HealthUrlError::AtAfterHost);
        }
        url.set_fragment(None);
        Ok(HealthUrl { url })
    }

    pub fn scheme(&self) -> Scheme {
        if self.url.scheme() == "https" {
            Scheme::Https
        } else {
            Scheme::Http
        }
    }

    /// The host as written in a URL (`[::1]` for IPv6).
    pub fn host(&self) -> String {
        match self.url.host() {
            Some(url::Host::Ipv6(a)) => format!("[{a}]"),
            Some(h) => h.to_string(),
            None => String::new(),
        }
    }

    /// True for `localhost`, 127.0.0.0/8 and `::1`: traffic that must never go through a proxy.
    pub fn is_loopback(&self) -> bool {
        match self.url.host() {
            Some(url::Host::Domain(d)) => {
                let d = d.trim_end_matches('.');
                d.eq_ignore_ascii_case("localhost") || d.to_ascii_lowercase().ends_with(".localhost")
            }
            Some(url::Host::Ipv4(a)) => a.is_loopback(),
            Some(url::Host::Ipv6(a)) => a.is_loopback(),
            None => false,
        }
    }

    /// Whether the URL carries a user or a password.
    pub fn has_credentials(&self) -> bool {
        !self.url.username().is_empty() || self.url.password().is_some()
    }

    /// The user and password to send as Basic authentication, if the URL has any.
    pub fn credentials(&self) -> Option<Credentials> {
        if !self.has_credentials() {
            return None;
        }
        let mut bytes: Vec<u8> = percent_encoding::percent_decode_str(self.url.username()).collect();
        bytes.push(b':');
        bytes.extend(percent_encoding::percent_decode_str(self.url.password().unwrap_or("")));
        Some(Credentials { user_colon_password: bytes })
    }

    /// The URL to request: without userinfo (sent as a header instead) and fragment, with the
    /// query. Not for display: the query may hold a token.
    pub fn request_url(&self) -> String {
        let mut u = self.url.clone();
        // Setting an empty user and no password cannot fail on an http(s) URL with a host.
        let _ = u.set_username("");
        let _ = u.set_password(None);
        u.to_string()
    }

    /// The query, if any: a secret for display purposes (hidden as `?***`).
    pub fn query(&self) -> Option<&str> {
        self.url.query()
    }

    /// The redacted form: `scheme://***@host:port/path?***`.
    pub fn redacted(&self) -> String {
        let mut s = format!("{}://", self.url.scheme());
        if self.has_credentials() {
            s.push_str("***@");
        }
        s.push_str(&self.host());
        if let Some(p) = self.url.port() {
            s.push_str(&format!(":{p}"));
        }
        s.push_str(self.url.path());
        if self.url.query().is_some() {
            s.push_str("?***");
        }
        s
    }
}

impl fmt::Display for HealthUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for HealthUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HealthUrl({})", self.redacted())
    }
}

impl Serialize for HealthUrl {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.redacted())
    }
}

/// Redacts URL-like text that was not (or could not be) parsed: everything between `://` (or
/// the start) and the *last* `@` of the text becomes `***`, the query becomes `?***`, the
/// fragment is dropped. Conservative: it may hide more than the userinfo, never less.
pub fn redact(text: &str) -> String {
    let (scheme, rest) = match text.find("://") {
        Some(i) => (&text[..i + 3], &text[i + 3..]),
        None => ("", text),
    };
    let (userinfo, rest) = match rest.rfind('@') {
        Some(i) => ("***@", &rest[i + 1..]),
        None => ("", rest),
    };
    let rest = rest.split_once('#').map_or(rest, |(r, _)| r);
    let rest = match rest.split_once('?') {
        Some((before, _)) => format!("{before}?***"),
        None => rest.to_string(),
    };
    format!("{scheme}{userinfo}{rest}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every case: the password never appears in the redacted form or in the error.
    fn shown(text: &str) -> String {
        match HealthUrl::parse(text) {
            Ok(u) => format!("{u} {u:?} {}", serde_json::to_string(&u).unwrap()),
            Err(e) => format!("{e} {e:?}"),
        }
    }

    #[test]
    fn passwords_with_url_delimiters_are_refused_or_hidden_never_shown() {
        for (text, secret) in [
            ("http://user:pa/ss@host/health", "ss@host"),
            ("http://user:pa#ss@host/health", "pa#ss"),
            ("http://user:pa?ss@host/health", "pa?ss"),
            ("http://user:1234/5678@host/health", "5678"),
            ("http://user:12#34@host/health", "#34"),
            ("http://user:12?34@host/health", "?34"),
            ("http://user:p@ss@host/health", "p@ss"),
            ("http://user:p%40ss@host/health", "p%40ss"),
            ("http://user:s3cr%2Ft@[::1]:8080/health", "s3cr"),
            ("http://tok3n@[2001:db8::1]/health", "tok3n"),
            ("https://user:hunter2@host/health?token=abc", "hunter2"),
        ] {
            let out = shown(text);
            assert!(!out.contains(secret), "{text} shows its secret: {out}");
            assert!(!redact(text).contains(secret), "{text} → {}", redact(text));
        }
    }

    #[test]
    fn an_at_after_the_host_is_refused_with_how_to_encode() {
        let e = HealthUrl::parse("http://user:1234/ss@host/health").unwrap_err();
        assert_eq!(e, HealthUrlError::AtAfterHost);
        assert!(e.expected().contains("%2F"), "{}", e.expected());
        assert_eq!(HealthUrl::parse("http://h/x?a=b@c").unwrap_err(), HealthUrlError::AtAfterHost);
        assert!(matches!(HealthUrl::parse("http://user:pa/ss@host/"), Err(HealthUrlError::Invalid { .. })));
    }

    #[test]
    fn an_at_in_the_password_belongs_to_the_userinfo() {
        let u = HealthUrl::parse("http://user:p@ss@host:81/health").unwrap();
        assert_eq!(u.host(), "host");
        assert_eq!(u.credentials().unwrap().expose_user_colon_password(), b"user:p@ss");
        assert_eq!(u.to_string(), "http://***@host:81/health");
        assert_eq!(u.request_url(), "http://host:81/health");
    }

    #[test]
    fn percent_encoded_credentials_are_decoded_for_the_request() {
        let u = HealthUrl::parse("http://us%3Ar:pa%2Fs%23s%3F@[::1]:8080/health?deep=1#frag").unwrap();
        assert_eq!(u.credentials().unwrap().expose_user_colon_password(), b"us:r:pa/s#s?");
        assert_eq!(u.to_string(), "http://***@[::1]:8080/health?***");
        assert_eq!(u.request_url(), "http://[::1]:8080/health?deep=1");
        assert!(u.is_loopback());
        assert_eq!(format!("{:?}", u.credentials().unwrap()), "Credentials(***)");
    }

    #[test]
    fn control_characters_and_whitespace_are_refused_not_stripped() {
        for (text, code) in [
            ("http://host/health\r\nX-Injected: 1", 0x0D),
            ("http://host/he\nalth", 0x0A),
            ("http://host/he\talth", 0x09),
            (" http://host/health", 0x20),
            ("http://host/\u{7f}", 0x7F),
            ("http://host/\u{85}", 0x85),
        ] {
            match HealthUrl::parse(text) {
                Err(HealthUrlError::ControlCharacter { code: c, .. }) => assert_eq!(c, code, "{text:?}"),
                other => panic!("{text:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn only_http_and_https_with_a_host_are_accepted() {
        assert_eq!(HealthUrl::parse("ftp://host/").unwrap_err(), HealthUrlError::Scheme);
        assert_eq!(HealthUrl::parse("user:pass@host").unwrap_err(), HealthUrlError::Scheme);
        assert!(matches!(HealthUrl::parse("http://"), Err(HealthUrlError::Invalid { .. })));
        assert!(matches!(HealthUrl::parse("http://h:99999/"), Err(HealthUrlError::Invalid { .. })));
        let long = format!("http://h/{}", "a".repeat(MAX_URL_LEN));
        assert!(matches!(HealthUrl::parse(&long), Err(HealthUrlError::TooLong { .. })));
        assert_eq!(HealthUrl::parse("https://h/health").unwrap().scheme(), Scheme::Https);
        assert_eq!(HealthUrl::parse("HTTP://H/").unwrap().to_string(), "http://h/");
    }

    #[test]
    fn loopback_hosts_are_recognised() {
        for (text, lo) in [
            ("http://localhost:1/", true),
            ("http://127.0.0.2/", true),
            ("http://[::1]/", true),
            ("http://10.0.0.1/", false),
            ("http://example.internal/", false),
        ] {
            assert_eq!(HealthUrl::parse(text).unwrap().is_loopback(), lo, "{text}");
        }
    }

    #[test]
    fn text_redaction_hides_up_to_the_last_at() {
        assert_eq!(redact("http://user:pa/ss@host/health?t=1#f"), "http://***@host/health?***");
        assert_eq!(redact("http://127.0.0.1:3000/health"), "http://127.0.0.1:3000/health");
        assert_eq!(redact("user:pw@host"), "***@host");
    }
}
