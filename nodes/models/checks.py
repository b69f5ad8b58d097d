"""What a model call's outcome was: an outage to retry, or an answer that cannot be used.

:func:`classify` sorts an exception into infrastructure (retry, then fall back) or bad output (re-ask
once, then fall back). It reads the error shapes the provider SDKs share rather than one SDK's
classes: the Stainless-generated clients (OpenAI, Anthropic, Groq, ...) name their errors
``APITimeoutError`` / ``APIConnectionError`` / ``APIStatusError`` with a ``status_code`` and a
``response`` carrying ``Retry-After``; Google's carry the HTTP status as ``code``; httpx's raise
``ReadTimeout`` and friends. :func:`check_tool_reply` and :func:`parse_structured` turn a reply no
caller could act on into :class:`BadOutput`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from langchain_core.exceptions import OutputParserException
from langchain_core.messages import AIMessage
from langchain_core.tools import BaseTool
from pydantic import BaseModel, ValidationError

__all__ = ["BadOutput", "Failure", "check_tool_reply", "classify", "parse_structured"]


class BadOutput(Exception):
    """The model answered, but not with something usable (the message says what was wrong)."""


@dataclass(frozen=True)
class Failure:
    kind: Literal["infra", "bad_output"]
    reason: str
    retryable: bool = False
    retry_after: float | None = None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


def _retry_after(headers: Mapping[str, str] | None) -> float | None:
    if not headers:
        return None
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is not None:
            try:
                return max(0.0, float(value) / scale)
            except ValueError:
                continue
    return None


def _status(exc: BaseException) -> int | None:
    """The HTTP status an SDK error carries (``status_code``, its response's, or Google's ``code``)."""
    response = getattr(exc, "response", None)
    for value in (getattr(exc, "status_code", None), getattr(response, "status_code", None)):
        if isinstance(value, int) and 100 <= value < 600:
            return value
    code = getattr(exc, "code", None)  # google.api_core's GoogleAPICallError
    return code if isinstance(code, int) and 400 <= code < 600 else None


_BAD_OUTPUT_ERRORS = frozenset({"APIResponseValidationError", "LengthFinishReasonError"})
_NETWORK_ERRORS = frozenset({"ReadTimeout", "ConnectTimeout", "RemoteProtocolError", "ReadError"})


def classify(exc: BaseException) -> Failure:
    """Infrastructure (retry, then fall back) or bad output (re-ask once, then fall back)?"""
    if isinstance(exc, BadOutput | OutputParserException | ValidationError | json.JSONDecodeError):
        return Failure("bad_output", _first_line(exc))
    names = {cls.__name__ for cls in type(exc).__mro__}
    if names & _BAD_OUTPUT_ERRORS:  # the server answered 200 with something the client cannot use
        return Failure("bad_output", _first_line(exc))
    if "APITimeoutError" in names:
        return Failure("infra", "request timed out", retryable=True)
    if "APIConnectionError" in names:
        cause = exc.__cause__ or exc.__context__
        return Failure("infra", f"connection failed ({_first_line(cause or exc)})", retryable=True)
    status = _status(exc)
    if status is not None:
        retryable = status in (408, 409, 429) or status >= 500
        headers: Any = getattr(getattr(exc, "response", None), "headers", None)
        after = _retry_after(headers) if retryable else None
        return Failure("infra", f"HTTP {status}: {_first_line(exc)}", retryable, after)
    if isinstance(exc, TimeoutError | ConnectionError) or names & _NETWORK_ERRORS:
        return Failure("infra", f"{type(exc).__name__}: {_first_line(exc)}", retryable=True)
    if isinstance(exc, ValueError):  # client-side parsing of a broken response body
        return Failure("bad_output", f"{type(exc).__name__}: {_first_line(exc)}")
    return Failure("infra", f"{type(exc).__name__}: {_first_line(exc)}")


def check_tool_reply(reply: AIMessage, tools: Mapping[str, BaseTool], max_chars: int) -> None:
    """Raise ``BadOutput`` for a reply no specialist should act on."""
    if reply.invalid_tool_calls:
        bad = reply.invalid_tool_calls[0]
        raise BadOutput(f"tool call {bad.get('name')!r} has arguments that are not valid JSON")
    size = len(reply.text) + sum(len(json.dumps(c["args"], default=str)) for c in reply.tool_calls)
    if size > max_chars:
        raise BadOutput(f"completion of {size} characters exceeds the limit of {max_chars}")
    if not reply.tool_calls and not reply.text.strip():
        raise BadOutput("empty completion")
    for call in reply.tool_calls:
        tool = tools.get(call["name"])
        if tool is None:
            raise BadOutput(f"unknown tool {call['name']!r}; offered: {', '.join(sorted(tools))}")
        schema = tool.args_schema
        if isinstance(schema, type) and issubclass(schema, BaseModel):
            try:
                schema.model_validate(call["args"])
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"]) or "arguments"
                raise BadOutput(f"tool {call['name']!r}: {where}: {first['msg']}") from None


def parse_structured(reply: AIMessage, schema: type[BaseModel], max_chars: int) -> BaseModel:
    """The schema instance a structured-output reply stands for, or ``BadOutput``."""
    if reply.invalid_tool_calls:
        raise BadOutput("structured output is not valid JSON")
    if len(reply.text) > max_chars:
        raise BadOutput(f"completion of {len(reply.text)} characters exceeds the limit of {max_chars}")
    if reply.tool_calls:
        data: Any = reply.tool_calls[0]["args"]
    else:
        if not reply.text.strip():
            raise BadOutput("empty completion")
        try:
            data = json.loads(reply.text)
        except ValueError:
            raise BadOutput("structured output is not valid JSON") from None
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or schema.__name__
        raise BadOutput(f"schema violation: {where}: {first['msg']}") from None
