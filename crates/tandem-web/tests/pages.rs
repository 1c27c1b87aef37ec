//! The dashboard over HTTP on the demo workspace: every page's content, escaping, acting with
//! the write token (and refusals), read-only mode, and the live stream.

mod support;

use std::io::{BufRead, BufReader};
use std::time::Duration;
use support::{demo, TOKEN};

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).build().into()
}

/// GET `path`; (status, body).
fn get(base: &str, path: &str, cookie: Option<&str>) -> (u16, String) {
    let mut req = agent().get(&format!("{base}{path}"));
    if let Some(c) = cookie {
        req = req.header("Cookie", c);
    }
    let mut resp = req.call().expect("request");
    let status = resp.status().as_u16();
    (status, resp.body_mut().read_to_string().expect("body"))
}

/// POST a form; (status, Location or body).
fn post(base: &str, path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> (u16, String) {
    let mut req = agent().post(&format!("{base}{path}"));
    if let Some(c) = cookie {
        req = req.header("Cookie", c);
    }
    let mut resp = req.send_form(form.iter().copied()).expect("request");
    let status = resp.status().as_u16();
    let loc = resp.headers().get("location").and_then(|v| v.to_str().ok()).map(String::from);
    let body = resp.body_mut().read_to_string().expect("body");
    (status, loc.unwrap_or(body))
}

fn sign_in(base: &str) -> (String, String) {
    let mut resp = agent()
        .post(&format!("{base}/signin"))
        .send_form([("token", TOKEN), ("next", "/coordinations/3")])
        .expect("sign in");
    assert_eq!(resp.status().as_u16(), 303);
    let set = resp.headers().get("set-cookie").and_then(|v| v.to_str().ok()).expect("cookie").to_string();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"), "{set}");
    assert!(!set.contains(TOKEN), "the cookie must not hold the token");
    let _ = resp.body_mut().read_to_string();
    let cookie = set.split(';').next().unwrap().to_string();
    let (_, page) = get(base, "/coordinations/3", Some(&cookie));
    let csrf =
        page.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).expect("csrf field").to_string();
    (cookie, csrf)
}

#[test]
fn every_page_shows_the_demo_workspace() {
    let s = demo(None);
    let (st, list) = get(&s.base, "/", None);
    assert_eq!(st, 200);
    assert!(list.contains("Add authentication metadata to AudioStream"));
    assert!(list.contains("Rotate NATS credentials"));
    assert!(list.contains("Blocked now: 1 item in 1 coordination"), "the attention panel counts the blocked child");
    assert!(
        list.contains("Next: clear that, then move loqa-skills back to ready.")
            && list.contains("<code>tandem coord child 3 loqa-skills ready</code>"),
        "the attention panel says what to do next"
    );
    assert!(list.contains("needs the hub&#39;s new auth interceptor released as v0.5.0"));
    assert!(!list.contains("Document the voice-events API"), "closed coordinations are hidden by default");
    let (_, all) = get(&s.base, "/?show=all&sort=id", None);
    assert!(all.contains("Document the voice-events API"));
    let (_, searched) = get(&s.base, "/?show=all&q=nats", None);
    let table = searched.split("id=\"list\"").nth(1).expect("the list");
    assert!(table.contains("Rotate NATS credentials") && !table.contains("AudioStream"), "search filters the table");
    assert!(list.contains("read-only"));

    let (st, c) = get(&s.base, "/coordinations/3", None);
    assert_eq!(st, 200);
    for want in [
        "loqa-proto",
        "loqa-hub",
        "loqa-skills",
        "Critical path",
        "Deployment plan",
        "Rollback plan",
        "Stop traffic",
        "History (",
        "wave 1",
        "Integration testing",
        "/issues/loqa-hub/",
    ] {
        assert!(c.contains(want), "coordination page lacks {want}");
    }
    assert!(c.contains("class=\"crit "), "the critical path is highlighted");

    let (st, g) = get(&s.base, "/graph", None);
    assert_eq!(st, 200);
    assert!(g.contains("8 repositories") && g.contains("loqa-commander") && g.contains("v-grpc"));
    let (st, h) = get(&s.base, "/health", None);
    assert_eq!(st, 200);
    assert!(h.contains("CHILD_BLOCKED") && h.contains("To clear it:"), "{h}");
    assert!(h.contains("tandem coord child 3 loqa-skills"));
    // The summary by check comes before the findings and counts the blocked child once.
    let by_check = h.find("<table class=\"by-check\">").expect("a table of findings by check");
    assert!(by_check < h.find("class=\"findings\"").unwrap(), "the summary comes first");
    let row = &h[h[by_check..].find("CHILD_BLOCKED").unwrap() + by_check..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("<td>1</td>"), "one blocked child counted: {row}");
    let (st, m) = get(&s.base, "/charts", None);
    assert_eq!(st, 200);
    assert!(
        m.contains("Time to complete")
            && m.contains("Child resolution time")
            && m.contains("Deployment success rate")
            && m.contains("Gate failures")
    );
    assert!(m.contains("<rect class=\"barv\""), "the finished coordination gives the charts a bar");
    let (st, i) = get(&s.base, "/issues/loqa-hub/1", None);
    assert_eq!(st, 200, "{i}");
    for asset in ["/static/app.css", "/static/app.js", "/static/favicon.svg"] {
        assert_eq!(get(&s.base, asset, None).0, 200, "{asset}");
    }
    assert_eq!(get(&s.base, "/coordinations/999", None).0, 404);
    assert_eq!(get(&s.base, "/coordinations/abc", None).0, 404);
    assert_eq!(get(&s.base, "/static/nope.js", None).0, 404);
}

#[test]
fn markup_in_titles_and_reasons_renders_as_text() {
    let s = demo(Some(TOKEN));
    let req =
        tandem_engine::CreateRequest::new("<script>alert('x')</script> rollout", tandem_model::ChangeType::Feature)
            .repos(&["loqa-hub"]);
    let id = s.engine.create_coordination(&req, &mut |_| {}).unwrap().coordination.id;
    s.engine.set_status(id, tandem_model::CoordStatus::Blocked, Some("<img src=x onerror=alert(1)>"), false).unwrap();
    for path in ["/".to_string(), format!("/coordinations/{id}"), "/health".to_string()] {
        let (_, page) = get(&s.base, &path, None);
        assert!(!page.contains("<script>alert"), "{path} lets markup through");
        assert!(!page.contains("<img src=x"), "{path} lets markup through");
        assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), "{path}");
    }
}

#[test]
fn acting_needs_the_token_and_shows_refusals() {
    let s = demo(Some(TOKEN));
    // Not signed in: refused, nothing changes.
    let (st, _) =
        post(&s.base, "/coordinations/3/children/loqa-relay", None, &[("status", "blocked"), ("reason", "x")]);
    assert_eq!(st, 403);
    let (st, body) = post(&s.base, "/signin", None, &[("token", "wrong"), ("next", "/")]);
    assert_eq!(st, 401);
    assert!(body.contains("not the write token"));
    let (cookie, csrf) = sign_in(&s.base);
    let (st, _) = post(
        &s.base,
        "/coordinations/3/children/loqa-relay",
        Some(&cookie),
        &[("status", "blocked"), ("reason", "x"), ("csrf", "forged")],
    );
    assert_eq!(st, 403, "a forged CSRF value is refused");

    // Blocking without a reason: the engine refuses and says why.
    let (st, body) =
        post(&s.base, "/coordinations/3/children/loqa-relay", Some(&cookie), &[("status", "blocked"), ("csrf", &csrf)]);
    assert_eq!(st, 409, "{body}");
    assert!(body.contains("Refused:") && body.contains("reason"), "{body}");
    // With a reason: one engine call, redirected back to the child.
    let (st, loc) = post(
        &s.base,
        "/coordinations/3/children/loqa-relay",
        Some(&cookie),
        &[("status", "blocked"), ("reason", "waiting for QA hardware"), ("csrf", &csrf)],
    );
    assert_eq!((st, loc.as_str()), (303, "/coordinations/3#child-loqa-relay"));
    let c = s.engine.coordination(tandem_model::CoordId(3)).unwrap();
    let relay = c.children.iter().find(|c| c.repo.as_str() == "loqa-relay").unwrap();
    assert_eq!(relay.status, tandem_model::ChildStatus::Blocked);
    let (_, page) = get(&s.base, "/coordinations/3", Some(&cookie));
    assert!(page.contains("waiting for QA hardware") && page.contains("Unblock"));

    // Tick a checklist item of loqa-commander and move the coordination.
    let before = s.engine.coordination(tandem_model::CoordId(3)).unwrap();
    let hub = |c: &tandem_model::Coordination| {
        c.children.iter().find(|c| c.repo.as_str() == "loqa-commander").unwrap().checklist[0].checked
    };
    assert!(!hub(&before));
    let (st, _) = post(
        &s.base,
        "/coordinations/3/checklist",
        Some(&cookie),
        &[("target", "loqa-commander"), ("item", "1"), ("checked", "1"), ("csrf", &csrf)],
    );
    assert_eq!(st, 303);
    assert!(hub(&s.engine.coordination(tandem_model::CoordId(3)).unwrap()));
    let (st, body) = post(&s.base, "/coordinations/3/status", Some(&cookie), &[("status", "done"), ("csrf", &csrf)]);
    assert_eq!(st, 409, "closing with open children needs force");
    assert!(body.contains("force"), "{body}");
    let (st, body) = post(
        &s.base,
        "/coordinations/3/children/loqa-relay",
        Some(&cookie),
        &[("status", "sideways"), ("csrf", &csrf)],
    );
    assert_eq!(st, 400);
    assert!(body.contains("unknown child status"), "{body}");
    let (st, body) =
        post(&s.base, "/coordinations/3/children/nope", Some(&cookie), &[("status", "ready"), ("csrf", &csrf)]);
    assert_eq!(st, 400);
    assert!(body.contains("has no child in"), "{body}");
    // A post from another site is refused even with the cookie and CSRF value.
    let mut resp = agent()
        .post(&format!("{}/coordinations/3/status", s.base))
        .header("Cookie", &cookie)
        .header("Origin", "http://attacker.invalid")
        .send_form([("status", "cancelled"), ("csrf", csrf.as_str()), ("force", "1")])
        .unwrap();
    assert_eq!(resp.status().as_u16(), 403);
    let _ = resp.body_mut().read_to_string();
    assert_ne!(s.engine.coordination(tandem_model::CoordId(3)).unwrap().status, tandem_model::CoordStatus::Cancelled);
}

#[test]
fn without_a_token_the_dashboard_is_read_only() {
    let s = demo(None);
    let (_, page) = get(&s.base, "/coordinations/3", None);
    assert!(page.contains("Read-only"));
    assert!(!page.contains("name=\"csrf\""));
    let (st, body) = post(&s.base, "/coordinations/3/status", None, &[("status", "cancelled"), ("force", "1")]);
    assert_eq!(st, 403);
    assert!(body.contains("read-only"));
    let (st, _) = post(&s.base, "/signin", None, &[("token", ""), ("next", "/")]);
    assert_eq!(st, 401);
}

#[test]
fn the_live_stream_announces_changes_made_elsewhere() {
    let s = demo(None);
    let url = format!("{}/live", s.base);
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        let mut resp = agent().get(&url).call().expect("live");
        let reader = BufReader::new(resp.body_mut().as_reader());
        for line in reader.lines() {
            let Ok(line) = line else { return };
            if let Some(d) = line.strip_prefix("data:") {
                if tx.send(d.trim().to_string()).is_err() {
                    return;
                }
            }
        }
    });
    let first: i64 = rx.recv_timeout(Duration::from_secs(60)).expect("first event").parse().unwrap();
    assert_eq!(first, s.engine.store().last_event_id().unwrap());
    // A change through the engine, as the CLI or a webhook would make it.
    s.engine
        .set_child_status(
            tandem_model::CoordId(4),
            "loqa-relay",
            tandem_model::ChildStatus::Blocked,
            Some("no reviewer"),
        )
        .unwrap();
    let next: i64 = rx.recv_timeout(Duration::from_secs(60)).expect("change event").parse().unwrap();
    assert!(next > first);
    assert_eq!(next, s.engine.store().last_event_id().unwrap());
}
