"""What a built-in detector rule is, and how the rule tables write one.

A rule is one attack cue: a pattern over the folded text (lower case, look-alike letters folded;
see :func:`crewline.nodes.guards.rules.fold`), the words that must occur for it to be tried at all,
a weight for the noisy-or, and the family and reason a verdict names. ``@GAP@`` in a pattern stands
for up to four whole words of one sentence ("type your name. Password resets ..." is two sentences,
not a request for the password).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cache, cached_property

from crewline.nodes.guards.lazy_patterns import compiled
from crewline.nodes.guards.literals import LiteralGate

__all__ = ["GAP", "NEAR_TRIES", "WORD", "Rule", "make_rule", "split_rule"]

GAP = r"(?:\w+[^\w.!?\n]+){0,%d}"
WORD = re.compile(r"[^\W\d_]+")  # a word as the detector reads it: a run of letters, any script
NEAR_TRIES = 20  # matches of a rule's first pattern looked around for its second (bounds hostile text)


@dataclass(frozen=True)
class Rule:
    family: str
    reason: str
    weight: float
    triggers: frozenset[str]  # the rule runs only if one of these words occurs (empty: always)
    source: str  # the pattern's text; compiled (:attr:`pattern`) the first time a text needs it
    cased: bool = False  # matched against the original text (e.g. "DAN" the persona, not "Dan")
    # a second pattern that must match within ``reach`` characters of the first (a claim of
    # authority counts next to an ask to bypass); read in that window only, so the cost stays linear
    near_source: str | None = None
    reach: int = 0
    # read only the sentences that do not open as a question: "can I skip the tour?" is a customer's
    statements: bool = False
    # a branch of a rule cut by :func:`split_rule` names the rule it was cut from: a verdict, the
    # quoted-example check and the trained detector's feature column are the whole rule's
    whole: Rule | None = field(default=None, compare=False, repr=False)

    # Compiled and gated on first use, not at import: the tables' ~300 patterns cost ~150 ms to
    # compile and their gates ~50 ms to build, while a message's words open only a few rules (most
    # never run in a process). Each is built once per rule (cached_property keeps it on the
    # instance, so later reads are plain attribute reads) and once per pattern text (``compiled``).
    @cached_property
    def pattern(self) -> re.Pattern[str]:
        return compiled(self.source)

    @cached_property
    def near(self) -> re.Pattern[str] | None:
        return None if self.near_source is None else compiled(self.near_source)

    @cached_property
    def gate(self) -> LiteralGate:
        """Literals one of which the target must hold for ``pattern`` (and ``near``) to match at all:
        the cheap test that skips a rule on most texts (see :mod:`crewline.nodes.guards.literals`)."""
        return _gate(self.source, self.statements)

    @cached_property
    def near_gate(self) -> LiteralGate:
        return LiteralGate() if self.near_source is None else _gate(self.near_source, self.statements)


# characters next to which the question blanking (``rules._QUESTION``) joins what it keeps: a string
# without them that the blanked text holds, the folded text holds too (and each of its words), so a
# statements-only rule can be gated on the folded text
_JOINS = frozenset(".!?:;]\n")


@cache
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
    """The rule ``pattern`` states (``@GAP@`` expanded, ``triggers`` read as words)."""
    expanded = pattern.replace("@GAP@", GAP % 4)
    # the detector reads a text's words as runs of letters: "don't" is "don", "base64" is "base"
    words = frozenset(word for word in WORD.findall(triggers.lower()) if len(word) > 1)
    reach = reach if near is not None else 0
    return Rule(family, reason, weight, words, expanded, cased, near, reach, statements)


def split_rule(rule: Rule) -> tuple[Rule, ...]:
    """``rule`` as one rule per top-level alternative of its pattern, each naming ``rule`` as whole.

    A regex that opens with ``\\b`` is tried at every position of the text (~20-40 µs over 1 KB), and
    a gate of a whole alternation is only as selective as its weakest branch: cut apart, each branch
    runs only when its own literals are there. The rule fires when any branch does. A rule with a
    second pattern (``near``) stays whole: its tries are counted per rule."""
    if rule.near_source is not None:
        return (replace(rule, whole=rule),)
    return tuple(replace(rule, source=branch, whole=rule) for branch in _top_level_branches(rule.source))


def _top_level_branches(pattern: str) -> list[str]:
    """``pattern`` cut at its top-level ``|`` (outside groups and character classes)."""
    branches, depth, start, index, in_class = [], 0, 0, 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if pattern[index + 1 : index + 2] == "]" or pattern[index + 1 : index + 3] == "^]":
                index += 1 + (pattern[index + 1] == "^")  # a "]" first in a class is a member
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            branches.append(pattern[start:index])
            start = index + 1
        index += 1
    branches.append(pattern[start:])
    return branches
