"""API keys and the audit log shared by hosts (SQLite file, PostgreSQL): a key made on one host
works and is revoked on another; hosts with their own data directories append to one chain that
verifies on each of them, and tampering is still caught there."""

from __future__ import annotations

from pathlib import Path

import pytest

from crewline.memory.operations.audit import open_audit_log
from crewline.memory.operations.keys import KeyStore, default_key_store
from tests.support.state_backends import BACKENDS, backend_url, in_other_process


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return backend_url(request, tmp_path, "state.sqlite")


def test_a_key_made_on_one_host_is_accepted_and_revoked_on_another(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CREWLINE_STATE_URL", url)
    key, record = default_key_store().create(user_id="ana", tenant_id="acme", role="approver")
    seen = in_other_process(
        "from crewline.memory.operations.keys import default_key_store\n"
        "store = default_key_store()\n"
        f"found = store.lookup({key!r})\n"
        f"store.revoke({record.key_id!r})\n"
        "result = [found.user_id, found.role, store.count()]",
        {"CREWLINE_STATE_URL": url},
        tmp_path / "host-b",
    )
    assert seen == ["ana", "approver", 0]
    assert KeyStore(url).lookup(key) is None


@pytest.fixture
def two_hosts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """Two data directories sharing the audit key and the anchor directory (the documented setup)."""
    monkeypatch.setenv("CREWLINE_AUDIT_KEY", "k" * 32)
    monkeypatch.setenv("CREWLINE_AUDIT_ANCHOR_DIR", str(tmp_path / "anchors"))
    return tmp_path / "host-a", tmp_path / "host-b"


def _entries_on_b(url: str, host_b: Path, n: int) -> list[object]:
    return list(
        in_other_process(
            "from crewline.memory.operations.audit import open_audit_log\n"
            "log = open_audit_log()\n"
            f"for i in range({n}): log.append('escalation.decision', actor='bob', thread_id=f't-{{i}}')\n"
            "v = log.verify()\n"
            "result = [v.ok, v.checked, v.problems]",
            {"CREWLINE_STATE_URL": url},
            host_b,
        )
    )


def test_hosts_append_to_one_chain_that_verifies_on_each(
    url: str, two_hosts: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    host_a, host_b = two_hosts
    monkeypatch.setenv("CREWLINE_STATE_URL", url)
    monkeypatch.setenv("CREWLINE_DATA_DIR", str(host_a))
    log = open_audit_log()
    for i in range(3):
        log.append("run.create", actor="ana", thread_id=f"a-{i}")
    assert _entries_on_b(url, host_b, 2) == [True, 5, []]
    log.append("run.create", actor="ana")
    result = log.verify()
    assert result.ok, result.problems
    assert result.checked == 6
    assert {e.actor for e in log.entries()} == {"ana", "bob"}


def test_a_deleted_entry_is_caught_on_both_hosts(
    url: str, two_hosts: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    host_a, host_b = two_hosts
    monkeypatch.setenv("CREWLINE_STATE_URL", url)
    monkeypatch.setenv("CREWLINE_DATA_DIR", str(host_a))
    log = open_audit_log()
    for i in range(4):
        log.append("run.create", actor="ana", thread_id=f"a-{i}")
    with log._transaction() as run:  # someone with SQL access removes an entry
        run("DELETE FROM audit_log WHERE seq = 2")
    assert not log.verify().ok
    ok, _, problems = _entries_on_b(url, host_b, 0)  # type: ignore[misc]
    assert ok is False and any("entry 2" in p for p in problems)


def test_a_host_with_a_key_of_its_own_is_told(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a shared CREWLINE_AUDIT_KEY a second host's entries cannot be vouched for: verify says
    so (the setup mistake is visible, never a silent pass)."""
    monkeypatch.setenv("CREWLINE_STATE_URL", url)
    monkeypatch.setenv("CREWLINE_AUDIT_ANCHOR_DIR", str(tmp_path / "anchors"))
    monkeypatch.delenv("CREWLINE_AUDIT_KEY", raising=False)
    monkeypatch.setenv("CREWLINE_DATA_DIR", str(tmp_path / "host-a"))
    open_audit_log().append("run.create", actor="ana")
    ok, _, problems = _entries_on_b(url, tmp_path / "host-b", 1)  # type: ignore[misc]
    assert ok is False and any("another audit key" in p for p in problems)
