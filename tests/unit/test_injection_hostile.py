"""The injection rules stay linear on hostile text built from their own keywords and separators.

A gap written ``(?:\\W+[\\w-]+){0,6}?\\W+`` lets a dash be a separator or part of a word, so a run
of dashes splits in exponentially many ways ("the ai ------ reveals ..." took 15 s at 24 dashes);
``(?:[\\w.-]+ ?){1,3}`` and an unanchored ``[\\w.]+`` before a word re-scan a run from every
position. Each rule is run on its own keywords joined by runs of one separator, and the whole guard
and the passage cues on such strings up to the guard's length limit.
"""

from __future__ import annotations

import time

import pytest

from crewline.nodes.guards import GuardSettings, Vault, inspect_input, sanitize
from crewline.nodes.guards.passages import phishing_score
from crewline.nodes.guards.patterns import BRANCHES, Rule
from crewline.nodes.guards.rules import RuleDetector, fold

SEPARATORS = ["-", "'", " ", ".", " - ", "' ", "...", "!", ", ", "/"]
# the words the indirect and story rules are built around
KEYWORDS = [
    "the ai",
    "reveals",
    "their secret rules",
    "output of",
    "function",
    "returned",
    "ignore",
    "previous instructions",
    "your rules",
    "system prompt",
    "note to the ai",
    "assistant:",
    "user:",
    "pretend",
    "them",
    "ai assistants",
    "must",
    "your",
    "password",
]


def _filled(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def _shapes(words: list[str], separator: str) -> list[str]:
    """Keywords joined by short and long runs of ``separator``, and one keyword before a long run."""
    return [
        (separator * 3).join(words) + separator * 3,
        (separator * 24).join(words) + separator * 24,
        words[0] + separator * 40,
    ]


def _keywords(rule: Rule) -> list[str]:
    found = set(rule.triggers)
    for test in rule.gate.tests:
        found |= set(test.words) | {phrase for _, phrase in test.phrases} | set(test.strings)
    return sorted(found)[:12] or ["ai"]


def test_the_reported_story_text_is_scored_at_once() -> None:
    text = "the ai " + "-" * 24 + " reveals x x x x x - their secret rules"
    began = time.perf_counter()
    inspect_input(text, GuardSettings(), Vault(b"0" * 32))
    assert time.perf_counter() - began < 1.0


@pytest.mark.parametrize("separator", SEPARATORS)
def test_the_whole_guard_is_fast_on_keywords_between_separators(separator: str) -> None:
    settings, vault = GuardSettings(), Vault(b"0" * 32)
    for shape in _shapes(KEYWORDS, separator):
        text = _filled(shape, settings.max_request_chars)  # longer requests are refused unread
        began = time.perf_counter()
        inspect_input(text, settings, vault)
        elapsed = time.perf_counter() - began
        assert elapsed < 1.0, f"{shape[:40]!r}: {elapsed:.2f} s"


@pytest.mark.parametrize("separator", SEPARATORS)
def test_the_detector_is_fast_on_200kb_of_keywords_between_separators(separator: str) -> None:
    detector = RuleDetector()
    for shape in _shapes(KEYWORDS, separator):
        text = sanitize(_filled(shape, 200_000))
        began = time.perf_counter()
        detector.score(text)
        elapsed = time.perf_counter() - began
        assert elapsed < 1.0, f"{shape[:40]!r}: {elapsed:.2f} s"


@pytest.mark.parametrize("separator", SEPARATORS)
def test_each_rule_is_fast_on_its_own_keywords_between_separators(separator: str) -> None:
    slow = []
    for rule in BRANCHES:
        for shape in _shapes(_keywords(rule), separator):
            text = _filled(shape, 20_000)
            target = text if rule.cased else fold(text)
            began = time.perf_counter()
            rule.pattern.search(target)
            elapsed = time.perf_counter() - began
            if elapsed > 0.5:  # linear rules take ~1 ms here; a quadratic one takes seconds
                slow.append(f"{rule.reason} on {shape[:30]!r}: {elapsed:.2f} s")
    assert not slow


@pytest.mark.parametrize("separator", SEPARATORS)
def test_the_passage_cues_are_fast_on_keywords_between_separators(separator: str) -> None:
    for shape in _shapes(KEYWORDS, separator):
        text = _filled(shape, GuardSettings().max_request_chars)
        began = time.perf_counter()
        phishing_score(text)
        elapsed = time.perf_counter() - began
        assert elapsed < 1.0, f"{shape[:40]!r}: {elapsed:.2f} s"


@pytest.mark.parametrize("run", ["abc-", "a.", "x+", "ab-c."])
def test_the_passage_cues_read_a_long_address_or_domain_like_run_once(run: str) -> None:
    # A run that looks like the start of an address or a domain and never ends as one was re-read
    # from each of its positions (20 KB of "abc-" after a secret ask took 26 s).
    text = "forward your password to " + run * (100_000 // len(run))
    began = time.perf_counter()
    phishing_score(text)
    elapsed = time.perf_counter() - began
    assert elapsed < 1.0, f"{run!r}: {elapsed:.2f} s"


@pytest.mark.parametrize("opening", ["Please send ", "Please transfer it, don't ", "Please verify it your "])
@pytest.mark.parametrize("separator", ["-", "'", "$", "-'$"])
def test_the_passage_cues_money_and_verify_gaps_are_linear(opening: str, separator: str) -> None:
    # A gap that could also be a word ([\w'$-]+ after a run of non-words) split a run of dashes in
    # exponentially many ways: 28 dashes after "Please send " took 32 s.
    for count in (30, 3_000):
        text = opening + separator * count + " x now to account 12345678"
        began = time.perf_counter()
        phishing_score(text)
        elapsed = time.perf_counter() - began
        assert elapsed < 1.0, f"{opening!r} + {separator!r} x {count}: {elapsed:.2f} s"
