"""Secret key files created on first use, safely when several processes start at once.

Six server workers (or a worker and the CLI) may all find no key and make one. Each writes its key
to a private temporary file beside the target and *links* it into place: the link fails if another
process got there first, and that process's key is read instead, so every process ends up with the
same key. The target never exists half-written (no reader can see an empty file, as one did when
the key was written in place after an ``O_EXCL`` create). Mode 0600.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

__all__ = ["load_or_create_key"]

# a file system without hard links gets O_EXCL writes; a reader then waits this long for the writer
_PARTIAL_WAIT_S = 2.0


def load_or_create_key(path: Path, make: Callable[[], bytes], complete: Callable[[bytes], bool]) -> bytes:
    """The key in ``path``; when there is none, ``make()``'s, written so that one process's key wins.

    ``complete`` tells a whole key from a file another process is still writing (only possible on a
    file system without hard links); a file that never becomes whole is returned as it is, for the
    caller to reject with its own message.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        _publish(path, make())
    deadline = time.monotonic() + _PARTIAL_WAIT_S
    key = path.read_bytes()
    while not complete(key) and time.monotonic() < deadline:
        time.sleep(0.01)
        key = path.read_bytes()
    return key


def _publish(path: Path, key: bytes) -> None:
    """Put ``key`` at ``path`` unless a key is there already (then leave that one)."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return  # another process published its key first: that one is the key
        except OSError:  # no hard links here: exclusive create, readers wait for the whole key
            _write_exclusive(path, key)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def _write_exclusive(path: Path, key: bytes) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
        handle.flush()
        os.fsync(handle.fileno())
