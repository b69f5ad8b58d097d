"""Named fault points: places where a test or a benchmark can crash or fail the process on purpose.

Production code calls ``fault_point("effect:refund:before_commit")`` at the moments that matter for
crash safety (step boundaries, inside and after each side effect). Without an installed hook it does
nothing. A crash test installs a hook that SIGKILLs the process at a chosen point, or raises to inject
a failure; ``faults_trace`` lists the points a run passes through.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["FaultHook", "InjectedFailure", "fault_point", "faults_trace", "install_fault_hook"]

FaultHook = Callable[[str], None]

_hook: FaultHook | None = None


class InjectedFailure(RuntimeError):
    """A failure raised on purpose at a fault point (by a test's hook)."""


def fault_point(name: str) -> None:
    """Call the installed hook with ``name`` (no-op when none is installed)."""
    if _hook is not None:
        _hook(name)


@contextmanager
def install_fault_hook(hook: FaultHook) -> Iterator[None]:
    """Install ``hook`` for the duration of the block (one hook per process; blocks do not nest)."""
    global _hook
    previous, _hook = _hook, hook
    try:
        yield
    finally:
        _hook = previous


@contextmanager
def faults_trace() -> Iterator[list[str]]:
    """Record the fault points passed inside the block, in order."""
    seen: list[str] = []
    with install_fault_hook(seen.append):
        yield seen
