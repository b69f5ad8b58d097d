"""The charts page's model figures: per model version and specialist from the model calls, and the
live counters of any metric with a ``version`` label."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from prometheus_client import CollectorRegistry, Counter
from starlette.testclient import TestClient

from crewline.graphs.serving.console.model_charts import (
    live_version_counters,
    model_calls,
    model_plots,
    model_rows,
)
from tests.browser.console_site import CONSOLE, console_world
from tests.support.audit_entries import audit_entry, model_call

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def _at(minutes_ago: float) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).isoformat()


ENTRIES = [
    # a crew on registered versions names the one that answered each node
    audit_entry(
        1,
        _at(50),
        "guard.verdicts",
        node="billing",
        verdicts=[{"guard": "model_version", "action": "pass", "reason": "support v0002 (canary)"}],
    ),
    model_call(2, _at(50), "billing", 0.4, tokens=(60, 6), cost_usd=0.00001),
    model_call(
        3,
        _at(40),
        "billing",
        0.2,
        tokens=(50, 5),
        cost_usd=0.00002,
        thread="th-2",
        version="support v0001 (stable)",
    ),
    model_call(
        4,
        _at(30),
        "weather",
        0.6,
        status="error",
        cost_usd=0.0,
        thread="th-2",
        version="support v0001 (stable)",
    ),
    model_call(
        5, _at(20), "weather", 1.0, model="llama3", tokens=(10, 1), cost_usd=0.0, thread="th-3"
    ),  # no version
    model_call(6, _at(90), "billing", 9.0),  # too old
]


def test_calls_are_split_per_version_then_per_specialist() -> None:
    calls = model_calls(ENTRIES, NOW - timedelta(hours=1), NOW)
    assert sorted({c.version for c in calls}) == [
        "llama3",
        "support v0001 (stable)",
        "support v0002 (canary)",
    ]
    rows = {(r.version, r.specialist): r for r in model_rows(calls)}
    stable = rows[("support v0001 (stable)", "all")]
    assert (stable.calls, stable.errors, stable.tokens) == (2, 1, 55)
    assert stable.p50_s == 0.2  # errors are no latency sample
    assert rows[("support v0001 (stable)", "weather")].errors == 1
    assert rows[("support v0002 (canary)", "billing")].cost_usd == 0.00001
    assert ("support v0002 (canary)", "weather") not in rows


def test_one_line_per_version_in_the_plots() -> None:
    start = NOW - timedelta(hours=1)
    plots = model_plots(model_calls(ENTRIES, start, NOW), start, NOW, timedelta(minutes=5))
    assert set(plots) == {"version-calls", "version-latency"}
    assert str(plots["version-calls"]).count('class="series') >= 3
    assert "support v0002 (canary)" in str(plots["version-calls"])


def test_live_counters_show_any_metric_with_a_version_label() -> None:
    registry = CollectorRegistry()
    calls = Counter("crewline_demo_version_calls", "calls", ["name", "version", "outcome"], registry=registry)
    Counter("crewline_demo_requests", "no version here", ["route"], registry=registry).labels("/x").inc()
    Counter("python_thing", "not crewline's", ["version"], registry=registry).labels("3.11").inc()
    calls.labels("support", "v0001", "ok").inc(3)
    calls.labels("support", "v0002", "error").inc()
    live = live_version_counters(registry)
    assert [(c.metric, c.version, c.labels, c.value) for c in live] == [
        ("crewline_demo_version_calls_total", "v0001", "name=support, outcome=ok", 3.0),
        ("crewline_demo_version_calls_total", "v0002", "name=support, outcome=error", 1.0),
    ]


def test_the_charts_page_shows_the_versions_to_an_approver() -> None:
    with console_world() as world:
        for entry in ENTRIES[:5]:
            world.services.audit.append(
                entry.action, actor="ann", tenant_id="acme", thread_id=entry.thread_id, detail=entry.data
            )
        client = TestClient(world.app, base_url="http://127.0.0.1")
        form = client.get(f"{CONSOLE}/login")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token
        key = world.key("bob", "approver")
        client.post(f"{CONSOLE}/login", data={"csrf": token.group(1), "api_key": key})
        page = client.get(f"{CONSOLE}/charts?window=1h").text
        assert client.get(f"{CONSOLE}/charts?refresh=soon").status_code == 400
        assert 'data-refresh-s="0"' in client.get(f"{CONSOLE}/charts?refresh=0").text
    versions = re.findall(r'<tr class="version-total" data-version="([^"]+)"', page)
    assert versions == ["llama3", "support v0001 (stable)", "support v0002 (canary)"]
    assert 'id="plot-version-calls"' in page and 'data-refresh-s="30"' in page  # live by default
