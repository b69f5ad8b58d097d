"""The side-by-side benchmark runs end to end in a tiny configuration (figures are not checked: not timed).

It needs ../shared/sidebyside (the harness with its oracle and baselines): skipped on a user's fresh
clone, required when CI=true, like the shared datasets.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crewline.evals.benchmarks import sidebyside
from crewline.evals.benchmarks.sidebyside_harness import CREWLINE, SUBAGENTS, SUPERVISOR, default_harness


@pytest.fixture
def harness() -> Path:
    folder = default_harness()
    if not folder.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but the side-by-side harness {folder} is missing", pytrace=False)
        pytest.skip(f"{folder} is not available")
    return folder


def test_tiny_run_reports_every_section_for_every_system(harness: Path, tmp_path: Path) -> None:
    # one burst: the test checks that every section reports every system, not the figures' spread
    args = ["--requests", "3", "--latency-ms", "10", "--concurrency", "4", "--bursts", "1"]
    args += ["--startup-runs", "1", "--json"]
    done = subprocess.run(
        [sys.executable, "-m", "crewline.evals.benchmarks.sidebyside", *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,  # a user's working directory: nothing of the checkout's on the path but crewline
    )
    report = json.loads(done.stdout)  # stdout is the one JSON object, library output included
    # langgraph-supervisor comes with the `bench` extra; without it that baseline alone is reported missing
    supervisor = importlib.util.find_spec("langgraph_supervisor") is not None
    systems = {CREWLINE, SUBAGENTS} | ({SUPERVISOR} if supervisor else set())
    assert done.returncode == (0 if supervisor else 1), done.stderr[-2000:]
    if not supervisor:
        assert any("langgraph_supervisor" in why for why in report["build_failures"].values())
    else:
        assert report["build_failures"] == {}

    assert set(report["sidebyside"]) == systems
    for name in systems:
        summary = report["sidebyside"][name]["summary"]
        assert {"single", "two-part", "three-part", "all"} <= set(summary), name
        assert summary["all"]["n"] == 3 and summary["all"]["calls"] > 0, name
        assert summary["all"]["success"] == 1.0, (name, report["sidebyside"][name]["failures"])
        burst = report["concurrency"][name]
        assert burst["n"] == 4 and burst["success"] == 1.0, (name, burst["failures"])
        assert burst["peak_in_flight"] >= 1 and burst["throughput_rps"] > 0, name
        assert report["overhead"]["per_request"][name]["summary"]["all"]["success"] == 1.0, name
    assert report["sidebyside"][CREWLINE]["crewline"]["escalated"] == 0
    startup = report["overhead"]["startup"]
    assert "error" not in startup and startup["import_build_s"] > 0 and startup["runs"] == 1
    assert {"throughput_vs_create_agent", "crewline_peak_in_flight", "overhead_vs_create_agent",
            "import_and_build_s"} == set(report["targets"])  # fmt: skip


@pytest.mark.parametrize(
    "argv",
    [["--latency-ms", "-1"], ["--concurrency", "0"], ["--only", "speed"], ["--requests", "no-such-file"]],
)
def test_bad_options_are_one_line_and_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        sidebyside.main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("sidebyside: ") and err.count("\n") == 1


def test_a_missing_harness_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert sidebyside.main(["--harness", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert "harness folder not found" in err and err.count("\n") == 1
