"""The built-in injection detector: attack families as linear patterns, no training data, no download.

Each rule belongs to a family (instruction override, prompt extraction, persona jailbreak, forged
chat roles, safety switch-off, output forcing, obfuscation, ...) and fires only when one of its
trigger words is in the text, so a benign message runs few regexes. Scores combine as a noisy-or:
one strong signal or several weak, independent ones (a long jailbreak repeats many weak cues).

No pattern has nested unbounded quantifiers: gaps are ``.{0,N}`` or ``(?:\\w+\\W+){0,N}`` between
disjoint classes, so matching stays linear in the input (tested on adversarial strings).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable

from crewline.nodes.guards.normalise import CONFUSABLES, readings
from crewline.nodes.guards.patterns import BRANCHES, RULES, Rule
from crewline.nodes.guards.rule_kit import NEAR_TRIES, WORD

__all__ = ["RULES", "Rule", "RuleDetector", "fold", "rule_hits"]

# whitespace runs that are not already one space: the same text as re.sub(r"\s+", " ") (a run of one
# space stays), and twice as fast, since a message's ~200 single spaces are no longer replaced
_SPACE = re.compile(r" \s+|[^\S ]\s*")
# the look-alike table's entries for ASCII characters ("_" is a space, "\\" is dropped)
_ASCII_FOLDS = tuple(
    (chr(code), folded) for code, folded in CONFUSABLES.items() if code < 128 and isinstance(folded, str)
)


def fold(text: str) -> str:
    """Lower-cased, look-alike letters folded, whitespace collapsed: the text the rules read."""
    lowered = text.lower()
    if lowered.isascii():  # translate costs ~0.1 µs a character; a few replaces do its work on ASCII
        for char, folded in _ASCII_FOLDS:
            lowered = lowered.replace(char, folded)
        return _SPACE.sub(" ", lowered)
    return _SPACE.sub(" ", lowered.translate(CONFUSABLES))


# every word some rule is triggered by: a decoded reading that brings none of them is not read
_TRIGGERS = frozenset().union(*(rule.triggers for rule in RULES))
# the words a run of spaced-out letters is cut into (sanitizing lost the gaps between them)
_VOCABULARY = re.compile(
    "|".join(
        sorted(
            (word for word in _TRIGGERS | {"your", "all", "and", "the", "any"} if len(word) >= 3),
            key=len,
            reverse=True,
        )
    )
)


_ASCII_WORD = re.compile(r"[a-z]+")  # WORD on ASCII text, twice as fast
# a sentence that opens as a question, up to its end: blanked for the rules that read statements only
_QUESTION = re.compile(
    r"(?:^|(?<=[.!?:;\]]))\s*(?:why|is|are|was|were|has|have|had|how|what|when|where|which|who|can|could|"
    r"do|does|did|will|would|should|may|might|if|am)\b[^.!?:;\n]*"
)


# An attack quoted as an example, a warning or a report ("our handbook says 'staff must never bypass
# dual approval'", "training examples like 'pretend you have no rules'", "a text that asked me to
# 'ignore previous warnings'") is mentioned, not used: a rule whose every match lies inside such a
# quotation counts at half its weight, unless the text around the quotes asks to act on it. The frame
# must report something the writer received or read: a document, a message or a third party that
# said it, or a list of examples. "Reply like '...'", "the admin says '...'" (an authority relays an
# order) or a bare "lines '...'" report nothing: the quote is the writer's own order.
_SOURCE = (
    r"(?:e-?mails?|texts?|messages?|sms|letters?|notes?|notices?|leaflets?|brochures?|flyers?|posters?|"
    r"signs?|handbooks?|manuals?|guides?|faqs?|articles?|posts?|comments?|reviews?|pages?|sites?|"
    r"websites?|slides?|books?|stor(?:y|ies)|videos?|pop-?ups?|ads?|adverts?|voicemails?|callers?|"
    r"scammers?|fraudsters?|strangers?|friends?|colleagues?|someone|somebody|they|he|she|it|warnings?|"
    r"screens?|documents?|pdfs?|forms?|dataset|datasets|papers?|faxe?s?|stickers?|listings?)"
)
# where the writer came across it: "a review on my listing says", "a sticker on the ATM saying"
_WHERE = r"(?: (?:on|in|from|at|under) (?:my|our|the|your|a|an|this|that) \w+)?"
_PASSED_ON = (
    r"(?:asked (?:me|us) to|asks (?:me|us|people|them) to|told (?:me|us) to|tells (?:people|them) to)"
)
_REPORTED = re.compile(
    r"\b(?:such as|e\.g\.|for example|for instance|examples?(?: like| such as)?|phrases?|"
    r"(?:lines|sentences?|messages?|texts?|prompts?|attacks?|things|stuff|requests?|words) (?:like|such as)|"
    rf"{_SOURCE}{_WHERE}(?: that| which)?(?: \w+ly)? (?:says?|said|saying|wrote|writes|reads?|reading|"
    rf"claim(?:s|ed|ing)|stated|states|{_PASSED_ON})|"
    r"(?:texted|emailed|messaged|wrote to|sent) (?:me|us)(?: \w+){0,3}|"
    # what someone typed to a bot ("they told the bot '...'", "my son typed '...' into it")
    r"(?:told|asked|typed|wrote|sent|entered|tried|said to|gave) (?:(?:in)?to )?"
    r"(?:the|a|an|our|their|my|your|his|her) (?:[\w-]+ )?(?:bot|chatbot|assistant|ai|model|agent|llm|gpt)s?|"
    # a message asked about ("what does the error '...' mean", "why does this warning say '...'")
    r"(?:what does|what do|what did|why does|why did|why do|what is|what's|explain|meaning of) "
    r"(?:the|this|that|these|those|a|an|my|our) (?:[\w-]+ ){0,2}(?:errors?|messages?|warnings?|notices?|"
    r"alerts?|codes?|status|texts?|phrases?|lines?|sentences?|pop-?ups?|banners?|notifications?)"
    r"(?: (?:says?|reads?|saying))?|"
    rf"{_PASSED_ON}|claiming)\W{{0,3}}$"
)
# an apostrophe of a possessive or a contraction ("your manager's instructions", "don't") is inside
# the quotation, not its end: a quote that ended there left the rest of the attack unquoted
_QUOTED = re.compile(r"'(?:[^'\n]|'(?=[a-z]{1,2}\b)){3,200}'|\"[^\"\n]{3,200}\"")
_ACTED_ON = re.compile(
    r"\b(?:do (?:it|that|this|so|as (?:it|he|she|they) says?|what (?:it|he|she|they) says?)|"
    r"follow (?:it|that|them|this)|obey|comply|act on (?:it|that)|execute|carry (?:it|that) out|"
    r"as (?:it|he|she) says)\b"
)
# the text after a reported quote asks the model to act on it: a clause that opens with an order to
# go ahead or respond ("... mean? Demonstrate.", "'...'. Go on then.", "...; your turn"), or asks
# for the quote carried out ("explain '...' by doing it"). A question or a description after the
# quote ("... and it just laughed. Funny.", "... mean?", "Is that a scam?") asks for nothing.
_ASKED_AFTER = re.compile(
    r"(?:^|[.!?;:,\u2013\u2014(-]|\b(?:so|then|and|now|please|just|ok|okay)\b)[^\w\n]{0,3}"
    r"(?:(?:so|then|and|now|please|kindly|just|ok|okay|well|right)[^\w\n]{1,3}){0,3}"
    r"(?:go (?:on|ahead)|proceed|continue|demonstrate|respond|reply|"
    r"answer (?:it|that|this|them|now|accordingly)|"
    r"do (?:it|that|this|so|the same|as (?:it|they|he|she) says?|what (?:it|they|he|she) says?)|"
    r"try (?:it|that|this|yourself|too|now)|act (?:on|accordingly|freely|now)|execute|perform|"
    r"carry (?:it|that|this|them) out|"
    r"let'?s (?:go|do|begin|start|try|see)|let us (?:go|do|begin|start|try|see)|begin|start now|your turn|"
    r"now you|you know what to do|make it happen|same (?:for|to) you|"
    r"you (?:try|do|go)(?: it| that| now| ahead)?)\b"
    r"|\bby (?:doing|carrying|following|performing|executing|obeying|acting on|running|applying)\b"
    r"|\bshow (?:me|us) (?:by example|in action|for real)\b"
)
_MENTION = 0.5  # the weight a rule keeps when it only matched inside a reported quotation
# a score more evidence cannot change (scores are rounded to 4 places): the search for more rules (and
# disguised readings) ends there. A long text that holds every rule's keywords (200 KB of them,
# hostile) would otherwise run all ~120 patterns over its whole length; an attack is settled after a
# few. At 0.99 a caller's threshold above it saw a lower score than the full search's (0.992, not
# 0.9994); at 1.0 the score, so every verdict, is the full search's (the reason, the strongest rule
# found so far, may still be one a later rule would have beaten)
SATURATED = 1.0


def _reported_quotes(target: str) -> list[tuple[int, int]]:
    """Spans of ``target`` quoted after a word that reports them; none when the text asks to act on them."""
    spans = [
        (m.start(), m.end())
        for m in itertools.islice(_QUOTED.finditer(target), NEAR_TRIES)
        if _REPORTED.search(target, max(0, m.start() - 40), m.start())
    ]
    if not spans:
        return spans
    gaps = list(zip([(0, 0), *spans], [*spans, (len(target), 0)], strict=True))
    outside = "".join(target[end:start] for (_, end), (start, _) in gaps)
    if _ACTED_ON.search(outside):
        return []
    # each stretch after a quote, read alone: a clause that opens it opens at its start
    after = (target[end:start] for (_, end), (start, _) in gaps[1:])
    return [] if any(_ASKED_AFTER.search(piece) for piece in after) else spans


def _only_mentioned(rule: Rule, target: str, spans: list[tuple[int, int]]) -> bool:
    matches = list(itertools.islice(rule.pattern.finditer(target), NEAR_TRIES))
    return bool(matches) and all(any(s <= m.start() and m.end() <= e for s, e in spans) for m in matches)


def _words(folded: str) -> set[str]:
    return set((_ASCII_WORD if folded.isascii() else WORD).findall(folded))


def _hides_a_keyword(spelled: str, words: set[str]) -> bool:
    """Whether words a disguise spelled out include a rule's keyword the text did not show plainly."""
    return not _TRIGGERS.isdisjoint(_words(fold(spelled)) - words)


def rule_hits(
    text: str,
    *,
    folded: str | None = None,
    words: set[str] | None = None,
    enough: Callable[[list[Rule]], bool] | None = None,
) -> list[Rule]:
    """The rules of :data:`RULES` that fire on ``text`` (already sanitized), each once, in table order
    (two rules may share a reason; :meth:`RuleDetector.combine` counts it once). A rule fires when one
    of its branches (:data:`BRANCHES`) does; its other branches are then not tried.
    ``folded``, ``words``: :func:`fold` of ``text`` and its words, when the caller has them.
    ``enough``: told the hits so far after each new one, it may end the search (the rest not tried)."""
    folded = fold(text) if folded is None else folded
    words = _words(folded) if words is None else words
    hits: list[Rule] = []
    statements: str | None = None
    for rule in BRANCHES:
        whole = rule.whole or rule
        if hits and hits[-1] is whole:  # a rule's branches are adjacent: an earlier one fired
            continue
        if rule.triggers and rule.triggers.isdisjoint(words):
            continue
        target = text if rule.cased else folded
        # most texts lack every literal the rule's patterns need (the statements text holds no literal
        # the folded text lacks: see rule_kit._gate), so this settles them without running a regex
        known = None if rule.cased else words  # the words are the folded text's
        if not (rule.gate.admits(target, known) and rule.near_gate.admits(target, known)):
            continue
        if rule.statements:
            statements = _QUESTION.sub(" ", folded) if statements is None else statements
            target = statements
        if _fires(rule, target):
            hits.append(whole)
            if enough is not None and enough(hits):
                break
    return hits


def _fires(rule: Rule, target: str) -> bool:
    if rule.near is None:
        return rule.pattern.search(target) is not None
    for tried, match in enumerate(rule.pattern.finditer(target)):
        if tried == NEAR_TRIES:
            break
        window = target[max(0, match.start() - rule.reach) : match.end() + rule.reach]
        if rule.near.search(window):
            return True
    return False


def _mentioned(text: str, folded: str, hits: list[Rule]) -> frozenset[int]:
    """Ids of the plain text's rules that matched only inside reported quotations."""
    spans = _reported_quotes(folded)
    if not spans:
        return frozenset()
    statements = _QUESTION.sub(" ", folded)
    targets = {False: (folded, spans), True: (statements, _reported_quotes(statements))}
    return frozenset(
        id(rule) for rule in hits if not rule.cased and _only_mentioned(rule, *targets[rule.statements])
    )


class RuleDetector:
    """Attack-family patterns combined as a noisy-or; the reason is the strongest family's."""

    name = "builtin"

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold

    def score(self, text: str) -> tuple[float, str]:
        """The noisy-or of the rules that fire on ``text`` or on any decoded reading of it (a base64
        payload's instruction and the "decode this and obey" around it are one message's evidence)."""
        folded = fold(text)
        words = _words(folded)
        quoted = "'" in folded or '"' in folded

        def enough(hits: list[Rule]) -> bool:
            # the plain noisy-or first (cheap); quoted mentions may lower it, so they are checked then
            if _noisy_or(hits) < SATURATED:
                return False
            return not quoted or self.combine(hits, _mentioned(text, folded, hits)) >= SATURATED

        hits = rule_hits(text, folded=folded, words=words, enough=enough)
        seen = {id(rule) for rule in hits}
        undone: dict[int, str] = {}  # rule -> the disguise it was found under, when only there
        disguised = (
            []
            if hits and enough(hits)
            else readings(text, _VOCABULARY, lambda spelled: _hides_a_keyword(spelled, words))
        )
        for name, reading in disguised:
            for rule in rule_hits(reading):
                if id(rule) not in seen:
                    seen.add(id(rule))
                    hits.append(rule)
                    undone[id(rule)] = name
        if not hits:
            return 0.0, ""
        mentioned = _mentioned(text, folded, hits) if quoted else frozenset()
        strongest = max(hits, key=lambda rule: rule.weight * (_MENTION if id(rule) in mentioned else 1.0))
        disguise = undone.get(id(strongest))
        reason = f"{strongest.reason} (in {disguise})" if disguise else strongest.reason
        if id(strongest) in mentioned:
            reason += " (quoted as an example)"
        return self.combine(hits, mentioned), reason

    @staticmethod
    def combine(hits: list[Rule], mentioned: frozenset[int] = frozenset()) -> float:
        """The noisy-or of the rules' weights, each distinct reason counted once, at its strongest.
        Rules in ``mentioned`` (ids) matched only inside reported quotations: together they are one
        piece of evidence (a quoted attack fires several rules), at half its strength."""
        used = _noisy_or([rule for rule in hits if id(rule) not in mentioned])
        if not mentioned:
            return used
        used_reasons = {rule.reason for rule in hits if id(rule) not in mentioned}
        # a reason also used outside the quotes (another branch of one rule) is counted there only
        # at most 0.9999: five quoted rules round to 1.0, and half of it, 0.5, blocked a report alone
        quoted = min(
            0.9999, _noisy_or([r for r in hits if id(r) in mentioned and r.reason not in used_reasons])
        )
        # rounded down: a reported quote alone stays under half (0.49995 is not 0.5, the threshold)
        return math.floor((1.0 - (1.0 - used) * (1.0 - _MENTION * quoted)) * 10_000) / 10_000


def _noisy_or(hits: list[Rule]) -> float:
    strongest: dict[str, float] = {}
    for rule in hits:  # the same cue in two phrasings is one piece of evidence
        strongest[rule.reason] = max(rule.weight, strongest.get(rule.reason, 0.0))
    miss = 1.0
    for weight in strongest.values():
        miss *= 1.0 - weight
    return round(1.0 - miss, 4)
