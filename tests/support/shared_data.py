"""The public datasets in ../shared/data: skipped on a user's fresh clone, required when CI=true."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crewline.evals.datasets import shared_data_dir


def require_shared(relative: str) -> Path:
    """``../shared/data/<relative>``; skips the test when it is absent, fails it under CI."""
    root = shared_data_dir()
    path = root / relative if root is not None else None
    if path is None or not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but ../shared/data/{relative} is missing", pytrace=False)
        pytest.skip(f"../shared/data/{relative} is not available")
    return path
