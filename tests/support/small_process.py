"""Calls run in a small process of their own, for tests that fork many workers or racers.

A fork costs in proportion to the parent's size: the child gets a copy of the parent's page tables
and the kernel tears them down again when it dies. Late in a whole run pytest's process holds well
over a GB (embedding models, every library the suite imported, module-scoped fixtures), and the
workflow crash test's 150 or so forked workers took 60 s there against 17 s from a fresh interpreter.
``SmallProcess`` runs calls in one child of multiprocessing's forkserver, a fresh interpreter that
imports only what the calls need, so whatever a call forks is forked from that small process. Each
call sees the test's environment and working directory; its result or its exception comes back.

    with SmallProcess() as small:
        report = small.call(run_scenario, scenario, url, workdir, pristine)
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from types import TracebackType
from typing import Any, TypeVar

__all__ = ["SmallProcess"]

T = TypeVar("T")


def _as_the_test(environ: dict[str, str], cwd: str, function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` with the calling test's environment and working directory.

    The forkserver's children start with the environment the forkserver had when an earlier test
    started it (another test's ``CREWLINE_DATA_DIR``, say), not the calling test's."""
    os.environ.clear()
    os.environ.update(environ)
    os.chdir(cwd)
    return function(*args)


class SmallProcess:
    """One forkserver child that runs calls in turn; module-level functions and picklable arguments."""

    def __init__(self) -> None:
        # forkserver, not fork: a forked child would be as large as this process
        context = multiprocessing.get_context("forkserver")
        self._pool = ProcessPoolExecutor(max_workers=1, mp_context=context)

    def call(self, function: Callable[..., T], *args: Any) -> T:
        future = self._pool.submit(_as_the_test, dict(os.environ), os.getcwd(), function, *args)
        return future.result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> SmallProcess:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
