"""The ``crewline`` command as a user runs it: its own data directory, no model, exit code and output.

``crewline(...)`` calls the command's ``main(argv)`` in the test process with the environment,
standard input, output and exit code a fresh process would have: a fresh ``python -m crewline.cli``
costs seconds of imports and graph building (most of the CLI tests' time), ``main`` a fraction of a
second once the process has them. ``crewline_process(...)`` is the real process, for what only a
process shows: the entry point, signals, interpreter start-up and whatever ``main`` leaves behind.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

__all__ = ["crewline", "crewline_process"]

_TIMEOUT_S = 180
# Rich measures the terminal on file descriptors 0-2, which under pytest may be the developer's
# terminal; a piped ``crewline`` sees none and uses 80 columns, so the in-process run is told so.
_PIPE_COLUMNS = "80"
# One command at a time: os.environ and sys.std* are the process's, not the thread's.
_ONE_AT_A_TIME = threading.Lock()


def _environment(data_dir: Path, env: Mapping[str, str]) -> dict[str, str]:
    """The test process's environment without ``OPENAI_*``/``CREWLINE_*``, plus the command's own."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "CREWLINE_"))}
    environ.update(CREWLINE_DATA_DIR=str(data_dir), LANGSMITH_TRACING="false", **env)
    return environ


def _argv(args: tuple[str | bytes, ...]) -> list[str]:
    # bytes as the kernel passes them: Python decodes argv with the file-system encoding
    return [os.fsdecode(arg) if isinstance(arg, bytes) else arg for arg in args]


@contextmanager
def _process_state(environ: dict[str, str], stdin: bytes) -> Iterator[tuple[io.BytesIO, io.BytesIO]]:
    """``os.environ`` and ``sys.stdin``/``stdout``/``stderr`` as a piped process has them, restored after."""
    saved_environ = dict(os.environ)
    saved_streams = (sys.stdin, sys.stdout, sys.stderr)
    out, err = io.BytesIO(), io.BytesIO()
    # the byte streams below the text ones, as in a process: commands read stdin.buffer
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
    sys.stderr = io.TextIOWrapper(err, encoding="utf-8", write_through=True)
    os.environ.clear()
    os.environ.update({"COLUMNS": _PIPE_COLUMNS, **environ})
    try:
        yield out, err
    finally:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
            stream.detach()  # keep the BytesIO readable after the wrapper goes
        sys.stdin, sys.stdout, sys.stderr = saved_streams
        os.environ.clear()
        os.environ.update(saved_environ)


def _exit_code(exc: SystemExit) -> int:
    # as the interpreter maps sys.exit's argument: None → 0, an int as is, anything else printed → 1
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)
    return 1


def _main(argv: list[str]) -> int:
    """``sys.exit(main(argv))`` of ``crewline.cli`` as the interpreter would end it."""
    from crewline.cli import main
    from crewline.graphs.serving.observer import unobserved

    try:
        # a process that imported the server app observes every run; a crewline process does not
        with unobserved():
            return main(argv)
    except SystemExit as exc:  # argparse: --help, usage errors
        return _exit_code(exc)
    except KeyboardInterrupt:
        traceback.print_exc()
        return 130
    except Exception:  # what escapes main: the interpreter prints the traceback and exits 1
        traceback.print_exc()
        return 1


def crewline(
    *args: str | bytes, data_dir: Path, stdin: bytes | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """``crewline ARGS`` with ``CREWLINE_DATA_DIR=data_dir`` and ``env`` (no ``OPENAI_*`` or other
    ``CREWLINE_*`` variables of the test process leak in), text output, never raising on exit codes.

    ``stdin`` is what the command reads from standard input, as bytes (a request piped in may be
    invalid UTF-8); without it standard input is empty, as under a script with nothing piped in."""
    argv = _argv(args)
    with _ONE_AT_A_TIME, _process_state(_environment(data_dir, env), stdin or b"") as (out, err):
        code = _main(argv)
    return subprocess.CompletedProcess(
        ["crewline", *argv],
        code,
        out.getvalue().decode("utf-8", errors="replace"),
        err.getvalue().decode("utf-8", errors="replace"),
    )


def crewline_process(
    *args: str | bytes, data_dir: Path, stdin: bytes | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """Like :func:`crewline`, in a fresh ``python -m crewline.cli`` process."""
    done = subprocess.run(
        [sys.executable, "-m", "crewline.cli", *args],
        capture_output=True,
        input=stdin if stdin is not None else b"",
        env=_environment(data_dir, env),
        timeout=_TIMEOUT_S,
        check=False,
    )
    return subprocess.CompletedProcess(
        done.args,
        done.returncode,
        done.stdout.decode("utf-8", errors="replace"),
        done.stderr.decode("utf-8", errors="replace"),
    )
