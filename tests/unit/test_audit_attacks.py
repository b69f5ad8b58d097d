"""What an attacker with write access to the audit database (not the key, not the anchor) tries:
truncation with the head reset, a chain recomputed without the key, a wiped log, an anchor deleted,
forged or put back older; and the keys: created once outside the log, another key fails, a short
one is refused. Logs in the old format verify with a caveat, and their entries stay checked."""

from __future__ import annotations

import hashlib
import json
import shutil
import stat
from pathlib import Path

import pytest

from crewline.memory.operations.audit import HASHED_FIELDS, AuditLog
from crewline.memory.operations.audit_anchor import AuditKeyError
from tests.support.audit_logs import (
    COLUMNS,
    execute,
    fill,
    first_problem,
    stored_rows,
    write_old_format,
)

pytestmark = pytest.mark.usefixtures("audit_env")  # fixtures: tests/unit/conftest.py


@pytest.mark.parametrize("n", [1, 2, 6])
def test_truncation_with_the_head_row_reset_is_detected(audit_url: str, n: int) -> None:
    """Delete the newest ``n`` entries and set the head row to the last remaining row's stored hash:
    the database alone is consistent again, the anchor outside it is not."""
    log = AuditLog(audit_url)
    fill(log)
    rows = stored_rows(audit_url)
    execute(audit_url, "DELETE FROM audit_log WHERE seq > ?", (6 - n,))
    last_seq, last_hash = (rows[5 - n][0], rows[5 - n][-1]) if n < 6 else (0, "0" * 64)
    execute(audit_url, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (last_seq, last_hash))
    assert first_problem(log).startswith(f"entry {7 - n}: missing")


@pytest.mark.parametrize("forger", ["sha256", "guessed key"])
def test_a_chain_recomputed_without_the_key_is_detected(audit_url: str, forger: str) -> None:
    """Rewrite entry 3 and recompute every hash after it and the head, as the old, unkeyed log allowed:
    with plain SHA-256 (the old format) or an HMAC under a key of the attacker's choosing."""
    log = AuditLog(audit_url)
    fill(log)
    guess = AuditLog(audit_url, key=b"attacker-guess-0123456789")
    prev = stored_rows(audit_url)[1][-1]
    for row in stored_rows(audit_url)[2:]:
        values = dict(zip(COLUMNS, row, strict=True)) | {"prev_hash": prev}
        if values["seq"] == 3:
            values["detail"] = '{"i":2,"note":"nothing happened"}'
        payload = json.dumps([values[c] for c in HASHED_FIELDS], sort_keys=True, separators=(",", ":"))
        digest = (
            hashlib.sha256(payload.encode()).hexdigest() if forger == "sha256" else guess.entry_hash(values)
        )
        execute(audit_url, "UPDATE audit_log SET detail = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                 (values["detail"], prev, digest, values["seq"]))  # fmt: skip
        prev = digest
    execute(audit_url, "UPDATE audit_head SET hash = ? WHERE id = 1", (prev,))
    assert first_problem(log).startswith("entry 3: ")


def test_a_head_row_set_to_an_earlier_entry_is_detected(audit_url: str) -> None:
    log = AuditLog(audit_url)
    fill(log)
    fourth = stored_rows(audit_url)[3]
    execute(audit_url, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (fourth[0], fourth[-1]))
    assert "head" in first_problem(log)


def test_a_wiped_and_recreated_log_is_detected(audit_url: str) -> None:
    """Drop every table: the next process to open the log starts a fresh one, but the anchor the old
    log left outside the database says the log at this place had reached entry 6."""
    fill(AuditLog(audit_url))
    for table in ("audit_log", "audit_head", "audit_meta"):
        execute(audit_url, f"DROP TABLE {table}")
    reopened = AuditLog(audit_url)
    reopened.append("run.create", actor="after-the-wipe")
    problem = first_problem(reopened)
    assert "entry 6: missing" in problem and "wiped or recreated" in problem


# --- what an attacker who can also write the anchor file (not the key) tries ---------------------
def test_a_deleted_anchor_is_reported(audit_url: str) -> None:
    log = AuditLog(audit_url)
    fill(log)
    anchor = log.anchor()
    assert anchor is not None and anchor.seq == 6
    anchor.path.unlink()
    assert "no anchor for this log" in first_problem(log)


def test_a_forged_anchor_is_reported(audit_url: str) -> None:
    """Truncate, then edit the anchor to match: its signature no longer holds."""
    log = AuditLog(audit_url)
    fill(log)
    anchor = log.anchor()
    assert anchor is not None
    fifth = stored_rows(audit_url)[4]
    execute(audit_url, "DELETE FROM audit_log WHERE seq = 6")
    execute(audit_url, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (fifth[0], fifth[-1]))
    data = json.loads(anchor.path.read_text()) | {"seq": 5, "hash": fifth[-1]}
    anchor.path.write_text(json.dumps(data))
    assert "is not signed with this log's key" in first_problem(log)


def _anchor_saved_at_three(log: AuditLog, saved: Path) -> Path:
    """Three entries, their anchor copied to ``saved``, three more; the live anchor's path."""
    fill(log, 3)
    anchor = log.anchor()
    assert anchor is not None
    shutil.copy(anchor.path, saved)
    fill(log, 3)
    return anchor.path


def test_an_older_anchor_put_back_is_reported(audit_url: str, tmp_path: Path) -> None:
    log = AuditLog(audit_url)
    saved = tmp_path / "old-anchor.json"
    shutil.copy(saved, _anchor_saved_at_three(log, saved))
    assert first_problem(log).startswith("entry 4: newer than the anchor")


def test_rollback_and_truncation_together_are_caught_by_an_exported_anchor(
    audit_url: str, tmp_path: Path
) -> None:
    """An older anchor put back *and* the log truncated to match it look consistent on the host; an
    anchor exported earlier (``crewline audit anchor``) still vouches for the entries up to it."""
    log = AuditLog(audit_url)
    old = tmp_path / "old-anchor.json"
    anchor_path = _anchor_saved_at_three(log, old)
    exported = tmp_path / "exported.json"
    shutil.copy(anchor_path, exported)
    rows = stored_rows(audit_url)
    execute(audit_url, "DELETE FROM audit_log WHERE seq > 3")
    execute(audit_url, "UPDATE audit_head SET seq = 3, hash = ? WHERE id = 1", (rows[2][-1],))
    shutil.copy(old, anchor_path)
    assert log.verify().ok  # the limit of what one host can see, as the threat model says
    result = log.verify(anchors=[exported])
    assert not result.ok and result.problems[0].startswith("entry 4: missing")


# --- logs written before keyed hashes and anchors ------------------------------------------------
def test_an_old_format_log_verifies_with_what_it_cannot_vouch_for(audit_url: str) -> None:
    write_old_format(audit_url, 3)
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
    assert stored_rows(audit_url)[3][-1].startswith("v2:")


def test_old_entries_rewritten_after_the_upgrade_are_detected(audit_url: str) -> None:
    """The first keyed entry's HMAC covers the old chain's last hash: recomputing the old entries'
    plain SHA-256 after a rewrite no longer links."""
    write_old_format(audit_url, 3)
    log = AuditLog(audit_url)
    log.append("run.create", actor="new")
    prev = "0" * 64
    for row in stored_rows(audit_url)[:3]:
        values = dict(zip(COLUMNS, row, strict=True)) | {"prev_hash": prev, "actor": "someone else"}
        payload = json.dumps([values[c] for c in HASHED_FIELDS], sort_keys=True, separators=(",", ":"))
        prev = hashlib.sha256(payload.encode()).hexdigest()
        execute(audit_url, "UPDATE audit_log SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                 (values["actor"], values["prev_hash"], prev, values["seq"]))  # fmt: skip
    assert first_problem(log).startswith("entry 4: does not link")


def test_keyed_entries_downgraded_to_the_old_format_are_detected(audit_url: str) -> None:
    log = AuditLog(audit_url)
    fill(log, 3)
    prev = "0" * 64
    for row in stored_rows(audit_url):
        values = dict(zip(COLUMNS, row, strict=True)) | {"prev_hash": prev}
        payload = json.dumps([values[c] for c in HASHED_FIELDS], sort_keys=True, separators=(",", ":"))
        prev = hashlib.sha256(payload.encode()).hexdigest()
        execute(audit_url, "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?",
                 (values["prev_hash"], prev, values["seq"]))  # fmt: skip
    execute(audit_url, "UPDATE audit_head SET hash = ? WHERE id = 1", (prev,))
    assert "not the entry the anchor" in first_problem(log)


# --- the key -------------------------------------------------------------------------------------
def test_the_key_is_created_once_outside_the_log(tmp_path: Path, audit_env: Path) -> None:
    path = tmp_path / "audit.sqlite"
    log = AuditLog(f"sqlite:///{path}")
    fill(log)
    key_file = audit_env / "audit.key"
    key = key_file.read_bytes()
    assert len(key) == 32 and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    log.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("audit.sqlite*"))
    assert key not in stored and key.hex().encode() not in stored
    assert AuditLog(f"sqlite:///{path}").verify().ok  # the next process finds the same key


def test_a_log_checked_under_another_key_fails(audit_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fill(AuditLog(audit_url))
    monkeypatch.setenv("CREWLINE_AUDIT_KEY", "another-key-0123456789abcdef")
    problem = first_problem(AuditLog(audit_url))
    assert "not signed with this log's key" in problem or "another audit key" in problem


def test_a_short_configured_key_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREWLINE_AUDIT_KEY", "secret")
    with pytest.raises(AuditKeyError, match="at least 16 characters"):
        AuditLog(f"sqlite:///{tmp_path / 'a.sqlite'}")
