"""Learned routers in a shared (PostgreSQL) model registry: a version learned on one host is served by
another, with its artifact, and a learn run on one host holds off another's."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from crewline.memory.learning.registry import RouterRegistry
from crewline.nodes.learning.train import EvalRow, learn_router
from tests.support.learning import BASE, experiences
from tests.support.state_backends import in_other_process

ROWS = [EvalRow("what's the weather in Paris", "weather"), EvalRow("how much do I owe", "billing")]
NEW = "do I need a brolly in Glasgow"  # a phrasing only the learned version routes to weather
# The learn lock is an advisory lock of the whole database, keyed by crew name, not by schema: a fixed
# name made two suites run at once against one PostgreSQL refuse each other (LearnBusy).
CREW = f"learners-{secrets.token_hex(4)}"


def test_a_router_learned_on_one_host_is_served_by_another(
    fresh_postgres_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CREWLINE_STATE_URL", fresh_postgres_url)
    registry = RouterRegistry(CREW)
    assert not registry.exists()
    assert learn_router(registry, BASE, ROWS, experiences()).record.status == "promoted"
    code = (
        "from crewline.memory.learning.registry import RouterRegistry\n"
        "from crewline.nodes.planning.router import Router\n"
        f"r = RouterRegistry({CREW!r})\n"
        "version, path = r.current()\n"
        f"result = [version, Router.load(path).route({NEW!r}).route, [v.version for v in r.history()]]"
    )
    seen = in_other_process(code, {"CREWLINE_STATE_URL": fresh_postgres_url}, tmp_path / "host-b")
    assert seen == ["v0001", "weather", ["v0001"]]
    # a rollback on host B is what host A serves next
    in_other_process(
        "from crewline.memory.learning.registry import RouterRegistry\n"
        f"r = RouterRegistry({CREW!r})\n"
        "with r.exclusive('rollback'):\n    result = r.rollback()",
        {"CREWLINE_STATE_URL": fresh_postgres_url},
        tmp_path / "host-b",
    )
    assert RouterRegistry(CREW).current() == (None, None)


def test_a_learn_run_on_one_host_holds_off_another(
    fresh_postgres_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CREWLINE_STATE_URL", fresh_postgres_url)
    with RouterRegistry(CREW).exclusive():
        refused = in_other_process(
            "from crewline.memory.learning.registry import LearnBusy, RouterRegistry\n"
            "try:\n"
            f"    with RouterRegistry({CREW!r}).exclusive():\n"
            "        result = 'got it'\n"
            "except LearnBusy as exc:\n"
            "    result = str(exc)",
            {"CREWLINE_STATE_URL": fresh_postgres_url},
            tmp_path / "host-b",
        )
    assert "in progress on another host" in refused
