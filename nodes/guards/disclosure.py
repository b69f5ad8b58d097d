"""Personal data in an answer that this request's tools returned: the user may see it, storage may not.

An answer's personal data is one of two things. A value one of this turn's tool results holds (the
customer record the user asked about) is the user's to see: it becomes a *restorable* placeholder,
sealed into the thread's ``pii_vault`` exactly like the user's own values, so checkpoints, tickets,
the escalation payload and the model keep the placeholder and ``respond`` shows the value. Any other
value (one no tool returned: a model's leak) gets a plain placeholder with nothing kept to restore
it. Secrets are never shown, whatever their origin; ``guards.pii.show_tool_values: false`` keeps
every tool value a placeholder for the user too.

Values are matched by type and exact value, the way placeholders are computed, so a tool value is
recognised however often it recurs; a value the answer writes differently from the tool stays a leak.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from crewline.nodes.guards.pii import PiiSpan, detect_pii
from crewline.nodes.guards.serde import walk_strings
from crewline.nodes.guards.settings import GuardSettings
from crewline.nodes.guards.vault import PLACEHOLDER, Vault
from crewline.nodes.types import SubtaskResult

__all__ = [
    "StoredValues",
    "protect_answer",
    "protect_strings",
    "pseudonymise_tool_output",
    "split_disclosures",
    "tool_outputs",
]

_NEVER_SHOWN = frozenset({"SECRET"})


@dataclass(frozen=True)
class StoredValues:
    """What a crew's state says of the placeholders an answer shows.

    ``own``: the request's placeholders (the user's own values: neither shown nor leaked by the
    answer); ``shown``: placeholders whose sealed original the thread's vault holds genuinely (a
    tool's value the user may see). Any other placeholder stands for a value no one vouched for: a
    leak, pseudonymised where it entered the state; a secret is never shown, whatever its origin.
    """

    own: frozenset[str] = frozenset()
    shown: frozenset[str] = frozenset()

    @classmethod
    def of(cls, request: str, answer: str, vault_entries: Mapping[str, str], vault: Vault) -> StoredValues:
        in_answer = {match.group(0) for match in PLACEHOLDER.finditer(answer)}
        own = frozenset(match.group(0) for match in PLACEHOLDER.finditer(request))
        return cls(own=own, shown=frozenset(vault.genuine(vault_entries, in_answer - own)))

    def kinds_in(self, answer: str) -> tuple[set[str], set[str]]:
        """The kinds of value the answer's placeholders show and leak: ``(shown, leaked)``."""
        shown: set[str] = set()
        leaked: set[str] = set()
        for match in PLACEHOLDER.finditer(answer):
            placeholder, kind = match.group(0), match.group(1)
            if placeholder in self.own:
                continue
            (shown if placeholder in self.shown and kind not in _NEVER_SHOWN else leaked).add(kind)
        return shown, leaked


def tool_outputs(results: Iterable[SubtaskResult]) -> list[str]:
    """Texts this turn's tools returned: answers the offline path took from a tool, and source texts.

    A model-written answer is not tool output: personal data in it that no tool returned is a leak.
    """
    texts: list[str] = []
    for result in results:
        if result["status"] == "done" and result["path"] == "offline" and result["tool"]:
            texts.append(result["answer"])
        for source in result["sources"]:
            texts += [source.get("title", ""), source.get("snippet", "")]
    return [text for text in texts if text]


def _tool_values(outputs: Iterable[str], settings: GuardSettings) -> frozenset[tuple[str, str]]:
    return frozenset((s.type, s.value) for text in outputs for s in detect_pii(text, settings.pii.types))


def split_disclosures(
    answer: str,
    outputs: Iterable[str],
    settings: GuardSettings,
    known: frozenset[tuple[str, str]] | None = None,
) -> tuple[list[PiiSpan], list[PiiSpan]]:
    """The answer's personal data as ``(from this request's tools, leaked)``; ``known``: the tool
    values, when the caller has them already (else they are read from ``outputs``)."""
    spans = detect_pii(answer, settings.pii.types)
    if not spans or not settings.pii.show_tool_values:
        return [], spans
    known = _tool_values(outputs, settings) if known is None else known
    shown = [s for s in spans if s.type not in _NEVER_SHOWN and (s.type, s.value) in known]
    return shown, [s for s in spans if s not in shown]


def protect_answer(
    answer: str,
    outputs: Iterable[str],
    settings: GuardSettings,
    vault: Vault,
    known: frozenset[tuple[str, str]] | None = None,
) -> tuple[str, Mapping[str, str]]:
    """The answer as stored: placeholders everywhere, sealed originals (for ``pii_vault``) of tool values."""
    shown, leaked = split_disclosures(answer, outputs, settings, known)
    text, sealed = vault.pseudonymise(answer, [*shown, *leaked])
    keep = {vault.placeholder(span.type, span.value) for span in shown}
    return text, {placeholder: token for placeholder, token in sealed.items() if placeholder in keep}


def protect_strings(
    obj: Any, outputs: Sequence[str], settings: GuardSettings, vault: Vault
) -> tuple[Any, dict[str, str]]:
    """Every string of ``obj`` as :func:`protect_answer` stores an answer, and the sealed originals of
    the tool values among them (the values the user may be shown)."""
    sealed: dict[str, str] = {}
    known = _tool_values(outputs, settings) if settings.pii.show_tool_values else frozenset()

    def protect(text: str) -> str:
        stored, entries = protect_answer(text, outputs, settings, vault, known)
        sealed.update(entries)
        return stored

    return walk_strings(obj, protect), sealed


def pseudonymise_tool_output(text: str, settings: GuardSettings, vault: Vault) -> tuple[str, dict[str, str]]:
    """Tool output as the model sees it (placeholders), and the sealed originals the user may see.

    For a specialist's tool node: the entries go into the thread's ``pii_vault``, so a placeholder
    the model copies into its answer is shown to the user as the tool's value (secrets excepted;
    none when ``show_tool_values`` is off).
    """
    spans = detect_pii(text, settings.pii.types)
    redacted, sealed = vault.pseudonymise(text, spans)
    if not settings.pii.show_tool_values:
        return redacted, {}
    keep = {vault.placeholder(s.type, s.value) for s in spans if s.type not in _NEVER_SHOWN}
    return redacted, {placeholder: token for placeholder, token in sealed.items() if placeholder in keep}
