"""What the serving tests send at a server: every thread and run endpoint as a probe, the writes
that need a role, and arbitrary JSON for fuzzing the custom routes; and what a caller learns from
an answer (ids blanked).

Split from ``test_serving_server.py``, which keeps the server fixture and the tests.
"""

from __future__ import annotations

from typing import Any

import httpx
from hypothesis import strategies as st


def thread_probes(
    thread_id: str, run_id: str, checkpoint_id: str
) -> list[tuple[str, str, dict[str, Any] | None]]:
    t, r = f"/threads/{thread_id}", f"/threads/{thread_id}/runs/{run_id}"
    message = {"messages": [{"role": "user", "content": "what is my balance? customer C-1001"}]}
    return [
        ("GET", t, None),
        ("PATCH", t, {"metadata": {"owner": "me"}}),
        ("GET", f"{t}/state", None),
        ("GET", f"{t}/state/{checkpoint_id}", None),
        ("POST", f"{t}/state/checkpoint", {"checkpoint": {"checkpoint_id": checkpoint_id}}),
        ("GET", f"{t}/history", None),
        ("POST", f"{t}/history", {"limit": 5}),
        ("POST", f"{t}/copy", None),
        ("POST", f"{t}/runs", {"assistant_id": "support", "input": message}),
        ("POST", f"{t}/runs/wait", {"assistant_id": "support", "input": message}),
        ("POST", f"{t}/runs/stream", {"assistant_id": "support", "input": message}),
        ("GET", f"{t}/runs", None),
        ("GET", r, None),
        ("GET", f"{r}/join", None),
        ("GET", f"{r}/stream", None),
        ("POST", f"{r}/cancel", None),
        ("DELETE", r, None),
        ("GET", f"{t}/stream", None),
        ("DELETE", t, None),
    ]


# Writes that need a role: a caller without it is refused (403) whatever the thread, so the answer
# says nothing about whether the thread exists.
ROLE_GATED = [
    ("POST", "/state", {"values": {"answer": "hijacked"}, "as_node": "await_human"}),
    ("POST", "/runs/wait", {"assistant_id": "support", "command": {"resume": {"decision": "approve"}}}),
]


def what_a_caller_learns(response: httpx.Response, *ids: str) -> tuple[int, str]:
    """Status and body with the ids blanked: what a caller learns from a response."""
    text = response.text
    for value in ids:
        text = text.replace(value, "<id>")
    return response.status_code, text.strip()


# Schemathesis cannot be installed next to langgraph-api (it needs jsonschema-rs >= 0.60, the
# server pins < 0.45), so the custom routes are fuzzed with hypothesis directly: every operation the
# routes' own OpenAPI document lists, with arbitrary JSON bodies, query strings and keys.
# JSON has no NaN or infinity: a client cannot send them (httpx refuses to encode them)
_JSON_NUMBERS = st.integers() | st.floats(allow_nan=False, allow_infinity=False)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | _JSON_NUMBERS | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
FEEDBACK_BODIES = st.fixed_dictionaries(
    {},
    optional={
        "thread_id": st.text(max_size=40) | st.integers(),
        "rating": st.sampled_from(["up", "down", "", "sideways"]) | JSON_VALUES,
        "comment": st.text(max_size=200) | JSON_VALUES,
    },
)
