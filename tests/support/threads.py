"""Start threads together (behind one barrier) and collect what they raised."""

from __future__ import annotations

import threading
from collections.abc import Callable


def run_together(count: int, target: Callable[[int], object]) -> list[BaseException]:
    """Run ``target(0..count-1)`` on ``count`` threads released at once; the exceptions they raised."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            barrier.wait()
            target(index)
        except BaseException as exc:  # reported to the caller
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
