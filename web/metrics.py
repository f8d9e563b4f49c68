"""What GET /metrics tells Prometheus: requests and latencies by route, appends, open subscriptions, the log's head.

Each application has its own registry (tests build many apps in one process).
With `dtl serve --workers N` each worker process counts its own requests: a
scrape reaches one worker, so counters are per process; the head position is
the log's, whichever worker answers.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["Metrics"]

# seconds: a warm read answers in milliseconds, a large import in minutes
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)


class Metrics:
    """The server's counters, gauges and histograms, in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "dtl_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "dtl_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template.",
            ["method", "route"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.appended = Counter("dtl_appended_events", "Events appended through this server.", registry=self.registry)
        self.subscriptions = Gauge(
            "dtl_open_subscriptions", "Subscriptions (GET /api/subscribe) open now.", registry=self.registry
        )
        self.head = Gauge("dtl_log_head_position", "The log's last position when scraped.", registry=self.registry)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request and its latency."""
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def exposition(self, head_position: int | None) -> bytes:
        """Return the Prometheus text exposition, the head gauge set first (left as it was when unknown)."""
        if head_position is not None:
            self.head.set(head_position)
        return generate_latest(self.registry)
