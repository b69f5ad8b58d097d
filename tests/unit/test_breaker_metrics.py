"""Circuit-breaker state is visible in the metrics the server exposes."""

from __future__ import annotations

from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from crewline.graphs.serving.app import app
from crewline.graphs.serving.services import reset_services
from crewline.memory.state.resilience_store import store_at
from crewline.nodes.models.breaker import BreakerSettings, CircuitBreakers, store_path


def _breaker_gauge(text: str) -> dict[tuple[str, str], float]:
    for family in text_string_to_metric_families(text):
        if family.name == "crewline_circuit_breaker_state":
            return {(s.labels["kind"], s.labels["name"]): s.value for s in family.samples}
    return {}


def test_an_open_breaker_shows_in_metrics(crewline_data_dir: Path) -> None:
    breakers = CircuitBreakers(BreakerSettings(failure_threshold=2), store_at(store_path(crewline_data_dir)))
    breakers.failure("specialist:billing", "boom")
    breakers.failure("specialist:billing", "boom again")
    breakers.success("model:gpt-4o-mini@api")
    reset_services()
    try:
        with TestClient(app) as client:
            response = client.get("/crewline/metrics")
    finally:
        reset_services()
    assert response.status_code == 200
    gauge = _breaker_gauge(response.text)
    assert gauge[("specialist", "billing")] == 2.0  # open
    assert gauge[("model", "gpt-4o-mini@api")] == 0.0  # closed
