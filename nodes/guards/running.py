"""Running guards in order: each verdict checked, a crashing guard turned into an ``escalate`` verdict.

One logic, two drivers (:mod:`crewline.nodes.sync_async`): :func:`input_guard_steps` and
:func:`output_guard_steps` are step generators a crew node runs with ``yield from``;
:func:`run_input_guards` / :func:`arun_input_guards` (and the output twins) drive them for callers
outside a graph.

Decisions, so a user can predict what happens:

* Guards run in the order given. After a ``block`` verdict the remaining guards are skipped
  (``stop_at_block``): nothing can undo a block, and a later guard may cost a model or API call.
* A guard that raises gets an ``escalate`` verdict under its name, the error in its reason (one
  line, personal data replaced by its type): a broken check must not let a request through
  silently, nor refuse every request while it is down. A human decides.
* A guard that returns something that is not a valid verdict (an unknown action, no reason, a
  score outside [0, 1], an extra key, a reserved name) is a programming error, not an outage: it
  raises :class:`~crewline.errors.ConfigurationError` naming the guard, at run time (what a guard
  returns cannot be known before it runs). So does a ``ConfigurationError`` the guard raises itself.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, Literal, get_args

from crewline.errors import ConfigurationError
from crewline.nodes.guards.pii import detect_pii
from crewline.nodes.guards.protocol import (
    RESERVED_NAMES,
    Guard,
    GuardContext,
    GuardOutcome,
    GuardSet,
    guard_set,
    is_builtin,
)
from crewline.nodes.sync_async import Step, Steps, adrive, drive, run_coroutine
from crewline.nodes.types import GuardAction, Verdict

__all__ = [
    "ACTIONS",
    "arun_input_guards",
    "arun_output_guards",
    "checked_verdicts",
    "crashed_verdict",
    "input_guard_steps",
    "output_guard_steps",
    "run_input_guards",
    "run_output_guards",
]

ACTIONS: tuple[GuardAction, ...] = get_args(GuardAction)
_KEYS = frozenset(Verdict.__annotations__)
_REASON_CHARS = 300  # a crash's reason goes into state and tickets: one short line

Side = Literal["input", "output"]


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= _REASON_CHARS else line[: _REASON_CHARS - 1] + "…"


def _without_personal_data(text: str) -> str:
    # An exception message may quote the text it choked on; the state never holds a raw value.
    for span in reversed(detect_pii(text)):
        text = f"{text[: span.start]}[{span.type}]{text[span.end :]}"
    return text


def crashed_verdict(guard: str, error: BaseException) -> Verdict:
    """The ``escalate`` verdict for a guard that raised ``error``."""
    detail = _without_personal_data(_one_line(str(error)))
    reason = f"guard {guard!r} failed: {type(error).__name__}" + (f": {detail}" if detail else "")
    return Verdict(guard=guard, score=1.0, reason=_one_line(reason), action="escalate")


def _score(value: object, guard: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigurationError(f"guard {guard!r} returned score {value!r}: a number in [0, 1]")
    if not 0.0 <= float(value) <= 1.0:
        raise ConfigurationError(f"guard {guard!r} returned score {value!r}: a number in [0, 1]")
    return float(value)


def _verdict(value: object, guard: Guard) -> Verdict:
    name = guard.name
    if not isinstance(value, Mapping):
        raise ConfigurationError(
            f"guard {name!r} returned {type(value).__name__}: return a Verdict, a list of them or None"
        )
    extra = sorted(set(value) - _KEYS)
    if extra:
        raise ConfigurationError(f"guard {name!r} returned a verdict with unknown keys: {', '.join(extra)}")
    action = value.get("action")
    if action not in ACTIONS:
        raise ConfigurationError(
            f"guard {name!r} returned unknown action {action!r}; use one of {', '.join(ACTIONS)}"
        )
    reason = value.get("reason")
    if not isinstance(reason, str):
        raise ConfigurationError(f"guard {name!r} returned a verdict without a reason (a string)")
    said = value.get("guard") or name
    if not isinstance(said, str):
        raise ConfigurationError(f"guard {name!r} returned a verdict whose 'guard' is not a string")
    if said in RESERVED_NAMES and not is_builtin(guard):
        raise ConfigurationError(f"guard {name!r} returned a verdict named {said!r}, one of crewline's own")
    verdict = Verdict(guard=said, score=_score(value.get("score", 1.0), name), reason=reason, action=action)
    if "subtask_id" in value:
        if not isinstance(value["subtask_id"], str):
            raise ConfigurationError(f"guard {name!r} returned a verdict whose subtask_id is not a string")
        verdict["subtask_id"] = value["subtask_id"]
    return verdict


def checked_verdicts(outcome: object, guard: Guard) -> list[Verdict]:
    """``outcome`` (a verdict, a list of them or ``None``) as fresh, valid verdicts of ``guard``."""
    if outcome is None:
        return []
    if isinstance(outcome, Mapping):
        return [_verdict(outcome, guard)]
    if isinstance(outcome, (list, tuple)):
        return [_verdict(item, guard) for item in outcome]
    return [_verdict(outcome, guard)]  # raises, naming what came back


# -- one guard as one step -----------------------------------------------------------------------
async def _awaited(value: Awaitable[GuardOutcome]) -> GuardOutcome:
    return await value


def _step(guard: Guard, side: Side, text: str, context: GuardContext) -> Step[GuardOutcome]:
    sync: Callable[[str, GuardContext], GuardOutcome] | None = getattr(guard, f"check_{side}", None)
    asynchronous: Callable[[str, GuardContext], Awaitable[GuardOutcome]] | None = getattr(
        guard, f"acheck_{side}", None
    )
    if sync is not None and asynchronous is not None:
        return Step(lambda: sync(text, context), lambda: asynchronous(text, context))
    if sync is not None:  # under ainvoke a sync check runs in a worker thread: it may block
        return Step(lambda: sync(text, context), lambda: asyncio.to_thread(sync, text, context))
    assert asynchronous is not None  # guard_set keeps only guards with a method for this side
    return Step(
        lambda: run_coroutine(lambda: _awaited(asynchronous(text, context))),
        lambda: asynchronous(text, context),
    )


def _guards(guards: GuardSet | Iterable[object], side: Side) -> tuple[Guard, ...]:
    checked = guard_set(guards)
    return checked.input if side == "input" else checked.output


def _steps(
    guards: GuardSet | Iterable[object], side: Side, text: str, context: GuardContext, stop_at_block: bool
) -> Steps[list[Verdict]]:
    verdicts: list[Verdict] = []
    for guard in _guards(guards, side):
        try:
            outcome: Any = yield _step(guard, side, text, context)
        except ConfigurationError:
            raise  # a misconfigured guard fails loudly, like a bad verdict
        except Exception as exc:  # the guard itself broke: a human decides (see the module doc)
            verdicts.append(crashed_verdict(guard.name, exc))
        else:
            verdicts.extend(checked_verdicts(outcome, guard))
        if stop_at_block and any(v["action"] == "block" for v in verdicts):
            break
    return verdicts


def input_guard_steps(
    guards: GuardSet | Iterable[object], text: str, context: GuardContext, *, stop_at_block: bool = True
) -> Steps[list[Verdict]]:
    """The input guards' verdicts on ``text``, as steps (``yield from`` in a crew node)."""
    return _steps(guards, "input", text, context, stop_at_block)


def output_guard_steps(
    guards: GuardSet | Iterable[object], answer: str, context: GuardContext, *, stop_at_block: bool = True
) -> Steps[list[Verdict]]:
    """The output guards' verdicts on ``answer``, as steps (``yield from`` in a crew node)."""
    return _steps(guards, "output", answer, context, stop_at_block)


def run_input_guards(
    guards: GuardSet | Iterable[object], text: str, context: GuardContext, *, stop_at_block: bool = True
) -> list[Verdict]:
    """Run the input guards on ``text`` in order (see the module doc for crashes and bad verdicts)."""
    return drive(input_guard_steps(guards, text, context, stop_at_block=stop_at_block))


async def arun_input_guards(
    guards: GuardSet | Iterable[object], text: str, context: GuardContext, *, stop_at_block: bool = True
) -> list[Verdict]:
    """:func:`run_input_guards`, awaiting async guards and running sync ones in worker threads."""
    return await adrive(input_guard_steps(guards, text, context, stop_at_block=stop_at_block))


def run_output_guards(
    guards: GuardSet | Iterable[object], answer: str, context: GuardContext, *, stop_at_block: bool = True
) -> list[Verdict]:
    """Run the output guards on ``answer`` in order."""
    return drive(output_guard_steps(guards, answer, context, stop_at_block=stop_at_block))


async def arun_output_guards(
    guards: GuardSet | Iterable[object], answer: str, context: GuardContext, *, stop_at_block: bool = True
) -> list[Verdict]:
    """:func:`run_output_guards`, awaiting async guards and running sync ones in worker threads."""
    return await adrive(output_guard_steps(guards, answer, context, stop_at_block=stop_at_block))
