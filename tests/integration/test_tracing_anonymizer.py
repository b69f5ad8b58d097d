"""LangSmith tracing on: the runs a crew posts carry placeholders, never the raw values, and one tracer
posts them. The LangSmith API is a real HTTP server on loopback (:mod:`tests.support.fake_langsmith`)."""

from __future__ import annotations

import asyncio
import json
import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import langsmith
import pytest
from langchain_core.messages import HumanMessage
from langchain_core.tracers import LangChainTracer
from langgraph.checkpoint.memory import InMemorySaver
from langsmith import utils as ls_utils

from crewline import Specialist, build_crew
from crewline.nodes.guards import default_vault
from tests.support.fake_langsmith import FakeLangSmith, clear_langsmith_env_cache, fake_langsmith

EMAIL = "ada.quill@example.com"
NAME = "Ada Quill"
REQUEST = f"I am {EMAIL}, what email do you have for customer C-1001?"


def lookup(customer_id: str) -> str:
    """The customer record for a customer id."""
    return f"Customer {customer_id} is {NAME}, email {EMAIL}."


def _tracer(crew: Any) -> LangChainTracer:
    """The tracer build_crew attached (tracing was on when the crew was built)."""
    (tracer,) = [cb for cb in crew.config.get("callbacks") or [] if isinstance(cb, LangChainTracer)]
    return tracer


def _crew() -> Any:
    accounts = Specialist(
        "accounts",
        "customer records",
        examples=["what email do you have for customer C-1001"],
        tools=[lookup],
    )
    return build_crew(name="accounts_desk", specialists=[accounts], checkpointer=InMemorySaver())


@pytest.fixture
def langsmith_api() -> Iterator[FakeLangSmith]:
    """Tracing on, pointed at a fake LangSmith; the environment and langsmith's cache of it restored."""
    with fake_langsmith() as server, pytest.MonkeyPatch.context() as env:
        for name in [n for n in os.environ if n.startswith(("LANGSMITH_", "LANGCHAIN_"))]:
            env.delenv(name)
        env.setenv("LANGSMITH_TRACING", "true")
        env.setenv("LANGSMITH_ENDPOINT", server.url)
        env.setenv("LANGSMITH_API_KEY", "test")
        env.setenv("LANGSMITH_PROJECT", "crewline-tracing-test")
        clear_langsmith_env_cache()
        # LangChain's own decision: without this the default tracer would not run and "exactly one
        # tracer" would hold for the wrong reason
        assert ls_utils.tracing_is_enabled() is True
        yield server
    clear_langsmith_env_cache()


def _run(crew: Any, clients: list[langsmith.Client], asynchronous: bool = False) -> None:
    # The client LangChain's default tracer would use posts to the same fake server, so a default
    # tracer added next to ours would show up there, raw values and all.
    default_client = langsmith.Client()
    clients.append(default_client)
    request = {"messages": [HumanMessage(REQUEST)]}
    config = {"configurable": {"thread_id": "trace"}}
    with langsmith.tracing_context(client=default_client):
        if asynchronous:
            asyncio.run(crew.ainvoke(request, config))
        else:
            crew.invoke(request, config)
    for client in clients:
        client.flush(timeout=5)
        client.cleanup(timeout=0)


def _inputs(runs: list[dict[str, Any]], name: str) -> str:
    return json.dumps([run.get("inputs") for run in runs if run["name"] == name])


@pytest.mark.parametrize("asynchronous", [False, True], ids=["invoke", "ainvoke"])
def test_traced_runs_carry_placeholders_and_one_tracer_posts_them(
    langsmith_api: FakeLangSmith, asynchronous: bool
) -> None:
    crew = _crew()
    _run(crew, [_tracer(crew).client], asynchronous)

    runs = langsmith_api.created_runs()
    names = {run["name"] for run in runs}
    assert {"accounts_desk", "input_guard", "lookup"} <= names, names
    ids = Counter(run["id"] for run in runs)
    assert [run_id for run_id, count in ids.items() if count > 1] == []  # one tracer posted each run
    assert [run["name"] for run in runs if not run.get("parent_run_id")] == ["accounts_desk"]

    body = langsmith_api.body_bytes()
    assert EMAIL.encode() not in body
    placeholder = default_vault().placeholder("EMAIL_ADDRESS", EMAIL)
    assert placeholder.encode() in body
    # where the raw request used to sit: the crew's own run and the input guard's, before any guard ran
    assert placeholder in _inputs(runs, "accounts_desk") and placeholder in _inputs(runs, "input_guard")


def test_without_the_crew_tracer_langchains_default_tracer_posts_raw_values(
    langsmith_api: FakeLangSmith,
) -> None:
    """The control: the fake server sees what the default tracer posts, so the test above would see
    a default tracer running next to the crew's, and a raw value in any body. The crew is built with
    tracing off (so without its tracer) and run with it on."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LANGSMITH_TRACING", "false")
        clear_langsmith_env_cache()
        crew = _crew()
    clear_langsmith_env_cache()
    assert not crew.config.get("callbacks")
    _run(crew, [])
    assert EMAIL in _inputs(langsmith_api.created_runs(), "accounts_desk")


def test_tracing_context_disabled_still_turns_the_crew_tracer_off(langsmith_api: FakeLangSmith) -> None:
    crew = _crew()
    with langsmith.tracing_context(enabled=False):
        _run(crew, [_tracer(crew).client])
    assert langsmith_api.created_runs() == []


@pytest.mark.xfail(
    strict=True,
    reason="crewline's detector (detect_pii) finds no person names: a name from a tool stays in the "
    "state and so in the trace; this passes once a name detector feeds Vault.redact",
)
def test_a_customer_name_from_a_tool_is_not_traced(langsmith_api: FakeLangSmith) -> None:
    crew = _crew()
    _run(crew, [_tracer(crew).client])
    assert langsmith_api.created_runs()
    assert NAME.encode() not in langsmith_api.body_bytes()
