//! Health: the pure parts of tandem's health checks. The engine does the IO (probing
//! endpoints, reading checkouts and the store) and hands the results here.
//!
//! - [`HealthUrl`]: a health endpoint's URL, parsed once at manifest load and shown redacted.

mod health_url;

pub use health_url::{redact, Credentials, HealthUrl, HealthUrlError, Scheme, MAX_URL_LEN};
