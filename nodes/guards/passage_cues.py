# ruff: noqa: E501  (cue patterns read best on one line each)
"""The passage guard's cue table: what only matters in text from outside (see
:mod:`crewline.nodes.guards.passages`, which reads it).

Cues are read on folded text (lower case, look-alike letters folded, line breaks kept); each fires
only when one of its trigger substrings is in the text, so a benign passage runs few regexes. Gaps
are bounded runs of words within one sentence, so matching stays linear in the input and a cue never
joins two sentences. A ``negatable`` cue does not fire when a negation or a report of what scammers
do comes in the few words before it ("never share your PIN", "if someone asks you to pay with gift
cards"). The last three patterns are read on the unfolded text (folding would join the lines).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crewline.nodes.guards import multilingual as ml

__all__ = [
    "CUES",
    "FORGED_TURN",
    "FORGED_WEIGHT",
    "HIDDEN_STYLE",
    "HIDDEN_WEIGHT",
    "SPACED_OUT",
    "SPACED_WEIGHT",
    "Cue",
]

_URL = r"(?:https?://|www\.|(?<![a-z0-9-])[a-z0-9][a-z0-9-]{2,}(?:\.[a-z0-9-]+)*\.[a-z]{2,6}\b)"
_SECRET = r"(?:pins?|pin codes?|access codes?|remote access codes?|\d-digit codes?|codes? (?:we|i) (?:just )?sent you|passwords?|pass ?codes?|pass ?phrases?|one[- ]time (?:pass)?codes?|otps?|verification codes?|security codes?|sign[- ]in codes?|login codes?|cvv2?|cvc|card verification (?:value|code)|ssn|social security numbers?|online banking (?:login|credentials|password)|(?:login|sign[- ]in) (?:details|credentials|information)|credentials|username and password|user ?name and pass ?word|mother'?s maiden name)"
_NUMBER = r"(?:(?:full |complete |16[- ]digit |long )?(?:card|credit card|debit card|account|routing|bank account) numbers?|card details|payment details|bank details|banking details|billing details|expiry date)"
_SEND = r"(?:send|sending|email|e-mail|text|sms|reply with|respond with|reply to (?:this|the|our) (?:message|email|text|sms)(?: with)?|forward|share|submit|provide|disclose|give|tell|read out|read back|post|upload|dm|message|whatsapp)"

# A secret in any form a caller asks for, a verb that hands it over, and a person to hand it to.
_CRED = r"(?:(?:gift )?card (?:codes?|pins?)|passwords?|passcodes?|pass ?phrases?|pins?|pin codes?|cvv2?|cvc|security codes?|verification codes?|one[- ]time (?:pass)?codes?|otps?|authenticator (?:app )?codes?|(?:sms|text|login|sign[- ]in|access|auth|authentication|2fa|mfa|security|confirmation|(?:\d|four|five|six|seven|eight|nine)-digit) codes?|codes? (?:from|in|on) (?:your|the|our|that|this|a) (?:authenticator|text|sms|app|email|message|phone|token|alert)|card numbers?|card details|online banking (?:login|password|credentials|details)|credentials|social security numbers?|ssn)"
_HAND = r"(?:give|giving|tell|read|reading|say|send|share|email|text|provide|disclose|submit|hand|forward|spell|repeat|quote|confirm|verify|dictate|pass)"
_PERSON = r"(?:(?:(?:to|with|for)\W+)?(?:(?:the|our|a|an|your|any)\W+)?(?:(?:fraud|security|support|verification|customer)\W+)?(?:agents?|callers?|specialists?|representatives?|reps?|officers?|advisors?|advisers?|team|investigators?|person|technicians?|engineers?|couriers?|staff|employees?|analysts?|operators?|whoever (?:calls|answers|asks)|when (?:asked|they ask|prompted))\b|\b(?:them|him|her) (?:the|your|a)\b|\b(?:to|at)\W+(?:\w+\W+){0,4}?(?:\d{5,6}\b|\+?\d[\d -]{9,}\d))"


@dataclass(frozen=True)
class Cue:
    reason: str
    weight: float
    pattern: re.Pattern[str]
    negatable: bool = False  # "never share your PIN" is advice, not a request
    triggers: tuple[str, ...] = ()  # the cue is tried only when one of these is in the text


def _cue(reason: str, weight: float, pattern: str, *, triggers: str, negatable: bool = False) -> Cue:
    return Cue(reason, weight, re.compile(pattern), negatable, tuple(triggers.split()))


_SECRETS = (
    "pin password passcode passphrase otp code cvv cvc ssn social credential login sign-in maiden username"
)
_NUMBERS = "number details expiry"


# A link, an address, a short code. An address starts where its run of characters starts (the
# lookbehind): tried inside the run too, a long run without "@" was re-read from every position.
_DESTINATION = rf"(?:{_URL}|(?<![\w.+-])[\w.+-]+@[\w-]+\.[\w.]+|\b(?:to|at) \d{{5,6}}\b)"
# between two words of one sentence. A word is a run of \w (an apostrophe or a hyphen separates):
# were "-" and "'" both word and gap characters, a run of dashes would split in exponentially many ways
_GAP = r"[^\w.!?\n]+"
_YOUR = rf"(?:your|ur|the customer'?s|their){_GAP}(?:\w+{_GAP}){{0,3}}?"
_ANY = rf"(?:your|ur|the customer'?s|their|the|this|that|a|any){_GAP}(?:\w+{_GAP}){{0,3}}?"

# Read on folded text (lower case, look-alike letters folded). Gaps are bounded word runs, so
# matching stays linear in the input.
CUES: tuple[Cue, ...] = (
    # -- phishing: secrets asked for, through a channel the reader is told to use ------------------
    _cue(
        "asks the reader to send a secret (PIN, password, one-time code, CVV)",
        0.9,
        rf"\b{_SEND}\b(?:[^\w.!?\n]+\w+){{0,6}}?[^\w.!?\n]+{_YOUR}{_SECRET}\b",
        negatable=True,
        triggers=_SECRETS,
    ),
    _cue(
        "asks the reader to reply with a secret",
        0.9,
        rf"\b(?:reply|respond|text back|write back|answer)\b(?:[^\w.!?\n]+\w+){{0,4}}?[^\w.!?\n]+(?:with|containing|including)[^\w.!?\n]+{_ANY}{_SECRET}\b",
        triggers=_SECRETS,
        negatable=True,
    ),
    _cue(
        "asks the reader to send card or account numbers",
        0.45,
        rf"\b{_SEND}\b(?:[^\w.!?\n]+\w+){{0,6}}?[^\w.!?\n]+{_YOUR}{_NUMBER}\b",
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
        rf"\b{_SEND}\b(?:[^\w.!?\n]+\w+){{0,3}}?[^\w.!?\n]+{_ANY}{_SECRET}\b[^.!?\n]{{0,80}}{_DESTINATION}",
        negatable=True,
        triggers=_SECRETS,
    ),
    _cue(
        "asks to verify or unlock an account through a link",
        0.75,
        rf"\b(?:verify|confirm|validate|re-?validate|unlock|reactivate|re-?activate|restore|unsuspend|secure|authenticate|re-?authenticate|log ?in|sign ?in)\b(?:[^\w.!?\n]+\w+){{0,3}}?[^\w.!?\n]+(?:your|ur)\W+(?:\w+\W+){{0,2}}?(?:account|identity|card|access|profile|details|information|info|payment|wallet)\b[^.!?\n]{{0,120}}{_URL}",
        negatable=True,
        triggers="verif confirm valid unlock activat restor suspend secure authentic log sign",
    ),
    _cue(
        "sends the reader to a link to verify, unlock or claim",
        0.75,
        rf"(?:click|tap|visit|go to|open|follow)\b[^.!?\n]{{0,80}}{_URL}[^.!?\n]{{0,80}}\b(?:verify|confirm|validate|unlock|reactivate|restore|avoid (?:suspension|closure|losing)|claim|secure your)\b|\b(?:click|tap)\b(?:[^\w.!?\n]+\w+){{0,3}}?[^\w.!?\n]+(?:here|this link|the link below|the link)\b[^.!?\n]{{0,80}}\b(?:verify|confirm|validate|unlock|reactivate|restore|claim)\b",
        negatable=True,
        triggers="click tap visit go open follow",
    ),
    _cue(
        "asks for payment by gift card, crypto or wire to a stranger",
        0.8,
        r"\b(?:pay|paying|payable|payments?|send|buy|purchase|settle|transfer|fees?)\b(?:[^\w.!?\n]+\w+){0,8}?[^\w.!?\n]+(?:(?:apple|google play|amazon|steam|itunes|visa|prepaid)\W+)?(?:gift ?cards?|itunes cards?|google play cards?|steam cards?|bitcoin|btc|crypto(?:currency)?|usdt|western union|moneygram)\b",
        negatable=True,
        triggers="gift itunes play steam bitcoin btc crypto usdt western moneygram",
    ),
    _cue(
        "asks for payment to a crypto wallet",
        0.8,
        r"\b(?:usdt|bitcoin|btc|eth|ether|crypto(?:currency)?|tether)\b(?:[^\w.!?\n]+\w+){0,8}?[^\w.!?\n]+(?:pay|payments?|send|transfer|deposit)\b|\b(?:send|transfer|pay|deposit)\b(?:[^\w.!?\n]+\w+){0,6}?[^\w.!?\n]+(?:to|into)\W+(?:the\W+|this\W+|our\W+)?(?:wallet|address)\W+(?=[a-z]*\d)[a-z0-9]{8,}\b",
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
        rf"\b(?:enter|type|input|fill in|submit|confirm)\b(?:[^\w.!?\n]+\w+){{0,2}}?[^\w.!?\n]+{_ANY}{_SECRET}\b[^.!?\n]{{0,30}}\b(?:on|in|into|at)\W+(?:the|this|that|a|our)\W+(?:\w+\W+)?(?:page|site|website|form|portal|link)\b",
        negatable=True,
        triggers=_SECRETS,
    ),
    _cue(
        "asks to put personal data or the conversation into a link",
        0.8,
        r"\b(?:include|add|append|put|insert|embed|send|encode|attach)\b(?:[^\w.!?\n]+\w+){0,8}?[^\w.!?\n]+(?:the\W+)?(?:customer'?s?|user'?s?|their|client'?s?|caller'?s?|conversation|chat|messages?|history|transcript|email address|phone number)\b[^.!?\n]{0,80}\b(?:in|into|to|as)\W+(?:a|an|the|this)\W+(?:link|url|image|query|request|webhook)\b|{?(?:conversation|chat_history|history|transcript|user_data|email)}?\)|[?&][a-z0-9_]+=(?:\{\{?[a-z0-9_ .-]+\}\}?|<[a-z_ ]+>|\[[a-z_ ]+\]|%s|\$\{?[a-z_]+\}?|(?:conversation|history|transcript)\b)",
        triggers="conversation history transcript email phone user customer client caller chat message ?",
    ),
    _cue(
        "directs AI assistants or bots",
        0.75,
        r"\b(?:ai|virtual|chat|digital)\W+(?:assistants?|agents?|helpers?)\b(?:[^\w.!?\n]+\w+){0,3}?[^\w.!?\n]+(?:must|should|shall|need to|are to|have to|will now|now|are required|are instructed)\b|\b(?:the |all |any )?(?:assistants?|assistant's|chat ?bots?|bots?|llms?|language models?|copilots?|gpts?)\b(?:[^\w.!?\n]+\w+){0,6}?[^\w.!?\n]+(?:must|should|shall|need to|are to|have to|will now|are required|are instructed)\b|\b(?:update|notice|note|instructions?|message|memo|policy) for (?:all |any )?(?:ai |virtual |chat )?(?:assistants?|chat ?bots?|bots?|llms?|language models?|copilots?)\b|(?:^|[.!?:]\s)(?:assistant|ai|bot|chatbot|model|copilot|gpt),\s",
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
        r"\b(?:bank|account|payment|banking|wire) (?:details|information|info|instructions) (?:have|has) (?:changed|been updated)\b|\b(?:send|make|pay|wire|transfer)\b(?:[^\w.!?\n]+\w+){0,3}?[^\w.!?\n]+(?:to|into)\W+(?:the\W+|this\W+|our\W+|a\W+|the new\W+|our new\W+)?(?:iban|account number|sort code|routing number)\b",
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
        r"\b(?:account|card|access|profile)\b(?:[^\w.!?\n]+\w+){0,3}?[^\w.!?\n]+(?:will|shall|may|is going to)\W+be\W+(?:permanently\W+)?(?:suspended|locked|closed|terminated|deleted|frozen|deactivated|disabled|blocked)\b[^.!?\n]{0,80}\b(?:unless|if you (?:do not|don'?t|fail)|within \d+|in \d+ (?:hours?|days?))\b",
        triggers="suspend lock close terminat delet froze deactivat disabl block",
    ),
    _cue(
        "asks to move money to a 'safe' account",
        0.8,
        r"\b(?:transfer|move|wire)\b(?:[^\w.!?\n]+\w+){0,5}?[^\w.!?\n]+(?:to|into)\W+(?:a|our|the)\W+(?:safe|secure|protected|holding|new)\W+(?:account|wallet)\b",
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
        rf"\b(?:{_SEND}|confirm|verify|read|say|repeat|spell)\b(?:[^\w.!?\n]+\w+){{0,3}}?[^\w.!?\n]+{_ANY}{_SECRET}\b[^.!?\n]{{0,40}}\b(?:with|to|for) (?:the|our|an?|your) (?:agent|caller|representative|rep|team|officer|specialist|advisor|adviser|investigator|courier|technician|engineer)\b|\bcall\b[^.!?\n]{{0,40}}\d{{3}}-\d{{4}}\b[^.!?\n]{{0,60}}\b(?:confirm|verify|give|provide|tell|read|say|enter)\b(?:[^\w.!?\n]+\w+){{0,3}}?[^\w.!?\n]+{_ANY}{_SECRET}\b",
        negatable=True,
        triggers=_SECRETS,
    ),
    _cue(
        "tells the model to call a tool",
        0.45,  # developer docs say "call the get_user function with ...": a cue, not proof
        r"\b(?:call|invoke|run|execute|trigger|use)\W+(?:the\W+)?[a-z]+_[a-z_]+\b(?:\W+(?:tool|function))?(?:[^\w.!?\n]+\w+){0,4}?[^\w.!?\n]+(?:for|on|with)\b",
        triggers="_",
    ),
    _cue(
        "asks to decode hidden text and follow it",
        0.7,
        r"\b(?:decode|decrypt|translate|unscramble|base64[- ]decode|rot13)\b(?:[^\w.!?\n]+\w+){0,4}?[^\w.!?\n]+(?:and|then)\W+(?:follow|execute|obey|do|run|carry out|act on|apply)\b",
        triggers="decode decrypt translat unscramble base64 rot13",
    ),
    _cue(
        "names a system prompt (any language)",
        0.9,
        r"\b(?:system\w*|sistem\w*|systeem\w*|systém\w*|systèm\w*|συστ\w*)[ -]?prompt\w*|\bprompt\w*\W+(?:\w+\W+)?(?:system\w*|sistem\w*|systém\w*|systèm\w*|systeem\w*)\b",
        triggers="prompt",
    ),
    # -- text about the answering itself: whoever reads, processes or answers from this text --------
    _cue(
        "addresses whatever reads or answers from the text",
        0.8,
        r"\b(?:whoever|anyone|anybody|anything|any (?:system|tool|program|reader|model|assistant|ai|bot|software)|every (?:system|tool|program|reader|model|assistant)|the (?:system|tool|program|software|helper|reader|model|assistant|ai|bot|crawler|parser|summari[sz]er)s?)\W+(?:(?:that|who|which)\W+)?(?:is\W+|are\W+)?(?:reads?|reading|process(?:es|ing)?|answers?|answering|summari[sz](?:es|ing|e)|parses?|parsing|index(?:es|ing)?|ingest(?:s|ing)?|scrap(?:es|ing|e)|handl(?:es|ing|e)|receiv(?:es|ing|e))\b(?:[^\w.!?\n]+\w+){0,4}?[^\w.!?\n]+(?:this|these|the following)\W+(?:page|text|article|document|content|passage|section|file|data|message|faq|entry|note)s?\b",
        triggers="whoever anyone anybody anything any every the",
    ),
    _cue(
        "sets rules for answers made from the text",
        0.8,
        r"\b(?:every|each|all|any)\W+(?:answers?|repl(?:y|ies)|responses?|summar(?:y|ies)|outputs?)\W+(?:\w+\W+){0,2}?(?:generated|produced|derived|drawn|created|written|composed|built|given)\W+(?:from|using|based on|with)\b|\b(?:by|when|while|before)\W+(?:answering|responding|replying|summari[sz]ing)\W+(?:\w+\W+){0,3}?(?:from|using|based on|about)\W+(?:this|these)\W+(?:page|text|article|document|content|passage|section|faq)s?\b|\b(?:summari[sz]e|describe|present|paraphrase|rewrite|report|render)\W+(?:this|the)\W+(?:page|text|article|document|content|passage|section)\W+as\b",
        triggers="every each all any answering responding replying summari describe present paraphrase rewrite report render",
    ),
    _cue(
        "writes to automated readers",
        0.8,
        r"\b(?:summary|note|notice|instructions?|message|memo|guidance|directive|update)\W+(?:for|to)\W+(?:all\W+|any\W+)?(?:automated|automatic|machine|ai|llm|bots?|crawlers?|scrapers?|tools?|summari[sz]ers?|indexers?|models?|agents?|readers? other than)\b|\b(?:automated|automatic)\W+(?:tools?|systems?|readers?|agents?|assistants?|summari[sz]ers?|crawlers?|bots?|processors?|services?)\b(?:[^\w.!?\n]+\w+){0,4}?[^\w.!?\n]*(?::|\b(?:must|should|shall|need to|are to|are (?:\w+ly )?(?:instructed|required|obliged|expected))\b)",
        triggers="automated automatic machine ai llm bot crawler scraper tool summari indexer model agent reader",
    ),
    _cue(
        "binds an AI to terms or orders",
        0.8,
        r"\b(?:the|this|any|every|our|an?)\W+(?:ai|a\.i\.|assistant|chat ?bot|bot|model|llm|language model|helper)\W+(?:hereby\W+)?(?:agrees?|accepts?|consents?|acknowledges?|undertakes|is (?:required|instructed|permitted|allowed|authori[sz]ed|obliged|expected|bound)|has (?:agreed|accepted|consented|been instructed))\b",
        triggers="ai a.i. assistant bot model llm helper",
    ),
    _cue(
        "overrides the rest of the source",
        0.7,
        r"\b(?:whatever|regardless of what|no matter what|irrespective of what|even if)\W+(?:the\W+)?(?:rest\W+of\W+)?(?:this|the|other|any)\W+(?:\w+\W+){0,2}?(?:page|text|article|document|sources?|passages?|instructions?|polic(?:y|ies)|agreement|sections?)\W+(?:says?|said|states?|shows?|contains?)\b|\bthe (?:correct|real|true|only|right|official) answer (?:is|should be|must be|will be)\b",
        triggers="whatever regardless matter irrespective even answer",
    ),
    _cue(
        "dictates the form of the reply",
        0.6,
        rf"\b(?:reply|respond|answer|write|speak)\W+only\W+(?:in|with|using)\b|\b(?:end|finish|close|sign off)\W+(?:each\W+|every\W+|the\W+|your\W+)?(?:(?:reply|answer|response|message)\W+)?with\W+(?:a|the)\W+link\b|\b(?:add|append|include|insert|put)\W+(?:\w+\W+){{0,3}}?(?:link|url)\W+(?:to\W+)?{_URL}[^.!?\n]{{0,60}}\b(?:every|each|all|any|your)\W+(?:answers?|repl(?:y|ies)|responses?)\b",
        triggers="reply respond answer write speak end finish close sign add append include insert put",
    ),
    _cue(
        "asks to send conversation data to a link or image",
        0.8,
        rf"\b(?:render|display|load|show|fetch|open|request|embed|call)\W+(?:this|the|an?|following)\W+(?:image|link|url|pixel|address|picture)\b[^.!?\n]{{0,80}}\b(?:question|query|account|conversation|chat|messages?|history|transcript|name|email|phone|details|balance)\b|\b(?:append|add|include|attach|insert|put|encode)(?:ed)?\b[^.!?\n]{{0,60}}\b(?:question|query|account numbers?|conversation|chat|messages?|history|transcript|email|phone|balance)\b[^.!?\n]{{0,60}}(?:{_URL}|\b(?:image|link|url|pixel)\b)",
        triggers="render display load show fetch open request embed call append add include attach insert put encode",
    ),
    _cue(
        "tells the model to hide what it does",
        0.7,
        r"\b(?:do not|don'?t|never|without)\W+(?:ever\W+)?(?:mention|reveal|disclose|tell|inform|show|acknowledge|explain|reference|cite)\w*\W+(?:the\W+)?(?:this|these|that|above|following)?\W*(?:rule|instruction|note|notice|directive|step|function|tool call|link)s?\b|(?:^|[.!?:;]\s+|\band\s+|\bthen\s+)(?:silently|secretly|covertly|quietly|invisibly)\W+(?:call|run|execute|invoke|send|add|include|insert|append|forward|submit|trigger)\b|\b(?:call|run|execute|invoke|send|forward|trigger)\W+(?:\w+\W+){0,4}?(?:silently|secretly|covertly|without (?:telling|informing|notifying|asking|showing) (?:the )?(?:user|customer|reader|them))\b",
        triggers="mention reveal disclose tell inform show acknowledge explain reference cite silently secretly covertly quietly invisibly without",
    ),
    _cue(
        "sets rules for every answer",
        0.45,  # "we include a reference in every reply" is a help centre's own promise
        r"\b(?:every|each|all|any)\W+(?:answers?|repl(?:y|ies)|responses?|summar(?:y|ies))\W+(?:\w+\W+){0,4}?(?:must|should|shall|needs? to|has to|have to|is required|are required)\b|\b(?:in|into|to|with)\W+(?:every|each|all|any)\W+(?:answers?|repl(?:y|ies)|responses?|summar(?:y|ies))\b|\b(?:filled|fill|completed?|populated?|replaced?)\W+(?:in\W+)?(?:\w+\W+){0,2}?(?:from|with|using)\W+(?:the\W+)?(?:conversation|chat|transcript|user'?s? (?:message|question|data)|customer'?s? (?:message|question|data|details))\b",
        triggers="every each all any fill complet populat replac",
    ),
    _cue(
        "wishes aloud for what the model should say",
        0.8,
        r"\bif (?:the |an? |our |your )?(?:assistant|ai|a\.i\.|bot|chat ?bot|model|llm|virtual agent|helper)\W+(?:also\W+|just\W+|always\W+|simply\W+)?(?:mentioned|said|told|recommended|suggested|included|added|pointed|explained|noted|linked|shared|offered|advised|directed|asked|gave|reminded|answered|replied)\b|\b(?:would|it'?d)\W+(?:\w+\W+)?(?:help|be (?:great|helpful|nice|best|useful|ideal|appreciated|good))\W+(?:\w+\W+){0,6}?if (?:the |an? )?(?:assistant|ai|bot|chat ?bot|model|llm|helper)\b",
        triggers="assistant ai a.i. bot model llm agent helper",
    ),
    _cue(
        "tells the model what to say when a user asks",
        0.6,
        r"\b(?:if|when|whenever|once)\W+(?:the|a|any)\W+(?:user|customer|client|caller|visitor|person)s?\W+(?:\w+\W+){0,2}?(?:asks?|says?|mentions?|wants?|requests?|writes?|types?|inquires?|enquires?|complains?)\b[^.!?\n]{0,160}?\b(?:tell|say|answer|respond|reply|recommend|inform|advise|direct|instruct|suggest|offer|send|give)\W+(?:them|him|her|the user|the customer|that|this)\b",
        triggers="user customer client caller visitor person",
    ),
    _cue(
        "asks the reader to install software from a link",
        0.45,  # "download our app at kestrel.example/app" is a bank's own link
        rf"\b(?:install|download|get|set up)\W+(?:\w+\W+){{0,5}}?(?:app|application|software|tool|program|client|extension|apk|helper|viewer|agent)\W+(?:\w+\W+){{0,2}}?(?:from|at|via|on)\W+{_URL}",
        triggers="install download get set",
    ),
    _cue(
        "asks for money to be sent by a payment app or to an address",
        0.75,
        rf"\b(?:send|wire|transfer|pay|move|deposit|remit|return)\b(?:[^\w.!?\n]+\w+){{0,8}}?[^\w.!?\n]+(?:by|via|with|through|using|on)\W+(?:zelle|venmo|paypal|cash ?app|wise|revolut|western union|moneygram|wire transfer|bank transfer|crypto\w*|bitcoin)\b[^.!?\n]{{0,40}}(?:\bto\W+)?(?:{_DESTINATION}|\b(?:account|wallet|phone|number)\b)",
        triggers="zelle venmo paypal cash wise revolut western moneygram wire bank crypto bitcoin",
        negatable=True,
    ),
    _cue(
        "shapes what answers must include",
        0.7,
        r"\b(?:summar(?:y|ies)|restatements?|paraphrases?|repl(?:y|ies)|responses?|answers?|explanations?)\b(?:\W+\w+){0,8}?\W+(?:shall|must|should|needs? to|are to|is to|have to|has to)\W+(?:always\W+)?(?:include|contain|mention|state|repeat|say|end with|begin with|start with|reference|quote|list|add)\b|\b(?:every|each|all|any)\W+(?:answers?|repl(?:y|ies)|responses?|messages?|summar(?:y|ies))\W+(?:that|which|where)\W+(?:mentions?|contains?|discuss(?:es)?|is about|are about|covers?|refers? to|touches on)\b|\b(?:reply|response|answer|output|message)_?(?:suffix|prefix|footer|header|template|append|postscript)\b",
        triggers="summar restatement paraphrase repl respons answer explanation message output",
    ),
    _cue(
        "keys a rule to what users say",
        0.45,  # "whenever a customer reports a lost card, we block it" describes a process
        r"\b(?:whenever|any ?time|every time|each time|if ever)\W+(?:a\W+|the\W+|any\W+)?(?:someone|customers?|users?|cardholders?|clients?|callers?|people|anyone|members?|visitors?)\W+(?:\w+\W+){0,2}?(?:asks?|mentions?|reports?|writes?|says?|requests?|inquires?|enquires?|wants?|brings up|raises?)\b|\b(?:to|for)\W+(?:any|every|each|all)\W+(?:customers?|users?|cardholders?|callers?|clients?|visitors?)\W+who\W+(?:\w+\W+){0,1}?(?:writes?|asks?|mentions?|says?|reports?|requests?)\b",
        triggers="whenever anytime any every each ever who",
    ),
    _cue(
        "hands the answerer wording or a contact to give out",
        0.45,
        r"\b(?:verbatim|word for word|as written|exactly as (?:written|shown|follows|below)|approved wording|for reuse|use this wording)\b|\b(?:the|this)\W+(?:number|link|address|site|website|wording|paragraph|answer|reply)\W+to\W+(?:give|provide|share|quote|use|send)\b|\b(?:link|number|address|url|site)\W+is\W+(?:always\W+)?(?:provided|given|shared|sent|quoted|offered)\W+(?:\w+\W+){0,2}?(?:whenever|when|to anyone|to customers|to users|to cardholders)\b",
        triggers="verbatim word written exactly approved reuse wording number link address site paragraph answer reply url",
    ),
    _cue(
        "asks to read a code back to someone",
        0.9,
        rf"\bread(?:ing)?\W+(?:(?:it|them|this|that)\W+)?(?:back|out)\b(?:[^\w.!?\n]+\w+){{0,4}}?[^\w.!?\n]+{_CRED}\b|\b{_CRED}\b[^.!?\n]{{0,60}}?\bread(?:ing)?\W+(?:it|them|this|that)\W+(?:back|out)\b",
        triggers=_SECRETS,
        negatable=True,
    ),
    _cue(
        "asks for a session code for someone who reaches out",
        0.8,  # a bank's co-browse reads the code "to the agent you called"; an attack's caller calls you
        rf"\b{_HAND}\b(?:[^\w.!?\n]+\w+){{0,4}}?[^\w.!?\n]+(?:(?:\d|four|five|six|seven|eight|nine)-digit\W+)?(?:session|pairing|connection|remote|support|access)\W+(?:ids?|codes?|numbers?|keys?)\b[^.!?\n]{{0,80}}\b(?:(?:who|that)\W+(?:calls?|reaches out(?: to)?|contacts?|texts?|messages?|emails?)\W+you|when\W+(?:the|they|our|a)\W+(?:\w+\W+)?(?:calls?|contacts?|reaches out|rings))\b",
        triggers="session pairing connection remote support access",
        negatable=True,
    ),
    _cue(
        "gives bank details to send money to",
        0.45,  # a bank's own wire instructions read the same; another cue must agree
        r"\b(?:transfer|wire|send|pay|deposit|remit|settle|accepted)\w*\b[^.!?\n]{0,160}\b(?:routing|account|iban|sort code|aba)\W+(?:number\W+|no\W+|#\W*)?\d{6,}",
        triggers="routing account iban sort aba",
        negatable=True,
    ),
    # -- a secret to a person, money to an account, card data to a page -------------------------------
    _cue(
        "asks the reader to give a secret to a person",
        0.9,
        rf"\b{_HAND}\b[^.!?\n]{{0,80}}?\b{_CRED}\b[^.!?\n]{{0,80}}?\b{_PERSON}|\b{_HAND}\W+(?:them|him|her|the caller|the agent)\W+(?:\w+\W+){{0,4}}?{_CRED}\b|\b{_CRED}\b[^.!?\n]{{0,60}}?\b{_HAND}\W+(?:it|them|this|that|these)\W+(?:\w+\W+){{0,1}}?(?:to|with)\W+{_PERSON}",
        triggers=_SECRETS + " " + _NUMBERS,
        negatable=True,
    ),
    _cue(
        "asks for money to be sent to an account",
        0.7,
        r"\b(?:send|wire|transfer|pay|return|deposit|move|refund|repay)\b(?:[^\w.!?\n]+\w+){0,8}?[^\w.!?\n]+(?:to|into)\W+(?:the\W+|this\W+|our\W+|a\W+|an\W+)?(?:(?:new|safe|secure|holding|following|below|external|temporary)\W+)?(?:account|iban|wallet)\W+(?:(?:number|no|#)\W*)?(?=[\w-]*\d)[\w-]{4,}",
        triggers="send wire transfer pay return deposit move refund repay",
        negatable=True,
    ),
    _cue(
        "asks for card data on a page the text points to",
        0.9,
        rf"\b{_ANY}{_NUMBER}\b[^.!?\n]{{0,160}}{_DESTINATION}|{_DESTINATION}[^.!?\n]{{0,160}}\b{_ANY}(?:{_NUMBER}|security codes?|cvv2?|cvc)\b",
        triggers=_NUMBERS + " security cvv cvc",
        negatable=True,
    ),
    # -- instruction override and prompt extraction, languages the English rules do not read --------
    _cue("asks to ignore prior instructions (non-English)", 0.92, ml.OVERRIDE, triggers=ml.OVERRIDE_TRIGGERS),
    _cue(
        "asks for the system prompt (non-English)", 0.92, ml.SYSTEM_PROMPT, triggers=ml.SYSTEM_PROMPT_TRIGGERS
    ),
    _cue(
        "asks to ignore prior instructions (non-English)", 0.92, ml.CJK_ANY, triggers=" ".join(ml.CJK_HINTS)
    ),
)

# A conversation turn forged inside data: a role label opening a line or a sentence, or a chat
# message as JSON. Read on the sanitized text (folding would join the lines).
FORGED_TURN = re.compile(
    r"(?:^|[\n.!?(\[{|\"'=]\s*)(?:#+\s*)?(?:system|assistant|developer|ai|bot|chatbot)\s*(?:message|prompt|note|notice|instructions?)?\s*:\s*\S"
    r"|[\"']role[\"']\s*:\s*[\"'](?:system|assistant|developer|tool|function|ipython)[\"']"
    r"|[\"'](?:(?:assistant|system|ai|model|llm|agent|bot)_?(?:instructions?|notes?|prompts?|directives?|messages?|commands?)"
    r"|function_call|tool_calls?|next_action)[\"']\s*:",
    re.IGNORECASE,
)
FORGED_WEIGHT = 0.6
# Obfuscation: base64 runs that decode to text, and leetspeak (digits for letters inside words).
HIDDEN_STYLE = re.compile(
    r"<[a-z]+[^<>]{0,200}(?:display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0|opacity\s*:\s*0(?:\.0+)?\b|"
    r"color\s*:\s*(?:#fff(?:fff)?|white|transparent))[^<>]{0,200}>\s*[^<\s][^<]{10,}",
    re.IGNORECASE,
)
HIDDEN_WEIGHT = 0.6  # text styled so a reader does not see it is written for something else to read
SPACED_OUT = re.compile(r"\b(?:[a-z] {1,2}){11,}[a-z]\b", re.IGNORECASE)  # 12+ letters spaced out
SPACED_WEIGHT = 0.6  # no article spells its words letter by letter; a filter-dodging attack does
