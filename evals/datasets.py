"""Reading evaluation data: JSONL rows with clear errors naming the file and the line."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from crewline import json_input
from crewline.errors import ConfigurationError

__all__ = ["DatasetError", "iter_lines", "read_jsonl", "shared_data_dir"]


class DatasetError(ConfigurationError):
    """Bad evaluation data; the message names the file and line."""


def iter_lines(path: Path) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` of every line, with one-line errors for unreadable files."""
    try:
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                try:
                    yield number, raw.decode("utf-8")
                except UnicodeDecodeError:
                    raise DatasetError(f"{path}:{number}: not valid UTF-8") from None
    except FileNotFoundError:
        raise DatasetError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DatasetError(f"{path}: is a directory, not a JSONL file") from None


def read_jsonl(
    path: str | Path, *, required: Sequence[str] = (), allow_empty: bool = False
) -> list[dict[str, Any]]:
    """Every non-blank line of ``path`` as a JSON object that has the ``required`` fields."""
    path = Path(path)
    rows: list[dict[str, Any]] = []
    for number, line in iter_lines(path):
        if not line.strip():
            continue
        try:
            row = json_input.loads(line)  # depth-limited: one line, not a RecursionError
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise DatasetError(f"{path}:{number}: expected a JSON object, got {type(row).__name__}")
        missing = [field for field in required if field not in row]
        if missing:
            raise DatasetError(f"{path}:{number}: missing field {', '.join(repr(m) for m in missing)}")
        rows.append(row)
    if not rows and not allow_empty:
        raise DatasetError(f"{path}: no rows")
    return rows


def clinc150_dir(given: Path | None = None, needs: str = "train.jsonl") -> Path | None:
    """``given``, else ``../shared/data/clinc150``, when it holds ``needs``; ``None`` otherwise."""
    shared = shared_data_dir()
    folder = given or (shared / "clinc150" if shared else None)
    return folder if folder is not None and (folder / needs).is_file() else None


def shared_data_dir() -> Path | None:
    """``../shared/data`` next to the checkout (or ``CREWLINE_SHARED_DATA``), if it exists."""
    configured = os.environ.get("CREWLINE_SHARED_DATA")
    candidate = Path(configured) if configured else Path(__file__).resolve().parents[2] / "shared" / "data"
    return candidate if candidate.is_dir() else None
