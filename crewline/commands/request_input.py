"""Where ``crewline run`` gets its request: the argument, standard input (``-``) or ``--file PATH``.

A long request (a pasted e-mail thread, a log) does not fit in one command-line argument (Linux
refuses an argument over 128 KiB before crewline starts), so it comes from stdin or a file. Every
source gets the same checks as the argument, with one line and exit code 2 when they fail. The size
rule is the input guard's own (:func:`crewline.nodes.guards.check_input`): the guard's character
limit, counted on the text the guard would inspect, so the CLI refuses exactly what the guard would
block. Reading stops a little past what could still fit, so a huge stream is never held in memory.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from crewline.errors import UsageError

if TYPE_CHECKING:
    from crewline.graphs import CrewSpec

__all__ = ["STDIN", "read_request", "validate_request"]

STDIN = "-"
# Bytes read at most per allowed character: UTF-8 takes up to 4 bytes a character, and the guard counts
# characters after it strips markup and runs of spaces; past this many bytes no text fits the limit.
_BYTES_PER_CHAR = 16


def _read_capped(stream: BinaryIO, cap: int) -> bytes:
    """At most ``cap + 1`` bytes of ``stream`` (one more than the cap tells "too long" apart)."""
    chunks: list[bytes] = []
    size = 0
    while size <= cap:
        chunk = stream.read(min(1 << 20, cap + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _decode(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8-sig")  # an editor's byte-order mark is no part of the request
    except UnicodeDecodeError as exc:
        raise UsageError(f"{where} is not valid UTF-8 (byte {exc.start})") from None


def _from_file(path_text: str, cap: int) -> str:
    path = Path(path_text).expanduser()
    if path.is_dir():
        raise UsageError(f"--file {path_text} is a directory; give the file that holds the request")
    try:
        with path.open("rb") as stream:
            data = _read_capped(stream, cap)
    except FileNotFoundError:
        raise UsageError(f"--file {path_text}: no such file") from None
    except OSError as exc:
        raise UsageError(f"--file {path_text}: {exc.strerror or type(exc).__name__}") from None
    return _check_size(_decode(data, f"--file {path_text}"), len(data), cap)


def _from_stdin(cap: int) -> str:
    stream = sys.stdin.buffer if sys.stdin is not None else None
    if stream is None:
        raise UsageError("no standard input to read the request from")
    if sys.stdin.isatty():  # typed, not piped: say how to end it, or it looks like a hang
        print("crewline: type the request, then Ctrl-D on a line of its own", file=sys.stderr)
    data = _read_capped(stream, cap)
    return _check_size(_decode(data, "standard input"), len(data), cap)


def _check_size(text: str, size: int, cap: int) -> str:
    if size > cap:
        limit = cap // _BYTES_PER_CHAR
        raise UsageError(
            f"the request is over {cap:,} bytes; the input guard's limit is {limit:,} characters"
        )
    return text


def read_request(argument: str | None, file: str | None, spec: CrewSpec) -> str:
    """The request text from ``argument`` (``-``: stdin) or ``file`` (``-``: stdin), unchecked."""
    if argument is not None and file is not None:
        raise UsageError("give the request either as an argument or with --file, not both")
    if argument is None and file is None:
        raise UsageError("no request: give it as an argument, '-' to read standard input, or --file PATH")
    cap = spec.guards.max_request_chars * _BYTES_PER_CHAR
    if file is not None:
        return _from_stdin(cap) if file == STDIN else _from_file(file, cap)
    assert argument is not None
    return _from_stdin(cap) if argument == STDIN else argument


def validate_request(request: str, spec: CrewSpec) -> str:
    """``request`` if the crew may run it; else a one-line :class:`UsageError` (exit 2)."""
    from crewline.nodes.guards.sanitize import sanitize

    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in request):  # undecodable bytes of an argument
        raise UsageError("the request is not valid UTF-8")
    if any((ord(ch) < 32 and ch not in "\n\t\r") or ord(ch) == 127 for ch in request):
        raise UsageError("the request contains control characters")
    if not request.strip():
        raise UsageError("the request is empty")
    limit = spec.guards.max_request_chars
    # the input guard's rule: characters of the text it inspects (sanitized), against its limit
    if (
        len(request) > limit
        and (length := len(sanitize(request, strip_markup=spec.guards.strip_markup))) > limit
    ):
        raise UsageError(f"the request has {length:,} characters; the input guard's limit is {limit:,}")
    return request
