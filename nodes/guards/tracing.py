"""LangSmith traces that read like the crew's state: personal values become the same placeholders.

LangChain's tracer posts every run's inputs and outputs as the runnable saw them, so with tracing on
the raw request reaches the crew's root run and ``input_guard`` before any guard has run, and a
tool's raw output reaches its tool run and every run downstream of it. LangSmith's own hook for this
is the client's anonymizer (``Client(anonymizer=...)``): it rewrites the serialized inputs, outputs,
metadata and error of every run before the run is queued for upload. :func:`anonymizer` gives that
hook crewline's detector and keyed placeholders (:meth:`Vault.redact`, the function the checkpoint
serializer uses), so ``[EMAIL_ADDRESS_3f9a1c2e]`` stands in a trace exactly where it stands in the
stored thread.

:func:`crew_tracer` is a ``LangChainTracer`` on such a client, or ``None`` when the environment does
not turn tracing on. Bound to a crew with ``compiled.with_config(callbacks=[tracer])`` it *replaces*
LangChain's default tracer for the crew's runs: ``CallbackManager.configure`` adds its own
``LangChainTracer`` only when no handler already is one, and a bound handler is inherited by every
child run (nodes, specialists' subgraphs, tools, models).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from crewline.nodes.guards.vault import SEALED_PREFIX, Vault, default_vault

if TYPE_CHECKING:  # imported when a tracer is built: langsmith's client costs ~0.4 s to import
    from langchain_core.tracers.langchain import LangChainTracer
    from langsmith import Client

__all__ = ["anonymize", "anonymizer", "crew_tracer", "tracing_enabled"]

_ENV_PREFIXES = ("LANGSMITH_", "LANGCHAIN_")
_CLIENTS: dict[tuple[tuple[str, str], ...], Client] = {}
_LOCK = threading.Lock()


def anonymize(data: Any, redact: Callable[[str], str]) -> Any:
    """``data`` (JSON-shaped: what the client hands its anonymizer) with every string, dict keys
    included, passed through ``redact``.

    Not :func:`crewline.nodes.guards.serde.walk_strings` nor LangSmith's ``create_anonymizer``: a trace
    must not keep a value because it sits in a dict key or below a depth cut (64 there, 10 by default
    in ``create_anonymizer``, while a chat model run reaches tool-call arguments at depth 9 already:
    generations, message, kwargs, tool_calls, args). Sealed tokens stay as they are: they are
    ciphertext, and the state holds them in that form too.
    """
    if isinstance(data, str):
        return data if data.startswith(SEALED_PREFIX) else redact(data)
    if isinstance(data, dict):
        return {anonymize(key, redact): anonymize(value, redact) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [anonymize(item, redact) for item in data]
    return data


def anonymizer(vault: Vault | None = None) -> Callable[[Any], Any]:
    """The function for ``langsmith.Client(anonymizer=...)``: every personal value crewline detects,
    replaced by its keyed placeholder.

    Without ``vault`` the key is looked up on each call (:func:`default_vault`, cached per key
    source), so the placeholders are the ones the crew's state has under the key in force.
    """

    def redact_run_data(data: Any) -> Any:
        return anonymize(data, (vault or default_vault()).redact)

    return redact_run_data


def _env(name: str) -> str | None:
    # langsmith.utils.get_env_var without its process-long cache: LANGSMITH_ first, then LANGCHAIN_,
    # a blank value counting as unset
    for prefix in _ENV_PREFIXES:
        value = os.environ.get(prefix + name)
        if value is not None and value.strip():
            return value
    return None


def tracing_enabled() -> bool:
    """Whether the environment turns LangSmith tracing on, read the way langsmith reads it: the first
    set of ``LANGSMITH_TRACING_V2``, ``LANGCHAIN_TRACING_V2``, ``LANGSMITH_TRACING``,
    ``LANGCHAIN_TRACING`` must be exactly ``true``."""
    value = _env("TRACING_V2")
    return (value if value is not None else _env("TRACING")) == "true"


def _client() -> Client:
    # One client per LangSmith configuration, shared by every crew: each client runs its own
    # background sender threads and HTTP pool, and a process may build many crews.
    key = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith(_ENV_PREFIXES)))
    with _LOCK:
        client = _CLIENTS.get(key)
        if client is None:
            from langsmith import Client

            # endpoint, API key, workspace and replicas come from the environment as langsmith reads it
            client = _CLIENTS[key] = Client(anonymizer=anonymizer())
        return client


def crew_tracer() -> LangChainTracer | None:
    """A tracer whose runs carry placeholders, when the environment turns tracing on; else ``None``
    (and no client is created).

    Attach it to the compiled crew so it takes the place of LangChain's default tracer::

        tracer = crew_tracer()
        crew = compiled.with_config(callbacks=[tracer]) if tracer is not None else compiled

    The project is resolved per run as LangChain's own tracer resolves it (``LANGSMITH_PROJECT``,
    ``tracing_context(project_name=...)``), and ``tracing_context(enabled=False)`` still turns a run's
    tracing off.
    """
    if not tracing_enabled():
        return None
    from langchain_core.tracers.langchain import LangChainTracer

    return LangChainTracer(client=_client())
