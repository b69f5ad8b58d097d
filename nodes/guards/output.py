"""Output checks: personal-data and secret leakage, system-prompt leakage, groundedness, confidence.

Groundedness offline is lexical: the share of the answer's content words found in its sources
(stop words from scikit-learn's maintained list, read by :mod:`crewline.nodes.stop_words`, carry no
evidence); with a chat model configured,
:mod:`crewline.nodes.guards.grounding` judges model-written answers sentence by sentence instead. Placeholders
(``[EMAIL_ADDRESS_1a2b3c4d]``) are judged by what the thread's vault says of them
(:class:`crewline.nodes.guards.disclosure.StoredValues`): the user's own, a tool's value the user may
see, or a value no one vouched for (a leak, pseudonymised where it entered the state).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from crewline.nodes.guards.disclosure import StoredValues, split_disclosures
from crewline.nodes.guards.pii import PiiSpan, detect_pii
from crewline.nodes.guards.settings import GuardSettings
from crewline.nodes.guards.vault import PLACEHOLDER
from crewline.nodes.stop_words import english_stop_words
from crewline.nodes.types import Verdict

__all__ = ["check_output", "groundedness", "leaked_pii", "leaks_prompt"]

_WORD = re.compile(r"[a-z0-9][a-z0-9$.,-]*[a-z0-9]|[a-z0-9]", re.IGNORECASE)


def _content_words(text: str) -> set[str]:
    return {w.lower().strip(".,") for w in _WORD.findall(text)} - english_stop_words()


def groundedness(answer: str, sources: Iterable[str]) -> float:
    """Share of the answer's content words found in its sources (lexical, offline)."""
    words = _content_words(PLACEHOLDER.sub(" ", re.sub(r"\[\d+\]", " ", answer)))
    if not words:
        return 1.0
    support: set[str] = set()
    for source in sources:
        support |= _content_words(source)
    return len(words & support) / len(words)


def leaks_prompt(answer: str, prompts: Sequence[str], window: int = 8) -> bool:
    """True when the answer repeats ``window`` consecutive words of a system prompt."""
    answer_words = " ".join(re.findall(r"\w+", answer.lower()))
    for prompt in prompts:
        words = re.findall(r"\w+", prompt.lower())
        shingles = {" ".join(words[i : i + window]) for i in range(0, max(0, len(words) - window + 1))}
        if any(shingle in answer_words for shingle in shingles):
            return True
    return False


def leaked_pii(answer: str, settings: GuardSettings) -> list[PiiSpan]:
    """Personal data or secrets in an answer (placeholders excluded: they are the user's own)."""
    return detect_pii(answer, settings.pii.types)


def check_output(
    answer: str,
    *,
    evidence: Sequence[str],
    system_prompts: Sequence[str],
    confidence: float,
    settings: GuardSettings,
    grounding: Verdict | Callable[[], Verdict | None] | None = None,
    tool_outputs: Sequence[str] = (),
    stored: StoredValues | None = None,
) -> list[Verdict]:
    """Leak, groundedness and confidence verdicts on a synthesized answer.

    ``grounding`` is a model's groundedness verdict (:mod:`crewline.nodes.guards.grounding`), or a callable
    that judges on demand: it is called only when no leak check blocks the answer, so a blocked
    answer costs no model call. Without a verdict the lexical check against ``evidence`` decides.
    Personal data that ``tool_outputs`` (this request's tool results) hold is not a leak: a
    ``tool_pii`` verdict says it is stored as restorable placeholders
    (:mod:`crewline.nodes.guards.disclosure`). ``stored``: what the crew's vault says of the
    answer's placeholders (a crew's answer holds no raw value: its leaks are placeholders by now).
    """
    verdicts: list[Verdict] = []
    if leaks_prompt(answer, system_prompts):
        verdicts.append(
            Verdict(guard="output_guard", score=1.0, reason="answer repeats a system prompt", action="block")
        )
    shown, leaks = split_disclosures(answer, tool_outputs, settings)
    shown_kinds, leaked_kinds = {span.type for span in shown}, {span.type for span in leaks}
    if stored is not None:
        more_shown, more_leaked = stored.kinds_in(answer)
        shown_kinds |= more_shown
        leaked_kinds |= more_leaked
    if shown_kinds:
        kinds = sorted(shown_kinds)
        verdicts.append(
            Verdict(
                guard="tool_pii",
                score=1.0,
                reason=f"answer shows {', '.join(kinds)} from this request's tool results",
                action="redact",  # placeholders in storage, the values for the user (see respond)
            )
        )
    if leaked_kinds:
        kinds = sorted(leaked_kinds)
        secret = "SECRET" in kinds
        verdicts.append(
            Verdict(
                guard="output_pii",
                score=1.0,
                reason=f"answer contains {', '.join(kinds)}",
                action="block" if secret else settings.pii.on_output,
            )
        )
    blocked = any(v["action"] == "block" for v in verdicts)  # then groundedness cannot change the outcome
    if callable(grounding):
        grounding = None if blocked else grounding()
    if grounding is not None:
        verdicts.append(grounding)
    elif evidence and not blocked:
        grounded = groundedness(answer, evidence)
        ok = grounded >= settings.groundedness_threshold
        verdicts.append(
            Verdict(
                guard="groundedness",
                score=round(grounded, 3),
                reason="answer supported by sources" if ok else "answer not supported by its sources",
                action="pass" if ok else "escalate",
            )
        )
    ok = confidence >= settings.confidence_threshold
    verdicts.append(
        Verdict(
            guard="confidence_gate",
            score=round(confidence, 3),
            reason="confident" if ok else f"confidence below {settings.confidence_threshold}",
            action="pass" if ok else "escalate",
        )
    )
    return verdicts
