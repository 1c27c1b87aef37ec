//! Secrets the server is started with: the API's bearer token and the webhook secret. A
//! [`Secret`] never prints itself (`Debug` says `<hidden>`, there is no `Display`), and it is
//! compared in time independent of its contents.

use crate::error::ServerError;
use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::Path;

/// A token or a webhook secret. Never printed.
#[derive(Clone)]
pub struct Secret {
    what: &'static str,
    value: String,
}

impl Secret {
    /// The shortest secret accepted, in characters.
    pub const MIN_LEN: usize = 16;

    /// `what` names it in errors ("the API token"); `s` is trimmed. At least
    /// [`Self::MIN_LEN`] characters, none of them a control character.
    pub fn parse(what: &'static str, s: &str) -> Result<Secret, ServerError> {
        let t = s.trim();
        if t.len() < Self::MIN_LEN {
            return Err(ServerError::Secret(format!(
                "{what} is {} characters long; use at least {}",
                t.chars().count(),
                Self::MIN_LEN
            )));
        }
        if t.chars().any(char::is_control) {
            return Err(ServerError::Secret(format!("{what} may not hold control characters")));
        }
        Ok(Secret { what, value: t.to_string() })
    }

    /// Reads the secret from a file (its whole content, trimmed). The error names the file, never
    /// its content.
    pub fn from_file(what: &'static str, path: &Path) -> Result<Secret, ServerError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ServerError::Secret(format!("cannot read {what} from {}: {e}", path.display())))?;
        Secret::parse(what, &text).map_err(|e| match e {
            ServerError::Secret(m) => ServerError::Secret(format!("{}: {m}", path.display())),
            e => e,
        })
    }

    /// The secret from the environment variable `var` if it is set, else from `file` if given.
    pub fn from_env_or_file(what: &'static str, var: &str, file: Option<&Path>) -> Result<Option<Secret>, ServerError> {
        match (std::env::var(var), file) {
            (Ok(v), _) => {
                Secret::parse(what, &v).map(Some).map_err(|e| ServerError::Secret(format!("${var}: {}", e.message())))
            }
            (Err(_), Some(path)) => Secret::from_file(what, path).map(Some),
            (Err(_), None) => Ok(None),
        }
    }

    /// The secret itself, to hand to another component that checks it (the dashboard's sign-in).
    /// Never for printing.
    pub fn reveal(&self) -> &str {
        &self.value
    }

    /// True when `presented` is the secret. Both sides are hashed first, so neither their
    /// contents nor their lengths shape the comparison.
    pub fn matches(&self, presented: &[u8]) -> bool {
        let a = Sha256::digest(self.value.as_bytes());
        let b = Sha256::digest(presented);
        let diff = a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y));
        std::hint::black_box(diff) == 0
    }

    /// True when `signature` (the raw bytes of an HMAC-SHA256 tag) signs `body` with this
    /// secret; the tag is compared in constant time.
    pub fn verifies(&self, body: &[u8], signature: &[u8]) -> bool {
        let Ok(mut mac) = hmac::Hmac::<Sha256>::new_from_slice(self.value.as_bytes()) else {
            return false;
        };
        mac.update(body);
        mac.verify_slice(signature).is_ok()
    }

    /// `sha256=<hex>`: the signature GitHub would send for `body` (tests and the load tool).
    pub fn sign(&self, body: &[u8]) -> String {
        // An HMAC accepts keys of every length; this cannot fail.
        let mut mac = hmac::Hmac::<Sha256>::new_from_slice(self.value.as_bytes()).expect("HMAC takes any key length");
        mac.update(body);
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({}: <hidden>)", self.what)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_by_value_and_never_print() {
        let s = Secret::parse("the API token", " 0123456789abcdef0123\n").unwrap();
        assert!(s.matches(b"0123456789abcdef0123"));
        assert!(!s.matches(b"0123456789abcdef0124"));
        assert!(!s.matches(b"0123456789abcdef012"));
        assert!(!format!("{s:?}").contains("0123"));
        assert!(Secret::parse("the API token", "short").is_err());
        let e = Secret::parse("the API token", "0123456789\u{7}abcdef0123").unwrap_err();
        assert!(!e.to_string().contains("0123"), "{e}");
    }

    #[test]
    fn a_signature_verifies_only_its_body_under_its_secret() {
        // GitHub's documented test values for validating webhook deliveries.
        let s = Secret::parse("the webhook secret", "It's a Secret to Everybody").unwrap();
        let sig = s.sign(b"Hello, World!");
        assert_eq!(sig, "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
        let raw = hex::decode(sig.strip_prefix("sha256=").unwrap()).unwrap();
        assert!(s.verifies(b"Hello, World!", &raw));
        assert!(!s.verifies(b"Hello, World?", &raw));
        let other = Secret::parse("the webhook secret", "AnotherSecretEntirely").unwrap();
        assert!(!other.verifies(b"Hello, World!", &raw));
    }
}
