//! `[repo.health]` in tandem.toml: the URL is parsed at load, refused with file:line:column,
//! and never echoed (it may carry credentials).

use std::path::Path;
use tandem_model::manifest::Workspace;
use tandem_model::ManifestError;

fn manifest(health: &str) -> String {
    format!("[[repo]]\nname = \"hub\"\nrole = \"service\"\n\n[repo.health]\n{health}\n")
}

fn parse(health: &str) -> Result<Workspace, ManifestError> {
    Workspace::parse(&manifest(health), Path::new("/ws/tandem.toml"))
}

/// The one place that checks a refusal: where, what, and that no secret is shown.
fn check_refused(health: &str, line: usize, column: usize, needle: &str, secret: &str) {
    let e = parse(health).unwrap_err();
    let shown = format!("{e} {e:?}");
    assert_eq!((e.line, e.column), (line, column), "{shown}");
    assert!(e.to_string().starts_with("/ws/tandem.toml:"), "{shown}");
    assert!(shown.contains(needle), "expected {needle:?} in {shown}");
    assert!(!shown.contains(secret), "the error shows the secret {secret:?}: {shown}");
}

#[test]
fn health_urls_with_credentials_are_never_echoed_in_manifest_errors() {
    check_refused(r#"url = "http://ops:pa/ss@host/health""#, 6, 7, "health url of 'hub'", "pa/ss");
    check_refused(r#"url = "http://ops:pa#ss@host/health""#, 6, 7, "invalid port", "pa#ss");
    check_refused(r#"url = "http://ops:pa?ss@host/health""#, 6, 7, "invalid port", "pa?ss");
    check_refused(r#"url = "http://ops:1234/hunter2@host/health""#, 6, 7, "'@' after the host", "hunter2");
    check_refused(r#"url = "ftp://ops:hunter2@host/health""#, 6, 7, "http:// or https://", "hunter2");
    check_refused(r#"url = "http://ops:hunter2@[::1/health""#, 6, 7, "invalid IPv6", "hunter2");
}

#[test]
fn health_urls_with_control_characters_are_refused_at_load() {
    check_refused(r#"url = "http://127.0.0.1:1/health\r\nX-Injected: yes""#, 6, 7, "carriage return", "X-Injected");
    check_refused(r#"url = "http://127.0.0.1:1/he\nzzq""#, 6, 7, "line feed", "zzq");
    check_refused(r#"url = "http://127.0.0.1:1/he\tzzq""#, 6, 7, "tab", "zzq");
}

#[test]
fn an_at_after_the_host_says_how_to_encode_the_password() {
    let e = parse(r#"url = "http://ops:1234/hunter2@host/health""#).unwrap_err();
    assert!(e.expected.as_deref().unwrap_or("").contains("%2F"), "{e}");
}

#[test]
fn health_timeouts_are_bounded() {
    check_refused("url = \"http://h/\"\ntimeout_ms = 0", 7, 14, "timeout_ms of 'hub' is 0", "\u{0}");
    check_refused("url = \"http://h/\"\ntimeout_ms = 3600000", 7, 14, "is 3600000", "\u{0}");
}

#[test]
fn a_valid_health_url_is_kept_whole_for_the_request_and_shown_redacted() {
    let ws = parse("url = \"https://ops:p%40ss@[::1]:8443/health?token=t0k\"\nca_file = \"certs/ca.pem\"").unwrap();
    let h = ws.repos[0].health.as_ref().unwrap();
    assert_eq!(h.url.to_string(), "https://***@[::1]:8443/health?***");
    assert_eq!(h.url.request_url(), "https://[::1]:8443/health?token=t0k");
    assert_eq!(h.url.credentials().unwrap().expose_user_colon_password(), b"ops:p@ss");
    assert_eq!(h.ca_file.as_deref(), Some(Path::new("/ws/certs/ca.pem")));
    assert_eq!(h.timeout_ms, 2000);
    let all = format!("{ws:?} {}", serde_json::to_string(&ws).unwrap());
    assert!(!all.contains("p%40ss") && !all.contains("t0k"), "{all}");
}
