"""Fixtures the audit-log test modules share (test_audit.py, test_audit_attacks.py).

Neither is autouse: a module opts in with ``pytestmark = pytest.mark.usefixtures("audit_env")``, so
the rest of the unit tests keep the root conftest's data directory and environment untouched.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.audit_logs import audit_urls, isolated_audit_env


@pytest.fixture
def audit_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data directory (audit key, anchors) of the test's own, without an audit key or anchor
    directory from the environment; the directory is returned."""
    return isolated_audit_env(tmp_path, monkeypatch)


@pytest.fixture(params=["sqlite", "postgres"])
def audit_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each audit test on both backends: a SQLite file, or a fresh PostgreSQL database."""
    yield from audit_urls(request, tmp_path)
