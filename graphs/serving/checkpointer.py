"""The LangGraph server's checkpointer: crewline's saver, writing through the pseudonymising serializer.

Why the server needs its own: it persists a run's *input* — the user's raw message — in the run's
first checkpoints (steps -1 and 0) before any node runs, so no guard node can keep that write clean.
Only the saver's serializer sees every write (:mod:`crewline.nodes.guards.serde`); the server's default savers
use a serializer of their own that crewline cannot wrap. ``langgraph.json`` names this one instead:

    "checkpointer": {"backend": "custom", "path": "crewline.graphs.serving.checkpointer.server_checkpointer"}

(a module path, so it resolves wherever the server runs from). Checkpoints go where
``CREWLINE_CHECKPOINT_URL`` says — ``postgresql://…`` in production, the same URL the ``crewline``
CLI reads — and default to the SQLite file under the data directory. Every worker thread of the
server opens its own saver on that URL (the server caches one per thread), so ``memory://`` would
split a thread's history between workers and is refused.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver

from crewline.graphs.serving.settings import ServingSettings
from crewline.memory.checkpoint.checkpointers import async_checkpointer, default_checkpoint_url
from crewline.memory.checkpoint.urls import CheckpointerError, parse, redact_url
from crewline.nodes.guards.serde import protect_checkpointer

__all__ = ["server_checkpoint_url", "server_checkpointer"]


def server_checkpoint_url() -> str:
    """The URL the server's checkpoints go to (``CREWLINE_CHECKPOINT_URL``, else the SQLite default)."""
    url = ServingSettings().checkpoint_url or default_checkpoint_url()
    if parse(url).kind == "memory":
        raise CheckpointerError(
            f"the server's checkpointer cannot be {redact_url(url)}: each server thread would keep "
            "its own; use sqlite://, postgresql:// or redis://"
        )
    return url


@asynccontextmanager
async def server_checkpointer() -> AsyncIterator[BaseCheckpointSaver[Any]]:
    """A saver for the LangGraph server that pseudonymises everything it writes, the input included."""
    async with async_checkpointer(server_checkpoint_url()) as saver:
        protect_checkpointer(saver)
        yield saver
