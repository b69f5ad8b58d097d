"""Where two requests could meet in a message: candidate cuts for the decomposer, and part cleaning.

A cut is a separator — a sentence end, a line break (with the bullet or number that opens the next
line), an inline list number ("1. ... 2. ..."), "and" (or chat's "n" and "&", a spaced slash), a
comma or dash — optionally followed by a run of discourse connectives that introduce the next
request. The connectives are English's closed class of additive and sequencing ones (the Penn
Discourse Treebank's explicit connectives of the Expansion.Conjunction, Temporal.Asynchronous,
Temporal.Synchronous and List senses: "also", "besides", "moreover", "in addition", "then",
"afterwards", "finally", "meanwhile", "at the same time", ordinals) and the phrases that point back
at the request before them ("after that", "on top of that", "after which", "once that's done"); a
message may also be opened by an aside ("by the way", "oh"). Connectives that are ordinary words
elsewhere ("my *next* payment", "the *first* charge") count only where a clause starts: after
punctuation, a line break or "and"; "also" or "then" after a subject or an auxiliary ("could you
also ...") is inside its clause.

Shapes set off a request without a connective too: a second question after "and" ("... and what is
..."), a subject that adds itself after a comma ("..., I also want ..."), the items after a lead-in
that announces a list ("Need 3 things: a, b, c"), and the request after an opening "besides <gerund>
..." ("besides blocking my card can you ...").

A cut's *kind* is the strongest evidence it holds: ``sentence`` (sentence end, line break, list
number), ``link`` (a connective or one of those shapes), ``addition`` (only "plus", "as well as",
"together with" or "along with", which join noun phrases as often as requests), ``conjunction``
("and"), ``comma`` (comma or dash).
"""

from __future__ import annotations

import re

from crewline.nodes.planning.clause_context import AUXILIARY, Behind
from crewline.nodes.planning.courtesy import trim_courtesy
from crewline.nodes.planning.cut_lists import Cut, with_items, with_parallel
from crewline.nodes.planning.list_markers import LINE_MARKER

__all__ = ["KINDS", "STRONG", "Cut", "clean_part", "find_cuts"]

KINDS = ("sentence", "link", "addition", "question", "conjunction", "clause", "parallel", "comma", "run_on")
STRONG = ("sentence", "link", "question")  # the cuts an out-of-scope part must be set off by

_ANAPHOR = r"(?:that|this|those)(?!\s+ones?\b)"  # "after this one" is a song, not a request
# Introduce the next request wherever they stand (after a bare space too): rarely anything else.
_FREE = (
    r"also|then|plus|additionally|moreover|furthermore|afterwards?|thereafter|subsequently|likewise"
    r"|as\s+well\s+as|in\s+addition(?:\s+to\s+"
    + _ANAPHOR
    + r")?|on\s+top\s+of\s+"
    + _ANAPHOR
    + r"|(?:after|besides|apart\s+from|aside\s+from|other\s+than|beyond|following)\s+"
    + _ANAPHOR
    + r"|whilst\s+you(?:['’]re|\s+are)\s+(?:at|on)\s+it"
    r"|while\s+you(?:['’]re|\s+are)\s+(?:(?:at|on)\s+it|there|in\s+there"
    r"|(?:looking|checking)(?:\s+(?:into\s+)?(?:that|it))?)"
    # Temporal connectives: the request before them runs first or alongside ("once that's done").
    r"|meanwhile|in\s+the\s+meantime|simultaneously|(?:after|following)\s+which"
    r"|(?:once|when|after|as\s+soon\s+as)\s+(?:that|this|it)(?:'s|\s+is|\s+has\s+been)?\s+"
    r"(?:done|finished|complete|completed|sorted|through)"
    r"|(?:once|when|after)\s+you(?:'ve|\s+have)?\s+(?:done|finished|completed)\s+(?:that|this|it)"
    r"|(?:once|when|after)\s+you(?:'re|\s+are|'ve\s+been|\s+have\s+been)\s+(?:done|finished|through)\s+with\s+"
    r"(?:that|this|it)|after\s+doing\s+(?:that|this)"
    # additive markers: what follows adds a request ("what's more,", "not to mention", "to top it off";
    # "what's more important ..." asks a question of its own)
    r"|what(?:['’]?s|\s+is)\s+more(?=\s*[,:;—–-])|not\s+to\s+mention|to\s+top\s+(?:it|that|things)\s+off"
    r"|on\s+top\s+of\s+(?:it\s+all|everything)|more\s+importantly"
    r"|together\s+with|along\s+with"
)
# Words that start a clause and nothing else (pronouns, wh-words, auxiliaries, "please"): after one
# of them an ordinal is a connective ("next, can you ...", "second I want ..."), not an adjective.
_CLAUSE_START = (
    r"(?:i|you|we|they|it|my|please|what|what's|when|where|how|why|who|which|is|are|was|were|do|does"
    r"|did|has|have|had|can|could|would|will|should|may)\b"
)
_OBJECT = r"(?:my|the|your|our|their|his|her|its|it|me|us|them|a|an|this|that)"
# Introduce a request only where a clause starts (after punctuation, a line break or "and").
_OPENING = (
    r"besides|finally|lastly|firstly|secondly|thirdly|last\s+but\s+not\s+least|by\s+the\s+way|btw|oh"
    r"|one\s+more\s+thing|another\s+thing|separately|at\s+the\s+same\s+time|and"
    # a postscript and the phrases that change the subject ("On another note,", "Unrelated, but")
    r"|p\.?\s?s(?=[\s.:,])\.?|pps\.?|unrelated(?:ly)?(?:\s*+(?:,\s*+)?but)?|that\s+reminds\s+me"
    r"|on\s+(?:a|an|another)\s+(?:(?:different|separate|unrelated|other|side|related)\s+)?(?:note|subject|topic)"
    r"|(?:(?:and|oh)\s+)?(?:one\s+(?:more|last|final)|another|(?:the\s+)?last|(?:the\s+)?other)"
    r"\s+(?:thing|question|request|one)|speaking\s+of\s+(?:which|that)|while\s+i\s+have\s+you"
    r"|(?:a\s+)?(?:(?:totally|completely)\s+)?(?:quick|different|unrelated|separate|random|side)\s+(?:question|one|thing|q)"
    r"(?=\s*[:,—–-])"
    # a ticket's or an email's labels: "Issue: ...", "Request: ..."
    r"|(?:issue|problem|request|question|subject|re|note|update|ticket|summary|details|query|topic)(?=\s*:)"
    rf"|(?:first|second|third|fourth|fifth|next|last)(?=\s*[,:;.)—–-]|\s+{_CLAUSE_START})"
    # "first freeze my card": an ordinal before a verb and its object ("first time my card ..." is none)
    # ("next tell me ...", "first check if ..." too: a verb and the clause it opens)
    # ordinal phrases and numbered ordinals: "first of all", "for starters", "2nd:", "number two,"
    r"|(?:first|second|third|fourth|fifth)\s+(?:of\s+all|off|and\s+foremost|up)|first\s+things\s+first"
    r"|for\s+starters|before\s+anything\s+else|(?:to\s+(?:begin|start)(?:\s+with)?|to\s+(?:finish|wrap\s+up))(?=\s*[,:—–-])"
    r"|(?:1st|2nd|3rd|[4-9]th|number\s+(?:\d|one|two|three|four|five))(?=\s*[,:;.)—–-])"
    r"|(?:first|second|third|fourth|fifth|next|final)\s+(?:question|thing|request|item|point|one)(?=\s*[:,.—–-])"
    # a change of subject: "changing the subject,", "switching gears", "different topic -"
    # (whole, up to its punctuation: "Moving on to my account, ..." names what it moves on to)
    r"|(?:(?:changing|switching|to\s+change)\s+(?:the\s+)?(?:subjects?|topics?|gears)"
    r"(?:\s+(?:a\s+(?:bit|little)|slightly))?|moving\s+on(?:\s+to\s+something\s+else)?)(?=\s*[:,.;—–-])"
    r"|(?:(?:a|on\s+a)\s+)?(?:different|new|other|another|separate)\s+(?:topic|subject)(?=\s*[:,.—–-])"
    r"|(?:first|second|third|firstly|secondly|thirdly|next)(?=\s+(?!time\b)[a-z]+\s+(?:"
    + _OBJECT
    + r"|if|whether)\b)"
)
# A list item's opening ("-", "•", "1.", "a)", "(3)", "#4", "Step 5:", ...); inline, numbers only.
_NUMBER = r"(?:\(?\d{1,2}[.)]\s|\(\d{1,2}\)\s|step\s*+\d{1,2}(?:\s*+[:.)–—-]\s|\s))"
_MARKER = LINE_MARKER
_GAP = r"[\s,:;—–-]*"
_END = r"(?:\b|(?<=\.))"  # a connective ends at a word's end, or at its own dot ("p.s.")
_LINK_RUN = re.compile(rf"(?:(?:{_FREE}|{_OPENING}){_END}{_GAP})+", re.IGNORECASE)
_FREE_RUN = re.compile(rf"(?:{_FREE})\b{_GAP}(?:(?:{_FREE}|{_OPENING}){_END}{_GAP})*", re.IGNORECASE)
# A question typed without punctuation before it ("what's my balance is my card frozen", "... what is
# my balance") starts at an auxiliary and its subject, after a wh-word or not (see
# ``Behind.asked_before`` for when that auxiliary is no new question).
_RUN_ON = (
    r"(?:(?:what|when|where|why|who|how(?:\s+(?:much|long|many|soon|often))?)\s+)?"
    r"(?:is|are|was|did|does|do|can|has|have|will)\s+(?:my|your|the|it|there|i|you)\s+[a-z]"
    r"|(?:what|when|where|who|how)['’]s\s+(?:my|your|the)\s+[a-z]"  # "... what's my balance"
    r"|(?:what|whats|how|why|where|when|who|which)\s+(?:is|are|was|were|do|does|did|can|could|will|would"
    r"|should|has|have|much|many|long|often|soon|far)\s+[a-z]|whats\s+[a-z]"
    r"|i(?:\s+(?:need|want|would|will)|['’]d|['’]m)\s+[a-z]|please\s+[a-z]|(?:tell|show|give|help|let)\s+me\s+[a-z]"
)
_RUN_ON_AHEAD = re.compile(_RUN_ON, re.IGNORECASE)


# Separators, strongest first where two could start at one position. One that opens with whitespace
# is tried only where a run of whitespace starts (the guard ``ws``: tried from every space of a long
# run, each read the rest of the run, and 1,000 spaces took 11 s), and its runs are possessive (two
# free runs of the same spaces, as in "\s*,?\s+and", are quadratic at a single position).
def _line(guard: str) -> str:
    return rf"(?P<line>{guard}[ \t]*+(?:\r?\n[ \t]*+)++(?:{_MARKER})?)"


def _separator(guarded: bool) -> re.Pattern[str]:
    ws = r"(?<!\s)" if guarded else ""  # a run of whitespace starts here
    line = r"(?<![ \t\n])" if guarded else ""  # ... a run of spaces, tabs and line breaks
    # Every separator opens with whitespace, ",", ";", ":" or "(", or is the empty cut after "?"/"!": the
    # lookahead turns every other position away with one test instead of a try of each alternative
    # (the same matches; a third less time for the search over a 10 KB message).
    return re.compile(
        r"(?:(?=[\s,;:(])|(?<=[?!]))(?:"
        + _line(line)
        + rf"|(?P<number>{ws}\s++{_NUMBER}\s*)"  # inline list numbers: "1. this 2. that"
        rf"|(?P<sentence>{ws}\s*+;\s*|(?<=[.?!])\s+|(?<=[?!])(?=[A-Za-z]))"
        # chat's "n", "&", " / " and a drawn-out "aaand"
        rf"|(?P<conjunction>{ws}(?:\s*+,\s++|\s++)(?:a++n++d++|n|&&?)\s+|{ws}\s++/\s+)"
        # a colon before a word: what comes before it may be a label of any words ("other q:", "real
        # question:", "Sidenote:"), so it is as weak a cut as a comma and only routes sure of both
        # sides split there ("Report fraud: someone used my card" stays whole: one route)
        rf"|(?P<comma>{ws}\s*+,\s*|{ws}\s++[—–-]{{1,2}}\s+|{ws}\s*+:\s++(?=[^\W\d_]))"
        rf"|(?P<addition>{ws}\s++\+\s+)"  # "freeze my card + refund O-1002": a spaced "+" is "plus"
        # a parenthesis that opens with a linking word or holds a question: "(and can you ...?)"
        rf"|(?P<paren>{ws}\s*+\((?=\s*+(?:and|also|plus|btw|oh|p\.?s|by\s+the\s+way)\b|[^()]*\?\s*\)))"
        rf"|(?P<bare>{ws}\s++)(?=(?:{_FREE})\b|(?:i|we)(?:'d|'ll|\s+would|\s+will)?\s+also\b|{_RUN_ON}))",
        re.IGNORECASE,
    )


# A separator that opens with whitespace matches inside a run only where it matches at the run's
# start too (the run's whitespace is its own), so the guards lose no leftmost match ...
_SEPARATOR = _separator(guarded=True)
# ... but where the search starts inside a run, the separator there is read without them.
_SEPARATOR_AT = _separator(guarded=False)
_LINE_AT = re.compile(_line(""))
_BLANK = re.compile(r"\s*+")
_KIND = {"line": "sentence", "number": "sentence", "paren": "comma"}
# Connectives that join noun phrases as often as requests ("my balance as well as my due date"): as
# strong a cut as any link, but they do not set off a part nobody handles.
_NOUN_JOINERS = re.compile(rf"(?:(?:plus|as\s+well\s+as|together\s+with|along\s+with)\b{_GAP})+", re.I)
# "also" or "then" right after a subject or an auxiliary is an adverb inside its clause: "could you
# also ...", "I also want ...", "can you then ...", "will that also stop ..." ("thank you plus ..."
# still joins two requests).
_INSIDE_CLAUSE = re.compile(
    r"\b(?:i|you|u|we|they|he|she|it|that|this|please|pls|can|could|would|will|should|may|might|must|do|does|did"
    r"|(?:i|you|we|they|he|she)['’](?:d|ll|m|re|ve))$",
    re.IGNORECASE,
)
_ADVERB = re.compile(r"(?:also|then)\b", re.IGNORECASE)
# After "and" or a comma, a clause whose subject adds itself: "..., I also want ...".
_SUBJECT_ADDS = re.compile(
    r"(?:i|we)(?:'d|'ll|\s+would|\s+will|\s+do|\s+can)?\s+(?:also|additionally)\b", re.IGNORECASE
)
# After "and", a new question with its own verb ("... and what is ...", not "... and how much").
# "and what/how/..." occurs in 26 of CLINC150's 15,100 single training requests (0.17 %).
_NEW_QUESTION = re.compile(
    r"(?:what|how|when|where|why|who|which)(?:\s+[a-z]+){0,2}?\s+"
    + AUXILIARY
    + r"|(?:what|how|when|where|who)(?:'s|s)\b",
    re.IGNORECASE,
)
# After "and", a request asked of "you" again: "..., and would you also send me ...".
_ASKED_AGAIN = re.compile(r"(?:can|could|would|will)\s+(?:you|u)\b(?!\s+(?:and|or)\b)", re.IGNORECASE)
# "and" or "&" between two gerunds ("sending and receiving") or two capitalised names ("Johnson &
# Johnson") joins one pair, not two requests.
_GERUND_BEFORE = re.compile(r"\b[a-z]{2,}ing$", re.IGNORECASE)
_GERUND_AFTER = re.compile(r"[a-z]{2,}ing\b", re.IGNORECASE)
_NAME_BEFORE = re.compile(r"\b[A-Z][\w'.]*$|\b[A-Z]{1,4}-\d+$")  # "C-1001 && C-1002": two records
_NAME_AFTER = re.compile(r"[A-Z]")


def _one_pair(text: str, start: int, end: int) -> bool:
    """True when the "and"/"&" between ``start`` and ``end`` joins two gerunds or two names."""
    before = text[max(0, start - 24) : start]
    if _GERUND_BEFORE.search(before) and _GERUND_AFTER.match(text, end):
        return True
    return "&" in text[start:end] and bool(_NAME_BEFORE.search(before) and _NAME_AFTER.match(text, end))


# ... and after a comma, where "which" opens a relative clause ("..., which is 5th avenue").
_COMMA_QUESTION = re.compile(r"(?!which\b)(?:" + _NEW_QUESTION.pattern + ")", re.IGNORECASE)
# ... unless that question ends in a word that points back at the clause before the comma: "my card
# is frozen, how do I unfreeze it", "i need a w2 form, how do i get one".
_CLAUSE_AHEAD = re.compile(r"[^,;.?!\n]*+")
_ENDS_POINTING_BACK = re.compile(r"\b(?:it|this|that|one)\s*$", re.IGNORECASE)


def _refers_back(text: str, start: int) -> bool:
    """True when the clause from ``start`` ends in "it", "this", "that" or "one"."""
    clause = _CLAUSE_AHEAD.match(text, start)
    end = clause.end() if clause else start
    return _ENDS_POINTING_BACK.search(text, max(start, end - 6), end) is not None


# A comma between two imperatives ("check my status, list my invoices") is as strong a cut as "and":
# the clause before it opens with a verb (a word that is no determiner, pronoun, preposition, wh-word
# or auxiliary, after an optional "please" or "can you"), the one after it with a verb and its object.
# So is a comma before a new question ("freeze my card, how do I ..."; CLINC150 lists 0.60 -> 0.65,
# one more of its 3,100 single requests split).
_NOT_A_VERB = (
    r"(?!(?:my|the|your|our|their|his|her|its|a|an|this|that|and|or|but|so|if|i|you|we|it|they|for|of"
    r"|to|in|on|at|with|from|by|as|just|please|also|then|not|what|when|where|why|who|which|how"
    r"|is|are|was|were|am|do|does|did|can|could|would|will|should|has|have|had|may|might|must)\b)"
)
_IMPERATIVE_START = re.compile(
    r"(?:(?:please|kindly|(?:can|could|would|will)\s+you)\s+)?" + _NOT_A_VERB + r"[a-z]+\b", re.IGNORECASE
)
_VERB_AND_OBJECT = re.compile(
    _NOT_A_VERB + r"[a-z]+(?:\s+(?:up|out|back|through|over))?"
    r"\s+(?:my|me|the|our|us|your|their|his|her|its|it|them|this|that|order|invoice)\b",
    re.IGNORECASE,
)


def _imperatives(text: str, start: int, end: int) -> bool:
    """True when the clause from ``start`` and the one from ``end`` both open with a verb."""
    return bool(_VERB_AND_OBJECT.match(text, end) and _IMPERATIVE_START.match(text, start))


# A lead-in that announces a list ("Two things -", "Need 3 things:", "Please do three things:"): its
# commas separate the items, and it is no part of the first one. (Its spaces are possessive: a word
# follows each run, and "need" + 20,000 spaces read a "\s+" and the next optional word's "\s*" in
# every split.)
_ANNOUNCEMENT = (
    r"(?:please\s++)?(?:(?:i\s++)?(?:need|have|got|i've\s++got)\s++|(?:do|handle)\s++)?(?:a\s++)?"
    r"(?:(?:few|couple(?:\s++of)?|two|three|four|five|several|some|multiple|\d{1,2})\s++)?"
    r"(?:quick|more|small|other)?\s*+(?:things|questions|requests|items|issues|queries|asks|ones|tasks|to-?dos?)"
    r"(?:\s++(?:for\s++you|today|please))?\s*+(?:[:—–]|-\s)|please\s*+:"
    # "I have two requests.", "I need two things, ...": a count makes a sentence or a comma announce
    r"|(?:(?:i\s++)?(?:need|have|got)\s++(?:help\s++with\s++)?)?(?:a\s++)?"
    r"(?:few|couple(?:\s++of)?|two|three|four|five|several|\d{1,2})\s++(?:quick|more|small|other)?\s*+"
    r"(?:things|questions|requests|items|issues|queries|asks|tasks)\s*+[.,]\s++"
    # "Here's what I need:", "Can you help with the following -"
    r"|here(?:['’]s|\s++is)\s++what\s++i\s++(?:need|want)\s*+(?:[:—–]|-\s)"
    r"|(?:(?:can|could)\s++you\s++)?help\s++(?:me\s++)?with\s++the\s++following\s*+(?:[:—–]|-\s)"
)
# possessive: the announcement may open with a "\s*" of its own, and two free runs of the same
# whitespace made a long blank message quadratic (20,000 newlines: 15 s)
_ANNOUNCED = re.compile(rf"\s*+(?:{_ANNOUNCEMENT})", re.IGNORECASE)
# A message that opens with "besides"/"apart from" and a gerund sets off that first request without
# any punctuation: "besides blocking my card can you tell me ..." (cut before "can").
_GERUND_OPENING = re.compile(
    r"\s*(?:besides|apart\s+from|aside\s+from|in\s+addition\s+to|on\s+top\s+of|other\s+than)\s+[a-z]+ing\b",
    re.IGNORECASE,
)
_QUESTION_START = re.compile(  # from where a run of spaces starts: see _separator
    r"(?<!\s)\s++(?=(?:can|could|would|will|please|what|what's|whats|when|where|how|why|is|are|do|does|did"
    r"|i|i'd|i'm)\b)",
    re.IGNORECASE,
)
# "Not only do I need ..., I also ...": the correlative's first half opens the first request.
_CORRELATIVE = r"not\s+only(?:\s+(?:do|does|did|am|is|are|was|were|can|could|would|will|have|has))?"
_FILLER = r"so|ok|okay|alright|um+|uh+|hmm+|er+m?"  # spoken fillers before a request: no words of it
_LEADING = re.compile(
    # (the gerund opening first: "in addition" alone would leave "to freezing my card")
    r"^(?:(?:(?:besides|apart\s+from|aside\s+from|in\s+addition\s+to|on\s+top\s+of|other\s+than)(?=\s+[a-z]+ing\b)"
    rf"|{_MARKER}|{_ANNOUNCEMENT}|(?:{_FREE}|{_OPENING}|{_CORRELATIVE}|{_FILLER}){_END})"
    rf"{_GAP})+",
    re.IGNORECASE,
)
_TRAILING_MARKS = " \t\r\n,;:—–/-"
_TRAILING_WORD = re.compile(r"\s+(?:and|n|&&?|oh|um+|uh+|hmm+)$", re.IGNORECASE)
# A part wrapped in parentheses, set off as an aside: "(also need my due date)".
_WRAPPED = re.compile(r"^\(([^()]*)\)?$|^([^()]*)\)$")


_RECORD_LABEL = re.compile(r"\s*+:")
_RECORD_BEFORE = re.compile(r"\b[A-Z]{1,4}-\d+$")


def find_cuts(text: str, *, limit: int | None = None) -> list[Cut]:
    """Every candidate cut of ``text`` with text on both sides, in order, not overlapping; with
    ``limit``, the separators' cuts stop at that many (the rest of the text is read no further for
    them: a 20 KB message of one repeated separator made thousands, each checked for its links, where
    the decomposer keeps 40)."""
    cuts: list[Cut] = []
    at = 0
    announced = _ANNOUNCED.match(text)
    listing = announced is not None  # commas separate the announced items
    behind, separators = Behind(text), _Separators(text)
    while (limit is None or len(cuts) < limit) and (match := separators.first(at)) is not None:
        group = match.lastgroup or "bare"
        kind, end = _KIND.get(group, group), match.end()
        at = max(end, match.start() + 1)  # an empty cut ("?" then a letter) must not match again
        if group == "bare" and _ADVERB.match(text, end) and _inside_clause(text, match.start()):
            continue
        if (
            group == "comma"
            and _RECORD_LABEL.match(text, match.start())
            and _RECORD_BEFORE.search(text, max(0, match.start() - 12), match.start())
        ):
            continue  # "C-1002: what email ...": the record the request is about, not a request
        if announced is not None and match.start() < announced.end():
            continue  # "I need two things — freeze ...": the lead-in is no part of its own
        if group == "bare" and _RUN_ON_AHEAD.match(text, end):
            group = kind = "run_on"
        if group == "run_on" and behind.asked_before(match.start()):
            continue  # "when is my payment due", "tell me if my card is active": one question
        if group == "conjunction" and (behind.paired(match.start()) or _one_pair(text, match.start(), end)):
            continue  # "the difference between X and Y", "both X and Y": one pair, one request
        run = (_FREE_RUN if group == "bare" else _LINK_RUN).match(text, end)
        if run is not None and run.end() > end:
            joins_nouns = _NOUN_JOINERS.fullmatch(text, end, run.end()) is not None
            end = at = run.end()
            kind = kind if kind in STRONG else "addition" if joins_nouns else "link"
        elif kind in ("comma", "conjunction", "bare") and (listing or _SUBJECT_ADDS.match(text, end)):
            kind = "link"
        elif group == "conjunction" and (_NEW_QUESTION.match(text, end) or _ASKED_AGAIN.match(text, end)):
            kind = "question"
        elif group == "comma" and (
            _imperatives(text, cuts[-1].end if cuts else 0, end)
            or (_COMMA_QUESTION.match(text, end) and not _refers_back(text, end))
        ):
            kind = "clause"
        listing = listing and kind != "sentence"
        standing = kind != "bare"  # a bare space is a cut only before a connective or "I also"
        if standing and match.start() > 0 and end < len(text):
            cuts.append(Cut(match.start(), end, kind))
    return with_items(text, with_parallel(text, _with_gerund_opening(text, cuts)))


class _Separators:
    """The separators of one text, found left to right in linear time (see ``_separator``)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._blank_until = 0  # the end of a run of whitespace where only a line break can start

    def first(self, at: int) -> re.Match[str] | None:
        """The first separator that starts at ``at`` or after it."""
        text = self.text
        if at == 0 or not text[at - 1].isspace():
            return _SEPARATOR.search(text, at)  # the guards hold at ``at``
        # Inside a run of whitespace (a line break's match stops at a no-break space): every
        # separator but a line break reads the run to its end, and matches at every position of it
        # or at none, so a run where none did is not read again ("\n\u00a0" x 5,000: quadratic).
        if at < self._blank_until:
            found = _LINE_AT.match(text, at)
        elif (found := _SEPARATOR_AT.match(text, at)) is None:
            blank = _BLANK.match(text, at)
            self._blank_until = blank.end() if blank else at
        return found or _SEPARATOR.search(text, at + 1)


def _inside_clause(text: str, end: int) -> bool:
    """True when the word before ``end`` is a subject or an auxiliary ("could you| also ...")."""
    # read in a window as long as the longest such word: searched from the text's start, the pattern
    # anchored at ``end`` was tried at every position before it ("I also " x 2,850: 3.2 s)
    return _INSIDE_CLAUSE.search(text, max(0, end - 10), end) is not None


def _with_gerund_opening(text: str, cuts: list[Cut]) -> list[Cut]:
    """``cuts`` and the cut after an opening "besides <gerund> ..." when no other cut ends it."""
    opening = _GERUND_OPENING.match(text)
    if opening is None:
        return cuts
    start = _QUESTION_START.search(text, opening.end())
    if start is None or any(cut.start < start.start() for cut in cuts):
        return cuts
    return [Cut(start.start(), start.end(), "link"), *(cut for cut in cuts if cut.start > start.start())]


def clean_part(text: str) -> str:
    """A part's text without the list marker, connectives or polite frame it opens with and the
    thanks, punctuation or "and" it ends with: "Also, what are your hours?"; empty when nothing else
    is left ("and")."""
    text = text.strip()
    if text.startswith("(") or text.endswith(")"):
        wrapped = _WRAPPED.match(text)
        if wrapped is not None:  # "(and can you tell me ...?)", the closing ")" of "... (also X)"
            text = (wrapped.group(1) if wrapped.group(1) is not None else wrapped.group(2)).strip()
    text = _without_leading(text)
    text = _without_leading(trim_courtesy(text))  # "When you get a chance, first ..."
    # (``match`` and ``rstrip`` rather than an anchored ``sub``: a part is cleaned for every span the
    # decomposer scores, and ``sub`` tries every position of the text)
    stripped = text.rstrip(_TRAILING_MARKS)
    if len(stripped) == len(text):
        ending = _TRAILING_WORD.search(text, max(0, len(text) - 8))
        stripped = text[: ending.start()] if ending else text
    return stripped.strip()


def _without_leading(text: str) -> str:
    leading = _LEADING.match(text)
    return text[leading.end() :].strip() if leading else text.strip()
