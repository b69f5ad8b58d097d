"""Screening a tool's output passage by passage before a model or an answer uses it.

A tool's output is evidence, not instructions. Every place crewline runs a tool (the offline path,
the model's tool calls, an agent's ``ToolNode``) screens it here with the passage guard
(:mod:`crewline.nodes.guards.passages`):

- while the tool runs, :func:`screening` sets the screen a retrieval tool applies to each hit
  (:data:`crewline.tools.passage_screen.PASSAGE_SCREEN`): the knowledge tool drops flagged passages
  before it drafts its answer and lists them under ``withheld``;
- afterwards :func:`screen_tool_output` turns ``withheld`` into verdicts, screens each cited
  source and drops the flagged ones (one poisoned source does not cost the good ones), and then
  the whole text a model would read. A summary that is itself flagged, or an output whose every
  source was flagged, is no evidence at all: the output becomes an abstention.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from crewline.nodes.guards.passages import passage_screen, screen_passage
from crewline.nodes.guards.settings import GuardSettings
from crewline.nodes.tool_calls import model_text
from crewline.nodes.types import Verdict
from crewline.tools.passage_screen import PASSAGE_SCREEN

__all__ = ["WITHHELD", "screen_tool_output", "screening", "withheld_verdicts"]

WITHHELD = "[tool output withheld by the guard: {reason}]"


@contextmanager
def screening(guards: GuardSettings) -> Iterator[None]:
    """Tools run inside see the crew's passage screen (a retrieval tool screens its hits)."""
    token = PASSAGE_SCREEN.set(passage_screen(guards))
    try:
        yield
    finally:
        PASSAGE_SCREEN.reset(token)


def withheld_verdicts(withheld: Any, subtask_id: str | None, guards: GuardSettings) -> list[Verdict]:
    """One ``passage_guard`` verdict per passage a tool withheld (``{"id", "title", "reason"}``),
    for ``subtask_id`` (``None``: outside a crew, no subtask)."""
    verdicts = []
    for item in withheld if isinstance(withheld, list) else []:
        if isinstance(item, Mapping):
            verdict = Verdict(
                guard="passage_guard",
                score=1.0,
                reason=f"passage {item.get('id', '?')} withheld: {item.get('reason', 'flagged')}",
                action=guards.on_tool_injection,
            )
            if subtask_id is not None:
                verdict["subtask_id"] = subtask_id
            verdicts.append(verdict)
    return verdicts


def _abstention(reason: str) -> dict[str, Any]:
    """No evidence: ``answered: False`` makes the crew treat it as an abstention, not an answer."""
    return {"summary": WITHHELD.format(reason=reason), "sources": [], "confidence": 0.0, "answered": False}


def screen_tool_output(
    output: Mapping[str, Any], subtask_id: str, guards: GuardSettings
) -> tuple[dict[str, Any], list[Verdict]]:
    """``output`` as evidence may use it, and the verdicts on what was dropped (see the module
    docstring). A failed tool's ``{"error"}`` passes untouched: crewline wrote that line."""
    result = dict(output)
    if "error" in result:
        return result, []
    verdicts = withheld_verdicts(result.pop("withheld", None), subtask_id, guards)
    sources = result.get("sources")
    if isinstance(sources, list) and sources:
        kept = []
        for source in sources:
            if isinstance(source, Mapping):
                text = f"{source.get('title', '')}\n{source.get('snippet', '')}"
            else:
                text = str(source)
            verdict = screen_passage(text, guards)
            if verdict is None:
                kept.append(source)
                continue
            name = source.get("id", "?") if isinstance(source, Mapping) else "?"
            verdict["reason"] = f"passage {name} withheld: {verdict['reason']}"
            verdict["subtask_id"] = subtask_id
            verdicts.append(verdict)
        result["sources"] = kept
        if not kept:  # built only on flagged passages: nothing to answer from
            return _abstention("every passage it returned was flagged"), verdicts
    verdict = screen_passage(model_text(result), guards, guard="tool_output_guard")
    if verdict is not None:
        verdict["subtask_id"] = subtask_id
        return _abstention(verdict["reason"]), [*verdicts, verdict]
    return result, verdicts
