"""``crewline audit verify`` as an operator runs it, after an attacker with write access to the audit
database has been at it (SQLite and PostgreSQL): exit 0 and one OK line for an intact log, exit 1 and
one line naming the first bad entry for each kind of tampering; an exported anchor catches what one
host cannot see; several processes appending at once keep one chain, one anchor and one key."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from crewline.memory.operations.audit import HASHED_FIELDS, AuditLog
from tests.support.cli import crewline

COLUMNS = (*HASHED_FIELDS, "hash")


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """One data directory (key, anchors) shared by this process and the CLI it runs, as on one host."""
    path = tmp_path / "data"
    for name in ("CREWLINE_AUDIT_KEY", "CREWLINE_AUDIT_ANCHOR_DIR", "CREWLINE_AUDIT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CREWLINE_DATA_DIR", str(path))
    return path


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path, data: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'audit.sqlite'}"
    else:
        yield request.getfixturevalue("fresh_postgres_url")


def sql(url: str, statement: str, params: tuple[Any, ...] = ()) -> list[Any]:
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return list(conn.execute(statement, params))
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(statement.replace("?", "%s"), params)  # type: ignore[arg-type]
        return list(cursor) if cursor.description else []


def fill(url: str, n: int = 6) -> AuditLog:
    log = AuditLog(url)
    for i in range(n):
        log.append("run.create", actor=f"user-{i % 2}", tenant_id="acme", detail={"i": i})
    return log


def _rows(url: str) -> list[Any]:
    return sql(url, f"SELECT {', '.join(COLUMNS)} FROM audit_log ORDER BY seq")


def rewrite(url: str) -> None:
    sql(url, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")


def delete(url: str) -> None:
    sql(url, "DELETE FROM audit_log WHERE seq = 3")


def truncate(url: str) -> None:
    fourth = _rows(url)[3]
    sql(url, "DELETE FROM audit_log WHERE seq > 4")
    sql(url, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (fourth[0], fourth[-1]))


def reorder(url: str) -> None:
    sql(url, "UPDATE audit_log SET seq = 100 WHERE seq = 2")
    sql(url, "UPDATE audit_log SET seq = 2 WHERE seq = 5")
    sql(url, "UPDATE audit_log SET seq = 5 WHERE seq = 100")


def head(url: str) -> None:
    third = _rows(url)[2]
    sql(url, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (third[0], third[-1]))


@pytest.mark.parametrize(
    ("tamper", "first_bad"),
    [
        (rewrite, "entry 2: "),
        (delete, "entry 3: "),
        (truncate, "entry 5: "),
        (reorder, "entry 2: "),
        (head, "entry 4: "),
    ],
    ids=["rewrite", "delete", "truncate", "reorder", "head"],
)
def test_verify_exits_1_with_one_line_naming_the_first_bad_entry(
    url: str, data: Path, tamper: Callable[[str], None], first_bad: str
) -> None:
    fill(url).close()
    intact = crewline("audit", "verify", "--url", url, data_dir=data)
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert intact.stdout == "audit log OK: 6 entries, chain intact, anchored at entry 6\n"
    tamper(url)
    found = crewline("audit", "verify", "--url", url, data_dir=data)
    assert found.returncode == 1 and "Traceback" not in found.stderr, found.stderr
    assert found.stdout.count("\n") == 1, found.stdout
    assert found.stdout.startswith(f"audit log TAMPERED: {first_bad}"), found.stdout


def test_an_old_format_log_says_what_it_cannot_vouch_for(tmp_path: Path, data: Path) -> None:
    """A log written before keys and anchors: exit 0, and one line on what is not vouched for."""
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE audit_log (seq BIGINT PRIMARY KEY, ts TEXT NOT NULL, actor TEXT NOT NULL, "
            "tenant_id TEXT, action TEXT NOT NULL, thread_id TEXT, detail TEXT NOT NULL, "
            "prev_hash TEXT NOT NULL, hash TEXT NOT NULL)"
        )
        conn.execute(
            "CREATE TABLE audit_head (id INTEGER PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL)"
        )
        prev = "0" * 64
        for seq in (1, 2):
            values = [seq, "2026-01-01T00:00:00+00:00", "old", None, "run.create", None, "{}", prev]
            digest = hashlib.sha256(json.dumps(values, separators=(",", ":")).encode()).hexdigest()
            conn.execute("INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (*values, digest))
            prev = digest
        conn.execute("INSERT INTO audit_head VALUES (1, 2, ?)", (prev,))
    result = crewline("audit", "verify", "--url", f"sqlite:///{path}", data_dir=data)
    assert result.returncode == 0, result.stdout + result.stderr
    ok, caveat = result.stdout.splitlines()
    assert ok == "audit log OK: 2 entries, chain intact"
    assert caveat.startswith("  but entries 1-2 are in the old, unanchored format")


def test_an_exported_anchor_catches_a_rollback_with_truncation(url: str, data: Path, tmp_path: Path) -> None:
    log = fill(url, 3)
    anchor = log.anchor()
    assert anchor is not None
    old = anchor.path.read_bytes()
    fill(url, 3)
    exported = crewline("audit", "anchor", "--url", url, data_dir=data)
    assert exported.returncode == 0 and json.loads(exported.stdout)["seq"] == 6
    saved = tmp_path / "exported-anchor.json"
    saved.write_text(exported.stdout)
    third = _rows(url)[2]
    sql(url, "DELETE FROM audit_log WHERE seq > 3")
    sql(url, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (third[0], third[-1]))
    anchor.path.write_bytes(old)
    assert crewline("audit", "verify", "--url", url, data_dir=data).returncode == 0  # one host's limit
    found = crewline("audit", "verify", "--url", url, "--anchor", str(saved), data_dir=data)
    assert found.returncode == 1 and found.stdout.startswith("audit log TAMPERED: entry 4: missing"), (
        found.stdout
    )
    unreadable = crewline(
        "audit", "verify", "--url", url, "--anchor", str(tmp_path / "nope.json"), data_dir=data
    )
    assert unreadable.returncode == 1 and "cannot be read" in unreadable.stdout
    assert "Traceback" not in unreadable.stderr and unreadable.stdout.count("\n") == 1


_APPEND = """
import sys
from crewline.memory.operations.audit import AuditLog
log = AuditLog(sys.argv[1])
for i in range(int(sys.argv[2])):
    log.append("run.create", actor=sys.argv[3], detail={"i": i})
"""


def test_processes_appending_at_once_keep_one_chain_and_one_anchor(url: str, data: Path) -> None:
    """Four processes, each with its own connection, appending together to a log nobody created yet:
    they agree on one key and one log, the anchor ends at the head, and the log verifies."""
    environ = {**os.environ, "CREWLINE_DATA_DIR": str(data)}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _APPEND, url, "25", f"w{n}"], env=environ, stderr=subprocess.PIPE
        )
        for n in range(4)
    ]
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err.decode()
    result = crewline("audit", "verify", "--url", url, data_dir=data)
    assert result.stdout == "audit log OK: 100 entries, chain intact, anchored at entry 100\n", result.stdout
    log = AuditLog(url)
    anchor = log.anchor()
    assert anchor is not None and (anchor.seq, anchor.hash) == log.head()
    assert len((data / "audit.key").read_bytes()) == 32


def test_the_benchmark_detects_every_attack_one_host_can_see(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    """``evals/benchmarks/audit_tamper.py`` in small: 100 % of every kind; a rollback with truncation
    only with an exported anchor (the documented limit); no false alarm."""
    from crewline.evals.benchmarks.audit_tamper import run

    monkeypatch.setenv("CREWLINE_DATA_DIR", os.environ["CREWLINE_DATA_DIR"])  # run() points it elsewhere
    report = run(url, trials=8, entries=8, seed=3)
    limit = report["results"].pop("rollback + truncate")
    assert limit["with_exported_anchor"] == 8
    assert {kind: r["detected"] for kind, r in report["results"].items()} == dict.fromkeys(
        report["results"], 8
    )
    assert report["false_alarms"] == 0
