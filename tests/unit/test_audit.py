"""The keyed audit log: every modified, deleted or reordered entry and a rewritten head are
detected (SQLite and PostgreSQL); PII is redacted before it is written; concurrent writers keep one
valid chain and one anchor, and a verify while they append never reports a problem. (Truncation,
forgery, anchors, keys and the old format: test_audit_attacks.py.)"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from crewline.memory.operations.audit import AuditLog, open_audit_log, redact_pii
from crewline.memory.operations.audit_verify import Verification
from tests.support.audit_logs import (
    COLUMNS,
    execute,
    fill,
    tampered,
)

pytestmark = pytest.mark.usefixtures("audit_env")  # fixtures: tests/unit/conftest.py


def test_an_untouched_log_verifies(audit_url: str) -> None:
    log = AuditLog(audit_url)
    assert log.verify().ok and log.verify().checked == 0
    fill(log)
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
    fill(log)
    cases = detected = 0
    for entry in log.entries():
        for column in COLUMNS:
            original = getattr(entry, column)
            execute(audit_url, f"UPDATE audit_log SET {column} = ? WHERE seq = ?",
                     (tampered(original, column), entry.seq))  # fmt: skip
            cases += 1
            result = log.verify()
            detected += not result.ok
            assert not result.ok, f"{column} of entry {entry.seq} changed undetected"
            target = entry.seq + 100 if column == "seq" else entry.seq
            execute(audit_url, f"UPDATE audit_log SET {column} = ? WHERE seq = ?", (original, target))
            assert log.verify().ok, f"restoring {column} of entry {entry.seq} did not restore the chain"
    assert (cases, detected) == (6 * len(COLUMNS), 6 * len(COLUMNS))


@pytest.mark.parametrize("seq", [1, 3, 6])
def test_a_deleted_entry_is_detected(audit_url: str, seq: int) -> None:
    log = AuditLog(audit_url)
    fill(log)
    execute(audit_url, "DELETE FROM audit_log WHERE seq = ?", (seq,))
    result = log.verify()
    assert not result.ok
    assert any(str(seq) in p for p in result.problems), result.problems


def test_reordered_entries_are_detected(audit_url: str) -> None:
    log = AuditLog(audit_url)
    fill(log)
    execute(audit_url, "UPDATE audit_log SET seq = 100 WHERE seq = 2")
    execute(audit_url, "UPDATE audit_log SET seq = 2 WHERE seq = 4")
    execute(audit_url, "UPDATE audit_log SET seq = 4 WHERE seq = 100")
    result = log.verify()
    assert not result.ok
    assert any("entry 2" in p for p in result.problems)


def test_a_modified_head_is_detected(audit_url: str) -> None:
    log = AuditLog(audit_url)
    fill(log)
    execute(audit_url, "UPDATE audit_head SET seq = 5 WHERE id = 1")
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
    verdicts: list[Verification] = []
    try:  # verify over and over while the writers append (and at least three times)
        while any(t.is_alive() for t in writers) or len(verdicts) < 3:
            verdicts.append(checker.verify())
    finally:
        for t in writers:
            t.join()
    assert len(verdicts) >= 3
    assert [v.problems for v in verdicts if not v.ok] == []
