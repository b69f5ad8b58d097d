"""Fixtures shared by the integration tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from langgraph_sdk import get_sync_client
from langgraph_sdk.client import SyncLangGraphClient

from tests.integration.langgraph_server import LangGraphServer, exported_key, running_server
from tests.support.fake_openai import FakeOpenAI


@pytest.fixture
def serve(monkeypatch: pytest.MonkeyPatch) -> Any:
    """``serve(responder)``: a loopback chat-completions server the crew's environment points at."""

    def start(responder: Any) -> FakeOpenAI:
        server = FakeOpenAI(responder)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        return server

    return start


# modules still to run that use ``default_server``: the last one to finish stops it, so the idle server
# does not run beside the rest of the suite (its runtime polls: a few per cent of a core)
_SERVER_USERS = pytest.StashKey[set[str]]()
_SERVER_STOP = pytest.StashKey[ExitStack]()


@pytest.hookimpl(trylast=True)  # after -k/-m deselection: only the modules that will run count
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    uses = [
        item.nodeid.split("::")[0] for item in items if "default_server" in getattr(item, "fixturenames", ())
    ]
    config.stash[_SERVER_USERS] = set(uses)


@pytest.fixture(scope="session")
def _default_server_process(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[LangGraphServer]:
    with ExitStack() as stop:
        pytestconfig.stash[_SERVER_STOP] = stop
        yield stop.enter_context(running_server(tmp_path_factory.mktemp("default-server")))


@pytest.fixture(scope="module")
def default_server(
    _default_server_process: LangGraphServer, request: pytest.FixtureRequest
) -> Iterator[LangGraphServer]:
    """The session's one ``langgraph dev`` of the repository's own configuration, shared by the modules
    that need nothing else (a start costs seconds; five modules started their own). Their tests own
    their keys, threads and customers' rows, or count ERP rows before and after, so one module's runs
    do not decide another's assertions. ``LANGGRAPH_API_KEY`` is its admin key for the module only."""
    with exported_key(_default_server_process):
        yield _default_server_process
    users = request.config.stash.get(_SERVER_USERS, None)
    if users is None:  # not counted: the server stops with the session
        return
    users.discard(request.node.nodeid.split("::")[0])
    if not users:
        request.config.stash[_SERVER_STOP].close()  # closing twice (at the session's end) does nothing


@pytest.fixture(scope="module")
def client(server: LangGraphServer) -> Iterator[SyncLangGraphClient]:
    """A client of the module's ``server`` fixture (its own server, or ``default_server``)."""
    sync_client = get_sync_client(url=server.url, timeout=60)
    yield sync_client
    sync_client.http.client.close()
