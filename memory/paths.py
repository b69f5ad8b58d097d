"""Where crewline keeps its files: one data directory per user, overridable for tests and deployments."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir


def data_dir() -> Path:
    """The directory for databases, indexes and tickets (``CREWLINE_DATA_DIR`` or the user's data dir)."""
    configured = os.environ.get("CREWLINE_DATA_DIR")
    path = Path(configured).expanduser() if configured else Path(user_data_dir("crewline", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path
