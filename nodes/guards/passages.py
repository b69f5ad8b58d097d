# ruff: noqa: E501  (cue patterns read best on one line each)
"""The passage guard: retrieved text and tool output may inform an answer, never instruct it.

A request is checked by the input guard; text a tool or a search brings back is data from outside
(a help-centre article anyone with write access edited, a web page, a customer's own note) and gets
the same injection detector, plus what only matters in such text:

- **several views of the text**, because what a reader does not see a model may still read: the
  sanitized text with its markup kept (an instruction in an HTML comment or a tag attribute), with
  markup removed without a space (``ig<b></b>nore``), and with Unicode tag characters decoded to the
  ASCII they smuggle (sanitizing deletes them; a model may still read them);
- **phishing cues**: asking the reader to send or enter credentials or payment data (card number,
  PIN, password, one-time code, CVV, SSN, bank login) somewhere, to "verify" or "unlock" an account
  through a link, to pay with gift cards or crypto, and pressure (an account suspended unless...);
  a help centre tells people where to act, but a page that asks for secrets is an attack on them;
- **text that addresses the model** ("note to AI assistants", "if you are a language model") and
  the instruction-override and prompt-extraction families in the languages the built-in English
  rules do not read (French, Spanish, German, Italian, Portuguese, Dutch).

The cues combine like the built-in rules (noisy-or of distinct reasons); a passage is flagged when
the detector or the cues reach the detector's threshold. A flagged passage is dropped, not cleaned:
the rest of the passage may carry the attack's framing too, and an answer needs none of it.
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

from crewline.nodes.guards.detector import InjectionDetector, load_detector
from crewline.nodes.guards.rules import _CONFUSABLES
from crewline.nodes.guards.sanitize import sanitize
from crewline.nodes.guards.settings import GuardSettings
from crewline.nodes.types import Verdict
from crewline.tools.passage_screen import PassageScreen  # the tools layer's name for a screen

__all__ = ["PassageScreen", "forget_verdicts", "passage_screen", "phishing_score", "screen_passage", "views"]

_TAG_CHARS = re.compile("[\U000e0020-\U000e007e]+")
_TAGS = re.compile(r"<\s*/?\s*[A-Za-z!?][^<>]{0,200}>")
_MAX_SCREEN_CHARS = 200_000  # a passage longer than this is read as its start and its end

_URL = r"(?:https?://|www\.|\b[a-z0-9][a-z0-9-]{2,}(?:\.[a-z0-9-]+)*\.[a-z]{2,6}\b)"
_SECRET = r"(?:pins?|pin codes?|access codes?|remote access codes?|\d-digit codes?|codes? (?:we|i) (?:just )?sent you|passwords?|pass ?codes?|pass ?phrases?|one[- ]time (?:pass)?codes?|otps?|verification codes?|security codes?|sign[- ]in codes?|login codes?|cvv2?|cvc|card verification (?:value|code)|ssn|social security numbers?|online banking (?:login|credentials|password)|(?:login|sign[- ]in) (?:details|credentials|information)|credentials|username and password|user ?name and pass ?word|mother'?s maiden name)"
_NUMBER = r"(?:(?:full |complete |16[- ]digit |long )?(?:card|credit card|debit card|account|routing|bank account) numbers?|card details|payment details|bank details|banking details|billing details|expiry date)"
_SEND = r"(?:send|sending|email|e-mail|text|sms|reply with|respond with|reply to (?:this|the|our) (?:message|email|text|sms)(?: with)?|forward|share|submit|provide|disclose|give|tell|read out|read back|post|upload|dm|message|whatsapp)"


@dataclass(frozen=True)
class _Cue:
    reason: str
    weight: float
    pattern: re.Pattern[str]
    negatable: bool = False  # "never share your PIN" is advice, not a request
    triggers: tuple[str, ...] = ()  # the cue is tried only when one of these is in the text


def _cue(reason: str, weight: float, pattern: str, *, triggers: str, negatable: bool = False) -> _Cue:
    return _Cue(reason, weight, re.compile(pattern), negatable, tuple(triggers.split()))


_SECRETS = (
    "pin password passcode passphrase otp code cvv cvc ssn social credential login sign-in maiden username"
)
_NUMBERS = "number details expiry"


_DESTINATION = (
    rf"(?:{_URL}|[\w.+-]+@[\w-]+\.[\w.]+|\b(?:to|at) \d{{5,6}}\b)"  # a link, an address, a short code
)
_GAP = r"[^\w.!?\n]+"  # between two words of one sentence
_YOUR = rf"(?:your|ur|the customer'?s|their){_GAP}(?:[\w'-]+{_GAP}){{0,3}}?"
_ANY = rf"(?:your|ur|the customer'?s|their|the|this|that|a|any){_GAP}(?:[\w'-]+{_GAP}){{0,3}}?"

# Read on folded text (lower case, look-alike letters folded). Gaps are bounded word runs, so
# matching stays linear in the input.
_CUES: tuple[_Cue, ...] = (
    # -- phishing: secrets asked for, through a channel the reader is told to use ------------------
    _cue(
        "asks the reader to send a secret (PIN, password, one-time code, CVV)",
        0.9,
        rf"\b{_SEND}\b(?:[^\w.!?\n]+[\w'-]+){{0,6}}?[^\w.!?\n]+{_YOUR}{_SECRET}\b",
        negatable=True,
        triggers=_SECRETS,
    ),
    _cue(
        "asks the reader to reply with a secret",
        0.9,
        rf"\b(?:reply|respond|text back|write back|answer)\b(?:[^\w.!?\n]+[\w'-]+){{0,4}}?[^\w.!?\n]+(?:with|containing|including)[^\w.!?\n]+{_ANY}{_SECRET}\b",
        triggers=_SECRETS,
        negatable=True,
    ),
    _cue(
        "asks the reader to send card or account numbers",
        0.45,
        rf"\b{_SEND}\b(?:[^\w.!?\n]+[\w'-]+){{0,6}}?[^\w.!?\n]+{_YOUR}{_NUMBER}\b",
        negatable=True,
        triggers=_NUMBERS,
    ),
    _cue(
        "asks for credentials or card data next to a link or address",
        0.9,
        rf"\b{_YOUR}(?:{_SECRET}|{_NUMBER})\b[^.!?\n]{{0,160}}{_DESTINATION}|{_DESTINATION}[^.!?\n]{{0,160}}\b{_YOUR}(?:{_SECRET}|{_NUMBER})\b",
        negatable=True,
        triggers=_SECRETS + " " + _NUMBERS,
    ),
    _cue(
        "asks the reader to send a secret to a link, address or number",
        0.9,
        rf"\b{_SEND}\b(?:[^\w.!?\n]+[\w'-]+){{0,3}}?[^\w.!?\n]+{_ANY}{_SECRET}\b[^.!?\n]{{0,80}}{_DESTINATION}",
        negatable=True,
        triggers=_SECRETS,
    ),
    _cue(
        "asks to verify or unlock an account through a link",
        0.75,
        rf"\b(?:verify|confirm|validate|re-?validate|unlock|reactivate|re-?activate|restore|unsuspend|secure|authenticate|re-?authenticate|log ?in|sign ?in)\b(?:[^\w.!?\n]+[\w'-]+){{0,3}}?[^\w.!?\n]+(?:your|ur)\W+(?:[\w'-]+\W+){{0,2}}?(?:account|identity|card|access|profile|details|information|info|payment|wallet)\b[^.!?\n]{{0,120}}{_URL}",
        negatable=True,
        triggers="verif confirm valid unlock activat restor suspend secure authentic log sign",
    ),
    _cue(
        "sends the reader to a link to verify, unlock or claim",
        0.75,
        rf"(?:click|tap|visit|go to|open|follow)\b[^.!?\n]{{0,80}}{_URL}[^.!?\n]{{0,80}}\b(?:verify|confirm|validate|unlock|reactivate|restore|avoid (?:suspension|closure|losing)|claim|secure your)\b|\b(?:click|tap)\b(?:[^\w.!?\n]+[\w'-]+){{0,3}}?[^\w.!?\n]+(?:here|this link|the link below|the link)\b[^.!?\n]{{0,80}}\b(?:verify|confirm|validate|unlock|reactivate|restore|claim)\b",
        negatable=True,
        triggers="click tap visit go open follow",
    ),
    _cue(
        "asks for payment by gift card, crypto or wire to a stranger",
        0.8,
        r"\b(?:pay|paying|payment|send|buy|purchase|settle|transfer)\b(?:[^\w.!?\n]+[\w'-]+){0,8}?[^\w.!?\n]+(?:gift ?cards?|itunes cards?|google play cards?|steam cards?|bitcoin|btc|crypto(?:currency)?|usdt|western union|moneygram)\b",
        negatable=True,
        triggers="gift itunes play steam bitcoin btc crypto usdt western moneygram",
    ),
    _cue(
        "asks for payment to a crypto wallet",
        0.8,
        r"\b(?:usdt|bitcoin|btc|eth|ether|crypto(?:currency)?|tether)\b(?:[^\w.!?\n]+[\w'-]+){0,8}?[^\w.!?\n]+(?:pay|payments?|send|transfer|deposit)\b|\b(?:send|transfer|pay|deposit)\b(?:[^\w.!?\n]+[\w'-]+){0,6}?[^\w.!?\n]+(?:to|into)\W+(?:the\W+|this\W+|our\W+)?(?:wallet|address)\W+(?=[a-z]*\d)[a-z0-9]{8,}\b",
        negatable=True,
        triggers="usdt bitcoin btc eth crypto tether wallet",
    ),
    _cue(
        "asks for a PIN, CVV or one-time code next to a link (any language)",
        0.9,
        rf"\b(?:pin|cvv2?|cvc|otp|tan|iban)\b[^.!?\n]{{0,120}}{_URL}|{_URL}[^.!?\n]{{0,120}}\b(?:pin|cvv2?|cvc|otp|tan)\b",
        negatable=True,
        triggers="pin cvv cvc otp tan iban",
    ),
    _cue(
        "asks to enter a secret on a page the text points to",
        0.9,
        rf"\b(?:enter|type|input|fill in|submit|confirm)\b(?:[^\w.!?\n]+[\w'-]+){{0,2}}?[^\w.!?\n]+{_ANY}{_SECRET}\b[^.!?\n]{{0,30}}\b(?:on|in|into|at)\W+(?:the|this|that|a|our)\W+(?:\w+\W+)?(?:page|site|website|form|portal|link)\b",
        negatable=True,
        triggers=_SECRETS,
    ),
    _cue(
        "asks to put personal data or the conversation into a link",
        0.8,
        r"\b(?:include|add|append|put|insert|embed|send|encode|attach)\b(?:[^\w.!?\n]+[\w'-]+){0,8}?[^\w.!?\n]+(?:the\W+)?(?:customer'?s?|user'?s?|their|client'?s?|caller'?s?|conversation|chat|messages?|history|transcript|email address|phone number)\b[^.!?\n]{0,80}\b(?:in|into|to|as)\W+(?:a|an|the|this)\W+(?:link|url|image|query|request|webhook)\b|{?(?:conversation|chat_history|history|transcript|user_data|email)}?\)|[?&][a-z]+=(?:\{[a-z_ ]+\}|conversation|history|transcript)\b",
        triggers="conversation history transcript email phone user customer client caller chat message ?",
    ),
    _cue(
        "directs AI assistants or bots",
        0.75,
        r"\b(?:ai|virtual|chat|digital)\W+(?:assistants?|agents?|helpers?)\b(?:[^\w.!?\n]+[\w'-]+){0,3}?[^\w.!?\n]+(?:must|should|shall|need to|are to|have to|will now|now|are required|are instructed)\b|\b(?:the |all |any )?(?:assistants?|assistant's|chat ?bots?|bots?|llms?|language models?|copilots?|gpts?)\b(?:[^\w.!?\n]+[\w'-]+){0,6}?[^\w.!?\n]+(?:must|should|shall|need to|are to|have to|will now|are required|are instructed)\b|\b(?:update|notice|note|instructions?|message|memo|policy) for (?:all |any )?(?:ai |virtual |chat )?(?:assistants?|chat ?bots?|bots?|llms?|language models?|copilots?)\b|(?:^|[.!?:]\s)(?:assistant|ai|bot|chatbot|model|copilot|gpt),\s",
        triggers="assistant ai bot llm model copilot gpt agent helper",
    ),
    _cue(
        "claims authority to change the rules",
        0.6,
        r"\bthis is (?:the|your|a) (?:ceo|cto|ciso|president|founder|owner|administrator|admin|developer|security team|it department|system administrator|head of \w+)\b(?: speaking)?|\b(?:effective (?:immediately|now|today)|with immediate effect)\b[^.!?\n]{0,80}\b(?:must|all|every)\b",
        triggers="this is effective immediate",
    ),
    _cue(
        "redirects payments to new bank details",
        0.75,
        r"\b(?:bank|account|payment|banking|wire) (?:details|information|info|instructions) (?:have|has) (?:changed|been updated)\b|\b(?:send|make|pay|wire|transfer)\b(?:[^\w.!?\n]+[\w'-]+){0,3}?[^\w.!?\n]+(?:to|into)\W+(?:the\W+|this\W+|our\W+|a\W+|the new\W+|our new\W+)?(?:iban|account number|sort code|routing number)\b",
        triggers="changed updated iban sort routing",
        negatable=True,
    ),
    _cue(
        "asks the reader to give remote access to their device",
        0.8,
        r"\b(?:install|download|open|run)\W+(?:\w+\W+){0,2}?(?:anydesk|teamviewer|quicksupport|quick assist|supremo|rustdesk|ultraviewer|logmein|screen ?connect|remote (?:access|desktop|support) (?:app|tool|software))\b",
        triggers="anydesk teamviewer quicksupport quick supremo rustdesk ultraviewer logmein screen remote",
        negatable=True,
    ),
    _cue(
        "threatens the account to make the reader act",
        0.4,
        r"\b(?:account|card|access|profile)\b(?:[^\w.!?\n]+[\w'-]+){0,3}?[^\w.!?\n]+(?:will|shall|may|is going to)\W+be\W+(?:permanently\W+)?(?:suspended|locked|closed|terminated|deleted|frozen|deactivated|disabled|blocked)\b[^.!?\n]{0,80}\b(?:unless|if you (?:do not|don'?t|fail)|within \d+|in \d+ (?:hours?|days?))\b",
        triggers="suspend lock close terminat delet froze deactivat disabl block",
    ),
    _cue(
        "asks to move money to a 'safe' account",
        0.8,
        r"\b(?:transfer|move|wire)\b(?:[^\w.!?\n]+[\w'-]+){0,5}?[^\w.!?\n]+(?:to|into)\W+(?:a|our|the)\W+(?:safe|secure|protected|holding|new)\W+(?:account|wallet)\b",
        negatable=True,
        triggers="safe secure protected holding",
    ),
    # -- text addressed to the model, not to the reader ---------------------------------------------
    _cue(
        "addresses an AI model reading the text",
        0.9,
        r"\b(?:if|when) you are (?:an? |the )?(?:ai|a\.i\.|artificial intelligence|language model|llm|large language model|chat ?bot|bot|assistant|virtual assistant|gpt|agent)\b|\b(?:note|message|instructions?|reminder|attention|notice|directive) (?:to|for) (?:the |any |all )?(?:ai|a\.i\.|language models?|llms?|chat ?bots?|bots?|ai assistants?|assistants?|agents?|models?|gpt)\b|\b(?:ai|llm|gpt|chat ?bot) (?:assistants?|agents?|models?)?\s*(?:reading|processing|summari[sz]ing|answering (?:from|with)) (?:this|these)\b",
        triggers="ai a.i. artificial llm model gpt bot assistant agent",
    ),
    _cue(
        "tells the reader what to answer or output",
        0.6,
        r"\b(?:begin|start|open|end|finish|prefix|preface)\w*\W+(?:your|the|each|every)\W+(?:reply|response|answer|output)\W+(?:by|with)\b|\byou (?:must|have to|need to|are to)\W+(?:first\W+|now\W+|always\W+)?(?:output|print|say|respond|reply|answer|prepend)\b|\b(?:guidelines|rules|instructions|directives|configuration|policies)\W+(?:that\W+)?you\W+(?:operate|work|run|were given|follow|are following|obey)\b|\b(?:in your (?:answer|reply|response|summary)|when (?:answering|responding|replying|summari[sz]ing)|whenever (?:someone|a user|the user|anyone) asks)\b[^.!?\n]{0,60}\b(?:always|must|should|include|tell|say|reply|respond|recommend|insert|add|append|mention)\b",
        triggers="answer repl respon summar whenever begin start open end finish prefix preface output print you",
    ),
    _cue(
        "asks the reader to give a secret to an agent or on a call",
        0.9,
        rf"\b(?:{_SEND}|confirm|verify|read|say|repeat|spell)\b(?:[^\w.!?\n]+[\w'-]+){{0,3}}?[^\w.!?\n]+{_ANY}{_SECRET}\b[^.!?\n]{{0,40}}\b(?:with|to|for) (?:the|our|an?|your) (?:agent|caller|representative|rep|team|officer|specialist|advisor|adviser|investigator|courier|technician|engineer)\b|\bcall\b[^.!?\n]{{0,40}}\d{{3}}-\d{{4}}\b[^.!?\n]{{0,60}}\b(?:confirm|verify|give|provide|tell|read|say|enter)\b(?:[^\w.!?\n]+[\w'-]+){{0,3}}?[^\w.!?\n]+{_ANY}{_SECRET}\b",
        negatable=True,
        triggers=_SECRETS,
    ),
    _cue(
        "tells the model to call a tool",
        0.45,  # developer docs say "call the get_user function with ...": a cue, not proof
        r"\b(?:call|invoke|run|execute|trigger|use)\W+(?:the\W+)?[a-z]+_[a-z_]+\b(?:\W+(?:tool|function))?(?:[^\w.!?\n]+[\w'-]+){0,4}?[^\w.!?\n]+(?:for|on|with)\b",
        triggers="_",
    ),
    _cue(
        "asks to decode hidden text and follow it",
        0.7,
        r"\b(?:decode|decrypt|translate|unscramble|base64[- ]decode|rot13)\b(?:[^\w.!?\n]+[\w'-]+){0,4}?[^\w.!?\n]+(?:and|then)\W+(?:follow|execute|obey|do|run|carry out|act on|apply)\b",
        triggers="decode decrypt translat unscramble base64 rot13",
    ),
    _cue(
        "names a system prompt (any language)",
        0.9,
        r"\b(?:system\w*|sistem\w*|systeem\w*|systém\w*|systèm\w*|συστ\w*)[ -]?prompt\w*|\bprompt\w*\W+(?:\w+\W+)?(?:system\w*|sistem\w*|systém\w*|systèm\w*|systeem\w*)\b",
        triggers="prompt",
    ),
    # -- instruction override and prompt extraction, languages the English rules do not read --------
    _cue(
        "asks to ignore prior instructions (non-English)",
        0.92,
        r"\b(?:ignore[sz]?|ignorer|oublie[sz]?|oublier|ignora|ignoren?|ignorar|olvida|olvide|olvidar|ignoriere|ignorieren|ignoriert|vergiss|vergessen|vergesst|ignore|ignori|dimentica|dimenticare|esqueça|esquece|esquecer|negeer|vergeet|negeren)\b(?:[^\w.!?\n]+[\w'-]+){0,5}?[^\w.!?\n]+(?:instructions?|consignes?|directives?|règles|instrucciones|indicaciones|reglas|anweisungen|anleitungen|regeln|vorgaben|istruzioni|regole|instruções|instrucoes|regras|instructies|regels|opdrachten)\b",
        triggers="ignor oubli olvid vergiss vergess vergesst dimentic esque negeer vergeet",
    ),
    _cue(
        "asks for the system prompt (non-English)",
        0.92,
        r"\b(?:prompt (?:système|systeme|du système|de système|del sistema|de sistema|do sistema|di sistema)|system-?prompt|systemprompts?|systeemprompt|instructions? (?:système|systeme|initiales|cachées)|instrucciones (?:del sistema|iniciales|ocultas)|(?:ursprünglichen|versteckten|geheimen) anweisungen|istruzioni (?:di sistema|iniziali|nascoste)|instruções (?:do sistema|iniciais|ocultas)|(?:oorspronkelijke|verborgen) instructies)\b",
        triggers="prompt system instruc anweis istruz instru",
    ),
)

# A conversation turn forged inside data: a role label opening a line or a sentence, or a chat
# message as JSON. Read on the sanitized text (folding would join the lines).
_FORGED_TURN = re.compile(
    r"(?:^|[\n.!?(\[{|]\s*)(?:#+\s*)?(?:system|assistant|developer|ai|bot|chatbot)\s*(?:message|prompt|note|notice|instructions?)?\s*:\s*\S"
    r"|[\"']role[\"']\s*:\s*[\"'](?:system|assistant|developer)[\"']",
    re.IGNORECASE,
)
_FORGED_WEIGHT = 0.6
# Obfuscation: base64 runs that decode to text, and leetspeak (digits for letters inside words).
_BASE64 = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")
_LEET_WORD = re.compile(r"\b(?=[a-z0-9@$]*[a-z])(?=[a-z0-9@$]*[0-9@$])[a-z0-9@$]{3,}\b", re.IGNORECASE)
_SPACED = re.compile(r"\b(?:\w {1,2}){3,}\w\b")  # "i g n o r e  a l l": letters spaced out
_HIDDEN_STYLE = re.compile(
    r"<[a-z]+[^<>]{0,200}(?:display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0|opacity\s*:\s*0(?:\.0+)?\b|"
    r"color\s*:\s*(?:#fff(?:fff)?|white|transparent))[^<>]{0,200}>\s*[^<\s][^<]{10,}",
    re.IGNORECASE,
)
_HIDDEN_WEIGHT = 0.6  # text styled so a reader does not see it is written for something else to read
_SPACED_OUT = re.compile(r"\b(?:[a-z] {1,2}){11,}[a-z]\b", re.IGNORECASE)  # 12+ letters spaced out
_SPACED_WEIGHT = 0.6  # no article spells its words letter by letter; a filter-dodging attack does
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})


def _decoded_base64(text: str) -> str:
    """The printable text that base64 runs in ``text`` decode to (an instruction smuggled encoded)."""
    found = []
    for run in _BASE64.findall(text)[:20]:
        try:
            raw = base64.b64decode(run + "=" * (-len(run) % 4), validate=True)
            decoded = raw.decode("utf-8")
        except (binascii.Error, ValueError):
            continue
        if decoded.isprintable() and sum(c.isalpha() or c == " " for c in decoded) >= 0.8 * len(decoded):
            found.append(decoded)
    return "\n".join(found)


def views(text: str, *, strip_markup: bool = True) -> list[str]:
    """The readings of ``text`` the screen checks (see the module docstring); the first is the
    sanitized text with markup kept."""
    if len(text) > _MAX_SCREEN_CHARS:  # linear either way; this bounds a hostile megabyte
        half = _MAX_SCREEN_CHARS // 2
        text = text[:half] + "\n" + text[-half:]
    decoded = _TAG_CHARS.sub(lambda m: "".join(chr(ord(c) - 0xE0000) for c in m.group()), text)
    kept = sanitize(decoded, strip_markup=False)
    out = [kept]
    if strip_markup and "<" in kept:
        out.append(_TAGS.sub("", kept))
    if _SPACED.search(kept):
        out.append(
            _SPACED.sub(lambda m: m.group().replace("  ", "\0").replace(" ", "").replace("\0", " "), kept)
        )
    if _LEET_WORD.search(kept):
        out.append(_LEET_WORD.sub(lambda m: m.group().translate(_LEET), kept))
    hidden = _decoded_base64(kept)
    if hidden:
        out.append(hidden)
    return out


# advice ("never share your PIN") and reports of what scammers do ("if someone asks you to pay with
# gift cards, ...") describe the attack; they do not make it
_NEGATION = re.compile(
    r"\b(?:never|not|don'?t|doesn'?t|won'?t|no one|nobody|no|without|nor|avoid|beware of|refuse|scam\w*|"
    r"fraudsters?|criminals?|impostors?|crooks|someone|anyone|pretend\w*|fake|"
    r"(?:emails?|texts?|messages?|calls?|callers?|letters?|sites?|websites?|pages?|links?) (?:asking|that asks?|which asks?|requesting|telling))\b"
)
_CLAUSE_END = re.compile(r"[.!?:;,\n]")


_WORD = re.compile(r"[\w'-]+")


def _negated(folded: str, start: int) -> bool:
    """A negation among the few words before ``start``, in the same clause: "never share your PIN",
    "if someone asks you to pay with gift cards". A condition further back ("if it does not work,
    install ...") does not negate."""
    before = folded[max(0, start - 64) : start]
    clause = _CLAUSE_END.split(before)[-1]
    words = _WORD.findall(clause)[-6:]
    return bool(_NEGATION.search(" ".join(words)))


def _fires(cue: _Cue, folded: str) -> bool:
    if not any(trigger in folded for trigger in cue.triggers):
        return False
    if not cue.negatable:
        return cue.pattern.search(folded) is not None
    return any(not _negated(folded, m.start()) for m in cue.pattern.finditer(folded))


_BLANKS = re.compile(r"[^\S\n]+")


def _fold(text: str) -> str:
    """The built-in rules' folding (lower case, look-alike letters) that keeps line breaks: a
    heading's end is a sentence's end for the cues."""
    return _BLANKS.sub(" ", text.lower().translate(_CONFUSABLES))


def phishing_score(text: str) -> tuple[float, str]:
    """The cues' noisy-or on ``text`` (already a view), and the strongest cue's reason."""
    folded = _fold(text)
    hits = [cue for cue in _CUES if _fires(cue, folded)]
    if not hits:
        return 0.0, ""
    strongest: dict[str, float] = {}
    for cue in hits:
        strongest[cue.reason] = max(cue.weight, strongest.get(cue.reason, 0.0))
    miss = 1.0
    for weight in strongest.values():
        miss *= 1.0 - weight
    return round(1.0 - miss, 4), max(hits, key=lambda cue: cue.weight).reason


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
    for view in views(text, strip_markup=settings.strip_markup):
        if not view.strip():
            continue
        score, reason = detector.score(view)
        score = min(1.0, max(0.0, float(score)))
        if score >= threshold and score > best:
            best, why = score, f"possible prompt injection: {reason or detector.name + ' detector'}"
        cue_score, cue_reason = phishing_score(view)
        for pattern, weight, reason in (
            (_FORGED_TURN, _FORGED_WEIGHT, "forges a conversation turn"),
            (_HIDDEN_STYLE, _HIDDEN_WEIGHT, "hides text from the reader"),
            (_SPACED_OUT, _SPACED_WEIGHT, "spells words out letter by letter"),
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
