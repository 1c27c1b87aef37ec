//! HTML writing: one escaping function, the page frame, and small shared pieces (badges, bars).
//!
//! Every value that comes from the workspace, the store or a request goes through [`esc`] (text
//! and attribute values alike: `&`, `<`, `>`, `"` and `'` are replaced), so a repo or a title
//! holding markup is shown as text.

use std::fmt::{self, Display, Write};

/// Text escaped for HTML content and quoted attribute values.
pub struct Esc<'a>(pub &'a str);

impl Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        let mut last = 0;
        for (i, b) in s.bytes().enumerate() {
            let rep = match b {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                b'\'' => "&#39;",
                _ => continue,
            };
            f.write_str(&s[last..i])?;
            f.write_str(rep)?;
            last = i + 1;
        }
        f.write_str(&s[last..])
    }
}

pub fn esc(s: &str) -> Esc<'_> {
    Esc(s)
}

/// A path segment percent-encoded for an `href` (repo names are restricted, but be safe).
pub fn seg(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Which page is current, for the navigation.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Coordinations,
    Graph,
    Health,
    Charts,
    None,
}

/// What the frame needs besides the page's own body.
pub struct Frame<'a> {
    pub title: &'a str,
    pub nav: Nav,
    pub workspace: &'a str,
    /// The newest event id the page reflects (the live script compares it with the stream's).
    pub event_id: i64,
    pub session: &'a crate::auth::Viewer,
}

/// Wraps a page body in the document: head, skip link, header with navigation and sign-in state.
pub fn page(f: &Frame<'_>, body: &str) -> String {
    let mut o = String::with_capacity(body.len() + 2048);
    let _ = write!(
        o,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta name=\"color-scheme\" content=\"light dark\">\
<title>{} · tandem</title>\
<link rel=\"icon\" href=\"/static/favicon.svg\" type=\"image/svg+xml\">\
<link rel=\"stylesheet\" href=\"/static/app.css\">\
<script src=\"/static/app.js\" defer></script>\
</head><body data-event-id=\"{}\">\
<a class=\"skip\" href=\"#main\">Skip to content</a>\
<header class=\"top\"><a class=\"brand\" href=\"/\"><img src=\"/static/favicon.svg\" alt=\"\" width=\"20\" height=\"20\"> tandem <span class=\"ws\">{}</span></a>\
<nav aria-label=\"Main\"><ul>",
        esc(f.title),
        f.event_id,
        esc(f.workspace)
    );
    for (nav, href, label) in [
        (Nav::Coordinations, "/", "Coordinations"),
        (Nav::Graph, "/graph", "Graph"),
        (Nav::Health, "/health", "Health"),
        (Nav::Charts, "/charts", "Metrics"),
    ] {
        let current = if nav == f.nav { " aria-current=\"page\"" } else { "" };
        let _ = write!(o, "<li><a href=\"{href}\"{current}>{label}</a></li>");
    }
    o.push_str("</ul></nav><div class=\"who\">");
    match f.session {
        crate::auth::Viewer::ReadOnly => o.push_str(
            "<span class=\"pill\" title=\"No write token is configured: this dashboard only shows\">read-only</span>",
        ),
        crate::auth::Viewer::Anonymous => o.push_str("<a class=\"button small\" href=\"/signin\">Sign in to act</a>"),
        crate::auth::Viewer::Signed { csrf } => {
            let _ = write!(
                o,
                "<form method=\"post\" action=\"/signout\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
<button class=\"small\" type=\"submit\">Sign out</button></form>",
                esc(csrf)
            );
        }
    }
    o.push_str(
        "<button type=\"button\" class=\"small theme\" id=\"theme\" hidden aria-label=\"Switch between light and dark theme\">◐</button>\
<span class=\"live\" id=\"live\" role=\"status\" aria-live=\"polite\"></span></div></header>\
<main id=\"main\" tabindex=\"-1\">",
    );
    o.push_str(body);
    o.push_str("</main><footer>tandem · pages refresh by themselves when anything changes</footer></body></html>\n");
    o
}

/// A status badge; the class carries the colour, the text carries the meaning.
pub fn badge(o: &mut String, status: &str) {
    let _ = write!(o, "<span class=\"badge s-{}\">{}</span>", esc(status), esc(&status.replace('_', " ")));
}

/// A progress bar that reads as a number too.
pub fn bar(o: &mut String, fraction: f64, label: &str) {
    let pct = (fraction.clamp(0.0, 1.0) * 100.0).round() as u32;
    let _ = write!(
        o,
        "<span class=\"bar\" role=\"img\" aria-label=\"{} {pct} %\"><span style=\"width:{pct}%\"></span></span><span class=\"pct\">{pct} %</span>",
        esc(label)
    );
}

/// "3 d", "5 h", "12 min": how long ago, for tables.
pub fn age(now: chrono::DateTime<chrono::Utc>, then: chrono::DateTime<chrono::Utc>) -> String {
    let s = (now - then).num_seconds().max(0);
    if s < 60 {
        "just now".into()
    } else if s < 3600 {
        format!("{} min", s / 60)
    } else if s < 86_400 {
        format!("{} h", s / 3600)
    } else {
        format!("{} d", s / 86_400)
    }
}

/// A time as a `<time>` element with the full UTC time as its title.
pub fn time(o: &mut String, now: chrono::DateTime<chrono::Utc>, at: chrono::DateTime<chrono::Utc>) {
    let _ = write!(
        o,
        "<time datetime=\"{}\" title=\"{}\">{} ago</time>",
        at.to_rfc3339(),
        at.format("%Y-%m-%d %H:%M UTC"),
        age(now, at)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_text_is_escaped() {
        assert_eq!(
            esc("<script>alert('x') & \"y\"</script>").to_string(),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
        assert_eq!(esc("plain").to_string(), "plain");
    }
}
