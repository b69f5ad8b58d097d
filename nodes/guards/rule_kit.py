"""What a built-in detector rule is, and how the rule tables write one.

A rule is one attack cue: a pattern over the folded text (lower case, look-alike letters folded;
see :func:`crewline.nodes.guards.rules.fold`), the words that must occur for it to be tried at all,
a weight for the noisy-or, and the family and reason a verdict names. ``@GAP@`` in a pattern stands
for up to four whole words of one sentence ("type your name. Password resets ..." is two sentences,
not a request for the password).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from crewline.nodes.guards.literals import LiteralGate

__all__ = ["GAP", "NEAR_TRIES", "WORD", "Rule", "make_rule"]

GAP = r"(?:\w+[^\w.!?\n]+){0,%d}"
WORD = re.compile(r"[^\W\d_]+")  # a word as the detector reads it: a run of letters, any script
NEAR_TRIES = 20  # matches of a rule's first pattern looked around for its second (bounds hostile text)


@dataclass(frozen=True)
class Rule:
    family: str
    reason: str
    weight: float
    triggers: frozenset[str]  # the rule runs only if one of these words occurs (empty: always)
    pattern: re.Pattern[str]
    cased: bool = False  # matched against the original text (e.g. "DAN" the persona, not "Dan")
    # a second pattern that must match within ``reach`` characters of the first (a claim of
    # authority counts next to an ask to bypass); read in that window only, so the cost stays linear
    near: re.Pattern[str] | None = None
    reach: int = 0
    # read only the sentences that do not open as a question: "can I skip the tour?" is a customer's
    statements: bool = False
    # literals one of which the target must hold for ``pattern`` (and ``near``) to match at all: the
    # cheap test that skips a rule on most texts (see :mod:`crewline.nodes.guards.literals`)
    gate: LiteralGate = field(default=LiteralGate(), compare=False)
    near_gate: LiteralGate = field(default=LiteralGate(), compare=False)


# characters next to which the question blanking (``rules._QUESTION``) joins what it keeps: a string
# without them that the blanked text holds, the folded text holds too (and each of its words), so a
# statements-only rule can be gated on the folded text
_JOINS = frozenset(".!?:;]\n")


def _gate(pattern: str, statements: bool) -> LiteralGate:
    gate = LiteralGate.of(pattern)
    if statements and any(_JOINS.intersection(string) for string in gate.strings):
        return LiteralGate()
    return gate


def make_rule(
    family: str,
    reason: str,
    weight: float,
    triggers: str,
    pattern: str,
    *,
    cased: bool = False,
    near: str | None = None,
    reach: int = 200,
    statements: bool = False,
) -> Rule:
    expanded = pattern.replace("@GAP@", GAP % 4)
    compiled = re.compile(expanded)
    # the detector reads a text's words as runs of letters: "don't" is "don", "base64" is "base"
    words = frozenset(word for word in WORD.findall(triggers.lower()) if len(word) > 1)
    second = re.compile(near) if near is not None else None
    return Rule(
        family,
        reason,
        weight,
        words,
        compiled,
        cased,
        second,
        reach if second else 0,
        statements,
        _gate(expanded, statements),
        _gate(near, statements) if near is not None else LiteralGate(),
    )
