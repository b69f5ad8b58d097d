"""``ScriptedChatModel``: a chat model whose answers a test writes down in advance.

    model = ScriptedChatModel([tool_call("forecast", {"city": "Oslo"}), "Rain in Oslo."])
    agent = create_agent(model, tools=[forecast])
    agent.invoke({"messages": [("user", "weather in Oslo?")]})
    assert model.calls[1].messages[-1].content == "Rain in Oslo, 9°C."

Each call takes the next reply; ``model.calls`` records what every call saw (messages, offered tools,
forced tool) and answered. It is a real ``BaseChatModel``: ``bind_tools``, ``with_structured_output``,
``invoke``/``ainvoke``, streaming and callbacks behave as with a provider, so the code under test runs
its real path. Nothing leaves the process.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import re
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any, cast

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from pydantic import Field, PrivateAttr

from crewline.testing.replies import (
    CallIds,
    ModelCall,
    OfferedTool,
    Reply,
    ReplyValue,
    ScriptError,
    ScriptExhausted,
    check_reply,
    is_reply_function,
    normalise_tool_choice,
    to_message,
)

__all__ = ["ScriptedChatModel"]


class _Script:
    """The mutable part of a model: its position in the script, the calls it saw, its tool-call ids.

    Kept outside the pydantic fields and shared by every copy of the model (``model_copy``, deep copies
    made by wrappers that set a timeout or ``max_tokens``), so a copy continues the same script and
    records into the same ``calls``.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()  # concurrent calls (threads or tasks) each take a distinct reply
        self.position = 0
        self.calls: list[ModelCall] = []
        self.ids = CallIds()

    def __copy__(self) -> _Script:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> _Script:
        return self


class ScriptedChatModel(BaseChatModel):
    """A ``BaseChatModel`` answering from a script: the n-th call gets ``replies[n]``.

    A reply is a ``str`` (a plain answer), an ``AIMessage`` (used as is), ``tool_call(name, args)`` or
    a list of them (parallel calls), a dict or pydantic object (structured output: a call of the
    schema's tool when one is bound and forced, else JSON text), an exception (raised by that call,
    for fallbacks and retries), or a function ``(messages, tools) -> reply`` (sync, or async under
    ``ainvoke``) for answers that depend on what the model saw.

    When the script runs out, the call raises :class:`ScriptExhausted` unless ``default`` is given.
    ``latency_s`` delays every call (``asyncio.sleep`` under ``ainvoke``, so concurrent calls overlap;
    ``time.sleep`` otherwise). Usage is counted approximately (words and punctuation).
    """

    replies: list[Any] = Field(default_factory=list)
    default: Any = None  # the reply for every call past the script (None: such a call raises)
    latency_s: float = Field(default=0.0, ge=0.0)
    model_name: str = "scripted"

    _script: _Script = PrivateAttr(default_factory=_Script)

    def __init__(self, replies: Sequence[Reply] = (), **kwargs: Any) -> None:
        kwargs["replies"] = list(replies)
        super().__init__(**kwargs)
        for number, reply in enumerate(self.replies, start=1):
            check_reply(reply, f"ScriptedChatModel reply {number}")
        if self.default is not None:
            check_reply(self.default, "ScriptedChatModel default")

    @property
    def _llm_type(self) -> str:
        return "scripted-chat-model"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name}

    @property
    def calls(self) -> list[ModelCall]:
        """Every call so far, in the order the calls arrived."""
        return self._script.calls

    @property
    def remaining(self) -> int:
        """Scripted replies not yet used (``default`` not counted)."""
        return max(0, len(self.replies) - self._script.position)

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Offer ``tools`` to every call of the returned runnable (recorded in ``calls[i].tools``)."""
        offered = [OfferedTool.of(tool) for tool in tools]
        formatted = [
            {
                "type": "function",
                "function": {"name": t.name, "description": t.description, "parameters": dict(t.parameters)},
            }
            for t in offered
        ]
        if tool_choice is not None:
            kwargs["tool_choice"] = tool_choice
        return self.bind(tools=formatted, **kwargs)

    # -- one call: take the next reply, wait, answer --------------------------------------------------

    def _begin(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> tuple[ModelCall, Reply]:
        call = ModelCall(
            messages=list(messages),
            tools=[OfferedTool.of(tool) for tool in kwargs.get("tools") or []],
            tool_choice=normalise_tool_choice(kwargs.get("tool_choice")),
        )
        script = self._script
        with script.lock:
            script.calls.append(call)
            position = script.position
            script.position += 1
        if position < len(self.replies):
            return call, self.replies[position]
        if self.default is not None:
            return call, self.default
        raise ScriptExhausted(
            f"ScriptedChatModel: call {position + 1} but the script has {len(self.replies)} "
            "replies (script more replies or give default=)"
        )

    def _finish(self, call: ModelCall, value: object) -> AIMessage:
        if is_reply_function(value):
            raise ScriptError("a reply function returned a function: return a reply value")
        check_reply(value, f"ScriptedChatModel call {len(self.calls)}")
        with self._script.lock:  # tool-call ids stay unique across concurrent calls
            message = to_message(
                cast(ReplyValue, value), call.messages, call, self._script.ids, self.model_name
            )
        call.reply = message
        return message

    def _answer(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> AIMessage:
        call, reply = self._begin(messages, kwargs)
        if self.latency_s:
            time.sleep(self.latency_s)
        value: object = reply
        if is_reply_function(reply):
            value = reply(call.messages, call.tools)  # type: ignore[operator]
            if inspect.isawaitable(value):
                if inspect.iscoroutine(value):
                    value.close()  # never awaited: closing it avoids a "never awaited" warning
                raise ScriptError("an async reply function needs the async path (ainvoke, astream)")
        return self._finish(call, value)

    async def _aanswer(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> AIMessage:
        call, reply = self._begin(messages, kwargs)
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        value: object = reply
        if is_reply_function(reply):
            value = reply(call.messages, call.tools)  # type: ignore[operator]
            if inspect.isawaitable(value):
                value = await value
        return self._finish(call, value)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self._answer(messages, kwargs))])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=await self._aanswer(messages, kwargs))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for chunk in _chunks(self._answer(messages, kwargs)):
            if run_manager:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        for chunk in _chunks(await self._aanswer(messages, kwargs)):
            if run_manager:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk


_PIECE = re.compile(r"\s*\S+|\s+$")  # pieces that join back into the exact text


def _chunks(message: AIMessage) -> Iterator[ChatGenerationChunk]:
    """A message as a provider streams it: the text word by word, each tool call whole, usage last."""
    if isinstance(message.content, str):
        for piece in _PIECE.findall(message.content):
            yield ChatGenerationChunk(message=AIMessageChunk(content=piece, id=message.id))
    elif message.content:
        yield ChatGenerationChunk(message=AIMessageChunk(content=message.content, id=message.id))
    for index, call in enumerate(message.tool_calls):
        chunk = tool_call_chunk(name=call["name"], args=json.dumps(call["args"]), id=call["id"], index=index)
        yield ChatGenerationChunk(message=AIMessageChunk(content="", tool_call_chunks=[chunk], id=message.id))
    yield ChatGenerationChunk(
        message=AIMessageChunk(
            content="",
            id=message.id,
            usage_metadata=message.usage_metadata,
            response_metadata=message.response_metadata,
            additional_kwargs=message.additional_kwargs,
            chunk_position="last",
        )
    )
