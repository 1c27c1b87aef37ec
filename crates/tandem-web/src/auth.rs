//! Who is looking: read-only (no write token configured), anonymous, or signed in.
//!
//! Signing in posts the write token once; the server answers with an `HttpOnly`,
//! `SameSite=Strict` cookie holding a session value derived from the token and a key drawn when
//! the router is built (so the token itself never sits in the browser, and restarting the server
//! signs everyone out). Every form post carries a CSRF value derived from the session, and a
//! post whose `Origin` names another host is refused. Comparisons are constant-time.

use axum::http::HeaderMap;
use sha2::{Digest, Sha256};
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;

pub const COOKIE: &str = "tandem_session";

/// What the current request may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewer {
    /// No write token is configured: nobody can act.
    ReadOnly,
    /// A token is configured but this browser has not signed in.
    Anonymous,
    /// Signed in; forms carry `csrf`.
    Signed { csrf: String },
}

impl Viewer {
    pub fn csrf(&self) -> Option<&str> {
        match self {
            Viewer::Signed { csrf } => Some(csrf),
            _ => None,
        }
    }
}

/// The write token's derived values. `Debug` shows nothing secret.
pub struct Auth {
    token_digest: Option<[u8; 32]>,
    session: Option<String>,
    key: [u8; 32],
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth").field("write_token", &self.token_digest.map(|_| "<set>")).finish()
    }
}

fn digest(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    h.finalize().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Equal lengths and equal bytes, in time that depends only on the length.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// 32 bytes from the standard library's randomly seeded hasher keys (seeded from the OS).
fn random_key() -> [u8; 32] {
    let mut out = [0u8; 32];
    for chunk in out.chunks_mut(8) {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(0x7461_6e64_656d);
        chunk.copy_from_slice(&h.finish().to_le_bytes());
    }
    out
}

impl Auth {
    pub fn new(token: Option<Arc<str>>) -> Auth {
        let key = random_key();
        let token = token.filter(|t| !t.is_empty());
        let token_digest = token.as_ref().map(|t| digest(&[b"token", t.as_bytes()]));
        let session = token.as_ref().map(|t| hex(&digest(&[b"session", &key, t.as_bytes()])));
        Auth { token_digest, session, key }
    }

    pub fn writable(&self) -> bool {
        self.token_digest.is_some()
    }

    /// True when `given` is the write token.
    pub fn token_matches(&self, given: &str) -> bool {
        match &self.token_digest {
            Some(d) => ct_eq(d, &digest(&[b"token", given.as_bytes()])),
            None => false,
        }
    }

    /// The cookie's value after a successful sign-in.
    pub fn session_value(&self) -> Option<&str> {
        self.session.as_deref()
    }

    fn csrf_for(&self, session: &str) -> String {
        hex(&digest(&[b"csrf", &self.key, session.as_bytes()]))
    }

    pub fn viewer(&self, headers: &HeaderMap) -> Viewer {
        let Some(expected) = &self.session else { return Viewer::ReadOnly };
        match cookie(headers, COOKIE) {
            Some(v) if ct_eq(v.as_bytes(), expected.as_bytes()) => Viewer::Signed { csrf: self.csrf_for(expected) },
            _ => Viewer::Anonymous,
        }
    }

    /// A form post may act: signed in, its CSRF value matches, and it comes from this origin.
    pub fn may_post(&self, headers: &HeaderMap, csrf: Option<&str>) -> Result<(), &'static str> {
        if !self.writable() {
            return Err("this dashboard is read-only: the server was started without a write token");
        }
        if !same_origin(headers) {
            return Err("the form was posted from another site");
        }
        let Viewer::Signed { csrf: expected } = self.viewer(headers) else {
            return Err("sign in with the write token to act");
        };
        match csrf {
            Some(c) if ct_eq(c.as_bytes(), expected.as_bytes()) => Ok(()),
            _ => Err("the form is out of date (its CSRF value does not match); reload the page and try again"),
        }
    }
}

/// The value of cookie `name`.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// No `Origin` (older browsers, non-browser clients), or one whose host is the request's `Host`.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(axum::http::header::ORIGIN).and_then(|v| v.to_str().ok()) else { return true };
    let host = headers.get(axum::http::header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
    !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_cookie(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(axum::http::header::COOKIE, HeaderValue::from_str(&format!("a=b; {COOKIE}={v}")).unwrap());
        h.insert(axum::http::header::HOST, HeaderValue::from_static("127.0.0.1:1"));
        h
    }

    #[test]
    fn without_a_token_everyone_reads_only() {
        let a = Auth::new(None);
        assert_eq!(a.viewer(&HeaderMap::new()), Viewer::ReadOnly);
        assert!(!a.token_matches(""));
        assert!(a.may_post(&HeaderMap::new(), None).is_err());
    }

    #[test]
    fn the_session_cookie_signs_in_and_csrf_must_match() {
        let a = Auth::new(Some(Arc::from("s3cret")));
        assert!(a.token_matches("s3cret"));
        assert!(!a.token_matches("s3cre"));
        let session = a.session_value().unwrap().to_string();
        assert!(!session.contains("s3cret"));
        let h = with_cookie(&session);
        let Viewer::Signed { csrf } = a.viewer(&h) else { panic!("not signed in") };
        assert!(a.may_post(&h, Some(&csrf)).is_ok());
        assert!(a.may_post(&h, Some("forged")).is_err());
        assert!(a.may_post(&h, None).is_err());
        assert_eq!(a.viewer(&with_cookie("guess")), Viewer::Anonymous);
        let mut cross = h.clone();
        cross.insert(axum::http::header::ORIGIN, HeaderValue::from_static("http://evil.example"));
        assert!(a.may_post(&cross, Some(&csrf)).is_err());
        assert!(!format!("{a:?}").contains("s3cret"));
    }
}
