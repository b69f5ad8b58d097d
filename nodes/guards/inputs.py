"""The input guard: size limits, injection verdicts, and PII pseudonymisation of a sanitized text.

``check_input`` is the injection verdict the graph routes on. ``inspect_input`` is the whole guard
a message passes (sanitize, limits, detector, PII/secrets): it returns the text the rest of the crew
may see, the verdicts, and the sealed originals of anything it replaced by a placeholder.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crewline.nodes.guards.detector import InjectionDetector, load_detector
from crewline.nodes.guards.pii import detect_pii
from crewline.nodes.guards.sanitize import sanitized_readings
from crewline.nodes.guards.settings import GuardSettings
from crewline.nodes.guards.vault import Vault
from crewline.nodes.types import GuardAction, Verdict

__all__ = ["InputInspection", "check_input", "inspect_input", "worst_action"]

_SEVERITY: dict[GuardAction, int] = {
    "pass": 0,
    "redact": 1,
    "retry": 2,
    "fallback": 2,
    "escalate": 3,
    "block": 4,
}


def worst_action(verdicts: list[Verdict]) -> GuardAction:
    """The most severe action among ``verdicts`` (``pass`` when there are none)."""
    return max((v["action"] for v in verdicts), key=_SEVERITY.__getitem__, default="pass")


def check_input(
    text: str,
    settings: GuardSettings,
    *,
    guard: str = "input_guard",
    detector: InjectionDetector | None = None,
    on_injection: GuardAction | None = None,
) -> Verdict:
    """The verdict on sanitized ``text``: pass, or block / escalate (per policy) with a reason."""
    if not text.strip():
        return Verdict(guard=guard, score=1.0, reason="empty request", action="block")
    if len(text) > settings.max_request_chars:
        return Verdict(
            guard=guard,
            score=1.0,
            reason=f"request of {len(text)} characters exceeds the limit of {settings.max_request_chars}",
            action="block",
        )
    detector = detector or load_detector(settings.detector)
    threshold = detector.threshold if settings.injection_threshold is None else settings.injection_threshold
    score, reason = detector.score(text)
    score = min(1.0, max(0.0, float(score)))
    if score >= threshold:
        return Verdict(
            guard=guard,
            score=score,
            reason=f"possible prompt injection: {reason or detector.name + ' detector'}",
            action=on_injection or settings.on_injection,
        )
    return Verdict(guard=guard, score=score, reason="ok", action="pass")


@dataclass
class InputInspection:
    text: str  # sanitized, personal data replaced by placeholders (when the policy redacts)
    verdicts: list[Verdict]
    vault: dict[str, str] = field(default_factory=dict)  # placeholder -> sealed original

    @property
    def action(self) -> GuardAction:
        return worst_action(self.verdicts)


def inspect_input(
    raw: str,
    settings: GuardSettings,
    vault: Vault,
    *,
    guard: str = "input_guard",
    on_injection: GuardAction | None = None,
    detector: InjectionDetector | None = None,
) -> InputInspection:
    """Run the whole input guard on ``raw`` text (``detector``: default the one ``settings`` names)."""
    text, hidden = sanitized_readings(raw, strip_markup=settings.strip_markup)
    verdict = check_input(text, settings, guard=guard, detector=detector, on_injection=on_injection)
    if verdict["action"] == "pass" and hidden != text:
        # The detectors also read what markup hides from a reader (comments, prose in attributes),
        # where an attacker writes for a model. Both readings are scored: hidden text put between an
        # attack's words must not dilute the attack that the visible text, passed on, still holds.
        hidden_verdict = check_input(
            hidden[: settings.max_request_chars],
            settings,
            guard=guard,
            detector=detector,
            on_injection=on_injection,
        )
        if hidden_verdict["action"] != "pass":
            verdict = hidden_verdict
    verdicts = [verdict]
    if verdicts[0]["reason"] in ("empty request",) or "exceeds the limit" in verdicts[0]["reason"]:
        return InputInspection(text[: settings.max_request_chars], verdicts)
    spans = detect_pii(text, settings.pii.types)
    if not spans:
        return InputInspection(text, verdicts)
    kinds = sorted({span.type for span in spans})
    secret = "SECRET" in kinds
    action: GuardAction = settings.pii.on_secret if secret else settings.pii.on_input
    entries: dict[str, str] = {}
    if action != "pass":
        text, entries = vault.pseudonymise(text, spans)
    verdicts.append(
        Verdict(
            guard=f"{guard}_pii",
            score=1.0,
            reason=f"{len(spans)} value(s) of {', '.join(kinds)} replaced by placeholders"
            if action == "redact"
            else f"request contains {', '.join(kinds)}",
            action=action,
        )
    )
    return InputInspection(text, verdicts, entries)
