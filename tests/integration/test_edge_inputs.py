"""Inputs from outside the server: JSON on the command line and in files nested to crash the parser,
and several processes creating the vault key at the same moment.
"""

from __future__ import annotations

import multiprocessing
import os
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import crewline
from tests.support.small_process import SmallProcess

DEEP = 5000  # levels: far past the interpreter's recursion limit


def _nested(levels: int) -> str:
    return '{"a": ' * levels + "1" + "}" * levels


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert result.stderr.startswith("crewline: error: ") and result.stderr.count("\n") == 1, result.stderr
    return result.stderr


@pytest.mark.parametrize("levels", [65, DEEP])
def test_deeply_nested_workflow_input_is_one_line_and_exit_2(tmp_path: Path, levels: int) -> None:
    line = one_line(crewline("workflow", "run", "refund", "--input", _nested(levels), data_dir=tmp_path))
    assert "--input" in line and "nested more than 64 levels" in line


def test_deeply_nested_dataset_rows_are_one_line_and_exit_2(tmp_path: Path) -> None:
    rows = tmp_path / "train.jsonl"
    rows.write_text(f'{{"text": "hello", "label": "billing", "x": {_nested(DEEP)}}}\n')
    line = one_line(
        crewline("router", "fit", "--train", str(rows), "--out", str(tmp_path / "r"), data_dir=tmp_path)
    )
    assert f"{rows}:1" in line and "nested" in line
    model = str(tmp_path / "g.npz")
    line = one_line(crewline("guard", "train", "--dataset", str(rows), "--out", model, data_dir=tmp_path))
    assert f"{rows}:1" in line and "nested" in line


def test_a_deeply_nested_knowledge_row_is_skipped_not_a_crash(tmp_path: Path) -> None:
    from crewline.memory.knowledge.loaders import load_paths

    docs = tmp_path / "docs.jsonl"
    docs.write_text(
        '{"id": "ok", "text": "Cards are frozen at once."}\n'
        f'{{"id": "deep", "text": "x", "metadata": {_nested(DEEP)}}}\n'
    )
    loaded = load_paths([docs])
    assert [d.doc_id for d in loaded.documents] == ["ok"]
    assert any("nested" in s.reason for s in loaded.skipped), loaded.skipped


# --- the vault key: six processes create it at once ------------------------------------------------
PROCESSES = 6
TRIALS = 25


@dataclass(frozen=True)
class KeyRace:
    answers: list[tuple[str, str]]  # ("ok", the key each process loaded) or ("error", why it failed)
    key_file: str  # the key file's bytes, in hex
    mode: int
    files: list[str]  # what the data directory holds afterwards


def _load_key_when_released(data_dir: str, barrier: Any, results: Any) -> None:
    os.environ["CREWLINE_DATA_DIR"] = data_dir
    os.environ.pop("CREWLINE_AES_KEY", None)
    from crewline.nodes.guards.vault import _load_key

    barrier.wait()
    try:
        results.put(("ok", _load_key().hex()))
    except BaseException as exc:  # what a crashing worker would die of
        results.put(("error", f"{type(exc).__name__}: {exc}"))


def _race_for_the_key(data_dir: Path) -> KeyRace:
    """``PROCESSES`` forked processes released at once to load (and so create) the key in ``data_dir``."""
    import crewline.nodes.guards.vault  # noqa: F401  (imported before the fork: the children start at once)

    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(PROCESSES), context.Queue()
    workers = [
        context.Process(target=_load_key_when_released, args=(str(data_dir), barrier, results))
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    answers = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    key_file = data_dir / "vault.key"
    return KeyRace(
        answers,
        key_file.read_bytes().hex(),
        stat.S_IMODE(key_file.stat().st_mode),
        sorted(p.name for p in data_dir.iterdir()),
    )


def test_processes_creating_the_vault_key_at_once_all_get_the_same_key(
    tmp_path: Path, small_process: SmallProcess
) -> None:
    # the racers fork from a small process: from pytest's, late in a whole run, 150 forks took 20 s
    failures: list[str] = []
    for trial in range(TRIALS):
        data_dir = tmp_path / f"trial-{trial}"
        data_dir.mkdir()
        race = small_process.call(_race_for_the_key, data_dir)
        failures += [f"trial {trial}: {detail}" for kind, detail in race.answers if kind == "error"]
        keys = {detail for kind, detail in race.answers if kind == "ok"}
        assert keys <= {race.key_file}, f"trial {trial}: processes hold different keys"
        assert race.mode == 0o600
        assert race.files == ["vault.key"]  # no temporary file left
    assert failures == [], f"{len(failures)} of {TRIALS * PROCESSES} starts failed: {failures[:3]}"
