"""Greetings, thanks and acknowledgements: a message part that asks for nothing, and its answer.

A part is a courtesy only when it holds a cue (a greeting, a thanks, a bare "ok") and nothing but a
few filler words besides: "Thanks a lot.", "Hi there!", "Many thanks in advance". Anything that
could carry a request keeps it a request, so a human still sees "Please call me back", "Who are
you?", "Thanks for nothing" or "$50 please": no digits or amounts, no verbs, no negations.
"""

from __future__ import annotations

import re

__all__ = [
    "asks_nothing",
    "courtesy_reply",
    "is_courtesy",
    "message_body",
    "trim_courtesy",
    "without_courtesies",
]

_THANKS = frozenset({"thanks", "thank", "thx", "ty", "cheers", "appreciated", "appreciate"})
_GREETINGS = frozenset({"hi", "hello", "hey", "greetings", "morning", "afternoon", "evening", "dear"})
_FAREWELLS = frozenset({"bye", "goodbye", "regards"})
_ACKNOWLEDGEMENTS = frozenset({"ok", "okay", "great", "awesome", "perfect", "noted"})
_CUES = _THANKS | _GREETINGS | _FAREWELLS | _ACKNOWLEDGEMENTS
# words that may surround a cue: none of them can turn a courtesy into a request
_FILLER = frozenset(
    [
        "a",
        "the",
        "so",
        "very",
        "much",
        "lot",
        "lots",
        "many",
        "you",
        "all",
        "there",
        "team",
        "folks",
        "guys",
        "everyone",
        "again",
        "and",
        "good",
        "nice",
        "have",
        "day",
        "week",
        "weekend",
        "kind",
        "best",
        "wishes",
        "warm",
        "in",
        "advance",
        "really",
        "oh",
        "well",
    ]
)
_THANKS_FILLER = frozenset(["for", "your", "the", "help", "assistance", "support", "time", "everything"])
_TOKEN = re.compile(r"[a-z]+|[0-9$€£%#@]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# Courtesy at a part's edges asks nothing and only blurs its routing: a polite frame before the
# request ("When you get a chance, lock my card", "Kindly process ...", "just tell me ...") and thanks
# set off after it ("Refund O-1002, cheers."; "let me thank you" is a request of its own).
_FRAME = re.compile(
    r"^(?:(?:when(?:ever)?\s+you\s+(?:get|have|find)\s+(?:a|the)\s+(?:chance|moment|minute|sec(?:ond)?)"
    r"|when(?:ever)?\s+you\s+can|at\s+your\s+(?:earliest\s+)?convenience"
    r"|if\s+(?:possible|you\s+can|you\s+could|you\s+(?:don't|do\s+not|wouldn't|would\s+not)\s+mind)"
    # "if it's not too much trouble", "if that's no bother", "if it's ok": asks leave, not for anything
    # ("If that's a problem, don't ..." sets a condition, "If it's possible to get ..." asks: only a
    # negated trouble, and a frame that ends at its comma or dash)
    r"|if\s+(?:it|that)(?:(?:['’]s|\s+is|\s+was)\s+(?:not\s+(?:too\s+much\s+(?:of\s+)?|a\s+)?|no\s+)"
    r"|\s+isn['’]t\s+(?:too\s+much\s+(?:of\s+)?|a\s+)?)(?:trouble|bother|problem|hassle)(?=\s*+[,—–-])"
    r"|if\s+(?:it|that)(?:['’]s|\s+is)\s+(?:ok|okay|alright|all\s+right|possible)(?=\s*+[,—–-])"
    # a request embedded in a polite question: "I was wondering if you could", "would you be able
    # to", "sorry to bother you, but"
    # (possessive runs: an optional word between two free runs of spaces, repeated, was quadratic)
    # (only where the agent is asked: "I was wondering if I should freeze my card" asks something
    # itself, "I'm hoping that's not fraud" states it)
    r"|(?:i\s++(?:was|am)|i['’]m)\s++(?:wondering|hoping)(?:(?=\s*+[,—–])"
    r"|(?:\s++(?:if|whether|that))?\s++you\s++(?:could|can|would|might|will)(?:\s++possibly)?)"
    r"|would\s++you\s++be\s++able\s++to|would\s++it\s++be\s++possible\s++(?:for\s++you\s++)?to"
    r"|(?:sorry|apologies)\s++(?:to\s++(?:bother|trouble)\s++you|for\s++the\s++(?:bother|trouble))(?:\s*+,?\s*+but)?"
    r"|kindly|just)\b[\s,:;—–-]*)+",
    re.IGNORECASE,
)
# "Please close nothing yet", "don't do anything for now": a part that holds the other parts back
# and asks for nothing itself.
_NOTHING = re.compile(
    r"^(?:please\s+)?(?:(?:[a-z]+\s+)?nothing|(?:don't|do\s+not)\s+[a-z]+\s+anything)"
    r"(?:\s+(?:yet|just\s+yet|for\s+now|right\s+now|else))?[\s.!,;:—–-]*$",
    re.IGNORECASE,
)
_THANKED = re.compile(
    r"(?:\s*[,;.!—–-]+\s*(?:(?:many\s+)?thanks|thank\s+you|thx|cheers|much\s+appreciated)"
    r"(?:\s+(?:so\s+much|a\s+lot|in\s+advance|again)){0,2}|\s+(?:thx|thanks|ty|tysm|cheers))[\s.!]*$",
    re.IGNORECASE,
)
# An email's or chat's salutation ("Hi team,", "Dear Kestrel support,", "Hello -") and the pleasantry
# after it ("hope you're well", "how are you?"): who is greeted, never what is asked. A name after
# the greeting is capitalised; a lower-case word is the request itself ("Hey can you ...").
_NAME = r"(?-i:[A-Z][\w.'-]*)"
_SALUTATION = re.compile(
    r"^\s*(?:hi|hello|hey|hiya|howdy|dear|greetings|good\s+(?:morning|afternoon|evening|day))"
    rf"(?:\s+(?:{_NAME}|there|team|all|everyone|folks|guys|support|service|customer|sir|madam|or)){{0,4}}"
    r"\s*(?:[,!:.\n]+|\s[—–-]+\s)\s*",
    re.IGNORECASE,
)
_SUBJECT_LINE = re.compile(r"^\s*(?:subject|re|title|summary)\s*:[^\n]*\n(?=\s*\S)", re.IGNORECASE)
_PLEASANTRY = re.compile(
    r"^(?:(?:i\s+)?(?:hope|trust)\s+(?:you(?:'re|\s+are)\s+(?:well|good|ok|okay|doing\s+\w+|having\s+a\s+\w+\s+\w+)"
    r"|this\s+(?:email|message|note)\s+finds\s+you\s+well|all\s+is\s+well|you\s+(?:had|have)\s+a\s+\w+\s+\w+)"
    r"(?:\s+and\s+(?:having|had|doing)\s+a\s+\w+\s+\w+)?"
    r"|how\s+are\s+(?:you|things)(?:\s+doing)?(?:\s+today)?|how(?:'s|\s+is)\s+it\s+going"
    # thanks for what came before the message: "Thanks for your help earlier."
    r"|(?:many\s+)?(?:thanks|thank\s+you)(?:\s+(?:so|very)\s+much)?\s+(?:again\s+)?for\s+(?:all\s+)?(?:your|the)"
    r"\s+(?:help|assistance|support|reply|response|time)(?:\s+(?:earlier|yesterday|today|before|last\s+time|so\s+far))?"
    r")[\s.!?,]*",
    re.IGNORECASE,
)
# A sign-off after the last request ("Kind regards,\nAnna", "Cheers, Dave", "Sent from my iPhone").
_CLOSING = (
    r"(?:(?:best|kind|warm|warmest|many)\s+(?:regards|wishes|thanks)|regards|best|cheers"
    r"|thanks(?:\s+(?:and|&)\s+regards|\s+again|\s+in\s+advance|\s+so\s+much|\s+a\s+lot){0,2}|thank\s+you"
    r"(?:\s+(?:so\s+much|in\s+advance|again)){0,2}|thx|ty|sincerely|yours(?:\s+(?:sincerely|truly|faithfully))?"
    r"|talk\s+soon|take\s+care|all\s+the\s+best|sent\s+from\s+my\s+\w+(?:\s+\w+)?"
    r"|have\s+a\s+(?:nice|good|great|lovely)\s+(?:day|one|week|weekend|evening))"
)
_FOR_HELP = r"(?:\s+(?:in\s+advance\s+)?for\s+(?:all\s+)?(?:your|the)\s+(?:help|time|assistance|support))?"
_SIGN_OFF = re.compile(
    rf"(?:^|(?<=[.!?\n]))\s*{_CLOSING}{_FOR_HELP}(?:[\s,.!—–-]+{_CLOSING}{_FOR_HELP})*"
    rf"[\s,.!—–-]*(?:{_NAME}(?:\s+{_NAME}){{0,3}}[\s.!]*)?$",
    re.IGNORECASE,
)


def is_courtesy(text: str) -> bool:
    """True for a part of greetings, thanks or acknowledgements only (see the module docstring)."""
    tokens = _TOKEN.findall(text.lower())
    words = set(tokens)
    cues = words & _CUES
    if not cues or len(words) != sum(t.isalpha() for t in words):  # digits, amounts: content
        return False
    allowed = _CUES | _FILLER | (_THANKS_FILLER if cues & _THANKS else frozenset())
    return not (words - allowed)


def courtesy_reply(text: str) -> str:
    """The answer to a message that is courtesy alone."""
    words = set(_TOKEN.findall(text.lower()))
    if words & _THANKS:
        return "You're welcome! Is there anything else I can help you with?"
    if words & _FAREWELLS:
        return "Goodbye, and thank you for getting in touch."
    if words & _GREETINGS:
        return "Hello! How can I help you today?"
    return "Is there anything else I can help you with?"  # "ok", "great"


def without_courtesies(text: str) -> str:
    """``text`` without its sentences that are courtesy alone ("How long do refunds take? Thanks!"
    -> "How long do refunds take?"); unchanged when nothing else is left."""
    sentences = _SENTENCE_END.split(text.strip())
    kept = [sentence for sentence in sentences if not is_courtesy(sentence)]
    return " ".join(kept) if kept and len(kept) < len(sentences) else text


_TAIL = 400  # characters: the longest sign-off a message ends with, names and all, is far shorter


def message_body(text: str) -> str:
    """``text`` without the salutation and pleasantry it opens with and the sign-offs it ends with
    ("Hi team,\n\nFreeze my card.\n\nThanks,\nPriya" -> "Freeze my card."); unchanged when nothing
    else is left ("Hi there!")."""
    body = _SUBJECT_LINE.sub("", text, count=1)  # a ticket's subject sums up the asks its body makes
    body = _SALUTATION.sub("", body, count=1)
    body = _PLEASANTRY.sub("", body, count=1)
    # A sign-off is searched for in the last _TAIL characters only: tried from every punctuation
    # mark of a long text, the pattern read each one's rest (". regards" x 2,000: 2.6 s). A longer
    # chain of sign-offs is taken off a tail at a time.
    while (
        sign_off := _SIGN_OFF.search(body, max(0, len(body) - _TAIL))
    ) is not None and sign_off.start() > 0:
        body = body[: sign_off.start()]
    return body.strip() or text


def trim_courtesy(text: str) -> str:
    """``text`` without a polite frame before its request or thanks after it ("Kindly refund O-1007,
    thanks" -> "refund O-1007"); unchanged when nothing else is left ("Thanks!")."""
    frame = _FRAME.match(text)
    body = text[frame.end() :] if frame else text
    # thanks end a part: looked for in its tail only (searched from every position, a long blank run
    # was read again from each: 20,000 newlines took 11 s)
    thanked = _THANKED.search(body, max(0, len(body) - _TAIL))
    trimmed = (body[: thanked.start()] if thanked else body).strip()
    return trimmed or text


def asks_nothing(text: str) -> bool:
    """True for a part that asks for no action: "Please close nothing yet", "don't do anything yet"."""
    return _NOTHING.match(text.strip()) is not None
