//! Request metrics in the Prometheus text exposition format (version 0.0.4), written by hand:
//! counters by pipeline and status, a latency histogram, errors by kind, rows scored and
//! requests in flight.
//!
//! Only prediction requests are counted; health, readiness, metrics and documentation requests
//! are not. Labels are the served pipeline names, so their number is bounded by configuration.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency histogram's buckets, in seconds.
const LATENCY_BUCKETS: [f64; 12] =
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// The server's counters.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    in_flight: AtomicI64,
    counters: Mutex<Counters>,
}

#[derive(Debug, Default)]
struct Counters {
    requests: BTreeMap<(String, u16), u64>,
    errors: BTreeMap<(String, &'static str), u64>,
    rows: BTreeMap<String, u64>,
    latency: BTreeMap<String, Histogram>,
}

#[derive(Debug, Default, Clone)]
struct Histogram {
    buckets: [u64; LATENCY_BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// Decrements the in-flight gauge when dropped.
#[derive(Debug)]
pub(crate) struct InFlight<'a>(&'a Metrics);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    /// Counts a request as in flight until the guard is dropped.
    pub(crate) fn start(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self)
    }

    /// Records a finished prediction request.
    pub(crate) fn record(
        &self,
        pipeline: &str,
        status: u16,
        elapsed: Duration,
        rows: usize,
        error: Option<&'static str>,
    ) {
        let mut counters = self.counters.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *counters.requests.entry((pipeline.to_owned(), status)).or_default() += 1;
        if let Some(kind) = error {
            *counters.errors.entry((pipeline.to_owned(), kind)).or_default() += 1;
        }
        *counters.rows.entry(pipeline.to_owned()).or_default() += rows as u64;

        let histogram = counters.latency.entry(pipeline.to_owned()).or_default();
        let seconds = elapsed.as_secs_f64();
        for (bucket, bound) in histogram.buckets.iter_mut().zip(LATENCY_BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        histogram.count += 1;
        histogram.sum += seconds;
    }

    /// Every metric in the Prometheus text format.
    pub(crate) fn render(&self) -> String {
        let counters = self.counters.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut text = String::new();

        header(&mut text, "weir_requests_total", "counter", "Prediction requests by status.");
        for ((pipeline, status), count) in &counters.requests {
            let _ = writeln!(
                text,
                "weir_requests_total{{pipeline=\"{}\",status=\"{status}\"}} {count}",
                escape(pipeline)
            );
        }

        header(&mut text, "weir_request_errors_total", "counter", "Failed requests by kind.");
        for ((pipeline, kind), count) in &counters.errors {
            let _ = writeln!(
                text,
                "weir_request_errors_total{{pipeline=\"{}\",kind=\"{kind}\"}} {count}",
                escape(pipeline)
            );
        }

        header(&mut text, "weir_rows_scored_total", "counter", "Rows scored successfully.");
        for (pipeline, rows) in &counters.rows {
            let _ = writeln!(
                text,
                "weir_rows_scored_total{{pipeline=\"{}\"}} {rows}",
                escape(pipeline)
            );
        }

        header(
            &mut text,
            "weir_request_duration_seconds",
            "histogram",
            "Prediction request latency.",
        );
        for (pipeline, histogram) in &counters.latency {
            write_histogram(&mut text, &escape(pipeline), histogram);
        }

        header(&mut text, "weir_requests_in_flight", "gauge", "Requests being served now.");
        let _ =
            writeln!(text, "weir_requests_in_flight {}", self.in_flight.load(Ordering::Relaxed));
        text
    }
}

fn header(text: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(text, "# HELP {name} {help}");
    let _ = writeln!(text, "# TYPE {name} {kind}");
}

fn write_histogram(text: &mut String, pipeline: &str, histogram: &Histogram) {
    let name = "weir_request_duration_seconds";
    for (count, bound) in histogram.buckets.iter().zip(LATENCY_BUCKETS) {
        let _ = writeln!(text, "{name}_bucket{{pipeline=\"{pipeline}\",le=\"{bound}\"}} {count}");
    }
    let count = histogram.count;
    let _ = writeln!(text, "{name}_bucket{{pipeline=\"{pipeline}\",le=\"+Inf\"}} {count}");
    let _ = writeln!(text, "{name}_sum{{pipeline=\"{pipeline}\"}} {}", histogram.sum);
    let _ = writeln!(text, "{name}_count{{pipeline=\"{pipeline}\"}} {count}");
}

/// Escapes a label value as the exposition format requires (backslash, quote, newline).
fn escape(value: &str) -> String {
    value.replace('\\', r"\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let metrics = Metrics::default();
        metrics.record("p", 200, Duration::from_millis(3), 4, None);
        metrics.record("p", 422, Duration::from_millis(300), 0, Some("schema_mismatch"));
        let text = metrics.render();
        // 3 ms falls in every bucket from 0.005 up; 300 ms from 0.5 up.
        assert!(
            text.contains("weir_request_duration_seconds_bucket{pipeline=\"p\",le=\"0.0025\"} 0")
        );
        assert!(
            text.contains("weir_request_duration_seconds_bucket{pipeline=\"p\",le=\"0.005\"} 1")
        );
        assert!(text.contains("weir_request_duration_seconds_bucket{pipeline=\"p\",le=\"0.5\"} 2"));
        assert!(
            text.contains("weir_request_duration_seconds_bucket{pipeline=\"p\",le=\"+Inf\"} 2")
        );
        assert!(text.contains("weir_request_duration_seconds_count{pipeline=\"p\"} 2"));
        assert!(text.contains("weir_requests_total{pipeline=\"p\",status=\"422\"} 1"));
        assert!(
            text.contains("weir_request_errors_total{pipeline=\"p\",kind=\"schema_mismatch\"} 1")
        );
        assert!(text.contains("weir_rows_scored_total{pipeline=\"p\"} 4"));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c"), "a\\\"b\\\\c");
    }

    #[test]
    fn in_flight_gauge_follows_the_guard() {
        let metrics = Metrics::default();
        let guard = metrics.start();
        assert!(metrics.render().contains("weir_requests_in_flight 1"));
        drop(guard);
        assert!(metrics.render().contains("weir_requests_in_flight 0"));
    }
}
