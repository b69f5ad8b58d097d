"""The built-in injection detector: attack families as linear patterns, no training data, no download.

Each rule belongs to a family (instruction override, prompt extraction, persona jailbreak, forged
chat roles, safety switch-off, output forcing, obfuscation, ...) and fires only when one of its
trigger words is in the text, so a benign message runs few regexes. Scores combine as a noisy-or:
one strong signal or several weak, independent ones (a long jailbreak repeats many weak cues).

No pattern has nested unbounded quantifiers: gaps are ``.{0,N}`` or ``(?:\\w+\\W+){0,N}`` between
disjoint classes, so matching stays linear in the input (tested on adversarial strings).
"""

from __future__ import annotations

import re

from crewline.nodes.guards.patterns import RULES, Rule

__all__ = ["RULES", "Rule", "RuleDetector", "fold", "rule_hits"]

# Look-alike letters attackers swap in to dodge keyword filters (Cyrillic and Greek), typographic quotes.
_CONFUSABLES = str.maketrans(
    {
        "а": "a",
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "у": "y",
        "х": "x",
        "і": "i",
        "ј": "j",
        "ѕ": "s",
        "ԁ": "d",
        "ɡ": "g",
        "һ": "h",
        "ո": "n",
        "ν": "v",
        "ο": "o",
        "α": "a",
        "ε": "e",
        "ι": "i",
        "κ": "k",
        "τ": "t",
        "ρ": "p",
        "υ": "u",
        "’": "'",
        "‘": "'",
        "“": '"',
        "”": '"',
        "_": " ",
        "\\": "",
    }
)
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[a-z]+")


def fold(text: str) -> str:
    """Lower-cased, look-alike letters folded, whitespace collapsed: the text the rules read."""
    return _SPACE.sub(" ", text.lower().translate(_CONFUSABLES))


def rule_hits(text: str) -> list[Rule]:
    """The rules that fire on ``text`` (already sanitized), at most one per (family, reason)."""
    folded = fold(text)
    words = set(_WORD.findall(folded))
    hits: list[Rule] = []
    for rule in RULES:
        if rule.triggers and rule.triggers.isdisjoint(words):
            continue
        if rule.pattern.search(text if rule.cased else folded):
            hits.append(rule)
    return hits


class RuleDetector:
    """Attack-family patterns combined as a noisy-or; the reason is the strongest family's."""

    name = "builtin"

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold

    def score(self, text: str) -> tuple[float, str]:
        hits = rule_hits(text)
        if not hits:
            return 0.0, ""
        strongest = max(hits, key=lambda rule: rule.weight)
        return self.combine(hits), strongest.reason

    @staticmethod
    def combine(hits: list[Rule]) -> float:
        """The noisy-or of the rules' weights, each distinct reason counted once, at its strongest."""
        strongest: dict[str, float] = {}
        for rule in hits:  # the same cue in two phrasings is one piece of evidence
            strongest[rule.reason] = max(rule.weight, strongest.get(rule.reason, 0.0))
        miss = 1.0
        for weight in strongest.values():
            miss *= 1.0 - weight
        return round(1.0 - miss, 4)
