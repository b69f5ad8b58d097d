"""The ``crewline`` command as a user runs it: a fresh process, its own data directory, no model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

__all__ = ["crewline"]


def crewline(
    *args: str, data_dir: Path, stdin: bytes | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """``crewline ARGS`` with ``CREWLINE_DATA_DIR=data_dir`` and ``env`` (no ``OPENAI_*`` or other
    ``CREWLINE_*`` variables of the test process leak in), text output, never raising on exit codes.

    ``stdin`` is what the command reads from standard input, as bytes (a request piped in may be
    invalid UTF-8); without it standard input is empty, as under a script with nothing piped in."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "CREWLINE_"))}
    environ.update(CREWLINE_DATA_DIR=str(data_dir), LANGSMITH_TRACING="false", **env)
    done = subprocess.run(
        [sys.executable, "-m", "crewline.cli", *args],
        capture_output=True,
        input=stdin if stdin is not None else b"",
        env=environ,
        timeout=180,
        check=False,
    )
    return subprocess.CompletedProcess(
        done.args,
        done.returncode,
        done.stdout.decode("utf-8", errors="replace"),
        done.stderr.decode("utf-8", errors="replace"),
    )
