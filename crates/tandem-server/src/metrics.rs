//! `/metrics` in Prometheus' text exposition format (version 0.0.4).
//!
//! Two kinds of figures: what this process counted (webhook deliveries received, duplicates,
//! failed attempts; refusals by the rules; API latency), and what the store holds, read at each
//! scrape so that every instance sharing a database reports the same (coordinations by status,
//! child resolution times, deliveries by state).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;
use tandem_model::{ChildStatus, CoordStatus, Coordination};
use tandem_store::DeliveryCounts;

/// Upper bounds of the API latency buckets, in seconds.
const LATENCY_BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];
/// Upper bounds of the child resolution buckets, in seconds: an hour to four weeks.
const RESOLUTION_BUCKETS: [f64; 9] = [
    3_600.0,
    4.0 * 3_600.0,
    12.0 * 3_600.0,
    86_400.0,
    2.0 * 86_400.0,
    4.0 * 86_400.0,
    7.0 * 86_400.0,
    14.0 * 86_400.0,
    28.0 * 86_400.0,
];

#[derive(Debug, Clone, Default)]
struct Histogram {
    /// Cumulative counts are computed when rendering; these are per bucket (+Inf last).
    buckets: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    fn new(bounds: &[f64]) -> Histogram {
        Histogram { buckets: vec![0; bounds.len() + 1], sum: 0.0, count: 0 }
    }

    fn observe(&mut self, bounds: &[f64], v: f64) {
        let i = bounds.iter().position(|b| v <= *b).unwrap_or(bounds.len());
        self.buckets[i] += 1;
        self.sum += v;
        self.count += 1;
    }

    fn render(&self, out: &mut String, name: &str, labels: &str, bounds: &[f64]) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (i, b) in bounds.iter().enumerate() {
            cumulative += self.buckets[i];
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{b}\"}} {cumulative}");
        }
        cumulative += self.buckets[bounds.len()];
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {cumulative}");
        let braces = if labels.is_empty() { String::new() } else { format!("{{{labels}}}") };
        let _ = writeln!(out, "{name}_sum{braces} {}", self.sum);
        let _ = writeln!(out, "{name}_count{braces} {}", self.count);
    }
}

/// What this process counts.
#[derive(Debug, Default)]
pub struct Metrics {
    pub webhooks_received: AtomicU64,
    pub webhooks_duplicate: AtomicU64,
    pub webhooks_rejected: AtomicU64,
    pub webhook_attempts_failed: AtomicU64,
    pub gate_failures: AtomicU64,
    /// By (method, route, status).
    latency: Mutex<BTreeMap<(String, String, u16), Histogram>>,
}

/// What the store holds, read at scrape time.
pub struct StoreFigures {
    pub coordinations: Vec<Coordination>,
    pub deliveries: DeliveryCounts,
}

impl Metrics {
    pub fn inc(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn observe_request(&self, method: &str, route: &str, status: u16, took: Duration) {
        let mut m = self.latency.lock().unwrap_or_else(|p| p.into_inner());
        m.entry((method.to_string(), route.to_string(), status))
            .or_insert_with(|| Histogram::new(&LATENCY_BUCKETS))
            .observe(&LATENCY_BUCKETS, took.as_secs_f64());
    }

    /// The whole exposition.
    pub fn render(&self, figures: &StoreFigures) -> String {
        let mut out = String::with_capacity(8 * 1024);
        let counter = |out: &mut String, name: &str, help: &str, v: &AtomicU64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}", v.load(Ordering::Relaxed));
        };

        let _ = writeln!(out, "# HELP tandem_coordinations Coordinations by stored status.");
        let _ = writeln!(out, "# TYPE tandem_coordinations gauge");
        for s in CoordStatus::ALL {
            let n = figures.coordinations.iter().filter(|c| c.status == *s).count();
            let _ = writeln!(out, "tandem_coordinations{{status=\"{}\"}} {n}", s.as_str());
        }

        let mut resolution = Histogram::new(&RESOLUTION_BUCKETS);
        for c in &figures.coordinations {
            for ch in c.children.iter().filter(|ch| ch.status == ChildStatus::Done) {
                let secs = (ch.updated_at - c.created_at).num_milliseconds().max(0) as f64 / 1000.0;
                resolution.observe(&RESOLUTION_BUCKETS, secs);
            }
        }
        let _ = writeln!(
            out,
            "# HELP tandem_child_resolution_seconds Time from a coordination's opening to each of its children done."
        );
        let _ = writeln!(out, "# TYPE tandem_child_resolution_seconds histogram");
        resolution.render(&mut out, "tandem_child_resolution_seconds", "", &RESOLUTION_BUCKETS);

        counter(
            &mut out,
            "tandem_webhook_deliveries_received_total",
            "Webhook deliveries accepted (signature verified, stored) by this process.",
            &self.webhooks_received,
        );
        counter(
            &mut out,
            "tandem_webhook_deliveries_duplicate_total",
            "Webhook deliveries received again (same X-GitHub-Delivery) and not processed again.",
            &self.webhooks_duplicate,
        );
        counter(
            &mut out,
            "tandem_webhook_deliveries_rejected_total",
            "Webhook requests refused: missing or bad signature, malformed, oversized.",
            &self.webhooks_rejected,
        );
        counter(
            &mut out,
            "tandem_webhook_deliveries_failed_total",
            "Failed attempts at processing a webhook delivery (each retried with backoff, up to the limit).",
            &self.webhook_attempts_failed,
        );
        let d = &figures.deliveries;
        let _ = writeln!(out, "# HELP tandem_webhook_deliveries Stored webhook deliveries by state.");
        let _ = writeln!(out, "# TYPE tandem_webhook_deliveries gauge");
        for (state, n) in [("pending", d.pending), ("done", d.done), ("failed", d.failed)] {
            let _ = writeln!(out, "tandem_webhook_deliveries{{state=\"{state}\"}} {n}");
        }
        counter(
            &mut out,
            "tandem_gate_failures_total",
            "Requests refused by the rules (illegal transitions, closing with open children, ...).",
            &self.gate_failures,
        );

        let _ = writeln!(out, "# HELP tandem_http_request_duration_seconds Time to answer an HTTP request.");
        let _ = writeln!(out, "# TYPE tandem_http_request_duration_seconds histogram");
        let latency = self.latency.lock().unwrap_or_else(|p| p.into_inner());
        for ((method, route, status), h) in latency.iter() {
            let labels = format!("method=\"{}\",route=\"{}\",status=\"{status}\"", escape(method), escape(route));
            h.render(&mut out, "tandem_http_request_duration_seconds", &labels, &LATENCY_BUCKETS);
        }
        out
    }
}

/// A label value, escaped as the text format requires.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_and_counters_render() {
        let m = Metrics::default();
        m.observe_request("GET", "/api/v1/coordinations", 200, Duration::from_millis(3));
        m.observe_request("GET", "/api/v1/coordinations", 200, Duration::from_millis(30));
        Metrics::inc(&m.webhooks_received);
        let text = m.render(&StoreFigures { coordinations: vec![], deliveries: DeliveryCounts::default() });
        assert!(text.contains("tandem_webhook_deliveries_received_total 1"), "{text}");
        let route = "method=\"GET\",route=\"/api/v1/coordinations\",status=\"200\"";
        assert!(
            text.contains(&format!("tandem_http_request_duration_seconds_bucket{{{route},le=\"0.005\"}} 1")),
            "{text}"
        );
        assert!(
            text.contains(&format!("tandem_http_request_duration_seconds_bucket{{{route},le=\"+Inf\"}} 2")),
            "{text}"
        );
        assert!(text.contains(&format!("tandem_http_request_duration_seconds_count{{{route}}} 2")), "{text}");
        assert!(text.contains("tandem_coordinations{status=\"planning\"} 0"), "{text}");
        assert!(text.contains("tandem_child_resolution_seconds_count 0"), "{text}");
    }
}
