"""One logic, two drivers: node code that runs natively under ``invoke`` and under ``ainvoke``.

A step that waits on the outside world (a model call, a tool, a store) is written once, as a
generator that *yields* :class:`Step` objects and receives their results::

    def turn(state) -> Steps[dict[str, Any]]:
        reply = yield Step(lambda: model.invoke(m), lambda: model.ainvoke(m))
        return {"messages": [reply]}

:func:`drive` runs the sync half of every step in the calling thread, :func:`adrive` awaits the
async half, so the same code serves both entry points without a thread per node under ``ainvoke``
(LangGraph runs a plain sync node in asyncio's default pool there, which caps concurrency at a few
threads). A step's exception is thrown back into the generator at its ``yield``, so ``try`` around a
``yield`` works as around a call. Generators compose with ``yield from``.

:func:`run_coroutine` is the other direction: an async-only callable (an MCP tool) run to
completion from sync code, whether or not the calling thread already runs an event loop.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import threading
from collections.abc import Awaitable, Callable, Coroutine, Generator
from contextlib import closing
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda, ensure_config

__all__ = ["Step", "Steps", "adrive", "blocking", "branch", "drive", "node", "run_coroutine", "step_runnable"]

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Step(Generic[T]):
    """One wait on the outside world, as a sync call and as an awaitable of the same result.

    ``sync_only``: the step has no async half worth the name (``acall`` runs ``call`` in a worker
    thread, see :func:`blocking`).
    """

    call: Callable[[], T]
    acall: Callable[[], Awaitable[T]]
    sync_only: bool = False


Steps = Generator[Step[Any], Any, R]
"""A computation that yields steps and returns ``R`` (drive it with :func:`drive` or :func:`adrive`)."""


def blocking(call: Callable[[], T]) -> Step[T]:
    """A sync-only step (a SQLite store, a file): inline under ``invoke``, in a worker thread under
    ``ainvoke`` so a store's lock or busy wait never stalls the event loop."""
    return Step(call, lambda: asyncio.to_thread(call), sync_only=True)


@dataclass(frozen=True)
class _Done(Generic[R]):
    value: R


def _resume(steps: Steps[R], result: Any = None, error: Exception | None = None) -> Step[Any] | _Done[R]:
    """The generator's next step, given the last step's result or error; ``_Done`` when it returned."""
    try:
        return steps.throw(error) if error is not None else steps.send(result)
    except StopIteration as done:
        return _Done(done.value)


def _outcome(call: Callable[[], Any]) -> tuple[Any, Exception | None]:
    try:
        return call(), None
    except Exception as exc:  # thrown back into the generator at its yield
        return None, exc


async def _aoutcome(call: Callable[[], Awaitable[Any]]) -> tuple[Any, Exception | None]:
    try:
        return await call(), None
    except Exception as exc:
        return None, exc


def drive(steps: Steps[R]) -> R:
    """Run ``steps`` with the sync half of each step, in this thread."""
    with closing(steps):
        step = _resume(steps)
        while isinstance(step, Step):
            step = _resume(steps, *_outcome(step.call))
        return step.value


async def adrive(steps: Steps[R]) -> R:
    """Run ``steps`` awaiting the async half of each step (cancellation closes the generator).

    The generator's own code between two steps runs on the event loop, as any coroutine's does: it
    must not block (guards and routing are CPU work of a few microseconds to a millisecond; a
    store, a file or a lock is a :func:`blocking` step, run in a worker thread; ``langgraph dev``
    refuses blocking calls on the loop outright). The generator runs in a context of its own (a copy
    of the caller's), so a context variable set before a ``yield`` (a run scope, a tool-call log) is
    seen by the step and never leaks to the caller.
    """
    context = contextvars.copy_context()
    step = context.run(_resume, steps)
    if isinstance(step, _Done):  # no step at all (a guard, a sanitiser): no task to await steps in
        return step.value
    task = asyncio.create_task(_adrive(steps, step), context=context)
    # a task cancelled before it ever ran never reached its ``finally``: close the generator then
    task.add_done_callback(lambda _: context.run(steps.close))
    return await task


async def _adrive(steps: Steps[R], step: Step[Any] | _Done[R]) -> R:
    """:func:`adrive` from the generator's first step on, in a task (and so a context) of its own."""
    try:
        while isinstance(step, Step):
            step = _resume(steps, *await _aoutcome(step.acall))
        return step.value
    finally:  # cancelled half-way: the generator's own cleanup runs too
        steps.close()


def _as_steps(logic: Callable[[Any, RunnableConfig], Any], state: Any, config: RunnableConfig) -> Steps[Any]:
    """``logic``'s generator, or its plain value as a generator with no steps."""
    out = logic(state, config)
    if isinstance(out, Generator):
        return (yield from out)
    return out


class _Node(Runnable[Any, Any]):
    """What :func:`node` gives ``add_node``: LangGraph's ``invoke`` / ``ainvoke`` (with the task's
    config; LangGraph has already set it as the context's config and opened the node's run) go
    straight to the two halves. A ``RunnableLambda`` would open a second run inside the node's and
    inspect the function's signature twice on every call: a few hundred microseconds a node."""

    def __init__(
        self,
        name: str,
        sync: Callable[[Any, RunnableConfig], Any],
        asynchronous: Callable[[Any, RunnableConfig], Awaitable[Any]],
    ) -> None:
        self.name = name
        self._sync = sync
        self._async = asynchronous

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        return self._sync(input, config if config is not None else ensure_config())

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        return await self._async(input, config if config is not None else ensure_config())


def node(name: str, logic: Callable[[Any, RunnableConfig], Any]) -> Runnable[Any, Any]:
    """A graph node with a native sync and async half over one ``logic(state, config)``.

    ``logic`` returns a generator of steps, or a plain value when it only computes (guards,
    sanitising): inline under ``invoke`` and on the event loop under ``ainvoke``, like every segment
    between steps (see :func:`adrive`: it must not block). ``add_node`` keeps the node's name and
    policies.
    """

    def sync(state: Any, config: RunnableConfig) -> Any:
        out = logic(state, config)
        return drive(out) if isinstance(out, Generator) else out

    async def async_(state: Any, config: RunnableConfig) -> Any:
        return await adrive(_as_steps(logic, state, config))

    return _Node(name, sync, async_)


def step_runnable(
    name: str, call: Callable[[Any], Any], acall: Callable[[Any], Awaitable[Any]]
) -> Runnable[Any, Any]:
    """A runnable of one input with a sync and an async half, called directly (as :func:`node`'s
    halves are): a step to put after a subgraph in a sequence without a run of its own."""
    return _Node(name, lambda value, _config: call(value), lambda value, _config: acall(value))


class _Branch(RunnableLambda[Any, Any]):
    """A routing function called directly under ``invoke`` and ``ainvoke``. A ``RunnableLambda``
    still, so LangGraph reads the branch's input schema from the function's annotation as it does
    for a plain function."""

    def __init__(self, route: Callable[[Any], Any]) -> None:
        super().__init__(route)
        self._route = route

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        return self._route(input)

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        return self._route(input)


def branch(route: Callable[[Any], T]) -> Runnable[Any, T]:
    """``route`` (state -> next node) for ``add_conditional_edges``, run inline under ``ainvoke`` too.

    LangGraph runs a plain sync routing function in a worker thread under ``ainvoke``: a thread hop
    per edge for a dictionary lookup. ``route`` must only read the state (no I/O, no waiting: it runs
    on the event loop). Its annotations count as a plain function's: the first parameter's type is
    the state it reads, a ``Literal`` return type the destinations when ``path_map`` is not given.
    """
    return _Branch(route)


# -- async-only callables from sync code ---------------------------------------------------------
class _PrivateLoop:
    """An event loop of crewline's own in a daemon thread, started on first use (and again after a
    fork: threads do not survive one). One loop for every sync caller, so an async tool that keeps a
    client bound to its loop between calls keeps working."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._pid = 0

    def get(self) -> tuple[asyncio.AbstractEventLoop, threading.Thread]:
        with self._lock:
            if self._loop is None or self._thread is None or self._pid != os.getpid():
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name="crewline-async", daemon=True)
                thread.start()
                self._loop, self._thread, self._pid = loop, thread, os.getpid()
            return self._loop, self._thread


_private = _PrivateLoop()


def run_coroutine(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run ``factory()`` to completion from sync code and return its result (or raise its error).

    It runs on crewline's private loop, never on the caller's: the calling thread may be running a
    loop of its own (``invoke`` called inside ``async def``), which it cannot re-enter. The caller's
    context variables (tracing, the run scope) go with the coroutine. Called from the private loop's
    own thread (an async tool calling a sync one that is async-only), it runs on a fresh loop in a
    thread of its own instead of waiting on itself forever.
    """
    loop, thread = _private.get()
    if threading.current_thread() is thread:
        return _on_fresh_loop(factory)
    # run_coroutine_threadsafe schedules from this thread, so the task copies this thread's context
    return asyncio.run_coroutine_threadsafe(factory(), loop).result()


def _on_fresh_loop(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    context = contextvars.copy_context()
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = context.run(asyncio.run, factory())
        except BaseException as exc:
            box["error"] = exc

    worker = threading.Thread(target=run, name="crewline-async-nested", daemon=True)
    worker.start()
    worker.join()
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]
