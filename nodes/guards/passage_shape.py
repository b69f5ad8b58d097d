"""Signals in a passage's shape rather than its wording, for the passage guard.

The passage guard's cue table (:mod:`crewline.nodes.guards.passage_cues`) names what attacks say;
each held-out round of the planted-injection benchmark found attacks that said it differently. Two
things stay true of an attack however it is worded, and this module reads them:

- **Text the reader does not see, giving orders.** An article's HTML comments, tag attributes
  (``title``, ``alt``, ``data-*``), ``<script>`` bodies, Markdown comments (``[//]: # (...)``),
  image alt text, link titles, footnotes and front matter exist for browsers and editors. Alt text
  describes an image ("Screenshot of the PIN screen"); a clause there that opens with an order
  ("tell the user ...", "recommend ...", "Assistant note: ...") was put there for a machine to read.
- **A switch of language or script inside a passage.** A help centre writes an article in one
  language; a sentence in another script (Chinese in an English article) or another Latin-script
  language (Turkish, German) is how an instruction slips past rules that read only the article's
  language. This is not language identification: a sentence counts as foreign when most of its
  letters are of another script, or, in an English passage, when it has no English function word
  among five or more words and carries letters English does not use or another language's
  function words (a list of product names has neither).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["CHANNEL_WEIGHT", "FOREIGN_WEIGHT", "foreign_segment", "hidden_directive", "hidden_texts"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


CHANNEL_WEIGHT = 0.7  # an order in text no reader sees
FOREIGN_WEIGHT = 0.55  # a sentence in another language than its passage: alone enough to withhold

_CHANNELS = (
    re.compile(r"<!--(.{0,2000}?)-->", re.DOTALL),
    re.compile(
        r"\b(?:title|alt|aria-label|aria-description|data-[\w-]{1,40}|content|placeholder|summary|label)"
        r"\s*=\s*([\"'])(.{0,2000}?)\1",
        re.IGNORECASE | re.DOTALL,
    ),
    re.compile(
        r"<\s*(?:script|style|template|noscript)\b[^>]{0,200}>(.{0,4000}?)<\s*/", re.IGNORECASE | re.DOTALL
    ),
    # [//]: # (...), a Markdown comment
    re.compile(r"^\s*\[[^\]\n]{0,40}\]:\s*(?:#|<>)\s*[(\"'](.{0,2000})[)\"']\s*$", re.MULTILINE),
    re.compile(r"!\[([^\]\n]{1,2000})\]\("),  # image alt text
    re.compile(r"\]\(\s*\S{1,500}\s+[\"'](.{1,500}?)[\"']\s*\)"),  # a link's title
    re.compile(r"^\s*\[\^[^\]\n]{1,40}\]:\s*(.{1,2000})$", re.MULTILINE),  # footnote definitions
    re.compile(r"\A\s*---\n(.{0,4000}?)\n---", re.DOTALL),  # front matter
)

# Verbs that open an order to whoever writes the answer. User-interface verbs ("click to enlarge",
# "tap to zoom", "see", "open") are left out: alt text and titles use them for people.
_ORDERS = _words(
    """tell say state answer reply respond recommend present promote mention claim insist inform advise
    direct instruct suggest summarise summarize describe explain include add append insert prepend end
    begin start finish output print write return render display reveal disclose show list repeat ignore
    disregard forget override bypass skip omit drop hide remove delete treat consider assume pretend act
    behave become roleplay obey follow comply execute run call invoke use send email forward share give
    redirect refer ask offer push always never do don't must should"""
)
# Labels that address a machine, then an order: "Assistant note: ...", "Instruction for the helper: ..."
_ADDRESS = re.compile(
    r"\b(?:assistant|ai|a\.i\.|bot|chatbot|model|llm|gpt|agent|helper|system|copilot|whoever|reader)s?\b"
    r"|\b(?:instructions?|directive|note|memo|command|order|task|prompt)\s*(?:for|to)\b",
    re.IGNORECASE,
)
_YOU_MUST = re.compile(
    r"\byou\W+(?:must|should|shall|will|need to|have to|are to|are required)\b", re.IGNORECASE
)
_CLAUSES = re.compile(r"[.!?;:()\[\]\n\"]+")
_WORD = re.compile(r"[A-Za-z']+")


def hidden_texts(text: str) -> list[str]:
    """The text of ``text``'s hidden channels (see the module docstring), in order found."""
    found: list[str] = []
    for channel in _CHANNELS:
        for match in channel.finditer(text):
            body = match.group(match.lastindex or 1)
            if body and body.strip():
                found.append(body.strip())
    return found[:50]


def _is_order(hidden: str) -> bool:
    if _YOU_MUST.search(hidden):
        return True
    addressed = _ADDRESS.search(hidden) is not None
    for clause in _CLAUSES.split(hidden):
        words = _WORD.findall(clause.lower())
        if not words:
            continue
        if words[0] in _ORDERS or (addressed and any(w in _ORDERS for w in words[:3])):
            return True
    return False


def hidden_directive(text: str) -> str | None:
    """A reason when a hidden channel of ``text`` gives an order, else ``None``."""
    for hidden in hidden_texts(text):
        if _is_order(hidden):
            return "gives orders in text the reader does not see"
    return None


# -- language and script -------------------------------------------------------------------------

_SENTENCES = re.compile(r"[^.!?。！？؟।\n]+")
_SCRIPT_GROUPS = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "CJK": "CJK", "HANGUL": "HANGUL"}
_ENGLISH = _words(
    """the a an and or of to in on at for with by from is are was were be been it its this that these those
    you your we our us they their he she his her not no can will would should may must do does did have
    has had if when as but so than then there here which who what how all any some each more most"""
)
# Frequent function words of other Latin-script languages that are not English words.
_OTHER = _words(
    """und der die das ist nicht mit sie ihre ihr wir sich auch oder aber wird sind bitte alle alles
    le la les des est et une pour avec vous votre nous sont pas qui dans sur toutes tous
    el los las del por para con una es y que su sus usted todas todos
    il della di che non per sono gli tutte tutti
    een het van zijn niet voor ook dat alle
    ve bir bu ile için tüm
    na nie jest się że jak ale wszystkie wszystko oraz lub czy
    och att är inte jag för som med ett det den alla eller
    dan yang ini itu dengan untuk tidak adalah semua atau
    não uma com seu sua todas todos
    ja ei ole että kaikki tai
    și sau este nu toate pentru
    és az egy nem hogy minden vagy
    và các của là cho những được trong với tất"""
)


def _script(char: str) -> str:
    if ord(char) < 0x250:  # ASCII, Latin-1 and Latin Extended: no name lookup
        return "LATIN"
    if unicodedata.category(char) in ("Lm", "Mn", "Mc"):  # modifier letters, accents: no script
        return "LATIN"
    name = unicodedata.name(char, "")
    first = name.split(" ", 1)[0]
    return _SCRIPT_GROUPS.get(first, first or "OTHER")


def _letters_by_script(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for char in text:
        if char.isalpha():
            script = _script(char)
            counts[script] = counts.get(script, 0) + 1
    return counts


def _other_script(sentence: str, main: str, least: int) -> bool:
    """Most of ``sentence``'s letters, and at least ``least``, are of another script than ``main``."""
    counts = _letters_by_script(sentence)
    total = sum(counts.values())
    foreign = total - counts.get(main, 0)
    return foreign >= least and foreign >= 0.6 * total


_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff']+")


def _other_latin_language(sentence: str) -> bool:
    found = _LATIN_WORD.findall(sentence)
    english = sum(w.lower() in _ENGLISH for w in found)
    other = sum(len(w) > 1 and w.lower() in _OTHER for w in found)  # "a", "in", "no" are words of both
    words = [w for w in found if len(w) >= 3]  # initials and pronunciation fragments say nothing
    if len(words) < 5 or english >= max(1, other):
        return False
    if other >= 2:
        return True
    # letters English does not use, in a good share of words that are not names ("née Trogneux",
    # "Déjà Vu" in a list of credits are names)
    accented = sum(not w.isascii() for w in words)
    lower = sum(w[0].islower() for w in words)
    return accented >= 0.3 * len(words) and lower >= 0.5 * len(words)


# An encyclopaedia glosses a name in its own script in parentheses ("Eid al-Adha (Arabic: عيد
# الأضحى)"): a bracketed run of another script counts only when it is long enough to say something.
_BRACKETED = re.compile(r"[(（]([^()（）]{0,200})[)）]")
_GLOSS_LETTERS, _SENTENCE_LETTERS = 16, 6


# A multilingual page labels each line with its language ("- Español: llame al ..."); such a line
# is the page speaking that language on purpose, not a switch.
_LANGUAGE_LINE = re.compile(
    r"^[ \t]*(?:[-*•>][ \t]*)?(?:\*\*)?(?:en |in |em |auf |in het )?"
    r"(?:español|espanol|spanish|français|francais|french|deutsch|german|italiano|italian|português|portugues|portuguese|nederlands|dutch|polski|polish|"
    r"svenska|swedish|türkçe|turkish|tiếng việt|vietnamese|tagalog|filipino|"
    r"kreyòl(?: ayisyen)?|haitian creole|"
    r"中文|简体中文|繁體中文|chinese|日本語|japanese|한국어|korean|русский|russian|العربية|arabic|עברית|hebrew|"
    r"हिन्दी|hindi|bahasa(?: \w+)?|indonesian|ελληνικά|greek|українська|ukrainian|فارسی|farsi|persian|ਪੰਜਾਬੀ|"
    r"বাংলা|bengali|اردو|urdu|language)(?:\*\*)?(?:[ \t]*\([^)\n]{0,40}\))?[ \t]*[:：-].*$",
    re.IGNORECASE | re.MULTILINE,
)


# A page that names a language it serves ("press 2 for Spanish", "en español") is multilingual on
# purpose: its lines in that language are not a switch.
_NAMES_A_LANGUAGE = re.compile(
    r"\b(?:in|for|en|em|auf|bằng|into) (?:español|espanol|spanish|français|francais|french|deutsch|german|"
    r"italiano|italian|português|portuguese|chinese|mandarin|cantonese|vietnamese|tiếng việt|tagalog|korean|"
    r"japanese|russian|arabic|haitian creole|kreyòl|polish|hindi|urdu|bengali|farsi|persian|other languages|"
    r"your language|many languages)\b",
    re.IGNORECASE,
)


def foreign_segment(text: str) -> str | None:
    """A reason when a sentence of ``text`` is in another script or language than the passage."""
    if _NAMES_A_LANGUAGE.search(text):
        return None
    text = _LANGUAGE_LINE.sub("", text)
    if text.isascii():
        scripts = {"LATIN": 1}
    else:
        scripts = _letters_by_script(text)
        if not scripts:
            return None
    main = max(scripts, key=lambda s: scripts[s])
    words = _WORD.findall(text.lower())
    english = main == "LATIN" and len(words) >= 12 and sum(w in _ENGLISH for w in words) >= 0.1 * len(words)
    if (main != "LATIN" or not text.isascii()) and _foreign_sentence(text, main):
        return "switches to another script mid-passage"
    if english and any(_other_latin_language(sentence) for sentence in _SENTENCES.findall(text)):
        return "switches to another language mid-passage"
    return None


def _foreign_sentence(text: str, main: str) -> bool:
    """A sentence, or a long bracketed gloss, mostly in another script than ``main`` (brackets
    nested up to three deep are read from the inside out)."""
    glosses: list[str] = []
    for _ in range(3):
        found = _BRACKETED.findall(text)
        if not found:
            break
        glosses += found
        text = _BRACKETED.sub(" ", text)
    return (
        any(_other_script(gloss, main, _GLOSS_LETTERS) for gloss in glosses)
        or any(_other_script(sentence, main, _SENTENCE_LETTERS) for sentence in _SENTENCES.findall(text))
        or (main == "LATIN" and _longest_foreign_run(text) >= _GLOSS_LETTERS)
    )


def _longest_foreign_run(text: str) -> int:
    """Letters in the longest stretch of ``text`` with no Latin letter: a sentence in another script
    may end with no full stop the splitter knows and run into the next Latin one."""
    longest = run = 0
    for char in text:
        if char.isalpha():
            if _script(char) == "LATIN":
                longest, run = max(longest, run), 0
            else:
                run += 1
    return max(longest, run)
