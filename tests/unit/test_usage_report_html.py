"""Interactions over time from a real audit log, and ``crewline report --html``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crewline.cli import main
from crewline.evals.reports.roi import floor_time
from crewline.evals.reports.usage import Interaction, buckets, interactions, per_specialist
from crewline.memory.operations.audit import AuditLog, open_audit_log


def _turn(log: AuditLog, thread: str, outcome: str, *, cost: float, ungrounded: bool = False) -> None:
    verdicts = [{"guard": "groundedness", "action": "flag" if ungrounded else "pass"}]
    log.append(
        "guard.verdicts",
        actor="ann",
        tenant_id="acme",
        thread_id=thread,
        detail={"node": "x", "verdicts": verdicts},
    )
    log.append("agent.plan", actor="ann", tenant_id="acme", thread_id=thread, detail={"subtasks": []})
    log.append(
        "interaction.finished",
        actor="ann",
        tenant_id="acme",
        thread_id=thread,
        detail={
            "outcome": outcome,
            "confidence": 0.8,
            "specialists": ["cards"],
            "usage": {},
            "cost_usd": cost,
        },
    )


def test_interactions_come_from_finished_turns_with_their_response_time(tmp_path: Path) -> None:
    log = open_audit_log(f"sqlite:///{tmp_path}/audit.sqlite")
    _turn(log, "t1", "answered", cost=0.01, ungrounded=True)
    log.append("escalation.decision", actor="bob", tenant_id="acme", thread_id="t1", detail={})
    _turn(log, "t1", "escalated", cost=0.03)
    log.append("run.failed", actor="ann", tenant_id="acme", thread_id="t2", detail={"error": "X"})
    found = interactions(log.entries())
    assert [i.outcome for i in found] == ["answered", "escalated", "failed"]
    assert [i.groundedness_failed for i in found] == [True, False, False]
    first, second, failed = found
    assert first.response_s is not None and 0 <= first.response_s < 5
    # the second turn starts after the decision, not at the thread's first entry
    assert second.response_s is not None and second.response_s < (second.at - first.at).total_seconds()
    assert failed.response_s is None and failed.confidence is None
    (cards,) = per_specialist(found)
    assert (cards.name, cards.interactions, cards.containment) == ("cards", 2, 0.5)
    assert cards.cost_per_interaction_usd == pytest.approx(0.02)


def test_buckets_count_each_interaction_once_including_empty_periods() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)

    def at(minutes: int, outcome: str) -> Interaction:
        return Interaction(start + timedelta(minutes=minutes), "a", outcome, 0.9, 0.1, (), 2.0, False)

    found = [at(0, "answered"), at(5, "escalated"), at(59, "answered"), at(130, "answered")]
    rows = buckets(found, start, start + timedelta(minutes=130), timedelta(hours=1))
    assert [b.interactions for b in rows] == [3, 0, 1]
    assert rows[0].containment == pytest.approx(2 / 3) and rows[1].containment is None
    assert rows[0].cost_per_interaction == pytest.approx(0.1) and rows[0].response_p95_s == 2.0
    assert floor_time(start + timedelta(minutes=17), timedelta(minutes=15)) == start + timedelta(minutes=15)


def test_report_html_writes_the_roi_view(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path}/audit.sqlite"
    log = open_audit_log(url)
    for n, outcome in enumerate(("answered", "answered", "escalated")):
        _turn(log, f"t{n}", outcome, cost=0.02)
    page = tmp_path / "roi.html"
    assert main(["report", "--url", url, "--json", "--html", str(page)]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["interactions"] == 3
    html = page.read_text(encoding="utf-8")
    for title in (
        "Interactions",
        "Containment and escalation rates",
        "Cost per interaction",
        "Response time",
    ):
        assert f'aria-label="{title}"' in html
    assert "<script" not in html and "<td>0.6667</td>" in html  # the figure exactly as --json has it
    assert main(["report", "--url", url, "--html", str(tmp_path / "missing" / "r.html")]) == 2
    assert capsys.readouterr().err.startswith("crewline: error: cannot write the report")
