"""SIGKILL at every point of the approval path; resumed, replayed and forked, the action applies once.

The support crew files a fraud report after a human approves it. Forked workers (the benchmark's,
``crewline.evals.benchmarks.approval_replay``) kill themselves at each fault point in turn — after the
decision is recorded, after the ledger claims the action, inside the ERP's transaction, right after it
commits and before anything else is written, after the tool returns, after the ledger records the
outcome, after the node and before its checkpoint — and the next worker resumes the approval. Then the
finished thread is replayed from before ``apply_decision``, forked and approved again, and resumed
again. The ERP must hold exactly one new fraud report.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crewline.evals.benchmarks.approval_replay import KILL_POINTS, Trial, run_trial
from crewline.graphs.crew import build_crew
from crewline.tools.erp import open_demo_erp


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    build_crew("support")  # warm: the forked workers build it from this process's caches
    return open_demo_erp(tmp_path_factory.mktemp("pristine-erp")).db_path


@pytest.mark.parametrize(
    ("resume", "durability"), [("command", "sync"), ("command", "async"), ("none", "async")]
)
def test_sqlite_kills_on_the_approval_path_apply_the_action_once(
    tmp_path: Path, pristine: Path, resume: str, durability: str
) -> None:
    trial = Trial(f"{resume}-{durability}", resume, durability)
    report = run_trial(trial, f"sqlite:///{tmp_path / 'checkpoints.sqlite'}", tmp_path, pristine)
    assert (report.reports_filed, report.replays) == (1, 0), report
    assert report.kills == sorted(KILL_POINTS)  # died once at every point
    assert set(report.in_process_routes.values()) == {1}, report.in_process_routes
    assert report.answer.startswith("Fraud report FR-"), report.answer


def test_postgres_kills_on_the_approval_path_apply_the_action_once(
    fresh_postgres_url: str, tmp_path: Path, pristine: Path
) -> None:
    report = run_trial(Trial("pg", "command", "async"), fresh_postgres_url, tmp_path, pristine)
    assert (report.reports_filed, report.replays) == (1, 0), report
    assert report.kills == sorted(KILL_POINTS)


def test_the_control_without_the_ledger_files_the_report_again(tmp_path: Path, pristine: Path) -> None:
    """With a fresh key per attempt (crewline before the ledger), the same kills file it again."""
    trial = Trial("control", "command", "sync", control=True)
    report = run_trial(trial, f"sqlite:///{tmp_path / 'checkpoints.sqlite'}", tmp_path, pristine)
    assert report.replays >= 3, report
