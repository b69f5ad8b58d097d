"""The ``Guard`` protocol: a declared object that checks a request, an answer, or both.

A guard is any object with a ``name`` and one or more of these methods (structural typing: no base
class to inherit)::

    check_input(text: str, context: GuardContext) -> GuardOutcome          # the request
    async acheck_input(text: str, context: GuardContext) -> GuardOutcome
    check_output(answer: str, context: GuardContext) -> GuardOutcome       # the synthesized answer
    async acheck_output(answer: str, context: GuardContext) -> GuardOutcome

``GuardOutcome`` is a :class:`~crewline.nodes.types.Verdict`, a list of them, or ``None`` (nothing
to say: the guard passes and records nothing). A guard implementing one side only is fine. The async
twins are optional: under ``invoke`` an async-only guard runs to completion on crewline's private
loop, under ``ainvoke`` a sync-only guard runs in a worker thread (the same rule as for tools), so
a guard that waits on a network (a moderation API) should implement the async twin.

The crew routes on a verdict's ``action`` (``pass | redact | retry | fallback | escalate | block``),
never on the guard's name; the name is for people (tickets, traces, metrics). Built-in verdict names
(:data:`RESERVED_NAMES`) are reserved so a custom guard can never be mistaken for a built-in one.

Plain functions become guards with :func:`input_guard` / :func:`output_guard`; :func:`guard_set`
checks a list of guards (and ``"module:attr"`` import paths from YAML) once, at build time.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, overload, runtime_checkable

from crewline.errors import ConfigurationError
from crewline.nodes.guards.settings import GuardSettings
from crewline.nodes.sync_async import run_coroutine
from crewline.nodes.types import Verdict
from crewline.tools.import_paths import import_path

__all__ = [
    "RESERVED_NAMES",
    "AsyncInputGuard",
    "AsyncOutputGuard",
    "Guard",
    "GuardCheck",
    "GuardContext",
    "GuardOutcome",
    "GuardSet",
    "InputFunctionGuard",
    "InputGuard",
    "OutputFunctionGuard",
    "OutputGuard",
    "guard_set",
    "input_guard",
    "is_builtin",
    "output_guard",
    "split_guards",
]

GuardOutcome = Verdict | Sequence[Verdict] | None
GuardCheck = Callable[[str, "GuardContext"], GuardOutcome | Awaitable[GuardOutcome]]

# Verdict names crewline's own guards and nodes write. Parts of the crew still tell these apart by
# name (the kind of an escalation, which PII verdict redacts), so no custom guard may take one.
RESERVED_NAMES = frozenset(
    {
        "input_guard",
        "input_guard_pii",
        "entry_guard",
        "entry_guard_pii",
        "tool_output_guard",
        "tool_output_guard_pii",
        "output_guard",
        "output_pii",
        "tool_pii",
        "groundedness",
        "confidence_gate",
        "model_fallback",
        "circuit_breaker",
        "node_error",
    }
)
_METHODS = ("check_input", "acheck_input", "check_output", "acheck_output")


@dataclass(frozen=True)
class GuardContext:
    """What a guard may need besides the text it checks. Immutable: a guard cannot change the run.

    ``request`` is the sanitized request with personal data as placeholders (for an input guard that
    runs after the built-in one, the text it checks). The output-only fields are empty for input
    guards: ``evidence`` (sources' snippets and grounded answers), ``tool_outputs`` (this request's
    tool results), ``confidence`` (the synthesized answer's), ``specialists`` (who answered).
    """

    crew: str = ""
    user_id: str | None = None
    tenant_id: str | None = None
    thread_id: str | None = None
    turn: int = 0
    request: str = ""
    evidence: tuple[str, ...] = ()
    tool_outputs: tuple[str, ...] = ()
    confidence: float | None = None
    specialists: tuple[str, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)  # the caller's own, e.g. a plan tier

    @classmethod
    def from_run(
        cls, state: Mapping[str, Any], config: Mapping[str, Any] | None = None, *, crew: str = ""
    ) -> GuardContext:
        """The identity part from a crew's state and run config (``configurable`` wins, as in the
        crew's input guard); ``configurable["guard_metadata"]`` becomes ``metadata``."""
        configurable: Mapping[str, Any] = (config or {}).get("configurable") or {}

        def text(key: str) -> str | None:
            value = configurable.get(key, state.get(key))
            return None if value is None else str(value)

        metadata = configurable.get("guard_metadata")
        return cls(
            crew=crew,
            user_id=text("user_id"),
            tenant_id=text("tenant_id"),
            thread_id=text("thread_id"),
            turn=int(state.get("turn", 0) or 0),
            request=str(state.get("request") or ""),
            metadata=dict(metadata) if isinstance(metadata, Mapping) else {},
        )


@runtime_checkable
class InputGuard(Protocol):
    @property
    def name(self) -> str: ...

    def check_input(self, text: str, context: GuardContext) -> GuardOutcome: ...


@runtime_checkable
class AsyncInputGuard(Protocol):
    @property
    def name(self) -> str: ...

    async def acheck_input(self, text: str, context: GuardContext) -> GuardOutcome: ...


@runtime_checkable
class OutputGuard(Protocol):
    @property
    def name(self) -> str: ...

    def check_output(self, answer: str, context: GuardContext) -> GuardOutcome: ...


@runtime_checkable
class AsyncOutputGuard(Protocol):
    @property
    def name(self) -> str: ...

    async def acheck_output(self, answer: str, context: GuardContext) -> GuardOutcome: ...


Guard = InputGuard | AsyncInputGuard | OutputGuard | AsyncOutputGuard


def is_builtin(guard: object) -> bool:
    """True for crewline's own guard adapters (they may write the reserved verdict names)."""
    return bool(getattr(type(guard), "_crewline_builtin", False))


# -- plain functions as guards -------------------------------------------------------------------
def _is_async(func: Callable[..., Any]) -> bool:
    call = getattr(func, "__call__", None)  # noqa: B004  # an object whose __call__ is async
    return inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(call)


async def _settled(value: GuardOutcome | Awaitable[GuardOutcome]) -> GuardOutcome:
    if inspect.isawaitable(value):
        return await value
    return value


def _check_signature(func: Callable[..., Any], name: str) -> None:
    try:
        inspect.signature(func).bind("text", GuardContext())
    except TypeError:
        raise ConfigurationError(
            f"guard {name!r}: its function must take (text, context), e.g. def {name}(text, context)"
        ) from None
    except ValueError:  # a builtin without a signature: trust it
        pass


@dataclass(frozen=True)
class _FunctionGuard:
    name: str
    func: GuardCheck

    def _sync(self, text: str, context: GuardContext) -> GuardOutcome:
        out = self.func(text, context)
        if inspect.isawaitable(out):  # an async function under invoke: run to completion off this loop
            return run_coroutine(lambda: _settled(out))
        return out

    async def _async(self, text: str, context: GuardContext) -> GuardOutcome:
        if _is_async(self.func):
            return await _settled(self.func(text, context))
        # a sync check may block (a file, a client without async): not on the event loop
        return await _settled(await asyncio.to_thread(self.func, text, context))


class InputFunctionGuard(_FunctionGuard):
    """A function ``(text, context) -> GuardOutcome`` (sync or async) as an input guard."""

    def check_input(self, text: str, context: GuardContext) -> GuardOutcome:
        return self._sync(text, context)

    async def acheck_input(self, text: str, context: GuardContext) -> GuardOutcome:
        return await self._async(text, context)


class OutputFunctionGuard(_FunctionGuard):
    """A function ``(answer, context) -> GuardOutcome`` (sync or async) as an output guard."""

    def check_output(self, answer: str, context: GuardContext) -> GuardOutcome:
        return self._sync(answer, context)

    async def acheck_output(self, answer: str, context: GuardContext) -> GuardOutcome:
        return await self._async(answer, context)


def _function_name(func: Callable[..., Any]) -> str:
    return str(getattr(func, "__name__", "") or type(func).__name__)


@overload
def input_guard(func: GuardCheck, /) -> InputFunctionGuard: ...
@overload
def input_guard(*, name: str | None = None) -> Callable[[GuardCheck], InputFunctionGuard]: ...
def input_guard(
    func: GuardCheck | None = None, /, *, name: str | None = None
) -> InputFunctionGuard | Callable[[GuardCheck], InputFunctionGuard]:
    """Make ``func(text, context)`` an input guard: ``@input_guard`` or ``@input_guard(name="...")``
    (the name defaults to the function's)."""

    def make(f: GuardCheck) -> InputFunctionGuard:
        guard_name = name or _function_name(f)
        _check_signature(f, guard_name)
        return InputFunctionGuard(guard_name, f)

    return make(func) if func is not None else make


@overload
def output_guard(func: GuardCheck, /) -> OutputFunctionGuard: ...
@overload
def output_guard(*, name: str | None = None) -> Callable[[GuardCheck], OutputFunctionGuard]: ...
def output_guard(
    func: GuardCheck | None = None, /, *, name: str | None = None
) -> OutputFunctionGuard | Callable[[GuardCheck], OutputFunctionGuard]:
    """Make ``func(answer, context)`` an output guard: ``@output_guard`` or ``@output_guard(name=...)``."""

    def make(f: GuardCheck) -> OutputFunctionGuard:
        guard_name = name or _function_name(f)
        _check_signature(f, guard_name)
        return OutputFunctionGuard(guard_name, f)

    return make(func) if func is not None else make


# -- a checked set of guards ---------------------------------------------------------------------
@dataclass(frozen=True)
class GuardSet:
    """Guards checked once (names, methods), split by side, in the order given."""

    input: tuple[Guard, ...] = ()
    output: tuple[Guard, ...] = ()

    @property
    def names(self) -> list[str]:
        return list(dict.fromkeys(g.name for g in (*self.input, *self.output)))

    def __bool__(self) -> bool:
        return bool(self.input or self.output)


def _has(guard: object, method: str) -> bool:
    return callable(getattr(guard, method, None))


def _checked_guard(entry: object, search: Sequence[Path]) -> Guard:
    if isinstance(entry, str):  # YAML: "module:attr"
        entry = import_path(entry, what="guard", search=search)
    sides = [m for m in _METHODS if _has(entry, m)]
    label = getattr(entry, "name", None) or (_function_name(entry) if callable(entry) else repr(entry))
    if not sides:
        if callable(entry):
            raise ConfigurationError(
                f"guard {label!r} is a plain function: decorate it with @input_guard or @output_guard"
            )
        raise ConfigurationError(
            f"guard {label!r} has none of check_input, acheck_input, check_output, acheck_output"
        )
    name = getattr(entry, "name", None)
    if not isinstance(name, str) or not name.strip():
        raise ConfigurationError(f"guard {entry!r} needs a name (a non-empty string attribute 'name')")
    if name in RESERVED_NAMES and not is_builtin(entry):
        raise ConfigurationError(f"guard name {name!r} is one of crewline's own; choose another")
    return entry  # type: ignore[return-value]


def guard_set(guards: Iterable[object] | GuardSet | None, *, search: Sequence[Path] = ()) -> GuardSet:
    """Check ``guards`` (objects, decorated functions, ``"module:attr"`` paths resolved against
    ``search`` and the working directory) and split them by side; a guard with both sides is in
    both. Every problem is one :class:`ConfigurationError` naming the guard."""
    if isinstance(guards, GuardSet):
        return guards
    if isinstance(guards, (str, bytes)) or (guards is not None and not isinstance(guards, Iterable)):
        raise ConfigurationError("guards must be a list of guard objects or import paths")
    checked = [_checked_guard(entry, search) for entry in guards or ()]
    seen: set[str] = set()
    for guard in checked:
        if guard.name in seen:
            raise ConfigurationError(f"two guards are named {guard.name!r}; guard names must be unique")
        seen.add(guard.name)
    return GuardSet(
        input=tuple(g for g in checked if _has(g, "check_input") or _has(g, "acheck_input")),
        output=tuple(g for g in checked if _has(g, "check_output") or _has(g, "acheck_output")),
    )


def split_guards(
    value: GuardSettings | Mapping[str, Any] | Iterable[object] | None,
) -> tuple[GuardSettings | Mapping[str, Any] | None, list[object]]:
    """``build_crew(guards=...)`` split into the built-in guards' settings and the custom guards.

    ``value`` is the settings (a ``GuardSettings`` or its dict, as before), or a list of guards
    that may hold one ``GuardSettings`` among them: ``guards=[GuardSettings(...), refund_limit]``.
    The built-in guards always run first and cannot be listed: they pseudonymise the request.
    """
    if value is None or isinstance(value, (GuardSettings, Mapping)):
        return value, []
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ConfigurationError("guards must be GuardSettings, a dict of them, or a list of guards")
    entries = list(value)
    settings = [entry for entry in entries if isinstance(entry, GuardSettings)]
    if len(settings) > 1:
        raise ConfigurationError("guards lists more than one GuardSettings")
    if any(is_builtin(entry) for entry in entries):
        raise ConfigurationError(
            "the built-in guards always run first: configure them with GuardSettings, do not list them"
        )
    return (settings[0] if settings else None), [e for e in entries if not isinstance(e, GuardSettings)]
