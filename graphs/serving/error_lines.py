"""Refusals in one line: the server API's own 4xx answers, as a client reads them.

The LangGraph API validates request bodies with ``jsonschema`` and answers its whole report as the
``detail`` of a 422: the message, a blank line, ``Failed validating "type" in
schema["components"]["schemas"]["RunCreateStateful"]["properties"]["config"]``, the instance again.
A client shows that as a wall of text. Aegra (FastAPI) answers a list of pydantic errors instead.
:func:`one_line_errors` wraps an ASGI ``send`` so a JSON 4xx whose ``detail`` spans lines, or is such
a list, says it in one line, with the field it is about when the report names it
(``config: [] is not of type "object"``, ``body.limit: Input should be a valid integer``). Any
other answer passes through untouched (streams too: only a 4xx is held, and those are small).
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.types import Message, Send

__all__ = ["MAX_DETAIL", "one_line", "one_line_errors"]

MAX_DETAIL = 300  # characters: the instance a report repeats can be as long as the body was
# the schema path of a jsonschema report: ["properties"]["config"], ["items"], ...
_SCHEMA_STEP = re.compile(r'\["(properties|items)"\](?:\["([^"]+)"\])?')


def _field(report: str) -> str:
    """The field a jsonschema report is about (``config``, ``input.messages[]``), or ``""``."""
    line = next((ln for ln in report.splitlines() if ln.startswith("Failed validating")), "")
    path = ""
    for kind, name in _SCHEMA_STEP.findall(line):
        if kind == "items":
            path += "[]"
        elif name:
            path += f".{name}" if path else name
    return path


def one_line(detail: str) -> str:
    """``detail`` as one line: its first line, prefixed by the field a jsonschema report names."""
    lines = [ln.strip() for ln in detail.splitlines() if ln.strip()]
    if not lines:
        return detail.strip()
    first, field = lines[0], _field(detail)
    if first.endswith(":") and len(lines) > 1 and not field:  # "Must be either:" and a list below
        first = f"{first} " + "; ".join(ln.lstrip("-* ").strip() for ln in lines[1:])
    text = f"{field}: {first}" if field and not first.startswith(field) else first
    return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 1] + "…"


def _first_error(errors: list[Any]) -> str | None:
    """FastAPI's list of pydantic errors as one line: the first one's place and message."""
    first = errors[0] if errors else None
    if not isinstance(first, dict) or not isinstance(first.get("msg"), str):
        return None
    place = ".".join(str(step) for step in first.get("loc") or ())
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return one_line(f"{place}: {first['msg']}{more}" if place else f"{first['msg']}{more}")


def _rewritten(body: bytes) -> bytes | None:
    """The body with its ``detail`` in one line, or ``None`` when it needs no change."""
    try:
        parsed: Any = json.loads(body)
    except ValueError:
        return None
    detail = parsed.get("detail") if isinstance(parsed, dict) else None
    if isinstance(detail, list):
        line = _first_error(detail)
        return None if line is None else json.dumps({**parsed, "detail": line}).encode()
    if not isinstance(detail, str) or ("\n" not in detail and len(detail) <= MAX_DETAIL):
        return None
    return json.dumps({**parsed, "detail": one_line(detail)}).encode()


def _is_json_refusal(message: Message) -> bool:
    if not 400 <= int(message["status"]) < 500:
        return False
    headers = dict(message.get("headers") or [])
    content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    return content_type == b"application/json" and b"content-encoding" not in headers


def one_line_errors(send: Send) -> Send:
    """``send`` with every JSON 4xx answer's ``detail`` in one line (see the module docstring)."""
    start: Message | None = None
    chunks: list[bytes] = []

    async def sending(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start" and _is_json_refusal(message):
            start = message
            return
        if start is None or message["type"] != "http.response.body":
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        body = b"".join(chunks)
        body = _rewritten(body) or body
        headers = [(k, v) for k, v in start.get("headers") or [] if k.lower() != b"content-length"]
        await send({**start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    return sending
