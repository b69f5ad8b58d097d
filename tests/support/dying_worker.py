"""A worker that dies inside a specialist, as a SIGKILLed Aegra worker does: run by the recovery tests.

    python -m tests.support.dying_worker POSTGRES_URL THREAD_ID RUN_ID STAGE QUESTION

runs the ``support`` crew on Aegra's saver (LangGraph's ``AsyncPostgresSaver``, protected as the
server protects it) with ``durability="sync"`` and ends the process with ``os._exit(9)`` right after
the knowledge specialist's checkpoint of ``STAGE`` is written: ``retrieve`` (passages and draft
stored, no answer yet) or ``answer`` (the answer stored, not yet verified). Nothing else is written
after that point, exactly as when the worker is killed there.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from typing import Any

from langchain_core.messages import HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

from crewline.graphs.crew import build_crew
from crewline.nodes.guards.serde import protect_checkpointer

KILLED = 9
STAGES = ("retrieve", "answer")


def run_config(thread_id: str, run_id: str) -> RunnableConfig:
    """How Aegra runs (and re-runs) a run: its id in the metadata every checkpoint records."""
    return RunnableConfig(
        configurable={"thread_id": thread_id}, metadata={"run_id": run_id}, run_id=uuid.UUID(run_id)
    )


def _reached(stage: str, changed: Any) -> bool:
    """Whether the step just stored is the one that wrote ``stage``'s channel (its first write)."""
    return ("draft" if stage == "retrieve" else "answer") in changed


class DyingSaver(AsyncPostgresSaver):
    stage = "answer"

    async def aput(self, config: Any, checkpoint: Any, metadata: Any, new_versions: Any) -> Any:
        stored = await super().aput(config, checkpoint, metadata, new_versions)
        in_specialist = bool(config["configurable"].get("checkpoint_ns"))
        if in_specialist and _reached(self.stage, new_versions):
            os._exit(KILLED)
        return stored


async def main(url: str, thread_id: str, run_id: str, stage: str, question: str) -> None:
    DyingSaver.stage = stage  # one run per process
    async with DyingSaver.from_conn_string(url) as saver:
        await saver.setup()
        protect_checkpointer(saver)
        crew = build_crew("support", checkpointer=saver)
        config = run_config(thread_id, run_id)
        await crew.ainvoke({"messages": [HumanMessage(question)]}, config, durability="sync")


if __name__ == "__main__":
    if len(sys.argv) != 6 or sys.argv[4] not in STAGES:
        sys.exit(f"usage: python -m tests.support.dying_worker URL THREAD RUN STAGE QUESTION ({STAGES})")
    asyncio.run(main(*sys.argv[1:]))
    sys.exit("the worker was not killed: the specialist never reached the stage")
