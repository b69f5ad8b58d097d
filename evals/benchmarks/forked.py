"""A benchmark worker in a forked child that may SIGKILL itself at a fault point.

The crash benchmarks (``approval_replay``, ``workflow_crash``) drive a thread through a real process
death: the child runs until a fault point kills it or it finishes, reporting on a pipe one line per
event; the last line says how it ended (``kill POINT``, ``done PAYLOAD``, ``error ...``). A child
forked while another thread of the parent held a lock can wait forever; it dies after
:data:`WORKER_SECONDS` instead, and the trial fails with that reason rather than hang the run.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable

__all__ = ["WORKER_SECONDS", "run_forked"]

WORKER_SECONDS = 180  # one worker's run up to its kill point; seconds on an idle machine


def run_forked(work: Callable[[int], None], name: str) -> tuple[str, str]:
    """Run ``work(pipe)`` in a forked child: ``("kill", point)`` when it died at a fault point,
    ``("done", payload)`` when it finished; ``RuntimeError`` naming ``name`` otherwise."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child never returns into the caller's code (pytest, the benchmark loop)
        os.close(read)
        signal.alarm(WORKER_SECONDS)
        code = 0
        try:
            work(write)
        except BaseException as exc:  # report, then leave without running the parent's cleanups
            os.write(write, f"error {type(exc).__name__}: {' '.join(str(exc).split())[:300]}\n".encode())
            code = 1
        os._exit(code)
    os.close(write)
    with os.fdopen(read) as reader:
        lines = reader.read().splitlines()
    _, status = os.waitpid(pid, 0)
    last = lines[-1] if lines else ""
    signalled = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    if signalled == signal.SIGKILL and last.startswith("kill "):
        return "kill", last.removeprefix("kill ")
    if last.startswith("done "):
        return "done", last.removeprefix("done ")
    if signalled == signal.SIGALRM:
        raise RuntimeError(f"worker for {name} did not finish in {WORKER_SECONDS} s (last: {last!r})")
    raise RuntimeError(f"worker for {name} ended unexpectedly: {last or status}")
