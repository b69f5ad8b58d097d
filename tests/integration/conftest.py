"""Fixtures shared by the integration tests."""

from __future__ import annotations

from typing import Any

import pytest

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
