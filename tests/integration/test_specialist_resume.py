"""A run whose worker died inside a specialist, re-run as Aegra re-runs it, answers as if never killed.

Aegra hands a dead worker's run to another worker with the same input and the same run id; LangGraph
then resumes the crew from its last checkpoint and each unfinished specialist from its own. The
worker here is killed (``os._exit``, in a subprocess: :mod:`tests.support.dying_worker`) right after
the knowledge specialist stored its passages, or its answer, on real PostgreSQL through the server's
pseudonymising serializer. Before the serializer gave a specialist its values back as written, the
resumed help-centre answer was escalated ("[1] does not state 0100, 1, 555, 800": the answer came back
with the phone number, its passage with a placeholder) or showed the user ``[PHONE_NUMBER_…]``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

from crewline.graphs.crew import build_crew
from crewline.nodes.guards.serde import protect_checkpointer
from tests.support.dying_worker import KILLED, run_config

QUESTION = "How do I dispute a charge on my card?"
PHONE = "1-800-555-0100"  # the help centre's number, in the article that answers it
ROOT = Path(__file__).resolve().parents[2]


def _die_inside_the_specialist(url: str, thread_id: str, run_id: str, stage: str) -> None:
    worker = [sys.executable, "-m", "tests.support.dying_worker", url, thread_id, run_id, stage, QUESTION]
    done = subprocess.run(worker, cwd=ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=120)
    assert done.returncode == KILLED, done.stderr[-2000:]


async def _run(url: str, thread_id: str, run_id: str) -> dict[str, object]:
    async with AsyncPostgresSaver.from_conn_string(url) as saver:
        await saver.setup()
        protect_checkpointer(saver)
        crew = build_crew("support", checkpointer=saver)
        config = run_config(thread_id, run_id)
        result: dict[str, object] = await crew.ainvoke(
            {"messages": [HumanMessage(QUESTION)]}, config, durability="sync"
        )
        return result


@pytest.mark.parametrize("stage", ["retrieve", "answer"])
async def test_a_run_killed_inside_the_knowledge_specialist_answers_when_re_run(
    postgres_url: str, stage: str
) -> None:
    thread_id, run_id = f"killed-{uuid.uuid4()}", str(uuid.uuid4())
    _die_inside_the_specialist(postgres_url, thread_id, run_id, stage)

    resumed = await _run(postgres_url, thread_id, run_id)  # another worker: the same input and run id
    never_killed = await _run(postgres_url, f"whole-{uuid.uuid4()}", str(uuid.uuid4()))

    assert resumed["escalation"] is None, resumed["escalation"]
    assert PHONE in str(resumed["answer"]) and "[PHONE_NUMBER_" not in str(resumed["answer"])
    assert resumed["answer"] == never_killed["answer"]
