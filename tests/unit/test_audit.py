"""The keyed, anchored audit log: every modified, deleted, reordered or truncated entry, every head
rewrite, a chain recomputed without the key, a wiped log and an anchor forged, deleted or put back
older is detected (SQLite and PostgreSQL); logs in the old format verify with a caveat; PII is
redacted before it is written; concurrent writers keep one valid chain and one anchor."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import stat
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from crewline.memory.operations.audit import HASHED_FIELDS, AuditLog, open_audit_log, redact_pii
from crewline.memory.operations.audit_anchor import AuditKeyError

COLUMNS = (*HASHED_FIELDS, "hash")


@pytest.fixture(autouse=True)
def own_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data directory (audit key, anchors) per test, as a deployment has one per host."""
    monkeypatch.delenv("CREWLINE_AUDIT_KEY", raising=False)
    monkeypatch.delenv("CREWLINE_AUDIT_ANCHOR_DIR", raising=False)
    monkeypatch.setenv("CREWLINE_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def _fill(log: AuditLog, n: int = 6) -> None:
    for i in range(n):
        log.append(
            ("run.create", "guard.verdicts", "escalation.approval")[i % 3],
            actor=f"user-{i % 2}",
            tenant_id="acme" if i % 2 else None,
            thread_id=f"thread-{i}" if i % 3 else None,
            detail={"i": i, "note": f"step {i}"},
        )


@pytest.fixture(params=["sqlite", "postgres"])
def audit_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'audit.sqlite'}"
    else:
        yield request.getfixturevalue("fresh_postgres_url")


def _execute(url: str, sql: str, params: tuple[Any, ...] = ()) -> None:
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.execute(sql, params)
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.replace("?", "%s"), params)  # type: ignore[arg-type]


def _tampered(value: Any, column: str) -> Any:
    if column == "seq":
        return int(value) + 100
    if value is None:
        return "x"
    return str(value) + "x" if column != "detail" else str(value).replace('"step', '"stop')


def test_an_untouched_log_verifies(audit_url: str) -> None:
    log = AuditLog(audit_url)
    assert log.verify().ok and log.verify().checked == 0
    _fill(log)
    result = log.verify()
    assert result.ok, result.problems
    assert result.checked == 6
    assert [e.seq for e in log.entries()] == [1, 2, 3, 4, 5, 6]
    assert log.entries()[0].prev_hash == "0" * 64
    assert all(e.hash.startswith("v2:") for e in log.entries()) and result.anchored == 6
    assert all(b.prev_hash == a.hash for a, b in zip(log.entries(), log.entries()[1:], strict=False))


def test_every_single_field_tampering_is_detected(audit_url: str) -> None:
    """Each column of each entry, modified alone, breaks verification (100 % of 6 x 9 cases)."""
    log = AuditLog(audit_url)
    _fill(log)
    cases = detected = 0
    for entry in log.entries():
        for column in COLUMNS:
            original = getattr(entry, column)
            _execute(audit_url, f"UPDATE audit_log SET {column} = ? WHERE seq = ?",
                     (_tampered(original, column), entry.seq))  # fmt: skip
            cases += 1
            result = log.verify()
            detected += not result.ok
            assert not result.ok, f"{column} of entry {entry.seq} changed undetected"
            target = entry.seq + 100 if column == "seq" else entry.seq
            _execute(audit_url, f"UPDATE audit_log SET {column} = ? WHERE seq = ?", (original, target))
            assert log.verify().ok, f"restoring {column} of entry {entry.seq} did not restore the chain"
    assert (cases, detected) == (6 * len(COLUMNS), 6 * len(COLUMNS))


@pytest.mark.parametrize("seq", [1, 3, 6])
def test_a_deleted_entry_is_detected(audit_url: str, seq: int) -> None:
    log = AuditLog(audit_url)
    _fill(log)
    _execute(audit_url, "DELETE FROM audit_log WHERE seq = ?", (seq,))
    result = log.verify()
    assert not result.ok
    assert any(str(seq) in p for p in result.problems), result.problems


def test_reordered_entries_are_detected(audit_url: str) -> None:
    log = AuditLog(audit_url)
    _fill(log)
    _execute(audit_url, "UPDATE audit_log SET seq = 100 WHERE seq = 2")
    _execute(audit_url, "UPDATE audit_log SET seq = 2 WHERE seq = 4")
    _execute(audit_url, "UPDATE audit_log SET seq = 4 WHERE seq = 100")
    result = log.verify()
    assert not result.ok
    assert any("entry 2" in p for p in result.problems)


def test_a_modified_head_is_detected(audit_url: str) -> None:
    log = AuditLog(audit_url)
    _fill(log)
    _execute(audit_url, "UPDATE audit_head SET seq = 5 WHERE id = 1")
    assert not log.verify().ok


def test_pii_is_redacted_before_it_is_written(tmp_path: Path) -> None:
    path = tmp_path / "audit.sqlite"
    log = AuditLog(f"sqlite:///{path}")
    log.append(
        "agent.action",
        actor="u1",
        detail={
            "request": "I am ada@example.com, card 4111 1111 1111 1111, call +1 415-555-0134",
            "nested": [{"to": "bob.smith@mail.example.org"}],
            "amount": "$1,234.50 due 2026-12-05 for C-1001",
        },
    )
    raw = path.read_bytes() + (path.with_name(path.name + "-wal").read_bytes() if path.with_name(
        path.name + "-wal").exists() else b"")  # fmt: skip
    for secret in (b"ada@example.com", b"4111 1111 1111 1111", b"555-0134", b"bob.smith"):
        assert secret not in raw
    data = log.entries()[0].data
    assert data["request"] == "I am [email], card [card], call [phone]"
    assert data["nested"] == [{"to": "[email]"}]
    assert data["amount"] == "$1,234.50 due 2026-12-05 for C-1001"  # money, dates and ids stay
    assert log.verify().ok


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail a.b+c@x.co now", "mail [email] now"),
        ("5500-0000-0000-0004", "[card]"),
        ("(415) 555-0134", "[phone]"),
        ("order O-1001 on 2026-11-24", "order O-1001 on 2026-11-24"),
    ],
)
def test_redaction_patterns(text: str, expected: str) -> None:
    assert redact_pii(text) == expected


def test_a_custom_redactor_is_used(tmp_path: Path) -> None:
    log = open_audit_log(f"sqlite:///{tmp_path / 'a.sqlite'}", redactor=lambda s: s.upper())
    log.append("x", actor="u", detail={"k": "secret"})
    assert log.entries()[0].data == {"k": "SECRET"}


def test_concurrent_writers_keep_one_chain(audit_url: str) -> None:
    logs: list[Callable[[], AuditLog]] = [lambda: AuditLog(audit_url) for _ in range(4)]

    def write(make: Callable[[], AuditLog], n: int) -> None:
        log = make()
        for i in range(n):
            log.append("run.create", actor=f"w{n}", detail={"i": i})
        log.close()

    threads = [threading.Thread(target=write, args=(make, 15)) for make in logs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result = AuditLog(audit_url).verify()
    assert result.ok, result.problems
    assert result.checked == 60
    anchor = AuditLog(audit_url).anchor()
    assert anchor is not None and (anchor.seq, anchor.hash) == AuditLog(audit_url).head()


def test_bad_url_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unsupported audit log URL"):
        AuditLog("mysql://nope")


# --- what an attacker with write access to the database (not the key, not the anchor) tries ------
def _rows(url: str) -> list[tuple[Any, ...]]:
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return list(conn.execute(f"SELECT {', '.join(COLUMNS)} FROM audit_log ORDER BY seq"))
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return list(conn.execute(f"SELECT {', '.join(COLUMNS)} FROM audit_log ORDER BY seq"))  # type: ignore[arg-type]


def _first_problem(log: AuditLog) -> str:
    result = log.verify()
    assert not result.ok, "tampering went undetected"
    return result.problems[0]


@pytest.mark.parametrize("n", [1, 2, 6])
def test_truncation_with_the_head_row_reset_is_detected(audit_url: str, n: int) -> None:
    """Delete the newest ``n`` entries and set the head row to the last remaining row's stored hash:
    the database alone is consistent again, the anchor outside it is not."""
    log = AuditLog(audit_url)
    _fill(log)
    rows = _rows(audit_url)
    _execute(audit_url, "DELETE FROM audit_log WHERE seq > ?", (6 - n,))
    last_seq, last_hash = (rows[5 - n][0], rows[5 - n][-1]) if n < 6 else (0, "0" * 64)
    _execute(audit_url, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (last_seq, last_hash))
    assert _first_problem(log).startswith(f"entry {7 - n}: missing")


@pytest.mark.parametrize("forger", ["sha256", "guessed key"])
def test_a_chain_recomputed_without_the_key_is_detected(audit_url: str, forger: str) -> None:
    """Rewrite entry 3 and recompute every hash after it and the head, as the old, unkeyed log allowed:
    with plain SHA-256 (the old format) or an HMAC under a key of the attacker's choosing."""
    log = AuditLog(audit_url)
    _fill(log)
    guess = AuditLog(audit_url, key=b"attacker-guess-0123456789")
    prev = _rows(audit_url)[1][-1]
    for row in _rows(audit_url)[2:]:
        values = dict(zip(COLUMNS, row, strict=True)) | {"prev_hash": prev}
        if values["seq"] == 3:
            values["detail"] = '{"i":2,"note":"nothing happened"}'
        payload = json.dumps([values[c] for c in HASHED_FIELDS], sort_keys=True, separators=(",", ":"))
        digest = (
            hashlib.sha256(payload.encode()).hexdigest() if forger == "sha256" else guess.entry_hash(values)
        )
        _execute(audit_url, "UPDATE audit_log SET detail = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                 (values["detail"], prev, digest, values["seq"]))  # fmt: skip
        prev = digest
    _execute(audit_url, "UPDATE audit_head SET hash = ? WHERE id = 1", (prev,))
    assert _first_problem(log).startswith("entry 3: ")


def test_a_head_row_set_to_an_earlier_entry_is_detected(audit_url: str) -> None:
    log = AuditLog(audit_url)
    _fill(log)
    fourth = _rows(audit_url)[3]
    _execute(audit_url, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (fourth[0], fourth[-1]))
    assert "head" in _first_problem(log)


def test_a_wiped_and_recreated_log_is_detected(audit_url: str) -> None:
    """Drop every table: the next process to open the log starts a fresh one, but the anchor the old
    log left outside the database says the log at this place had reached entry 6."""
    _fill(AuditLog(audit_url))
    for table in ("audit_log", "audit_head", "audit_meta"):
        _execute(audit_url, f"DROP TABLE {table}")
    reopened = AuditLog(audit_url)
    reopened.append("run.create", actor="after-the-wipe")
    problem = _first_problem(reopened)
    assert "entry 6: missing" in problem and "wiped or recreated" in problem


# --- what an attacker who can also write the anchor file (not the key) tries ---------------------
def test_a_deleted_anchor_is_reported(audit_url: str) -> None:
    log = AuditLog(audit_url)
    _fill(log)
    anchor = log.anchor()
    assert anchor is not None and anchor.seq == 6
    anchor.path.unlink()
    assert "no anchor for this log" in _first_problem(log)


def test_a_forged_anchor_is_reported(audit_url: str) -> None:
    """Truncate, then edit the anchor to match: its signature no longer holds."""
    log = AuditLog(audit_url)
    _fill(log)
    anchor = log.anchor()
    assert anchor is not None
    fifth = _rows(audit_url)[4]
    _execute(audit_url, "DELETE FROM audit_log WHERE seq = 6")
    _execute(audit_url, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (fifth[0], fifth[-1]))
    data = json.loads(anchor.path.read_text()) | {"seq": 5, "hash": fifth[-1]}
    anchor.path.write_text(json.dumps(data))
    assert "is not signed with this log's key" in _first_problem(log)


def test_an_older_anchor_put_back_is_reported(audit_url: str, tmp_path: Path) -> None:
    log = AuditLog(audit_url)
    _fill(log, 3)
    anchor = log.anchor()
    assert anchor is not None
    saved = tmp_path / "old-anchor.json"
    shutil.copy(anchor.path, saved)
    _fill(log, 3)
    shutil.copy(saved, anchor.path)
    assert _first_problem(log).startswith("entry 4: newer than the anchor")


def test_rollback_and_truncation_together_are_caught_by_an_exported_anchor(
    audit_url: str, tmp_path: Path
) -> None:
    """An older anchor put back *and* the log truncated to match it look consistent on the host; an
    anchor exported earlier (``crewline audit anchor``) still vouches for the entries up to it."""
    log = AuditLog(audit_url)
    _fill(log, 3)
    anchor = log.anchor()
    assert anchor is not None
    old = tmp_path / "old-anchor.json"
    shutil.copy(anchor.path, old)
    _fill(log, 3)
    exported = tmp_path / "exported.json"
    shutil.copy(anchor.path, exported)
    rows = _rows(audit_url)
    _execute(audit_url, "DELETE FROM audit_log WHERE seq > 3")
    _execute(audit_url, "UPDATE audit_head SET seq = 3, hash = ? WHERE id = 1", (rows[2][-1],))
    shutil.copy(old, anchor.path)
    assert log.verify().ok  # the limit of what one host can see, as the threat model says
    result = log.verify(anchors=[exported])
    assert not result.ok and result.problems[0].startswith("entry 4: missing")


# --- logs written before keyed hashes and anchors ------------------------------------------------
def _write_old_format(url: str, n: int) -> None:
    """Entries exactly as the previous writer stored them: bare SHA-256 chain, head row, no anchor."""
    AuditLog(url).close()  # the tables
    prev = "0" * 64
    for seq in range(1, n + 1):
        values: dict[str, Any] = {"seq": seq, "ts": f"2026-01-0{seq}T00:00:00.000000+00:00", "actor": "old",
                                  "tenant_id": None, "action": "run.create", "thread_id": None,
                                  "detail": json.dumps({"i": seq}), "prev_hash": prev}  # fmt: skip
        payload = json.dumps([values[c] for c in HASHED_FIELDS], sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256(payload.encode()).hexdigest()
        _execute(url, f"INSERT INTO audit_log ({', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (*values.values(), digest))  # fmt: skip
        _execute(url, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (seq, digest))
        prev = digest


def test_an_old_format_log_verifies_with_what_it_cannot_vouch_for(audit_url: str) -> None:
    _write_old_format(audit_url, 3)
    log = AuditLog(audit_url)
    result = log.verify()
    assert result.ok, result.problems
    assert result.caveat is not None and result.caveat.startswith(
        "entries 1-3 are in the old, unanchored format"
    )
    log.append("run.create", actor="new")
    result = log.verify()
    assert result.ok and result.anchored == 4, result.problems
    assert (
        result.caveat is not None
        and "as they stood when keyed entry 4 was chained after them" in result.caveat
    )
    assert _rows(audit_url)[3][-1].startswith("v2:")


def test_old_entries_rewritten_after_the_upgrade_are_detected(audit_url: str) -> None:
    """The first keyed entry's HMAC covers the old chain's last hash: recomputing the old entries'
    plain SHA-256 after a rewrite no longer links."""
    _write_old_format(audit_url, 3)
    log = AuditLog(audit_url)
    log.append("run.create", actor="new")
    prev = "0" * 64
    for row in _rows(audit_url)[:3]:
        values = dict(zip(COLUMNS, row, strict=True)) | {"prev_hash": prev, "actor": "someone else"}
        payload = json.dumps([values[c] for c in HASHED_FIELDS], sort_keys=True, separators=(",", ":"))
        prev = hashlib.sha256(payload.encode()).hexdigest()
        _execute(audit_url, "UPDATE audit_log SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                 (values["actor"], values["prev_hash"], prev, values["seq"]))  # fmt: skip
    assert _first_problem(log).startswith("entry 4: does not link")


def test_keyed_entries_downgraded_to_the_old_format_are_detected(audit_url: str) -> None:
    log = AuditLog(audit_url)
    _fill(log, 3)
    prev = "0" * 64
    for row in _rows(audit_url):
        values = dict(zip(COLUMNS, row, strict=True)) | {"prev_hash": prev}
        payload = json.dumps([values[c] for c in HASHED_FIELDS], sort_keys=True, separators=(",", ":"))
        prev = hashlib.sha256(payload.encode()).hexdigest()
        _execute(audit_url, "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?",
                 (values["prev_hash"], prev, values["seq"]))  # fmt: skip
    _execute(audit_url, "UPDATE audit_head SET hash = ? WHERE id = 1", (prev,))
    assert "not the entry the anchor" in _first_problem(log)


# --- the key -------------------------------------------------------------------------------------
def test_the_key_is_created_once_outside_the_log(tmp_path: Path, own_data_dir: Path) -> None:
    path = tmp_path / "audit.sqlite"
    log = AuditLog(f"sqlite:///{path}")
    _fill(log)
    key_file = own_data_dir / "audit.key"
    key = key_file.read_bytes()
    assert len(key) == 32 and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    log.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("audit.sqlite*"))
    assert key not in stored and key.hex().encode() not in stored
    assert AuditLog(f"sqlite:///{path}").verify().ok  # the next process finds the same key


def test_a_log_checked_under_another_key_fails(audit_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(AuditLog(audit_url))
    monkeypatch.setenv("CREWLINE_AUDIT_KEY", "another-key-0123456789abcdef")
    problem = _first_problem(AuditLog(audit_url))
    assert "not signed with this log's key" in problem or "another audit key" in problem


def test_a_short_configured_key_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREWLINE_AUDIT_KEY", "secret")
    with pytest.raises(AuditKeyError, match="at least 16 characters"):
        AuditLog(f"sqlite:///{tmp_path / 'a.sqlite'}")


def test_verify_while_writers_append_never_cries_wolf(audit_url: str) -> None:
    """Anchors move ahead of a verify's snapshot while it runs: entries committed meanwhile are
    walked on, never taken for a truncation."""
    AuditLog(audit_url).append("run.create", actor="first")

    def write() -> None:  # a fixed amount of work, not a time: a loaded machine only runs it slower
        log = AuditLog(audit_url)
        for _ in range(150):
            log.append("run.create", actor="writer")
        log.close()

    writers = [threading.Thread(target=write) for _ in range(3)]
    for t in writers:
        t.start()
    checker = AuditLog(audit_url)
    verdicts = []
    try:  # verify over and over while the writers append (and at least three times)
        while any(t.is_alive() for t in writers) or len(verdicts) < 3:
            verdicts.append(checker.verify())
    finally:
        for t in writers:
            t.join()
    assert len(verdicts) >= 3
    assert [v.problems for v in verdicts if not v.ok] == []
