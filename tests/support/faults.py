"""Fault injection for ``FakeOpenAI``: a responder that, per request and at configured rates, answers
normally or fails the way real providers do.

    mix = FaultMix(agent, {"5xx": 0.3, "429": 0.1, "hang": 0.1, "malformed": 0.05, "drop": 0.05}, seed=7)
    with FakeOpenAI(mix) as server: ...
    mix.counts  # Counter of what was served: {"ok": 412, "5xx": 301, ...}

``malformed`` rotates through the kinds of bad output: a body that is not JSON, tool-call arguments
that are not JSON, a tool the caller did not offer, arguments of the wrong type, an empty completion
(and, for structured-output requests, a schema violation). ``drop`` alternates between closing the
connection before any response and half-way through one.
"""

from __future__ import annotations

import json
import random
import re
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from tests.support.fake_openai import (
    Reply,
    drop,
    drop_midway,
    empty,
    error,
    hang,
    has_tool_result,
    last_user_text,
    malformed_json,
    offered_tools,
    raw_tool_call,
    structured,
    text,
    tool_call,
)

JSON = dict[str, Any]
FAULT_KINDS = ("5xx", "429", "hang", "malformed", "drop")

_TOOL_FOR = (  # (words in the task, tool) in order of preference
    (("balance", "owe", "due"), "get_balance"),
    (("invoice",), "list_invoices"),
    (("payment",), "list_payments"),
    (("lost", "stolen", "freeze"), "freeze_card"),
    (("fraud",), "report_fraud"),
    (("card",), "card_status"),
)


def support_agent(body: JSON) -> Reply:
    """A well-behaved model for the ``support`` crew: route when asked, call the tool the task needs
    once, then answer from its result."""
    tools = offered_tools(body)
    if body.get("response_format") or isinstance(body.get("tool_choice"), dict):
        return structured({"specialist": "knowledge", "confidence": 0.8})
    if has_tool_result(body):
        result = json.loads(body["messages"][-1]["content"])
        return text(f"Model answer: {result.get('summary') or result.get('error')}")
    task = last_user_text(body).split("Known context:")[0].lower()
    customer = re.search(r"C-\d{4}", last_user_text(body))
    args: JSON = {"customer_id": customer.group(0)} if customer else {}
    if "search_knowledge" in tools:
        return tool_call("search_knowledge", {"query": task.removeprefix("task: ").strip()})
    for words, tool in _TOOL_FOR:
        if tool in tools and customer and any(w in task for w in words):
            extra = {"freeze_card": {"reason": "card lost"}, "report_fraud": {"description": task}}
            return tool_call(tool, {**args, **extra.get(tool, {})})
    if "lookup_customer" in tools and customer:
        return tool_call("lookup_customer", args)
    return text("I need the customer id to help with that.")


def _bad_output(body: JSON, variant: int) -> tuple[str, Reply]:
    tools = offered_tools(body)
    forced = isinstance(body.get("tool_choice"), dict) or body.get("response_format")
    if forced and variant % 2 == 0:
        return "schema_violation", structured({"specialist": 42, "confidence": "very"})
    kinds: list[tuple[str, Reply]] = [
        ("malformed_body", malformed_json()),
        ("bad_tool_json", raw_tool_call(tools[0] if tools else "lookup", '{"customer_id": "C-10')),
        ("unknown_tool", tool_call("drop_database", {"really": True})),
        ("wrong_type", tool_call(tools[0] if tools else "lookup", {"customer_id": ["C-1001"], "x": {}})),
        ("empty", empty()),
    ]
    return kinds[variant % len(kinds)]


class FaultMix:
    """A ``FakeOpenAI`` responder: ``rates`` of each fault kind, the rest served by ``normal``."""

    def __init__(
        self,
        normal: Callable[[JSON], Reply],
        rates: Mapping[str, float],
        *,
        seed: int = 0,
        retry_after_s: float = 0.2,
        hang_s: float = 30.0,
    ) -> None:
        unknown = set(rates) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; use {FAULT_KINDS}")
        if sum(rates.values()) > 1:
            raise ValueError("fault rates add up to more than 1")
        self.normal = normal
        self.rates = dict(rates)
        self.retry_after_s = retry_after_s
        self.hang_s = hang_s
        self.counts: Counter[str] = Counter()
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def __call__(self, body: JSON) -> Reply:
        with self._lock:
            roll, variant = self._rng.random(), self._rng.randrange(1 << 30)
        kind, edge = "ok", 0.0
        for name, rate in self.rates.items():
            edge += rate
            if roll < edge:
                kind = name
                break
        reply: Reply
        if kind == "5xx":
            reply = error((500, 502, 503)[variant % 3], "injected upstream failure")
        elif kind == "429":
            reply = error(429, "injected rate limit", retry_after=self.retry_after_s)
        elif kind == "hang":
            reply = hang(self.hang_s)
        elif kind == "drop":
            reply = drop() if variant % 2 else drop_midway()
        elif kind == "malformed":
            detail, reply = _bad_output(body, variant)
            kind = f"malformed:{detail}"
        else:
            reply = self.normal(body)
        with self._lock:
            self.counts[kind] += 1
        return reply
