"""Prometheus metrics of one server, prefixed `hausgeist_`."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The server's counters, gauges and histograms, in their own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.turns = Counter(
            "hausgeist_turns", "Turns by intent and outcome", ["intent", "outcome"],
            registry=self.registry,
        )  # fmt: skip
        self.stage_seconds = Histogram(
            "hausgeist_stage_seconds", "Time per turn stage", ["stage"],
            buckets=_LATENCY_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.requests = Counter(
            "hausgeist_http_requests", "HTTP requests by route and status", ["route", "status"],
            registry=self.registry,
        )  # fmt: skip
        self.request_seconds = Histogram(
            "hausgeist_http_request_seconds", "HTTP request latency by route", ["route"],
            buckets=_LATENCY_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.in_flight = Gauge(
            "hausgeist_in_flight", "Turns being worked on now", registry=self.registry
        )
        self.shed = Counter(
            "hausgeist_shed", "Requests answered with 503 instead of being served", ["class"],
            registry=self.registry,
        )  # fmt: skip
        self.errors = Counter(
            "hausgeist_errors", "Errors answered, by code", ["code"], registry=self.registry
        )
        self.event_listeners = Gauge(
            "hausgeist_event_listeners", "Open event streams", registry=self.registry
        )
