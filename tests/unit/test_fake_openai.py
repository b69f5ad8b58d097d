"""The loopback chat-completions server speaks the protocol well enough for the real ChatOpenAI."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import openai
import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, ToolMessage
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, Field, SecretStr

from tests.support.fake_openai import (
    FakeOpenAI,
    Reply,
    drop,
    error,
    hang,
    has_tool_result,
    last_user_text,
    offered_tools,
    structured,
    text,
    tool_call,
    tool_calls,
)


class GetWeather(BaseModel):
    """Current weather for a city."""

    city: str = Field(description="city name")
    unit: str = "celsius"


class Verdict(BaseModel):
    label: str
    score: float


def chat(server: FakeOpenAI, **kwargs: Any) -> ChatOpenAI:
    kwargs.setdefault("max_retries", 0)
    return ChatOpenAI(base_url=server.base_url, api_key=SecretStr("test"), model="fake-model", **kwargs)


def merge(chunks: list[Any]) -> AIMessageChunk:
    total: AIMessageChunk = chunks[0]
    for chunk in chunks[1:]:
        total += chunk
    return total


def test_invoke_returns_content_and_usage() -> None:
    with FakeOpenAI([text("Hello from the fake.")]) as server:
        reply = chat(server).invoke("Say hello")
    assert isinstance(reply, AIMessage)
    assert reply.content == "Hello from the fake."
    assert reply.response_metadata["finish_reason"] == "stop"
    assert reply.response_metadata["model_name"] == "fake-model"
    usage = reply.usage_metadata
    assert usage is not None
    assert usage["input_tokens"] >= 1 and usage["output_tokens"] >= 1
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]


def test_bind_tools_yields_parsed_tool_calls() -> None:
    with FakeOpenAI([tool_call("GetWeather", {"city": "Oslo"})]) as server:
        reply = chat(server).bind_tools([GetWeather]).invoke("Weather in Oslo?")
        body = server.requests[0]
    assert isinstance(reply, AIMessage)
    assert reply.response_metadata["finish_reason"] == "tool_calls"
    [call] = reply.tool_calls
    assert call["name"] == "GetWeather"
    assert call["args"] == {"city": "Oslo"}
    assert call["id"]
    assert offered_tools(body) == ["GetWeather"]


def test_several_tool_calls_in_one_reply() -> None:
    script = [tool_calls([("GetWeather", {"city": "Oslo"}), ("GetWeather", {"city": "Lima"})])]
    with FakeOpenAI(script) as server:
        reply = chat(server).bind_tools([GetWeather]).invoke("Oslo and Lima?")
    assert [c["args"]["city"] for c in reply.tool_calls] == ["Oslo", "Lima"]
    assert len({c["id"] for c in reply.tool_calls}) == 2


def test_stream_text_chunks_add_up_with_usage() -> None:
    content = "Streaming works, one word at a time."
    with FakeOpenAI([text(content)]) as server:
        chunks = list(chat(server, stream_usage=True).stream("Stream please"))
        body = server.requests[0]
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert len([c for c in chunks if c.content]) > 3
    total = merge(chunks)
    assert total.content == content
    assert total.usage_metadata is not None and total.usage_metadata["output_tokens"] >= 1
    assert total.response_metadata["finish_reason"] == "stop"


def test_streamed_tool_calls_assemble() -> None:
    args = {"city": "Reykjavik, a city with a long name for chunking", "unit": "kelvin"}
    script = [tool_calls([("GetWeather", args), ("GetWeather", {"city": "Oslo"})])]
    with FakeOpenAI(script) as server:
        chunks = list(chat(server).bind_tools([GetWeather]).stream("Weather?"))
    assert len(chunks) > 4
    total = merge(chunks)
    assert [c["args"] for c in total.tool_calls] == [args, {"city": "Oslo"}]
    assert total.response_metadata["finish_reason"] == "tool_calls"


def test_structured_output_default_json_schema() -> None:
    with FakeOpenAI([structured({"label": "spam", "score": 0.9})]) as server:
        result = chat(server).with_structured_output(Verdict).invoke("Classify: buy now!!!")
        body = server.requests[0]
    assert result == Verdict(label="spam", score=0.9)
    assert body["response_format"]["type"] == "json_schema"


def test_structured_output_function_calling() -> None:
    with FakeOpenAI([structured({"label": "ham", "score": 0.1})]) as server:
        model = chat(server).with_structured_output(Verdict, method="function_calling")
        result = model.invoke("Classify: lunch at noon?")
        body = server.requests[0]
    assert result == Verdict(label="ham", score=0.1)
    assert body["tool_choice"]["function"]["name"] == "Verdict"


# langchain-openai model_dump()s the SDK's parsed stream events, which warns on any server.
@pytest.mark.filterwarnings("ignore:Pydantic serializer warnings:UserWarning")
def test_structured_output_streams() -> None:
    with FakeOpenAI([structured({"label": "spam", "score": 0.5})]) as server:
        parts = list(chat(server).with_structured_output(Verdict).stream("Classify"))
    assert parts[-1] == Verdict(label="spam", score=0.5)


async def test_async_invoke_and_stream() -> None:
    with FakeOpenAI([text("async hello"), text("async stream")]) as server:
        model = chat(server)
        reply = await model.ainvoke("hi")
        chunks = [chunk async for chunk in model.astream("hi again")]
    assert reply.content == "async hello"
    assert merge(chunks).content == "async stream"


def test_error_500_surfaces_as_internal_server_error() -> None:
    with (
        FakeOpenAI([error(500, "upstream exploded")]) as server,
        pytest.raises(openai.InternalServerError, match="upstream exploded") as info,
    ):
        chat(server).invoke("hi")
    assert info.value.status_code == 500
    assert info.value.body == {
        "message": "upstream exploded",
        "type": "server_error",
        "param": None,
        "code": None,
    }


def test_error_429_is_rate_limit_error_with_retry_after() -> None:
    with (
        FakeOpenAI([error(429, "slow down", retry_after=7)]) as server,
        pytest.raises(openai.RateLimitError, match="slow down") as info,
    ):
        chat(server).invoke("hi")
    assert info.value.status_code == 429
    assert info.value.response.headers["retry-after"] == "7"


def test_sdk_retries_honour_retry_after() -> None:
    script = [error(429, retry_after=0.01), error(503, retry_after=0.01), text("third time lucky")]
    with FakeOpenAI(script) as server:
        started = time.monotonic()
        reply = chat(server, max_retries=2).invoke("hi")
        assert server.calls == 3
    assert reply.content == "third time lucky"
    assert time.monotonic() - started < 5


def test_requests_record_messages_sent() -> None:
    with FakeOpenAI([text("one"), text("two")]) as server:
        model = chat(server, temperature=0)
        model.invoke([("system", "You are terse."), ("human", "First question")])
        model.invoke("Second question")
        requests = server.requests
        assert server.calls == 2
    assert requests[0]["model"] == "fake-model"
    assert requests[0]["messages"] == [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "First question"},
    ]
    assert last_user_text(requests[1]) == "Second question"
    assert requests[0]["temperature"] == 0


def test_exhausted_script_gives_clear_500() -> None:
    with FakeOpenAI([text("only reply")]) as server:
        model = chat(server)
        assert model.invoke("first").content == "only reply"
        with pytest.raises(openai.InternalServerError, match="script ran out: request #2, 1 replies"):
            model.invoke("second")
        assert server.calls == 2


def test_responder_exception_becomes_500() -> None:
    def responder(body: dict[str, Any]) -> Reply:
        raise KeyError("nope")

    with FakeOpenAI(responder) as server, pytest.raises(openai.InternalServerError, match="KeyError"):
        chat(server).invoke("hi")


def test_callable_responder_drives_a_tool_loop() -> None:
    def responder(body: dict[str, Any]) -> Reply:
        if "GetWeather" in offered_tools(body) and not has_tool_result(body):
            return tool_call("GetWeather", {"city": last_user_text(body)})
        return text(f"It is {body['messages'][-1]['content']}.")

    with FakeOpenAI(responder) as server:
        model = chat(server).bind_tools([GetWeather])
        messages: list[BaseMessage] = [HumanMessage("Oslo")]
        for _ in range(3):
            reply = model.invoke(messages)
            messages.append(reply)
            if not isinstance(reply, AIMessage) or not reply.tool_calls:
                break
            for call in reply.tool_calls:
                messages.append(ToolMessage(f"sunny in {call['args']['city']}", tool_call_id=call["id"]))
        second = server.requests[1]
    assert messages[-1].content == "It is sunny in Oslo."
    assert server.calls == 2
    assistant, tool = second["messages"][-2:]
    assert assistant["tool_calls"][0]["function"] == {
        "name": "GetWeather",
        "arguments": json.dumps({"city": "Oslo"}),
    }
    call_id = assistant["tool_calls"][0]["id"]
    assert tool == {"role": "tool", "content": "sunny in Oslo", "tool_call_id": call_id}


def test_models_endpoint_and_unknown_route() -> None:
    with FakeOpenAI([]) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="test", max_retries=0)
        assert [m.id for m in client.models.list()] == ["fake-model"]
        response = httpx.post(f"{server.base_url}/embeddings", json={})
    assert response.status_code == 404
    assert "no route" in response.json()["error"]["message"]


def test_drop_closes_connection_without_response() -> None:
    with FakeOpenAI([drop()]) as server, pytest.raises(openai.APIConnectionError):
        chat(server).invoke("hi")


def test_hang_times_out_client_and_exit_does_not_wait() -> None:
    with FakeOpenAI([hang(30)]) as server:
        with pytest.raises(openai.APITimeoutError):
            chat(server, timeout=0.3).invoke("hi")
        started = time.monotonic()
    assert time.monotonic() - started < 2


def test_hang_then_reply_is_a_slow_response() -> None:
    with FakeOpenAI([hang(0.2, then=text("late but fine"))]) as server:
        started = time.monotonic()
        assert chat(server).invoke("hi").content == "late but fine"
    assert time.monotonic() - started >= 0.2


def test_helpers_read_content_parts() -> None:
    body = {
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "one, "}, {"type": "text", "text": "two"}]},
            {"role": "assistant", "content": "ok"},
        ],
        "tools": [{"type": "function", "function": {"name": "search", "parameters": {}}}],
    }
    assert last_user_text(body) == "one, two"
    assert offered_tools(body) == ["search"]
    assert not has_tool_result(body)
    assert last_user_text({"messages": []}) == ""
