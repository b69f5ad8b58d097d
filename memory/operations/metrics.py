"""Prometheus metrics for a crew behind the server: requests, routing, confidence, escalations, cost.

A ``Metrics`` object registers its metrics in a ``CollectorRegistry`` (tests make their own).
``default_metrics()`` registers them in ``prometheus_client.REGISTRY``, the process registry the
LangGraph server's own ``GET /metrics`` serves, so one scrape gets the server's and crewline's.
``exposition()`` is the text format of this object's registry alone.
"""

from __future__ import annotations

import threading

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "UNMATCHED_ROUTE", "Metrics", "default_metrics"]

# the one route label of every path no route of the server matches (so clients cannot add series)
UNMATCHED_ROUTE = "unmatched"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
_CONFIDENCE_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
_COST_BUCKETS = (0.0, 0.0001, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0)


class Metrics:
    """The crewline metrics, registered in ``registry``."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry

        def counter(name: str, doc: str, *labels: str) -> Counter:
            return Counter(name, doc, labels, registry=r)

        def histogram(name: str, doc: str, *labels: str, buckets: tuple[float, ...]) -> Histogram:
            return Histogram(name, doc, labels, buckets=buckets, registry=r)

        def gauge(name: str, doc: str, *labels: str) -> Gauge:
            return Gauge(name, doc, labels, registry=r)

        self.requests = counter("crewline_http_requests", "HTTP requests served", "method", "route", "status")
        self.latency = histogram(
            "crewline_http_request_duration_seconds",
            "HTTP request latency (to the response start for streams)",
            "method",
            "route",
            buckets=_LATENCY_BUCKETS,
        )
        self.interactions = counter(
            "crewline_interactions",
            "Crew runs finished, by outcome (answered, escalated, blocked, failed)",
            "outcome",
        )
        self.routed = counter(
            "crewline_routed_subtasks", "Subtasks routed, by specialist (none: out of scope)", "specialist"
        )
        self.confidence = histogram(
            "crewline_answer_confidence", "Confidence of each answer", buckets=_CONFIDENCE_BUCKETS
        )
        self.escalations = counter("crewline_escalations", "Escalations to a human, by kind", "kind")
        self.decisions = counter(
            "crewline_escalation_decisions", "Human decisions on escalations", "decision"
        )
        self.verdicts = counter(
            "crewline_guard_verdicts", "Guard verdicts, by guard and action", "guard", "action"
        )
        self.groundedness_failures = counter(
            "crewline_groundedness_failures", "Answers that failed the groundedness check"
        )
        self.tool_calls = counter("crewline_tool_calls", "Tool calls, by tool", "tool")
        self.model_calls = counter("crewline_model_calls", "Chat model calls")
        self.tokens = counter("crewline_tokens", "Model tokens, by kind", "kind")
        self.cost = counter("crewline_cost_usd", "Model cost in US dollars")
        self.interaction_cost = histogram(
            "crewline_interaction_cost_usd", "Model cost per interaction", buckets=_COST_BUCKETS
        )
        self.rate_limited = counter(
            "crewline_rate_limited", "Requests refused by a rate limit, by scope", "scope"
        )
        self.auth_failures = counter("crewline_auth_failures", "Requests refused by authentication", "reason")
        self.feedback = counter("crewline_feedback", "User feedback on answers", "rating")
        self.alerts = gauge("crewline_alert_firing", "1 while an alert rule fires", "rule")
        self.breakers = gauge(
            "crewline_circuit_breaker_state",
            "Circuit breaker per model endpoint and specialist: 0 closed, 1 half-open, 2 open",
            "kind",
            "name",
        )
        # Per registered model version (crewline models): ``name`` is the crew or crew/specialist,
        # ``version`` the registry's (v0001, ...); a canary and its control side by side.
        version = ("name", "version")
        self.version_calls = counter(
            "crewline_model_version_calls",
            "Model calls per registered version; outcome error: its own model did not answer",
            *version,
            "outcome",
        )
        self.version_interactions = counter(
            "crewline_model_version_interactions",
            "Turns in which a registered model version answered",
            *version,
        )
        self.version_outcomes = counter(
            "crewline_model_version_outcomes",
            "Turns of a version's threads by what went wrong (escalations, out_of_scope, ungrounded, ...)",
            *version,
            "outcome",
        )
        self.version_cost = counter(
            "crewline_model_version_cost_usd", "Model cost per registered version", *version
        )
        self.version_rollbacks = counter(
            "crewline_model_version_rollbacks", "Automatic rollbacks of a canary version", *version
        )

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count a request under its route *template* (``/threads/{thread_id}``, never the raw path:
        every path a client makes up would be a new series) and a known method."""
        method = method if method in _METHODS else "OTHER"
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def exposition(self) -> bytes:
        """The Prometheus text format of every metric."""
        return generate_latest(self.registry)


_default: Metrics | None = None
_default_lock = threading.Lock()


def default_metrics() -> Metrics:
    """The process-wide metrics, in ``prometheus_client.REGISTRY`` (created on first use)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Metrics(REGISTRY)
        return _default
