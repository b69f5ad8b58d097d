"""The passage guard: retrieved text and tool output may inform an answer, never instruct it.

A request is checked by the input guard; text a tool or a search brings back is data from outside
(a help-centre article anyone with write access edited, a web page, a customer's own note) and gets
the same injection detector, plus what only matters in such text:

- **several views of the text**, because what a reader does not see a model may still read: the
  sanitized text with its markup kept (an instruction in an HTML comment, a hidden element or a tag
  attribute), with markup removed without a space (``ig<b></b>nore``), Unicode tag characters
  decoded to the ASCII they smuggle (sanitizing deletes them; a model may still read them), and
  leetspeak, base64 runs and spaced-out letters undone;
- **cues** (:mod:`crewline.nodes.guards.passage_cues`) for phishing (secrets or card data asked for
  and where to send them, account "verification" links, gift cards and crypto, changed bank
  details, remote access, pressure), for text that addresses the model ("note to AI assistants",
  "begin your reply with", forged chat turns, claimed authority, a tool to call), for text hidden
  from the reader, and for instruction override and prompt extraction in languages the built-in
  English rules do not read. A help centre tells people where to act; a page that asks for their
  secrets is an attack on them, and advice about scams ("never share your PIN") is not a scam.

The cues combine like the built-in rules (noisy-or of distinct reasons); a passage is flagged when
the detector or the cues reach the detector's threshold. A flagged passage is dropped, not cleaned:
the rest of the passage may carry the attack's framing too, and an answer needs none of it.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict

from crewline.nodes.guards.detector import InjectionDetector, load_detector
from crewline.nodes.guards.normalise import (
    CONFUSABLES,
    LEET_WORD,
    SPACED_LETTERS,
    decode_tag_characters,
    decoded_base64,
    unleet,
    unspaced,
)
from crewline.nodes.guards.passage_cues import (
    CUES,
    FORGED_TURN,
    FORGED_WEIGHT,
    HIDDEN_STYLE,
    HIDDEN_WEIGHT,
    SPACED_OUT,
    SPACED_WEIGHT,
    Cue,
)
from crewline.nodes.guards.passage_shape import (
    CHANNEL_WEIGHT,
    FOREIGN_WEIGHT,
    foreign_segment,
    hidden_directive,
)
from crewline.nodes.guards.sanitize import sanitize
from crewline.nodes.guards.settings import GuardSettings
from crewline.nodes.types import Verdict
from crewline.tools.passage_screen import PassageScreen  # the tools layer's name for a screen

__all__ = ["PassageScreen", "forget_verdicts", "passage_screen", "phishing_score", "screen_passage", "views"]

_TAGS = re.compile(r"<\s*/?\s*[A-Za-z!?][^<>]{0,200}>")
_MAX_SCREEN_CHARS = 200_000  # a passage longer than this is read as its start and its end


def views(text: str, *, strip_markup: bool = True) -> list[str]:
    """The readings of ``text`` the screen checks (see the module docstring); the first is the
    sanitized text with markup kept."""
    if len(text) > _MAX_SCREEN_CHARS:  # linear either way; this bounds a hostile megabyte
        half = _MAX_SCREEN_CHARS // 2
        text = text[:half] + "\n" + text[-half:]
    kept = sanitize(decode_tag_characters(text), strip_markup=False)
    out = [kept]
    if strip_markup and "<" in kept:
        out.append(_TAGS.sub("", kept))
    if SPACED_LETTERS.search(kept):
        out.append(unspaced(kept))
    if LEET_WORD.search(kept):
        out.append(unleet(kept))
    hidden = decoded_base64(kept)
    if hidden:
        out.append(hidden)
    return out


# advice ("never share your PIN") and reports of what scammers do ("if someone asks you to pay with
# gift cards, ...") describe the attack; they do not make it
_NEGATION = re.compile(
    r"\b(?:never|not|don'?t|doesn'?t|won'?t|no one|nobody|no|without|nor|avoid|beware of|refuse|scam\w*|"
    r"fraudsters?|criminals?|impostors?|crooks|someone|anyone|pretend\w*|fake|"
    r"(?:emails?|texts?|messages?|calls?|callers?|letters?|sites?|websites?|pages?|links?) "
    r"(?:asking|that asks?|which asks?|requesting|telling))\b"
)
_CLAUSE_END = re.compile(r"[.!?:;,\n]")


_WORD = re.compile(r"[\w'-]+")


# Further back in the sentence, only what reports or refuses the act: "We do not accept deposits
# by wire, gift card or crypto", "They may call and ask you to ..., buy gift cards, ...". A plain
# "not" stays clause-bound ("if it does not work, install ...").
_REPORTED = re.compile(
    r"\b(?:never|no one|nobody|"
    r"(?:do|does|will|would|can|should) not (?:accept|ask|request|need|require|call|text|email)|"
    r"(?:don'?t|doesn'?t|won'?t|cannot|can'?t) (?:accept|ask|request|need|require|call|text|email)|"
    r"(?:they|scammers?|fraudsters?|criminals?|someone|anyone|callers?|impostors?|crooks|thieves|strangers?|"
    r"messages?|emails?|texts?|calls?|letters?|sites?|websites?)\b[^.!?\n]{0,80}\b(?:asks?|asking|tells?|telling|"
    r"wants?|urges?|pressures?|instructs?|requests?|demands?|pushes|says?|saying|claims?|claiming|stating))\b"
)
# Later in the sentence: the act is called a scam ("... by gift card, it is a scam"). Scammers named
# as a reason ("so the fraudsters cannot reach it") are an attack's pretext, not a report.
_CALLED_A_SCAM = re.compile(
    r"\b(?:is|are|it'?s|that'?s|was|were|means)\W+(?:always\W+|likely\W+|probably\W+)?(?:a\W+|an\W+)?"
    r"(?:scam|fraud|phishing|fake|impostor)\b|\breport (?:it|them|this|the (?:message|call|text|email))\b"
    r"|\b(?:is|are) not (?:ours|us|from us|real|genuine|legitimate|official)\b"
)
# Inside the match: a negation ("give your PIN to no one, not even the agent").
_RESTRICTED = re.compile(r"\b(?:never|not)\b")
# A full stop ends a sentence when a space follows ("kestrel-verify.com" goes on).
_BOUNDARY = re.compile(r"[.!?](?=\s|$)|\n")
_SENTENCE_REACH = 400  # a sentence is read at most this far either side of a match (linear)


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Where the sentence holding ``text[start:end]`` begins and ends (within the reach)."""
    floor = max(0, start - _SENTENCE_REACH)
    begin = floor
    for boundary in _BOUNDARY.finditer(text, floor, start):
        begin = boundary.end()
    after = _BOUNDARY.search(text, end, end + _SENTENCE_REACH)
    return begin, after.start() if after else min(len(text), end + _SENTENCE_REACH)


# A quotation introduced as what scammers say ("Here are things scammers actually say: ...").
_REPORT_FRAME = re.compile(
    r"\b(?:scam\w*|fraudsters?|criminals?|impostors?|phishing|fake|suspicious)\b[^\"“]{0,200}"
    r"\b(?:say|says|said|saying|tell|tells|write|writes|claim|claims|like|such as|examples?|lines?|"
    r"scripts?)\b"
)
_QUOTES = re.compile(r"[\"“”]")


def _reported_quote(folded: str, start: int) -> bool:
    """``start`` is inside a quotation that a report of a scam introduces."""
    window = folded[max(0, start - 600) : start]
    marks = _QUOTES.findall(window)
    inside = bool(marks) and (marks[-1] == "“" or (marks[-1] == '"' and marks.count('"') % 2 == 1))
    if not inside:
        return False
    opening = window.rfind(marks[-1])
    return _REPORT_FRAME.search(window[max(0, opening - 300) : opening]) is not None


# A sentence that says what the bank will never ask ("Kestrel Assist will never ask you to type your
# password") and a quotation a scam report introduces quote the attack to warn of it: the
# detector, written for requests, reads the rest. The cues judge them with their own negation.
_REFUSAL = re.compile(
    r"\b(?:will|would|does|do|shall) (?:never|not) (?:ask|request|require|need|call|text|email)\b",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"[\"“]([^\"“”\n]{1,400})[\"”]")


def _unreported(view: str) -> str:
    """``view`` without refusal sentences and without quotations that a scam report introduces."""
    cuts: list[tuple[int, int]] = []
    for match in _REFUSAL.finditer(view):  # the sentence it is in
        if not cuts or match.start() >= cuts[-1][1]:
            cuts.append(_sentence_bounds(view, match.start(), match.end()))
    for start, end in reversed(cuts):
        view = view[:start] + " " + view[end:]
    if '"' not in view and "“" not in view:
        return view
    folded = view.lower()
    return _QUOTED.sub(lambda m: " " if _reported_quote(folded, m.start() + 1) else m.group(), view)


def _negated(folded: str, start: int, end: int) -> bool:
    """A negation among the few words before ``start`` in the same clause ("never share your PIN",
    "if someone asks you to pay with gift cards"), a report or refusal earlier in the sentence, the
    act called a scam later in it, or a restriction inside the match itself."""
    before = folded[max(0, start - 64) : start]
    clause = _CLAUSE_END.split(before)[-1]
    words = _WORD.findall(clause)[-6:]
    if _NEGATION.search(" ".join(words)) or _RESTRICTED.search(folded[start:end]):
        return True
    begin, finish = _sentence_bounds(folded, start, end)
    return bool(
        _REPORTED.search(folded, begin, start)
        or _CALLED_A_SCAM.search(folded, end, finish)
        or _reported_quote(folded, start)
    )


def _fires(cue: Cue, folded: str) -> bool:
    if not any(trigger in folded for trigger in cue.triggers):
        return False
    if not cue.negatable:
        return cue.pattern.search(folded) is not None
    return any(not _negated(folded, m.start(), m.end()) for m in cue.pattern.finditer(folded))


_BLANKS = re.compile(r"[^\S\n]+")


def _fold(text: str) -> str:
    """The built-in rules' folding (lower case, look-alike letters) that keeps line breaks: a
    heading's end is a sentence's end for the cues."""
    return _BLANKS.sub(" ", text.lower().translate(CONFUSABLES))


def phishing_score(text: str) -> tuple[float, str]:
    """The cues' noisy-or on ``text`` (already a view), and the strongest cue's reason."""
    folded = _fold(text)
    hits = [cue for cue in CUES if _fires(cue, folded)]
    if not hits:
        return 0.0, ""
    strongest: dict[str, float] = {}
    for cue in hits:
        strongest[cue.reason] = max(cue.weight, strongest.get(cue.reason, 0.0))
    miss = 1.0
    for weight in strongest.values():
        miss *= 1.0 - weight
    return round(1.0 - miss, 4), max(hits, key=lambda cue: cue.weight).reason


def _with_shape(view: str, score: float, reason: str) -> tuple[float, str]:
    """``score`` and ``reason`` with the shape signals of ``view`` added to the noisy-or."""
    for weight, found in ((CHANNEL_WEIGHT, hidden_directive(view)), (FOREIGN_WEIGHT, foreign_segment(view))):
        if found:
            reason = reason if score >= weight else found
            score = round(1.0 - (1.0 - score) * (1.0 - weight), 4)
    return score, reason


def screen_passage(
    text: str,
    settings: GuardSettings,
    *,
    guard: str = "passage_guard",
    detector: InjectionDetector | None = None,
) -> Verdict | None:
    """``None`` when ``text`` may be used as evidence; else the verdict that withholds it (action:
    the spec's ``guards.on_tool_injection``, ``redact`` by default)."""
    detector = detector or load_detector(settings.detector)
    threshold = detector.threshold if settings.injection_threshold is None else settings.injection_threshold
    best, why = 0.0, ""
    for number, view in enumerate(views(text, strip_markup=settings.strip_markup)):
        if not view.strip():
            continue
        score, reason = detector.score(_unreported(view))
        score = min(1.0, max(0.0, float(score)))
        if score >= threshold and score > best:
            best, why = score, f"possible prompt injection: {reason or detector.name + ' detector'}"
        cue_score, cue_reason = phishing_score(view)
        if number == 0:  # the passage as written, markup kept: its shape (see passage_shape)
            cue_score, cue_reason = _with_shape(view, cue_score, cue_reason)
        for pattern, weight, reason in (
            (FORGED_TURN, FORGED_WEIGHT, "forges a conversation turn"),
            (HIDDEN_STYLE, HIDDEN_WEIGHT, "hides text from the reader"),
            (SPACED_OUT, SPACED_WEIGHT, "spells words out letter by letter"),
        ):  # more independent cues read on the unfolded text, in the noisy-or
            if pattern.search(view):
                cue_reason = cue_reason if cue_score >= weight else reason
                cue_score = round(1.0 - (1.0 - cue_score) * (1.0 - weight), 4)
        if cue_score >= 0.5 and cue_score > best:
            best, why = cue_score, f"untrusted text {cue_reason}"
    if not why:
        return None
    return Verdict(guard=guard, score=best, reason=why, action=settings.on_tool_injection)


# Verdicts on passages already screened, by (settings, detector, text): a help centre's popular
# chunks are retrieved again and again, and a passage's verdict depends on nothing else.
_SEEN: OrderedDict[tuple[str, int, str], str | None] = OrderedDict()
_SEEN_LOCK = threading.Lock()
SEEN_MAX = 8192


def forget_verdicts() -> None:
    """Empty the verdict cache (a benchmark measuring first sight; a changed cue table in tests)."""
    with _SEEN_LOCK:
        _SEEN.clear()


def passage_screen(settings: GuardSettings) -> PassageScreen:
    """:func:`screen_passage` under ``settings`` as the plain callable the knowledge tool takes
    (verdicts remembered for the last :data:`SEEN_MAX` passages)."""
    detector = load_detector(settings.detector)
    policy = settings.model_dump_json(include={"detector", "injection_threshold", "strip_markup"})

    def screen(text: str) -> str | None:
        key = (policy, id(detector), text)
        with _SEEN_LOCK:
            if key in _SEEN:
                _SEEN.move_to_end(key)
                return _SEEN[key]
        verdict = screen_passage(text, settings, detector=detector)
        reason = None if verdict is None else verdict["reason"]
        with _SEEN_LOCK:
            _SEEN[key] = reason
            if len(_SEEN) > SEEN_MAX:
                _SEEN.popitem(last=False)
        return reason

    return screen
