"""Fixtures shared by the integration tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langgraph_sdk import get_sync_client
from langgraph_sdk.client import SyncLangGraphClient

from tests.integration.langgraph_server import LangGraphServer
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


@pytest.fixture(scope="module")
def client(server: LangGraphServer) -> Iterator[SyncLangGraphClient]:
    """A client of the module's own ``server`` fixture (each server test module starts its own)."""
    sync_client = get_sync_client(url=server.url, timeout=60)
    yield sync_client
    sync_client.http.client.close()
