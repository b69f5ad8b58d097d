"""Alert rules over sliding windows: fire once when breached, resolve when values age out or recover,
and reach a webhook."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from crewline.memory.operations.alerts import DEFAULT_RULES, AlertEvent, AlertMonitor, AlertRule, WebhookSink


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Collect:
    def __init__(self) -> None:
        self.events: list[AlertEvent] = []

    def send(self, event: AlertEvent) -> None:
        self.events.append(event)


def test_seed_defaults() -> None:
    rules = {r.signal: (r.op, r.threshold) for r in DEFAULT_RULES}
    assert rules == {"error": (">", 0.05), "confidence": ("<", 0.7), "groundedness_failure": (">", 0.10)}


def test_error_rate_fires_once_and_resolves_when_the_window_slides() -> None:
    clock, sink = Clock(), Collect()
    monitor = AlertMonitor(
        [AlertRule("errors", "error", ">", 0.05, window_s=60, min_samples=10)], [sink], clock
    )
    for _ in range(18):
        monitor.record("error", 0.0)
    assert sink.events == []
    monitor.record("error", 1.0)  # 1/19 = 5.3 % > 5 %
    monitor.record("error", 1.0)
    assert [(e.rule, e.state) for e in sink.events] == [("errors", "firing")]
    assert sink.events[0].value == pytest.approx(1 / 19)
    clock.now += 61  # everything ages out
    monitor.evaluate()
    assert [e.state for e in sink.events] == ["firing", "resolved"]
    assert monitor.firing == set()


def test_low_confidence_needs_enough_samples() -> None:
    clock, sink = Clock(), Collect()
    monitor = AlertMonitor([AlertRule("conf", "confidence", "<", 0.7, min_samples=3)], [sink], clock)
    monitor.record("confidence", 0.2)
    monitor.record("confidence", 0.3)
    assert sink.events == []
    monitor.record("confidence", 0.9)  # mean 0.467 over 3
    assert sink.events[-1].state == "firing"
    for _ in range(6):
        monitor.record("confidence", 1.0)  # mean (1.4 + 6) / 9 = 0.82
    assert sink.events[-1].state == "resolved"
    assert monitor.means()["conf"] == pytest.approx(7.4 / 9)


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["content-length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()
    server.server_close()


def test_webhook_receives_the_alert(webhook: tuple[str, list[dict[str, Any]]]) -> None:
    url, received = webhook
    monitor = AlertMonitor([AlertRule("hallucination", "groundedness_failure", ">", 0.1, min_samples=2)],
                           [WebhookSink(url)])  # fmt: skip
    monitor.record("groundedness_failure", 1.0)
    monitor.record("groundedness_failure", 0.0)
    deadline = time.monotonic() + 5
    while not received and time.monotonic() < deadline:
        time.sleep(0.02)
    (body,) = received
    assert body["rule"] == "hallucination" and body["state"] == "firing" and body["value"] == 0.5
    assert "FIRING" in body["text"]


def test_webhook_url_is_checked() -> None:
    with pytest.raises(ValueError, match="webhook"):
        WebhookSink("ftp://x")
