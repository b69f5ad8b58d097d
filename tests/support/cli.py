"""The ``crewline`` command as a user runs it: a fresh process, its own data directory, no model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

__all__ = ["crewline"]


def crewline(*args: str, data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``crewline ARGS`` with ``CREWLINE_DATA_DIR=data_dir`` and ``env`` (no ``OPENAI_*`` or other
    ``CREWLINE_*`` variables of the test process leak in), text output, never raising on exit codes."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "CREWLINE_"))}
    environ.update(CREWLINE_DATA_DIR=str(data_dir), LANGSMITH_TRACING="false", **env)
    return subprocess.run(
        [sys.executable, "-m", "crewline.cli", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=180,
        check=False,
    )
