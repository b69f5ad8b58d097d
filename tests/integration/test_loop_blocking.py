"""Under ``ainvoke`` a crew never blocks the event loop: file, socket, SQLite, sleep and lock calls
run in worker threads (sync tools, :func:`~crewline.nodes.sync_async.blocking` steps), never on the loop.

Checked with blockbuster (what ``langgraph dev`` runs its graphs under): every blocking call made on
the loop's thread while a crew runs is recorded, whether or not the crew swallowed the error (a model
step's failure would only send the crew to its offline path), so a test fails on the call itself.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from blockbuster import BlockBuster, BlockingError
from langchain_core.messages import HumanMessage
from langchain_openai import ChatOpenAI
from langgraph.checkpoint.memory import InMemorySaver

from crewline import Specialist
from crewline.nodes.guards import detector as detector_module
from crewline.nodes.guards import load_detector
from tests.support.crews import air_specialist, crew_agent, small_crew, weather_specialist
from tests.support.fake_openai import FakeOpenAI

COMPOUND = "what's the weather in Oslo and the balance for customer C-1001?"


@contextmanager
def blocking_calls() -> Iterator[list[str]]:
    """Blockbuster active; yields the list of blocking calls made on a running loop (with where)."""
    seen: list[str] = []
    original = BlockingError.__init__

    def record(self: BlockingError, func: str) -> None:
        seen.append(f"{func}\n" + "".join(traceback.format_stack(limit=12)[:-1]))
        original(self, func)

    BlockingError.__init__ = record  # type: ignore[method-assign]
    buster = BlockBuster()
    buster.activate()
    try:
        yield seen
    finally:
        buster.deactivate()
        BlockingError.__init__ = original  # type: ignore[method-assign]


def run_unblocked(make: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    """``make()`` awaited on a fresh loop under blockbuster; fails listing any blocking call."""
    with blocking_calls() as seen:
        result: Any = asyncio.run(make())
    assert not seen, f"{len(seen)} blocking call(s) on the event loop, the first:\n{seen[0]}"
    return result


async def ask(crew: Any, text: str, thread: str) -> Any:
    return await crew.ainvoke({"messages": [HumanMessage(text)]}, {"configurable": {"thread_id": thread}})


def test_the_check_sees_a_blocking_call_the_crew_swallows() -> None:
    """The canary: a tool that sleeps on the loop is recorded though the crew answers anyway."""

    async def dozing_forecast(city: str) -> str:
        """The weather forecast for a city."""
        time.sleep(0.001)  # blocks the loop: what the other tests must never see
        return f"Rain in {city}."

    crew = small_crew(specialists=[weather_specialist(tools=[dozing_forecast])], checkpointer=InMemorySaver())
    with blocking_calls() as seen:
        asyncio.run(ask(crew, "what's the weather in Oslo", "canary"))
    assert seen and seen[0].startswith("time.sleep")


def test_offline_crew_never_blocks_the_loop() -> None:
    crew = small_crew(checkpointer=InMemorySaver())

    async def both() -> list[Any]:
        return [await ask(crew, COMPOUND, "o1"), await ask(crew, "how is the air quality in Paris", "o2")]

    states = run_unblocked(both)
    assert [s["path"] for s in states] == ["offline", "offline"]
    assert "C-1001" in states[0]["answer"] and "Oslo" in states[0]["answer"]


def test_default_checkpointer_crew_never_blocks_the_loop() -> None:
    crew = small_crew()  # the crew's own persistence, as `crewline run` uses it
    state = run_unblocked(lambda: ask(crew, COMPOUND, "d1"))
    assert "C-1001" in state["answer"]


def test_model_path_crew_never_blocks_the_loop() -> None:
    """Budgets, breakers, the run's deadline, tools (sync, async) and guards on the model path, one
    request alone then several at once on one loop."""
    with FakeOpenAI(crew_agent) as server:
        model = ChatOpenAI(base_url=server.base_url, api_key="test", model="fake-model")  # type: ignore[arg-type]
        specialists: list[Specialist] = [weather_specialist(), air_specialist()]
        crew = small_crew(model=model, checkpointer=InMemorySaver())
        air = small_crew(model=model, specialists=specialists, checkpointer=InMemorySaver())

        async def together() -> list[Any]:
            first = await ask(crew, COMPOUND, "m0")
            rest = await asyncio.gather(
                *(ask(crew, COMPOUND, f"m{i}") for i in range(1, 4)),
                ask(air, "how is the air quality in Paris", "a1"),
            )
            return [first, *rest]

        states = run_unblocked(together)
    assert all(s["path"] == "model" for s in states), [s["path"] for s in states]
    assert all("Model answer" in s["answer"] for s in states)


def test_file_detector_is_looked_at_again_off_the_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once loaded, a file-based detector's artifact is re-checked (stat) in a worker thread when
    asked for on a running loop, never on the loop itself."""
    artifact = tmp_path / "detector.npz"
    artifact.write_bytes(b"stand-in")
    built: list[str] = []

    def build(spec: str) -> Any:
        built.append(spec)
        return load_detector("builtin")

    monkeypatch.setattr(detector_module, "_build", build)
    monkeypatch.setattr(detector_module, "RECHECK_S", 0.0)  # every call is due for a look
    first = load_detector(str(artifact))  # loaded at build time (off the loop)

    async def on_the_loop() -> list[Any]:
        found = [load_detector(str(artifact)) for _ in range(3)]
        await asyncio.sleep(0.05)  # the background looks finish
        return found

    assert run_unblocked(on_the_loop) == [first] * 3
    assert built == [str(artifact)]
    os.utime(artifact, (time.time() + 60, time.time() + 60))  # the artifact changes: seen by the next look
    load_detector(str(artifact))  # off the loop: looks now, then loads the new artifact
    assert built == [str(artifact)] * 2


def test_building_a_crew_imports_no_model_client() -> None:
    """A crew's build never imports an SDK its model does not use (the OpenAI client is over half
    a second of import): what the side-by-side benchmark's import + build figure relies on."""
    probe = (
        "import sys\n"
        "from crewline.testing import ScriptedChatModel\n"
        "from tests.support.crews import small_crew\n"
        "small_crew(model=ScriptedChatModel([]))\n"
        "sdks = ('langchain_openai', 'openai', 'langchain_anthropic')\n"
        "print(sorted(m for m in sdks if m in sys.modules))\n"
    )
    root = Path(__file__).resolve().parents[2]
    command = [sys.executable, "-c", probe]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
