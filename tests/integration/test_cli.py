"""The ``crewline`` command as a user runs it: one JSON object, one-line errors (``main`` in-process,
a real process where the process is the point: a thread going on in a new one, start-up imports).

The framework's commands run the small test crew (its YAML twin, ``--crew PATH``); the support demo
keeps its own quick start (the default crew)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import crewline, crewline_process
from tests.support.crews import (
    air_specialist,
    billing_specialist,
    help_specialist,
    small_crew_yaml,
    weather_specialist,
)

COMPOUND = "Freeze the card of customer C-1001, and how long does a replacement card take?"
DEMO_COMPOUND = "I lost my card, and what is the current balance for customer C-1001?"


def _json(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr
    payload: dict[str, Any] = json.loads(result.stdout)  # exactly one JSON object on stdout
    return payload


def _checkpoints(data_dir: Path) -> int:
    with sqlite3.connect(data_dir / "checkpoints.sqlite") as db:
        return int(db.execute("SELECT COUNT(*) FROM checkpoints").fetchone()[0])


@pytest.fixture(scope="module")
def crew_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The small test crew with its help specialist (answers with sources), as a spec file."""
    specialists = [weather_specialist(), air_specialist(), billing_specialist(), help_specialist()]
    return str(small_crew_yaml(tmp_path_factory.mktemp("crew"), specialists))


@pytest.fixture(scope="module")
def waiting_thread(tmp_path_factory: pytest.TempPathFactory, crew_file: str) -> tuple[Path, dict[str, Any]]:
    data_dir = tmp_path_factory.mktemp("cli")
    run = crewline("run", "--crew", crew_file, "--json", "--user", "u-1", COMPOUND, data_dir=data_dir)
    return data_dir, _json(run)


def test_run_plans_two_specialists_and_escalates(waiting_thread: tuple[Path, dict[str, Any]]) -> None:
    _, payload = waiting_thread
    assert set(payload) == {"thread_id", "answer", "subtasks", "confidence", "escalation", "sources", "path"}
    assert [s["specialist"] for s in payload["subtasks"]] == ["billing", "help"]
    assert payload["escalation"]["status"] == "pending" and payload["escalation"]["ticket_id"].startswith(
        "T-"
    )
    assert "freeze_card" in payload["escalation"]["reason"]
    assert payload["path"] == "offline"
    assert {"id", "title"} <= set(payload["sources"][0])


def test_bad_input_gets_one_line_and_changes_nothing(
    waiting_thread: tuple[Path, dict[str, Any]], crew_file: str
) -> None:
    data_dir, payload = waiting_thread
    before = _checkpoints(data_dir)
    thread = payload["thread_id"]
    cases: list[tuple[str | bytes, ...]] = [
        ("run", "--crew", crew_file, ""),
        ("run", "--crew", crew_file, "   "),
        ("run", "--crew", crew_file, "x" * 100_000),
        ("run", "--crew", crew_file, b"bad \xff\xfe utf-8"),
        ("run", "--crew", crew_file, "control \x01\x02 characters"),
        ("run", "--crew", "no-such-crew", "hello"),
        ("run", "--crew", crew_file, "--thread", thread, "another request while waiting"),
        ("resume", "--thread", "no-such-thread", "--decision", "approve"),
        ("resume", "--thread", thread, "--decision", "edit"),
    ]
    for args in cases:
        result = crewline(*args, data_dir=data_dir)
        err = result.stderr
        assert result.returncode == 2, (args, err)
        assert err.startswith("crewline: error: ") and err.count("\n") == 1, (args, err)
        assert "Traceback" not in err and result.stdout == ""
    assert _checkpoints(data_dir) == before


def test_resume_approve_completes_and_cannot_repeat(waiting_thread: tuple[Path, dict[str, Any]]) -> None:
    data_dir, payload = waiting_thread
    thread = payload["thread_id"]
    done = _json(crewline("resume", "--thread", thread, "--decision", "approve", "--json", data_dir=data_dir))
    assert done["thread_id"] == thread
    assert done["escalation"]["status"] == "approved"
    assert [s["status"] for s in done["subtasks"]] == ["approved", "done"]
    assert "frozen" in done["answer"]
    again = crewline("resume", "--thread", thread, "--decision", "approve", data_dir=data_dir)
    assert again.returncode == 2 and "not waiting" in again.stderr


def test_thread_continues_in_a_new_process(tmp_path: Path, crew_file: str) -> None:
    first = _json(
        crewline(
            "run",
            "--crew",
            crew_file,
            "--json",
            "What is the balance for customer C-1002?",
            data_dir=tmp_path,
        )
    )
    second = _json(
        crewline_process(  # the thread's state is in its checkpoints, not in the first process
            "run",
            "--crew",
            crew_file,
            "--json",
            "--thread",
            first["thread_id"],
            "And what is my current balance now?",
            data_dir=tmp_path,
        )
    )
    assert second["thread_id"] == first["thread_id"]
    assert second["answer"] == "Customer C-1002 owes $312.08."  # C-1002 came from the thread's context


def test_human_output_and_progress_on_stderr(tmp_path: Path, crew_file: str) -> None:
    result = crewline("run", "--crew", crew_file, "How long does a replacement card take?", data_dir=tmp_path)
    assert result.returncode == 0
    assert "business days" in result.stdout
    assert "plan: 1 subtask" in result.stderr


def test_graph_prints_mermaid_with_subgraphs(tmp_path: Path, crew_file: str) -> None:
    result = crewline("graph", "--crew", crew_file, data_dir=tmp_path)
    assert result.returncode == 0
    mermaid = result.stdout
    assert mermaid.startswith("---") or "graph TD" in mermaid
    for node in ("input_guard", "plan", "synthesize", "await_human", "billing\\3aagent"):
        assert node.replace("\\3a", ":") in mermaid or node in mermaid, node


def test_resume_finishes_a_turn_that_stopped_midway(tmp_path: Path, crew_file: str) -> None:
    from langchain_core.messages import HumanMessage

    from crewline.graphs import build_crew
    from crewline.memory.checkpoint.checkpointers import checkpointer

    os.environ["CREWLINE_DATA_DIR"] = str(tmp_path)  # the autouse fixture restores it afterwards
    config: Any = {"configurable": {"thread_id": "stopped"}, "metadata": {"crew": crew_file}}
    with checkpointer(f"sqlite:///{tmp_path / 'checkpoints.sqlite'}") as saver:
        crew = build_crew(crew_file, checkpointer=saver)  # the crew the command finds in the metadata
        # A process that stopped right after planning (as a crash or Ctrl-C would leave it).
        crew.invoke(
            {"messages": [HumanMessage("How long does a replacement card take?")]},
            config,
            interrupt_after=["plan"],
        )
        assert crew.get_state(config).next
    for crew_args in (["--crew", crew_file], []):  # without --crew the thread's own crew goes on
        refused = crewline("run", *crew_args, "--thread", "stopped", "another question", data_dir=tmp_path)
        assert refused.returncode == 2 and "stopped before its turn finished" in refused.stderr
    done = _json(
        crewline("resume", "--thread", "stopped", "--decision", "approve", "--json", data_dir=tmp_path)
    )
    assert "business days" in done["answer"]
    assert [s["status"] for s in done["subtasks"]] == ["done"]


def test_the_demo_quick_start_runs_without_a_crew_argument(tmp_path: Path) -> None:
    # The README's first command: the support demo is the default crew.
    payload = _json(crewline("run", "--json", DEMO_COMPOUND, data_dir=tmp_path))
    assert [s["specialist"] for s in payload["subtasks"]] == ["card_security", "billing"]
    assert payload["escalation"]["status"] == "pending" and "freeze_card" in payload["escalation"]["reason"]
    assert "$1,234.50" in payload["answer"]


def test_help_starts_without_the_heavy_libraries() -> None:
    # Every command used to import LangGraph, scikit-learn and FAISS first: seconds before --help.
    # One fresh process asks for each help in turn and lists the heavy modules loaded after each.
    probe = (
        "import sys\nfrom crewline.cli import main\n"
        "for argv in (['--help'], ['eval', '--help'], ['ask', '--help']):\n"
        "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
        "    heavy = [m for m in ('langgraph', 'sklearn', 'faiss', 'langchain_core') if m in sys.modules]\n"
        "    print('HEAVY', argv, ','.join(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, timeout=60, check=False)
    out = result.stdout.decode()
    assert out.count("usage: crewline") == 3, out
    assert [line for line in out.splitlines() if line.startswith("HEAVY")] == [
        "HEAVY ['--help'] ",
        "HEAVY ['eval', '--help'] ",
        "HEAVY ['ask', '--help'] ",
    ], out


def test_an_eval_suite_loads_its_arguments_when_chosen(tmp_path: Path) -> None:
    result = crewline("eval", "routing", "--help", data_dir=tmp_path)
    assert result.returncode == 0
    assert "--label-field" in result.stdout and "--oos-recall" in result.stdout


def test_the_cli_light_copies_match_their_sources() -> None:
    # The CLI spells these out so that it starts without numpy and the eval modules; keep them equal.
    from crewline.commands import evaluate, knowledge
    from crewline.memory.knowledge.embeddings import EMBEDDERS

    assert tuple(knowledge.EMBEDDERS) == tuple(EMBEDDERS)
    assert set(evaluate._SUITE_HELP) == set(evaluate.EVAL_SUITES)


def test_the_in_process_command_is_what_a_process_gives(tmp_path: Path) -> None:
    # The CLI tests call main() in-process (tests/support/cli.py); a usage error, a bad environment
    # variable and a bad flag value must read the same, byte for byte, as from a real process.
    cases: list[tuple[tuple[str, ...], dict[str, str]]] = [
        (("run", "--no-such-flag", "hello"), {}),
        (("keys", "list"), {"CREWLINE_DEBUG": "maybe"}),
        (("keys", "create", "--user", "u-1", "--tenant", "t-1", "--role", "emperor"), {}),
    ]
    for args, env in cases:
        inside = crewline(*args, data_dir=tmp_path, **env)
        process = crewline_process(*args, data_dir=tmp_path, **env)
        assert inside.returncode == process.returncode != 0, (args, process.stderr)
        assert (inside.stdout, inside.stderr) == (process.stdout, process.stderr), args
