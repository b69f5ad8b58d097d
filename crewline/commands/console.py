"""``crewline console``: the console on one machine, without a LangGraph server.

Serves :func:`crewline.graphs.serving.console.create_console` at ``/crewline/console`` (the path the
server uses too) with uvicorn, over the crews of this data directory: a decision resumes the thread's
own crew (recorded with the thread, as ``crewline resume`` finds it) through its async checkpointer.
Runs of ``crewline run`` have no tenant: their escalations are listed for every tenant's approvers
(the machine's own operators), as the server's decision check treats a ticket without a tenant.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import socket
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING, Any

from rich.console import Console

from crewline.errors import UsageError
from crewline.settings import CrewlineSettings

if TYPE_CHECKING:
    from starlette.applications import Starlette

__all__ = ["console_site", "register"]

CONSOLE_PATH = "/crewline/console"


def console_site(settings: CrewlineSettings, crew: str | None = None) -> Starlette:
    """The console at ``/crewline/console`` over this machine's crews (``/`` leads there)."""
    from langgraph.checkpoint.base import BaseCheckpointSaver
    from starlette.applications import Starlette
    from starlette.responses import RedirectResponse
    from starlette.routing import Mount, Route

    from crewline.graphs import build_crew, load_spec
    from crewline.graphs.serving.console import LocalCrew, create_console
    from crewline.memory.checkpoint.checkpointers import async_checkpointer
    from crewline.memory.state.context import context_store
    from crewline.memory.state.store import async_store_for

    default = load_spec(crew or settings.crew)
    opened: dict[str, Any] = {}
    crews: dict[str, Any] = {}

    async def graph_for(thread_id: str) -> Any:
        saver: BaseCheckpointSaver[Any] = opened["saver"]
        found = await saver.aget_tuple({"configurable": {"thread_id": thread_id}})
        name = str((found.metadata or {}).get("crew") or "") if found else ""
        name = name or default.source or default.name
        if name not in crews:
            spec = (
                default
                if name in (default.source, default.name)
                else await asyncio.to_thread(load_spec, name)
            )
            crews[name] = await asyncio.to_thread(
                build_crew, spec, checkpointer=saver, store=opened["store"], context=opened["context"]
            )
        return crews[name]

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            url = settings.checkpoint_url or default.persistence.url
            opened["saver"] = await stack.enter_async_context(async_checkpointer(url))
            opened["store"] = await stack.enter_async_context(async_store_for(settings.store_url))
            opened["context"] = context_store(settings.context_url)
            yield

    async def home(_request: Any) -> RedirectResponse:
        return RedirectResponse(CONSOLE_PATH + "/", status_code=307)

    return Starlette(
        routes=[
            Route("/", home),
            Mount(CONSOLE_PATH, create_console(LocalCrew(graph_for, untenanted=True), untenanted=True)),
        ],
        lifespan=lifespan,
    )


def _check_port_free(host: str, port: int) -> None:
    """A port in use (or a host not on this machine) is one line, not uvicorn's log and exit."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            why = "is in use" if exc.errno == errno.EADDRINUSE else f"cannot be bound ({exc.strerror})"
            raise UsageError(f"{host}:{port} {why}; choose another with --host/--port") from None


def cmd_console(args: argparse.Namespace, settings: CrewlineSettings, console: Console) -> int:
    try:
        import uvicorn

        import crewline.graphs.serving.console  # noqa: F401  # starlette and jinja2 are there
    except ImportError as exc:
        raise UsageError(
            f"crewline console needs the server extra ({exc.name} is missing): pip install 'crewline[server]'"
        ) from None
    _check_port_free(args.host, args.port)
    app = console_site(settings, args.crew)
    url = f"http://{'[' + args.host + ']' if ':' in args.host else args.host}:{args.port}{CONSOLE_PATH}/"
    console.print(f"crewline console at {url} (sign in with a key from crewline keys create; Ctrl-C stops)")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError("must be between 1 and 65535")
    return value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "console",
        help="open the console (approval inbox, run timelines) in a browser, without a server",
        description="Serve the console on this machine at /crewline/console: sign in with an API key "
        "from 'crewline keys create', decide escalations, follow a thread's run timeline.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=_port, default=8710, help="port to listen on (default: 8710)")
    parser.add_argument("--crew", help="the crew of threads that recorded none (default: the configured one)")
    parser.set_defaults(handler=cmd_console)
