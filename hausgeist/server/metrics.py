"""Prometheus metrics of one server, prefixed `hausgeist_`."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from hausgeist.server.admission import Admission, Reason
from hausgeist.server.hints import Refusal
from hausgeist.server.spoken import SpokenDoor
from hausgeist.server.stages import Stages

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
        self.admission_limit = Gauge(
            "hausgeist_admission_limit", "Turns that may be in flight now (adaptive limit)",
            registry=self.registry,
        )  # fmt: skip
        self.admission_in_flight = Gauge(
            "hausgeist_admission_in_flight", "Turns admitted and not yet answered",
            registry=self.registry,
        )  # fmt: skip
        self.admission_queued = Gauge(
            "hausgeist_admission_queued", "Turns waiting for a slot", registry=self.registry
        )
        self.queue_age = Gauge(
            "hausgeist_admission_queue_age_seconds", "How long the longest-waiting turn has waited",
            registry=self.registry,
        )  # fmt: skip
        self.deadline_dropped = Counter(
            "hausgeist_deadline_dropped", "Turns dropped because their deadline passed, by stage",
            ["stage"], registry=self.registry,
        )  # fmt: skip

        self.shed_by_reason = Gauge(
            "hausgeist_admission_shed_by_reason",
            "Turns shed at the entry since start, by why (overload, queue_timeout, evicted, "
            "deadline)", ["reason"], registry=self.registry,
        )  # fmt: skip
        self.degraded = Counter(
            "hausgeist_degraded", "Turns answered without a saturated stage (text-only reply)",
            ["stage"], registry=self.registry,
        )  # fmt: skip
        self.stage_limit = Gauge(
            "hausgeist_stage_limit", "Slots of an expensive stage", ["stage"],
            registry=self.registry,
        )  # fmt: skip
        self.stage_in_flight = Gauge(
            "hausgeist_stage_in_flight", "Turns in an expensive stage now", ["stage"],
            registry=self.registry,
        )  # fmt: skip
        self.stage_queued = Gauge(
            "hausgeist_stage_queued", "Turns waiting for an expensive stage", ["stage"],
            registry=self.registry,
        )  # fmt: skip
        self.stage_queue_age = Gauge(
            "hausgeist_stage_queue_age_seconds", "How long the longest-waiting turn of a stage "
            "has waited", ["stage"], registry=self.registry,
        )  # fmt: skip
        self.stage_shed = Gauge(
            "hausgeist_stage_shed", "Turns a full stage turned away since start, by class",
            ["stage", "class"], registry=self.registry,
        )  # fmt: skip
        self.spoken_raised = Gauge(
            "hausgeist_spoken_raised", "Spoken turns given a class above DEFAULT at the door "
            "since start (answers to the server's questions, honoured hints)",
            registry=self.registry,
        )  # fmt: skip
        self.follow_ups_open = Gauge(
            "hausgeist_follow_ups_open", "Devices with a question of the server awaiting "
            "their answer", registry=self.registry,
        )  # fmt: skip
        self.hints = Gauge(
            "hausgeist_turn_class_hints", "Devices' class hints of spoken turns since start, by "
            "outcome (honoured; refused for budget, household or distrust; proved true or "
            "false after the turn)", ["outcome"], registry=self.registry,
        )  # fmt: skip
        self.hints_distrusted = Gauge(
            "hausgeist_turn_class_hints_distrusted_devices", "Devices whose hints are ignored "
            "now, after a hint claimed more than the turn was", registry=self.registry,
        )  # fmt: skip

    def watch_door(self, door: SpokenDoor) -> None:
        """Read the spoken turns' door figures at each scrape."""
        hints = door.hints
        self.spoken_raised.set_function(lambda: door.raised)
        self.follow_ups_open.set_function(lambda: door.followups.open)
        self.hints_distrusted.set_function(hints.distrusted_count)
        self.hints.labels("honoured").set_function(lambda: hints.honoured)
        self.hints.labels("true").set_function(lambda: hints.proved_true)
        self.hints.labels("false").set_function(lambda: hints.proved_false)
        for refusal in Refusal:
            self.hints.labels(f"refused_{refusal.value}").set_function(
                lambda r=refusal: hints.refused[r]  # type: ignore[misc]
            )

    def watch(self, admission: Admission, stages: Stages) -> None:
        """Read the admission controller's and the stages' figures at each scrape."""
        self.admission_limit.set_function(lambda: admission.limit.current)
        self.admission_in_flight.set_function(lambda: admission.in_flight)
        self.admission_queued.set_function(lambda: admission.queued)
        self.queue_age.set_function(admission.queue_age)
        for reason in Reason:
            self.shed_by_reason.labels(reason.value).set_function(
                lambda r=reason: admission.shed_by_reason[r]  # type: ignore[misc]
            )
        for stage in stages.every:
            gate, name = stage.admission, stage.name
            self.stage_limit.labels(name).set_function(lambda g=gate: g.limit.current)  # type: ignore[misc]
            self.stage_in_flight.labels(name).set_function(lambda g=gate: g.in_flight)  # type: ignore[misc]
            self.stage_queued.labels(name).set_function(lambda g=gate: g.queued)  # type: ignore[misc]
            self.stage_queue_age.labels(name).set_function(gate.queue_age)
            for kind in gate.shed:
                self.stage_shed.labels(name, kind.label).set_function(
                    lambda g=gate, k=kind: g.shed[k]  # type: ignore[misc]
                )
