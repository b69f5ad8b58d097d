"""Canary benchmark: a fault-injecting model as canary on 20 % of threads is rolled back automatically,
and no user request fails on the way.

    python -m crewline.evals.benchmarks.canary [--requests 200] [--min-samples 20] [--fault-rate 1.0] [--json]

One loopback chat-completions server (the tests' ``FakeOpenAI``, real ``ChatOpenAI`` client) serves
two models: ``stable`` answers as a well-behaved ``support`` model (:func:`well_behaved`: the tools
the request needs, the knowledge specialist's answer from its passages, the groundedness judge's
report); ``canary`` fails each request with probability ``--fault-rate`` (a 500, or garbage: a body
that is not JSON, tool calls to tools nobody offered), otherwise answers like ``stable``. Every model
call of a turn runs on its thread's version: the planner's, the specialists' (the knowledge
specialist's answer included) and the output guard's groundedness judge. The ``support`` crew
registers ``stable`` (v0001) and ``canary`` (v0002) in the model registry and sends 20 % of threads
to the canary; each request is a new thread. The canary's chain ends with the stable model, so a
canary failure is answered by the stable model.

**Bound.** The rollback rule judges the canary once it has made ``min_samples`` model calls; with
every canary call failing (error rate 1 against a control near 0) the breach is certain at exactly
the ``min_samples``-th canary call, so at most ``min_samples`` canary-routed model calls are ever made
(one request can make several calls). In requests: the canary is rolled back within the first
``min_samples`` requests whose thread falls in its 20 % share; the script prints both counts and
checks them against the bound. Prints: requests, failed requests (no usable answer, or an
exception), requests escalated to a person, canary calls before the rollback, the request that
triggered it, the reason, and the per-version figures. Everything lives in a temporary data
directory.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

REQUESTS = (
    "What is the current balance for customer C-1001?",
    "List my open invoices, I am customer C-1001.",
    "Is my card active or frozen? Customer C-1001.",
    "Did you receive my last payment? I am customer C-1002.",
    "How long does a replacement card take?",
)
SHARE = 20.0


_WORD = re.compile(r"[a-z0-9–-]+")


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) > 3}


def _passages(prompt: str, end: str) -> list[tuple[int, str]]:
    """The numbered passages of a knowledge prompt (``[n] title\ntext``), up to ``end``."""
    body = prompt.split("Passages:", 1)[1].split(end, 1)[0]
    return [
        (int(n), text) for n, text in re.findall(r"^\[(\d+)\] (.*?)(?=\n\n\[\d+\] |\Z)", body, re.S | re.M)
    ]


def _judge(prompt: str) -> dict[str, Any]:
    """A groundedness report: a sentence is supported by the passage sharing most of its words."""
    passages = _passages(prompt, "\n\nAnswer sentences:")
    judged = []
    for number, sentence in re.findall(r"^(\d+)\. (.*)$", prompt.split("Answer sentences:", 1)[1], re.M):
        words = _words(sentence) or {""}
        overlap, source = max(((len(words & _words(text)), n) for n, text in passages), default=(0, 0))
        supported = overlap >= len(words) / 2
        judged.append(
            {"sentence": int(number), "supported": supported, "source": source if supported else None}
        )
    return {"sentences": judged}


def well_behaved(body: dict[str, Any]) -> Any:
    """The stable model (and a canary's good answers): the ``support`` crew's tools as the tests'
    ``support_agent`` calls them; the knowledge specialist's answer as the first sentence of the first
    passage, cited; the groundedness judge's report by word overlap."""
    from tests.support.fake_openai import offered_tools, structured, text
    from tests.support.faults import support_agent

    # the passages' message, also when a re-ask or a revision request came after it
    users = [str(m.get("content") or "") for m in body.get("messages", []) if m.get("role") == "user"]
    asked = next((u for u in users if u.startswith("Passages:")), "")
    if "GroundednessReport" in offered_tools(body) and asked:
        return structured(_judge(asked))
    if asked and not offered_tools(body):
        passages = _passages(asked, "\n\nQuestion:")
        if not passages:
            return text("NO_ANSWER")
        first = passages[0][1].split("\n", 1)[-1]  # the passage's text, after its title line
        sentence = re.split(r"(?<=[.!?])\s", first.strip(), maxsplit=1)[0].rstrip(".!?")
        return text(f"{sentence} [{passages[0][0]}].")
    return support_agent(body)


def _responder(fault_rate: float, seed: int) -> tuple[Any, dict[str, int]]:
    from tests.support.fake_openai import error, malformed_json, raw_tool_call

    rng = random.Random(seed)
    lock = threading.Lock()
    served = {"stable": 0, "canary_ok": 0, "canary_fault": 0}
    faults = (
        lambda: error(500, "canary crashed"),
        malformed_json,
        lambda: raw_tool_call("no_such_tool", "{}"),
    )

    def respond(body: dict[str, Any]) -> Any:
        with lock:
            if body.get("model") != "canary":
                served["stable"] += 1
                return well_behaved(body)
            if rng.random() < fault_rate:
                served["canary_fault"] += 1
                return faults[served["canary_fault"] % len(faults)]()
            served["canary_ok"] += 1
        return well_behaved(body)

    return respond, served


def run(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="crewline-canary-"))
    os.environ["CREWLINE_DATA_DIR"] = str(work)
    for variable in (
        "CREWLINE_STATE_URL",
        "CREWLINE_MODELS_URL",
        "CREWLINE_MODEL",
        "CREWLINE_FALLBACK_MODEL",
    ):
        os.environ.pop(variable, None)
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests.support, from a checkout
    from langchain_core.messages import HumanMessage
    from langgraph.checkpoint.memory import InMemorySaver

    from crewline import ModelRegistry
    from crewline.graphs import build_crew, load_spec
    from crewline.nodes.models.canary import bucket
    from crewline.nodes.models.prices import Price
    from tests.support.fake_openai import FakeOpenAI

    respond, served = _responder(args.fault_rate, args.seed)
    registry = ModelRegistry()
    registry.register("support", "openai:stable")
    registry.register("support", "openai:canary")
    registry.canary("support", SHARE)
    spec = load_spec("support")
    models = spec.models.model_copy(
        update={
            "provider": "openai",
            "max_retries": 0,
            "prices": {
                name: Price(input_per_mtok=0.15, output_per_mtok=0.6) for name in ("stable", "canary")
            },
            "rollout": spec.models.rollout.model_copy(update={"min_samples": args.min_samples}),
        }
    )
    failed, answered, escalated, canary_requests, rolled_at, canary_requests_at = 0, 0, 0, 0, None, None
    with FakeOpenAI(respond) as server:
        os.environ.update(OPENAI_BASE_URL=server.base_url, OPENAI_API_KEY="bench")
        crew = build_crew(spec.model_copy(update={"models": models}), checkpointer=InMemorySaver())
        for i in range(args.requests):
            thread = f"bench-{args.seed}-{i}"
            entry = registry.entry("support")
            in_canary = entry is not None and entry.canary is not None and bucket("support", thread) < SHARE
            canary_requests += in_canary
            try:
                state = crew.invoke(
                    {"messages": [HumanMessage(REQUESTS[i % len(REQUESTS)])]},
                    {"configurable": {"thread_id": thread}},
                )
                ok = bool(state.get("answer")) or (state.get("escalation") or {}).get("status") == "pending"
            except Exception as exc:  # a failed user request: what this benchmark must never see
                print(f"request {i} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
                ok = False
            failed += not ok
            answered += bool(ok and state.get("answer"))
            escalated += bool(ok and state.get("escalation"))  # answered by a person, not the crew
            entry = registry.entry("support")
            if rolled_at is None and entry is not None and entry.canary is None:
                rolled_at, canary_requests_at = i + 1, canary_requests
    stats = {v: s.as_dict() for v, s in registry.stats("support").items()}
    rollback = next((e for e in registry.events("support") if e["action"] == "rollback"), None)
    canary_calls = int(stats.get("v0002", {}).get("calls") or 0)
    return {
        "requests": args.requests,
        "share_percent": SHARE,
        "fault_rate": args.fault_rate,
        "min_samples": args.min_samples,
        "failed_requests": failed,
        "answered": answered,
        "escalated": escalated,
        "rolled_back": rollback is not None,
        "rolled_back_after_requests": rolled_at,
        "canary_requests_before_rollback": canary_requests_at,
        "canary_model_calls": canary_calls,
        "bound_canary_model_calls": args.min_samples,
        "within_bound": rollback is not None and canary_calls <= args.min_samples,
        "reason": rollback["reason"] if rollback else None,
        "served": served,
        "versions": stats,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--min-samples", type=int, default=20)
    parser.add_argument("--fault-rate", type=float, default=1.0, help="share of canary requests that fail")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args)
    if args.json:
        print(json.dumps(result))
        return
    print(f"requests {result['requests']}, canary share {SHARE:g} %, canary fault rate {args.fault_rate:g}")
    print(
        f"failed user requests: {result['failed_requests']} "
        f"(answered {result['answered']}, escalated to a person {result['escalated']})"
    )
    if result["rolled_back"]:
        print(
            f"canary rolled back after request {result['rolled_back_after_requests']} "
            f"({result['canary_requests_before_rollback']} canary requests, "
            f"{result['canary_model_calls']} canary model calls; bound {args.min_samples} calls: "
            f"{'met' if result['within_bound'] else 'NOT met'})"
        )
        print(f"reason: {result['reason']}")
    else:
        print("canary NOT rolled back")
    for version, figures in result["versions"].items():
        print(
            f"  {version}: calls {figures['calls']}, error rate {figures['error_rate']}, "
            f"turns {figures['interactions']}, escalated {figures['escalations']}, "
            f"cost/turn {figures['cost_per_interaction']}"
        )


if __name__ == "__main__":
    main()
