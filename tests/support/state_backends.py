"""Shared-state backends for conformance suites: each test gets a fresh SQLite file or a fresh
PostgreSQL schema, and a way to act as another process (another host: its own data directory)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BACKENDS = ("sqlite", "postgres")


def backend_url(request: pytest.FixtureRequest, tmp_path: Path, name: str) -> str:
    """A fresh URL for ``request.param``: a file under ``tmp_path``, or an empty PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared' / name}"
    return str(request.getfixturevalue("fresh_postgres_url"))


def in_other_process(code: str, env: dict[str, str], data_dir: Path) -> Any:
    """Run ``code`` (which sets ``result``) in a new Python process with its own data directory and
    ``env``; what it set, via JSON. A failure shows the child's stderr."""
    script = f"import json\n{code}\nprint(json.dumps(result))\n"
    child_env = {**os.environ, **env, "CREWLINE_DATA_DIR": str(data_dir)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=child_env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
