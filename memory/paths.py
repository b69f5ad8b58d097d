"""Where crewline keeps its files: one data directory per user, overridable for tests and deployments."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from platformdirs import user_data_dir

from crewline.errors import ConfigurationError

__all__ = ["DataDirError", "data_dir", "data_dir_path"]


class DataDirError(ConfigurationError, OSError):
    """The data directory cannot be created (``CREWLINE_DATA_DIR`` names a file, say). Still an
    ``OSError``, so code that works on without the directory (the router cache) keeps doing so."""


def data_dir_path() -> Path:
    """Where :func:`data_dir` is, without creating it (for a cache keyed by it: no file system call)."""
    return _located(
        os.environ.get("CREWLINE_DATA_DIR"), os.environ.get("XDG_DATA_HOME"), os.environ.get("HOME")
    )


@lru_cache(maxsize=64)
def _located(configured: str | None, xdg_data_home: str | None, home: str | None) -> Path:
    # keyed by the environment it reads (user_data_dir: XDG_DATA_HOME and HOME): asked per model call
    return Path(configured).expanduser() if configured else Path(user_data_dir("crewline", appauthor=False))


def data_dir() -> Path:
    """The directory for databases, indexes and tickets (``CREWLINE_DATA_DIR`` or the user's data dir)."""
    path = data_dir_path()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        where = "CREWLINE_DATA_DIR" if os.environ.get("CREWLINE_DATA_DIR") else "the data directory"
        reason = "exists and is not a directory" if isinstance(exc, FileExistsError) else exc.strerror
        raise DataDirError(f"{where} {path}: {reason or exc}") from None
    return path
