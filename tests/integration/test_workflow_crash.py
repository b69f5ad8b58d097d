"""SIGKILL at every step boundary and inside every effect; after each resume the ERP must be consistent.

Workers are forked (see ``crewline.evals.benchmarks.workflow_crash``): each one kills itself at the first
fault point it has not died at yet, the next resumes the thread from its checkpoint, until the run ends.
The audit reads only the ERP's business tables against a pristine copy. The scenarios run in a small
process (``small_process``): forking 150 workers from pytest's process late in a whole run costs
three times as much as from a fresh interpreter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from crewline.evals.benchmarks.workflow_crash import SCENARIOS, ScenarioReport, pristine_erp, run_scenario
from tests.support.small_process import SmallProcess

POSTGRES_SCENARIOS = ("small-refund", "rejected-refund", "fail-adjust_invoice")


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return pristine_erp(tmp_path_factory.mktemp("pristine-erp"))


def _check(reports: Sequence[ScenarioReport]) -> int:
    for report in reports:
        audit = report.audit
        assert (audit.double_applied, audit.orphaned, audit.missing, audit.problems) == (0, 0, 0, []), report
        assert report.status in ("completed", "rolled_back"), report
        if not report.scenario.startswith("fail-after-"):  # a lost reply may be adopted as done instead
            assert report.status == report.expected, report
    return sum(report.kills for report in reports)


def test_sqlite_every_kill_point_leaves_the_erp_consistent(
    tmp_path: Path, pristine: Path, small_process: SmallProcess
) -> None:
    url = f"sqlite:///{tmp_path / 'checkpoints.sqlite'}"
    chosen = [s for s in SCENARIOS if not s.name.startswith("fail-after-")]  # undo-* covers those points
    reports = [small_process.call(run_scenario, scenario, url, tmp_path, pristine) for scenario in chosen]
    kills = _check(reports)
    assert kills >= 150, kills
    killed_at = {point for report in reports for point in report.kill_points}
    for operation in ("refund", "invoice_credit", "notify"):  # inside and right after every effect
        assert {f"effect:{operation}:before_commit", f"effect:{operation}:after_commit"} <= killed_at
        assert f"effect:{operation}:undo:before_commit" in killed_at
    assert {
        "step:refund_payment:start",
        "step:refund_payment:end",
        "rollback:refund_payment:start",
    } <= killed_at


def test_postgres_every_kill_point_leaves_the_erp_consistent(
    fresh_postgres_url: str, tmp_path: Path, pristine: Path, small_process: SmallProcess
) -> None:
    chosen = [scenario for scenario in SCENARIOS if scenario.name in POSTGRES_SCENARIOS]
    reports = [
        small_process.call(run_scenario, scenario, fresh_postgres_url, tmp_path, pristine)
        for scenario in chosen
    ]
    assert _check(reports) >= 50


def test_without_reconciliation_the_same_kills_double_apply(
    tmp_path: Path, pristine: Path, small_process: SmallProcess
) -> None:
    """The control: with a fresh key per attempt and no reconcile, the same kills break the ERP.

    The refund re-applied after a kill behind its commit is refused (nothing left to refund), the run
    rolls back under the original key, and the first refund is left standing: an orphan.
    """
    naive = replace(next(s for s in SCENARIOS if s.name == "small-refund"), naive=True)
    report = small_process.call(
        run_scenario, naive, f"sqlite:///{tmp_path / 'naive.sqlite'}", tmp_path, pristine
    )
    assert report.audit.double_applied + report.audit.orphaned >= 1, report
    assert report.audit.problems, report
