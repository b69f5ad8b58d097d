"""A detector's cost grows with its input, not with its square: measured as scaling, not wall time.

A bound of 0.1 s on 20 KB failed under the load of a shared machine (a linear rule at 0.25 s) and
would pass a quadratic one on a fast machine. Here the best of three runs at 10 KB and at 40 KB are
compared: four times the text costs a linear rule about four times as long and a quadratic one
sixteen, so a ratio under eight tells them apart whatever the machine's speed; the load of other
processes slows both sizes alike, and the best of three drops a run that a burst of it hit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

__all__ = ["assert_linear"]

_SMALL = 10_000
_LARGE = 40_000
# below this, a timer's, a cache's and a scheduler's jitter is much of the time measured (a linear
# rule took 2 ms on 10 KB and 14 ms on 40 KB, 24 ms on 80 KB): the smaller run's time is read as at
# least this long. A quadratic rule is still caught once its 40 KB run takes over 40 ms.
_FLOOR = 0.005
# whatever the ratio, 40 KB of any unit in well over this is a regression worth a look
_ROOMY = 4.0


def _best(call: Callable[[str], Any], text: str, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        call(text)
        times.append(time.perf_counter() - began)
    return min(times)


def _repeated(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def assert_linear(call: Callable[[str], Any], unit: str, *, repeats: int = 3, ratio: float = 8.0) -> None:
    """Assert that ``call`` on ``unit`` repeated to 40 KB costs under ``ratio`` times its cost on 10 KB
    (linear is about 4, quadratic about 16), and stays under a roomy absolute bound."""
    small = _best(call, _repeated(unit, _SMALL), repeats)
    large = _best(call, _repeated(unit, _LARGE), repeats)
    assert large < ratio * max(small, _FLOOR), f"{unit!r}: 10 KB {small:.4f} s, 40 KB {large:.4f} s"
    assert large < _ROOMY, f"{unit!r}: 40 KB {large:.4f} s"
