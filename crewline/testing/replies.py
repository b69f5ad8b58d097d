"""What a scripted model may answer, what it records, and how a scripted reply becomes an ``AIMessage``.

A reply is data (text, an ``AIMessage``, tool calls, a structured value, an exception to raise) or a
function of what the model saw. Turning data into a message is pure and deterministic, so a test that
runs twice sees the same ids and the same token counts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel

from crewline.errors import ConfigurationError, RunError

__all__ = [
    "ModelCall",
    "OfferedTool",
    "Reply",
    "ReplyFunction",
    "ReplyValue",
    "ScriptError",
    "ScriptExhausted",
    "ScriptedToolCall",
    "tool_call",
]


class ScriptExhausted(RunError):
    """The model was called once more than its script has replies (and it has no ``default``)."""


class ScriptError(ConfigurationError):
    """A scripted reply cannot be turned into a model answer (wrong type, no tool to carry a value)."""


@dataclass(frozen=True)
class ScriptedToolCall:
    """One tool call the model makes; ``id`` is generated (``call_1``, ``call_2``, ...) when not given."""

    name: str
    args: Mapping[str, Any] = field(default_factory=dict)
    id: str | None = None


def tool_call(name: str, args: Mapping[str, Any] | None = None, *, id: str | None = None) -> ScriptedToolCall:
    """A scripted call of tool ``name`` with ``args``; a list of them is one reply with parallel calls."""
    return ScriptedToolCall(name=name, args=dict(args or {}), id=id)


@dataclass(frozen=True)
class OfferedTool:
    """A tool as the model was offered it (``bind_tools``), in the provider-neutral JSON-schema form."""

    name: str
    description: str
    parameters: Mapping[str, Any]

    @classmethod
    def of(cls, tool: Any) -> OfferedTool:
        try:
            spec = convert_to_openai_tool(tool)
        except Exception:  # a provider's built-in tool (a dict of its own shape): keep what it says
            spec = dict(tool) if isinstance(tool, Mapping) else {"name": repr(tool)}
        function = spec.get("function", spec)
        return cls(
            name=str(function.get("name", "")),
            description=str(function.get("description", "")),
            parameters=dict(function.get("parameters") or {}),
        )


@dataclass
class ModelCall:
    """One call of the model: what it saw (messages, offered tools, forced tool) and what it answered."""

    messages: list[BaseMessage]
    tools: list[OfferedTool]
    tool_choice: str | None
    reply: AIMessage | None = None  # None while the call is in flight, or when it raised

    @property
    def tool_names(self) -> list[str]:
        return [tool.name for tool in self.tools]


ReplyValue: TypeAlias = (
    str
    | AIMessage
    | ScriptedToolCall
    | Sequence[ScriptedToolCall]
    | Mapping[str, Any]
    | BaseModel
    | BaseException
)
ReplyFunction: TypeAlias = Callable[
    [list[BaseMessage], list[OfferedTool]], ReplyValue | Awaitable[ReplyValue]
]
Reply: TypeAlias = ReplyValue | ReplyFunction


def is_reply_function(reply: object) -> bool:
    """A function to call for the reply (a pydantic object, an exception or a class is not one)."""
    return callable(reply) and not isinstance(reply, BaseModel | BaseException | type)


def check_reply(reply: object, where: str) -> None:
    """Reject at construction what could never be answered, naming the reply's position."""
    if is_reply_function(reply):
        return
    if isinstance(reply, list | tuple):
        if not reply or not all(isinstance(item, ScriptedToolCall) for item in reply):
            raise ScriptError(f"{where}: a list reply must hold one or more tool_call(...) values")
        return
    if isinstance(reply, BaseMessage) and not isinstance(reply, AIMessage):
        raise ScriptError(f"{where}: a model answers with an AIMessage, not a {type(reply).__name__}")
    if not isinstance(reply, str | AIMessage | ScriptedToolCall | Mapping | BaseModel | BaseException):
        raise ScriptError(
            f"{where}: {type(reply).__name__} is not a reply (use a str, an AIMessage, tool_call(...), "
            "a list of tool calls, a dict or pydantic object, an exception, or a function)"
        )


def normalise_tool_choice(choice: Any) -> str | None:
    """``tool_choice`` as LangChain passes it: a tool name, "any"/"auto"/"none", ``True`` or a dict."""
    if choice is None or choice is False:
        return None
    if choice is True:
        return "any"
    if isinstance(choice, Mapping):
        function = choice.get("function", choice)
        return str(function.get("name") or choice.get("type") or "any")
    return str(choice)


_FORCING = {"any", "required"}
_NOT_NAMES = _FORCING | {"auto", "none"}


def _structured_target(
    value: Mapping[str, Any] | BaseModel, tools: list[OfferedTool], choice: str | None
) -> str | None:
    """The tool a structured value goes to as a tool call (LangChain's default structured output binds
    the schema as a tool and forces it), or ``None`` to answer it as JSON text."""
    if not tools or choice == "none":
        return None
    if choice is not None and choice not in _NOT_NAMES:
        return choice  # forced by name
    names = [tool.name for tool in tools]
    if isinstance(value, BaseModel) and type(value).__name__ in names:
        return type(value).__name__
    if len(tools) == 1:
        return tools[0].name
    keys = set(_as_args(value))
    fitting = [  # the tools whose parameters the value's keys fill exactly
        tool.name
        for tool in tools
        if keys <= set(tool.parameters.get("properties", {}))
        and set(tool.parameters.get("required", [])) <= keys
    ]
    if len(fitting) == 1:
        return fitting[0]
    if choice in _FORCING:  # a tool must be called, and the value does not say which
        raise ScriptError(
            f"a structured reply fits {len(fitting)} of the offered tools {names}: "
            "script tool_call(name, args) instead"
        )
    return None


def _as_args(value: Mapping[str, Any] | BaseModel) -> dict[str, Any]:
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else dict(value)


class CallIds:
    """Deterministic tool-call ids for one model (shared by its copies): ``call_1``, ``call_2``, ..."""

    def __init__(self) -> None:
        self.issued = 0

    def next(self) -> str:
        self.issued += 1
        return f"call_{self.issued}"


def to_message(
    value: ReplyValue, messages: Sequence[BaseMessage], call: ModelCall, ids: CallIds, model_name: str
) -> AIMessage:
    """The ``AIMessage`` a reply value stands for, with usage (approximate) and response metadata."""
    if isinstance(value, BaseException):
        raise value
    if isinstance(value, AIMessage):
        message = value.model_copy(deep=True)  # a reused reply (a default) must not share state
    elif isinstance(value, str):
        message = AIMessage(content=value)
    elif isinstance(value, ScriptedToolCall) or (
        isinstance(value, list | tuple) and all(isinstance(item, ScriptedToolCall) for item in value)
    ):
        scripted = [value] if isinstance(value, ScriptedToolCall) else list(value)
        message = AIMessage(
            content="",
            tool_calls=[
                {"name": c.name, "args": dict(c.args), "id": c.id or ids.next(), "type": "tool_call"}
                for c in scripted
            ],
        )
    elif isinstance(value, Mapping | BaseModel):
        target = _structured_target(value, call.tools, call.tool_choice)
        args = _as_args(value)
        if target is None:
            message = AIMessage(content=json.dumps(args))
        else:
            message = AIMessage(
                content="", tool_calls=[{"name": target, "args": args, "id": ids.next(), "type": "tool_call"}]
            )
    else:
        raise ScriptError(f"{type(value).__name__} is not a reply")
    if message.usage_metadata is None:
        message.usage_metadata = usage_of(messages, message)
    message.response_metadata = {
        "model_name": model_name,
        "finish_reason": "tool_calls" if message.tool_calls else "stop",
        **message.response_metadata,
    }
    return message


_TOKEN = re.compile(r"\w+|[^\w\s]")


def count_tokens(message: BaseMessage) -> int:
    """Approximate tokens: words and punctuation marks of the text and of any tool calls' arguments."""
    text = str(message.text)
    for call in getattr(message, "tool_calls", None) or []:
        text += f" {call['name']} {json.dumps(call['args'])}"
    return len(_TOKEN.findall(text))


def usage_of(messages: Sequence[BaseMessage], reply: AIMessage) -> UsageMetadata:
    prompt = sum(count_tokens(message) for message in messages)
    completion = count_tokens(reply)
    return {"input_tokens": prompt, "output_tokens": completion, "total_tokens": prompt + completion}
