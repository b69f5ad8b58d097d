"""What a regular expression cannot match without: a cheap test that rules most texts out before it runs.

Python's ``re`` skips ahead only when a pattern opens with a literal; a rule that opens with ``\\b`` or
a word class is tried at every position of the text. :func:`required_literals` reads a pattern's
parse tree and returns groups of strings such that every match holds one string of each group
(``\\b(?:ignore|disregard) (?:all|any) instructions`` needs "ignore" or "disregard", then "all" or
"any", then "instructions"), and :class:`LiteralGate` tests them: a whole word by a lookup in the
text's set of words, any other string by ``in``. The groups are derived, not written by hand, so they
stay true when a pattern changes; they are a necessary condition only (a text that has them still
goes to the regex), so a gate never changes what a pattern matches.

Derivation: every part of a pattern has either a small finite set of exact strings it can match (a
literal, a short class such as ``[ _-]``, an alternation or an optional of those) or none; a sequence
multiplies neighbouring exact sets into longer strings and needs what each of its parts needs; an
alternation needs, for each choice of one group per branch, one string of their union; a repetition
that must occur once needs what its body needs. Word boundaries and anchors are kept in the strings
as a mark (``_EDGE``), so "ignore" between two of them is known to be a whole word; other zero-width
parts match the empty string. Anything else (backreferences, case-insensitive or ASCII-only parts)
gives nothing, and the pattern then always runs.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["LiteralGate", "required_literals", "shipped_literals", "write_table"]

# the stdlib's own regex parser (``sre_parse`` before 3.11): the tree ``re.compile`` itself builds
_PARSER: Any = importlib.import_module("re._parser")
_EDGE = "\0"  # a word boundary or an anchor: a letter next to it is the first or last of its word
_LETTERS = re.compile(r"[^\W\d_]+")  # a word as the rules' word sets read it: a run of letters
_EXACT_MAX = 128  # exact strings kept per part before it counts as open-ended (products grow fast)
_CLASS_MAX = 8  # characters a class may hold and still be spelled out as exact strings
_REPEAT_MAX = 4  # the most occurrences of a bounded repetition spelled out
_GROUPS = 6  # groups kept per part: each is tested only when the cheaper ones pass
# what a group may cost, in scans of the text (~0.5 µs over 1 KB; a rule's regex costs 10-100 µs);
# a whole word is a set lookup, a tenth of a scan
_COST_MAX = 20.0
_LOOKUP_COST = 0.1
_LONG_ENOUGH = 8  # a required string this long is rare enough; longer ones rule out no more texts
_UNSAFE_FLAGS = re.IGNORECASE | re.ASCII | re.LOCALE  # change what a literal or \b matches

_EDGES = {_PARSER.AT_BOUNDARY, _PARSER.AT_BEGINNING, _PARSER.AT_BEGINNING_STRING, _PARSER.AT_END}
_EDGES |= {_PARSER.AT_END_STRING}
_ZERO_WIDTH = {_PARSER.AT, _PARSER.ASSERT, _PARSER.ASSERT_NOT}
_REPEATS = {_PARSER.MAX_REPEAT, _PARSER.MIN_REPEAT, getattr(_PARSER, "POSSESSIVE_REPEAT", None)} - {None}

Strings = frozenset[str]
Groups = tuple[Strings, ...]  # every match holds one string of each group


def whole_words(literal: str) -> tuple[str, ...]:
    """The words ``literal`` (with ``_EDGE`` marks) shows whole: bounded on both sides by a mark or
    a character that is no letter, so a text holding ``literal`` holds each as one of its words."""
    return tuple(
        match.group()
        for match in _LETTERS.finditer(literal)
        if match.start() > 0 and match.end() < len(literal)
    )


def _bare(literal: str) -> str:
    return literal.replace(_EDGE, "")


def _is_a_word(literal: str) -> bool:
    return whole_words(literal) == (_bare(literal),)


def _strength(literal: str) -> int:
    """How rare a required string is, as the length of a string found anywhere: whole words are
    rarer than the same letters inside any word ("ai" alone against "ai" in "email", "said"); a
    character outside ASCII counts twice (two Chinese characters are a word, and rare in most texts)."""
    bare = _bare(literal)
    return len(bare) + sum(not char.isascii() for char in bare) + (2 if whole_words(literal) else 0)


def _literal_cost(literal: str) -> float:
    if _is_a_word(literal):
        return _LOOKUP_COST
    words = whole_words(literal)
    # a phrase's words are looked up first; the scan runs only when all of them are there
    return _LOOKUP_COST * len(words) + 0.5 if words else 1.0


def _cost(group: Strings) -> float:
    return sum(map(_literal_cost, group))


def _worth(group: Strings) -> tuple[bool, int, float]:
    """How cheaply a group rules texts out: cheap to test, each string long enough to be rare."""
    cost = _cost(group)
    return (cost <= _COST_MAX, min(_LONG_ENOUGH, min(map(_strength, group))), -cost)


def _minimal(group: Strings) -> Strings:
    """``group`` without the strings that contain another one (finding that one is enough)."""
    return frozenset(s for s in group if not any(t != s and t in s for t in group))


def _shrunk(group: Strings) -> Strings:
    """``group`` cut to prefixes of its strings until it costs little enough (a prefix of a string
    occurs wherever the string does, so the cut group is still required). A string that shows one
    whole word and no other letter ("ignore " after a boundary) becomes that word: a text holding the
    string holds the word, and a word is a set lookup where the string was a scan."""
    group = _minimal(frozenset(map(_word_alone, group)))
    for length in range(max(map(len, group)), 0, -1):
        if _cost(group) <= _COST_MAX:
            break
        group = _minimal(frozenset(s[:length] for s in group))
    return group


def _word_alone(literal: str) -> str:
    words = whole_words(literal)
    if len(words) == 1 and not _is_a_word(literal) and len(_LETTERS.findall(_bare(literal))) == 1:
        return _EDGE + words[0] + _EDGE
    return literal


def _implies(first: Strings, second: Strings) -> bool:
    """Whether a text holding a string of ``first`` holds one of ``second`` (each contains one)."""
    return all(any(s in f for s in second) for f in first)


def _best(groups: Iterable[Strings]) -> Groups:
    distinct = {_shrunk(group) for group in groups if group and not any(s.strip(_EDGE) == "" for s in group)}
    kept: list[Strings] = []
    for group in sorted(distinct, key=lambda g: (_worth(g), sorted(g)), reverse=True):
        if not any(_implies(have, group) for have in kept):  # a weaker copy of a kept group tests nothing
            kept.append(group)
    return tuple(kept[:_GROUPS])


def _join(first: str, second: str) -> str:
    return first + (second[1:] if first.endswith(_EDGE) and second.startswith(_EDGE) else second)


def _product(first: Strings, second: Strings) -> Strings | None:
    if len(first) * len(second) > _EXACT_MAX:
        return None
    return frozenset(_join(a, b) for a in first for b in second)


@dataclass(frozen=True)
class _Part:
    exact: Strings | None  # every string the part can match, when few; None when open-ended
    groups: Groups  # what every match of the part holds (empty: nothing known)

    def needs(self) -> Groups:
        return _best([*self.groups, *([self.exact] if self.exact else [])])


def _ends_a_word(strings: Strings) -> bool:
    """Whether every string of a run ends with a character that is no letter (or a word boundary)."""
    return all(string and not _LETTERS.match(string[-1]) for string in strings)


def _sequence(items: Iterable[tuple[Any, Any]]) -> _Part:
    run: Strings = frozenset({""})  # exact strings of the current unbroken run of exact parts
    whole = True  # every part so far was exact: the run is the sequence's exact set
    groups: list[Strings] = []
    for op, av in items:
        part = _node(op, av)
        groups.extend(part.groups)
        grown = _product(run, part.exact) if part.exact is not None else None
        if grown is None:
            groups.append(run)
            whole = False
            run = part.exact if part.exact is not None else frozenset({""})
            if part.exact is not None and _ends_a_word(groups[-1]):
                # what came before ends with no letter: a letter the part opens with opens a word,
                # so the part's words stay whole words (cheap lookups) when the product grew too big
                run = frozenset(_join(_EDGE, string) for string in run)
        else:
            run = grown
    groups.append(run)
    return _Part(run if whole else None, _best(groups))


def _class(items: list[tuple[Any, Any]]) -> Strings | None:
    chars: set[str] = set()
    for op, av in items:
        if op is _PARSER.LITERAL:
            chars.add(chr(av))
        elif op is _PARSER.RANGE and av[1] - av[0] < _CLASS_MAX:
            chars.update(chr(code) for code in range(av[0], av[1] + 1))
        else:  # a negation, a category (\w, \s), a wide range
            return None
    return frozenset(chars) if len(chars) <= _CLASS_MAX else None


def _repeat(low: int, high: int, body: _Part) -> _Part:
    groups = body.needs() if low >= 1 else ()  # the first occurrence holds what the body needs
    if body.exact is None or high == _PARSER.MAXREPEAT or high > _REPEAT_MAX:
        return _Part(None, groups)
    powers: list[Strings] = [frozenset({""})]  # the strings of 0, 1, 2, ... occurrences
    for _ in range(high):
        power = _product(powers[-1], body.exact)
        if power is None:
            return _Part(None, groups)
        powers.append(power)
    exact = frozenset().union(*powers[low:])
    return _Part(exact if len(exact) <= _EXACT_MAX else None, groups)


def _alternation(branches: Sequence[_Part]) -> _Part:
    exact: Strings | None = None
    if all(branch.exact is not None for branch in branches):
        joined = frozenset().union(*(branch.exact or () for branch in branches))
        exact = joined if len(joined) <= _EXACT_MAX else None
    # (A1 and A2) or (B1 and B2) = (A1 or B1) and (A1 or B2) and (A2 or B1) and (A2 or B2)
    combined: Groups = (frozenset(),)
    for branch in branches:
        own = branch.needs()
        if not own:  # a branch that needs nothing: the alternation needs nothing
            return _Part(exact, ())
        combined = _best(have | more for have in combined for more in own)
    return _Part(exact, combined)


def _node(op: Any, av: Any) -> _Part:
    if op is _PARSER.LITERAL:
        return _Part(frozenset({chr(av)}), ())
    if op is _PARSER.AT:
        return _Part(frozenset({_EDGE if av in _EDGES else ""}), ())
    if op in _ZERO_WIDTH:
        return _Part(frozenset({""}), ())
    if op is _PARSER.IN:
        return _Part(_class(av), ())
    if op is _PARSER.SUBPATTERN:
        _group, add_flags, _del_flags, body = av
        return _Part(None, ()) if add_flags & _UNSAFE_FLAGS else _sequence(body)
    if op is _PARSER.BRANCH:
        return _alternation([_sequence(branch) for branch in av[1]])
    if op in _REPEATS:
        low, high, body = av
        return _repeat(low, high, _sequence(body))
    return _Part(None, ())  # any other construct: open-ended, needs nothing known


def required_literals(pattern: str, *, shortest: int = 3) -> Groups:
    """Groups of strings (``_EDGE`` marking word boundaries) such that every match of ``pattern``
    holds one string of each group; only groups whose strings are all ``shortest`` characters or
    longer (a test for a common letter pair would not pay for itself), cheapest first. Empty when
    nothing is known to be required."""
    parsed = _PARSER.parse(pattern)
    if parsed.state.flags & _UNSAFE_FLAGS:
        return ()
    needs = _sequence(parsed).needs()
    kept = [group for group in needs if _worth(group)[0] and min(map(_strength, group)) >= shortest]
    return tuple(sorted(kept, key=_cost))  # the cheapest test first: most texts fail it already


# Deriving the groups walks every pattern's parse tree, about 1.5 s for the built-in rules: paid at
# each import, it tripled `import crewline` + building a crew. The groups depend on the pattern text
# only, so they ship beside this module (``literal_gates.json``, written by ``python -m
# crewline.nodes.guards.literals``); a pattern not in it (a rule changed or added since) is derived
# as before, and ``tests/unit/test_rule_gates.py`` fails until the file is written again.
_SHIPPED = Path(__file__).with_name("literal_gates.json")


@cache
def _shipped_table() -> dict[str, Groups]:
    try:
        raw = json.loads(_SHIPPED.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {pattern: tuple(frozenset(group) for group in groups) for pattern, groups in raw.items()}


def shipped_literals(pattern: str) -> Groups:
    """``required_literals(pattern)``, from the shipped table when it holds the pattern."""
    groups = _shipped_table().get(pattern)
    return required_literals(pattern) if groups is None else groups


def write_table(patterns: Iterable[str], path: Path = _SHIPPED) -> int:
    """Derive every pattern's groups and write them as the shipped table; the number written."""
    table = {p: [sorted(group) for group in required_literals(p)] for p in sorted(set(patterns))}
    path.write_text(json.dumps(table, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    return len(table)


@dataclass(frozen=True)
class _Test:
    """One group: the text passes when it holds any of the group's strings."""

    words: frozenset[str]  # strings that are one whole word: a set lookup each
    phrases: tuple[tuple[frozenset[str], str], ...]  # a string, with the whole words it shows
    strings: tuple[str, ...]  # strings that show no whole word: a scan each

    @classmethod
    def of(cls, group: Strings) -> _Test:
        phrases = [(whole_words(s), _bare(s)) for s in group if whole_words(s) and not _is_a_word(s)]
        return cls(
            frozenset(_bare(s) for s in group if _is_a_word(s)),
            tuple((frozenset(shown), phrase) for shown, phrase in sorted(phrases)),
            tuple(sorted(_bare(s) for s in group if not whole_words(s))),
        )

    def passes(self, text: str, words: frozenset[str] | set[str] | None) -> bool:
        # plain loops: this runs ~100 times a message, and generator expressions cost more than the tests
        if words is None:  # whole words unknown: look for them as strings
            if any(word in text for word in self.words):
                return True
        elif not self.words.isdisjoint(words):
            return True
        for shown, phrase in self.phrases:
            if (words is None or shown <= words) and phrase in text:
                return True
        for string in self.strings:  # noqa: SIM110  (a loop: see above)
            if string in text:
                return True
        return False


@dataclass(frozen=True)
class LiteralGate:
    """Whether a text may match a pattern: it holds one string of each of the pattern's groups."""

    tests: tuple[_Test, ...] = ()  # empty: nothing is required, every text may match

    @classmethod
    def of(cls, pattern: str) -> LiteralGate:
        return cls(tuple(map(_Test.of, shipped_literals(pattern))))

    @property
    def strings(self) -> frozenset[str]:
        """The strings the gate scans the text for (single whole words aside)."""
        return frozenset(
            string
            for test in self.tests
            for string in (*test.strings, *(phrase for _, phrase in test.phrases))
        )

    def admits(self, text: str, words: frozenset[str] | set[str] | None = None) -> bool:
        """Whether ``text`` holds what a match needs. ``words``: the text's words (runs of letters,
        as :data:`crewline.nodes.guards.rule_kit.WORD` reads them); without them, whole words are
        looked for as strings (a weaker test, still a necessary one)."""
        for test in self.tests:  # noqa: SIM110  (a loop: generators cost more than the tests)
            if not test.passes(text, words):
                return False
        return True


def _rule_patterns() -> list[str]:
    """Every pattern the built-in rules gate (their expanded patterns and second patterns)."""
    from crewline.nodes.guards.patterns import BRANCHES, RULES

    # whole rules too: make_rule gates them (a caller may run a whole rule), and split_rule its branches
    return [p.pattern for rule in RULES + BRANCHES for p in (rule.pattern, rule.near) if p is not None]


if __name__ == "__main__":
    print(f"{write_table(_rule_patterns())} patterns -> {_SHIPPED}")
