"""Hostile requests are planned in linear time: a cue the decomposer knows, repeated to 20 KB.

A request that passes the input guard may be 20 KB of one token. Every pattern the decomposer runs on
it must read it in linear time, and planning must not route thousands of parts. The shapes that were
slow (seconds, some minutes) have a test each; a sweep builds the same shapes from every word, phrase
and character the planning modules' own patterns hold, so a cue added later is swept too.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest

from crewline.nodes.planning import (
    clause_context,
    courtesy,
    cut_lists,
    cuts,
    decompose,
    list_markers,
    one_per_route,
    planner,
)
from crewline.nodes.planning.courtesy import asks_nothing, is_courtesy
from crewline.nodes.planning.decompose import Clause, split_request
from crewline.nodes.planning.planner import Planner
from crewline.nodes.planning.router import Router, RouteScore
from tests.unit.test_decompose import ROUTES  # the same small crew as the decomposer's tests

SIZE = 20_000  # characters: the input guard lets a request this long through
BOUND = 1.0  # seconds: generous; every shape below takes well under 0.1 s

# (shape, what made it slow before)
SLOW_SHAPES = [
    ("- " * 10_000, "every bullet merged with the cuts by a scan of all of them"),
    ("I also " * 2_850, "'also' after a subject: the subject searched for from the text's start"),
    ("is my " * 3_300, "a run-on question: the sentence's wh-words read from its start each time"),
    ("what x is my " * 1_540, "the same, a wh-word waiting for its auxiliary"),
    ("x and " * 3_300, "'and': the clause read from its start for 'between'/'both'"),
    ("x" + " " * SIZE + "x", "a run of spaces: every separator tried from every space, read to the end"),
    ("x" + "\n\u00a0" * (SIZE // 2) + "x", "line breaks and no-break spaces: the run read at every break"),
    ("need" + " " * SIZE + "x", "a list's lead-in: two runs of the same spaces"),
    ("unrelated" + " " * SIZE + "x", "'unrelated, but': two runs of the same spaces"),
    ("• x" + " " * SIZE + "x", "bullets set off by spaces, tried from every space"),
    ("a | b" + " " * SIZE + "x", "'|' set off by spaces, tried from every space"),
    ("item 1" + " " * SIZE + "1", "a named list label before spaces and a digit"),
    ("besides blocking" + " " * SIZE + "x", "the request after 'besides <gerund>', tried from every space"),
    ("1" * SIZE, "a part's words: a run of digits read from each digit"),
    ("C-1001. " * 2_500, "2,500 parts, each routed eight times: 17 s"),
    ("freeze my card. what is my balance? " * 550, "1,100 parts a route each"),
    # shapes of session 14's cues (linear from the start; kept so that they stay so)
    ("need my balance " * 1_250, "a run-on list that repeats its opening word 1,250 times"),
    ("x i'd " * 3_330, "a request's opening word after every word of a run-on"),
    ("if it's not too much trouble, " * 660 + "freeze my card", "a polite frame repeated"),
    ("thanks for your help earlier. " * 660 + "freeze my card", "thanks before the asks repeated"),
]


@pytest.fixture(scope="module")
def crew() -> Planner:
    router = Router().fit(ROUTES)
    return Planner(router=router, descriptions={}, entity_patterns={"customer": re.compile(r"C-\d{4}")})


def _seconds(crew: Planner, text: str) -> float:
    began = time.perf_counter()
    crew.plan(text, turn=1, context={})
    return time.perf_counter() - began


@pytest.mark.parametrize(("text", "why"), SLOW_SHAPES, ids=[why for _, why in SLOW_SHAPES])
def test_a_shape_that_was_slow_is_planned_fast(crew: Planner, text: str, why: str) -> None:
    assert _seconds(crew, text) < BOUND, why


def test_a_message_of_thousands_of_parts_is_planned_as_a_few_dozen() -> None:
    clauses = split_request("freeze my card. what is my balance? " * 550, _keyword_route)
    assert [clause.score.route for clause in clauses[:2]] == ["cards", "billing"]
    assert len(clauses) <= 41  # the 40 strongest cuts: the rest of the message is its last part


# --- the sweep: every cue the planning modules know -------------------------------------------------

_ESCAPES = re.compile(r"\\[sSbBdDwW](?:[*+?]|\{\d*,?\d*\})?\+?|\\[rnt]")


def _pattern_sources() -> Iterator[str]:
    """The planning modules' patterns, the strings they are built from and their word lists."""
    modules = (cuts, cut_lists, clause_context, list_markers, courtesy, decompose, planner, one_per_route)
    for module in modules:
        for name, value in vars(module).items():
            if name.startswith("__"):
                continue
            if isinstance(value, re.Pattern):
                yield value.pattern
            elif isinstance(value, str) and len(value) > 1:
                yield value
            elif isinstance(value, frozenset):
                yield from (item for item in value if isinstance(item, str))


def known_cues() -> list[str]:
    """Every word, literal phrase ("as well as", "by the way") and character of those patterns."""
    found: set[str] = set("?!.,;:()[]#|/&+-—–•'\"")
    for source in _pattern_sources():
        plain = _ESCAPES.sub(" ", source)
        for chunk in re.split(r"[|()\[\]?*+{}^$]", plain):
            chunk = " ".join(chunk.split()).lower()
            if re.fullmatch(r"[a-z' ]+", chunk):
                found.add(chunk)
        found.update(re.findall(r"[a-z']+", plain.lower()))
        found.update(char for char in source if not char.isalnum() and not char.isspace())
    return sorted(found - {""})


def hostile_shapes(cue: str, size: int = SIZE) -> Iterator[tuple[str, str]]:
    """``cue`` repeated, with a word between, and before a long run of whitespace; a mark or a phrase
    also before blank lines with no-break spaces (thousands of line breaks: the slowest shape to
    sweep, so not after each of the hundreds of words)."""
    yield "repeated", (cue + " ") * (size // (len(cue) + 1))
    yield "with a word", (cue + " word ") * (size // (len(cue) + 6))
    if not cue.isalpha():  # a run of whitespace costs the same after any one word: marks and phrases
        yield "before spaces", cue + " " * size + "x"
        yield "before blank lines", cue + " \n\t\u00a0" * (size // 4) + cue


def _keyword_route(text: str) -> RouteScore:
    """A route for the sweep that costs nothing next to the decomposer (the router is timed above)."""
    lowered = text.lower()
    for route, word in (("billing", "balance"), ("cards", "card"), ("accounts", "account")):
        if word in lowered:
            return RouteScore(route, 0.9, 0.5, ((route, 0.9),))
    return RouteScore(None, 0.6, 0.0, ())


def _asks_nothing(clause: Clause) -> bool:
    return is_courtesy(clause.text) or asks_nothing(clause.text)


def test_the_sweep_knows_the_cues_that_were_slow() -> None:
    cues = known_cues()
    assert {"-", "also", "is", "my", "and", "as well as", "by the way", "•", "|", "thanks"} <= set(cues)
    assert len(cues) > 300


def _decomposing_takes(text: str) -> float:
    started = time.perf_counter()
    split_request(text, _keyword_route, aside=_asks_nothing)
    return time.perf_counter() - started


def test_every_cue_repeated_or_before_a_long_run_is_decomposed_fast() -> None:
    slow = []
    began = time.perf_counter()
    for cue in known_cues():
        # half the guard's length and half the bound: a quadratic search still shows (a quarter of its
        # 20 KB time, seconds), and the sweep of ~1,200 texts stays a few seconds of the suite
        for shape, text in hostile_shapes(cue, SIZE // 2):
            # timed again before it counts: one pause of a busy machine (seen once in CI, 0.009 s a
            # run here) is not a slow search, which is slow every time
            if _decomposing_takes(text) > BOUND / 2 and _decomposing_takes(text) > BOUND / 2:
                slow.append(f"{cue!r} {shape}")
    assert not slow
    assert time.perf_counter() - began < 600  # a quadratic pattern costs seconds per shape
