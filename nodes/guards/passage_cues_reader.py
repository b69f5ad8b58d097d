# ruff: noqa: E501  (cue patterns read best on one line each)
"""The passage cues for what a text asks of whoever reads it: secrets, card data and money handed
over, links to "verify" through, gift cards and crypto, remote access, pressure, and text steering
an assistant toward the reader's data (read by :mod:`crewline.nodes.guards.passages` through
:mod:`crewline.nodes.guards.passage_cues`, which orders the tables).

Read on folded text (lower case, look-alike letters folded). Gaps are bounded word runs, so matching
stays linear in the input.
"""

from __future__ import annotations

from crewline.nodes.guards.passage_cue_kit import (
    ANY,
    CRED,
    DESTINATION,
    HAND,
    NUMBER,
    NUMBERS,
    PERSON,
    SECRET,
    SECRETS,
    SEND,
    URL,
    YOUR,
    Cue,
    cue,
)

__all__ = ["ASKED", "HANDED"]

# Secrets asked for, through a channel the reader is told to use; and what else a reader is asked.
ASKED: tuple[Cue, ...] = (
    cue(
        "asks the reader to send a secret (PIN, password, one-time code, CVV)",
        0.9,
        rf"\b{SEND}\b(?:[^\w.!?\n]+\w+){{0,6}}?[^\w.!?\n]+{YOUR}{SECRET}\b",
        negatable=True,
        triggers=SECRETS,
    ),
    cue(
        "asks the reader to reply with a secret",
        0.9,
        rf"\b(?:reply|respond|text back|write back|answer)\b(?:[^\w.!?\n]+\w+){{0,4}}?[^\w.!?\n]+(?:with|containing|including)[^\w.!?\n]+{ANY}{SECRET}\b",
        triggers=SECRETS,
        negatable=True,
    ),
    cue(
        "asks the reader to send card or account numbers",
        0.45,
        rf"\b{SEND}\b(?:[^\w.!?\n]+\w+){{0,6}}?[^\w.!?\n]+{YOUR}{NUMBER}\b",
        negatable=True,
        triggers=NUMBERS,
    ),
    cue(
        "asks for credentials or card data next to a link or address",
        0.9,
        rf"\b{YOUR}(?:{SECRET}|{NUMBER})\b[^.!?\n]{{0,160}}{DESTINATION}|{DESTINATION}[^.!?\n]{{0,160}}\b{YOUR}(?:{SECRET}|{NUMBER})\b",
        negatable=True,
        triggers=SECRETS + " " + NUMBERS,
    ),
    cue(
        "asks the reader to send a secret to a link, address or number",
        0.9,
        rf"\b{SEND}\b(?:[^\w.!?\n]+\w+){{0,3}}?[^\w.!?\n]+{ANY}{SECRET}\b[^.!?\n]{{0,80}}{DESTINATION}",
        negatable=True,
        triggers=SECRETS,
    ),
    cue(
        "asks to verify or unlock an account through a link",
        0.75,
        rf"\b(?:verify|confirm|validate|re-?validate|unlock|reactivate|re-?activate|restore|unsuspend|secure|authenticate|re-?authenticate|log ?in|sign ?in)\b(?:[^\w.!?\n]+\w+){{0,3}}?[^\w.!?\n]+(?:your|ur)\W+(?:\w+\W+){{0,2}}?(?:account|identity|card|access|profile|details|information|info|payment|wallet)\b[^.!?\n]{{0,120}}{URL}",
        negatable=True,
        triggers="verif confirm valid unlock activat restor suspend secure authentic log sign",
    ),
    cue(
        "sends the reader to a link to verify, unlock or claim",
        0.75,
        rf"(?:click|tap|visit|go to|open|follow)\b[^.!?\n]{{0,80}}{URL}[^.!?\n]{{0,80}}\b(?:verify|confirm|validate|unlock|reactivate|restore|avoid (?:suspension|closure|losing)|claim|secure your)\b|\b(?:click|tap)\b(?:[^\w.!?\n]+\w+){{0,3}}?[^\w.!?\n]+(?:here|this link|the link below|the link)\b[^.!?\n]{{0,80}}\b(?:verify|confirm|validate|unlock|reactivate|restore|claim)\b",
        negatable=True,
        triggers="click tap visit go open follow",
    ),
    cue(
        "asks for payment by gift card, crypto or wire to a stranger",
        0.8,
        r"\b(?:pay|paying|payable|payments?|send|buy|purchase|settle|transfer|fees?)\b(?:[^\w.!?\n]+\w+){0,8}?[^\w.!?\n]+(?:(?:apple|google play|amazon|steam|itunes|visa|prepaid)\W+)?(?:gift ?cards?|itunes cards?|google play cards?|steam cards?|bitcoin|btc|crypto(?:currency)?|usdt|western union|moneygram)\b",
        negatable=True,
        triggers="gift itunes play steam bitcoin btc crypto usdt western moneygram",
    ),
    cue(
        "asks for payment to a crypto wallet",
        0.8,
        r"\b(?:usdt|bitcoin|btc|eth|ether|crypto(?:currency)?|tether)\b(?:[^\w.!?\n]+\w+){0,8}?[^\w.!?\n]+(?:pay|payments?|send|transfer|deposit)\b|\b(?:send|transfer|pay|deposit)\b(?:[^\w.!?\n]+\w+){0,6}?[^\w.!?\n]+(?:to|into)\W+(?:the\W+|this\W+|our\W+)?(?:wallet|address)\W+(?=[a-z]*\d)[a-z0-9]{8,}\b",
        negatable=True,
        triggers="usdt bitcoin btc eth crypto tether wallet",
    ),
    cue(
        "asks for a PIN, CVV or one-time code next to a link (any language)",
        0.9,
        rf"\b(?:pin|cvv2?|cvc|otp|tan|iban)\b[^.!?\n]{{0,120}}{URL}|{URL}[^.!?\n]{{0,120}}\b(?:pin|cvv2?|cvc|otp|tan)\b",
        negatable=True,
        triggers="pin cvv cvc otp tan iban",
    ),
    cue(
        "asks to enter a secret on a page the text points to",
        0.9,
        rf"\b(?:enter|type|input|fill in|submit|confirm)\b(?:[^\w.!?\n]+\w+){{0,2}}?[^\w.!?\n]+{ANY}{SECRET}\b[^.!?\n]{{0,30}}\b(?:on|in|into|at)\W+(?:the|this|that|a|our)\W+(?:\w+\W+)?(?:page|site|website|form|portal|link)\b",
        negatable=True,
        triggers=SECRETS,
    ),
    cue(
        "asks to put personal data or the conversation into a link",
        0.8,
        r"\b(?:include|add|append|put|insert|embed|send|encode|attach)\b(?:[^\w.!?\n]+\w+){0,8}?[^\w.!?\n]+(?:the\W+)?(?:customer'?s?|user'?s?|their|client'?s?|caller'?s?|conversation|chat|messages?|history|transcript|email address|phone number)\b[^.!?\n]{0,80}\b(?:in|into|to|as)\W+(?:a|an|the|this)\W+(?:link|url|image|query|request|webhook)\b|{?(?:conversation|chat_history|history|transcript|user_data|email)}?\)|[?&][a-z0-9_]+=(?:\{\{?[a-z0-9_ .-]+\}\}?|<[a-z_ ]+>|\[[a-z_ ]+\]|%s|\$\{?[a-z_]+\}?|(?:conversation|history|transcript)\b)",
        triggers="conversation history transcript email phone user customer client caller chat message ?",
    ),
    cue(
        "directs AI assistants or bots",
        0.75,
        r"\b(?:ai|virtual|chat|digital)\W+(?:assistants?|agents?|helpers?)\b(?:[^\w.!?\n]+\w+){0,3}?[^\w.!?\n]+(?:must|should|shall|need to|are to|have to|will now|now|are required|are instructed)\b|\b(?:the |all |any )?(?:assistants?|assistant's|chat ?bots?|bots?|llms?|language models?|copilots?|gpts?)\b(?:[^\w.!?\n]+\w+){0,6}?[^\w.!?\n]+(?:must|should|shall|need to|are to|have to|will now|are required|are instructed)\b|\b(?:update|notice|note|instructions?|message|memo|policy) for (?:all |any )?(?:ai |virtual |chat )?(?:assistants?|chat ?bots?|bots?|llms?|language models?|copilots?)\b|(?:^|[.!?:]\s)(?:assistant|ai|bot|chatbot|model|copilot|gpt),\s",
        triggers="assistant ai bot llm model copilot gpt agent helper",
    ),
    cue(
        "claims authority to change the rules",
        0.6,
        r"\bthis is (?:the|your|a) (?:ceo|cto|ciso|president|founder|owner|administrator|admin|developer|security team|it department|system administrator|head of \w+)\b(?: speaking)?|\b(?:effective (?:immediately|now|today)|with immediate effect)\b[^.!?\n]{0,80}\b(?:must|all|every)\b",
        triggers="this is effective immediate",
    ),
    cue(
        "redirects payments to new bank details",
        0.75,
        r"\b(?:bank|account|payment|banking|wire) (?:details|information|info|instructions) (?:have|has) (?:changed|been updated)\b|\b(?:send|make|pay|wire|transfer)\b(?:[^\w.!?\n]+\w+){0,3}?[^\w.!?\n]+(?:to|into)\W+(?:the\W+|this\W+|our\W+|a\W+|the new\W+|our new\W+)?(?:iban|account number|sort code|routing number)\b",
        triggers="changed updated iban sort routing",
        negatable=True,
    ),
    cue(
        "asks the reader to give remote access to their device",
        0.8,
        r"\b(?:install|download|open|run)\W+(?:\w+\W+){0,2}?(?:anydesk|teamviewer|quicksupport|quick assist|supremo|rustdesk|ultraviewer|logmein|screen ?connect|remote (?:access|desktop|support) (?:app|tool|software))\b",
        triggers="anydesk teamviewer quicksupport quick supremo rustdesk ultraviewer logmein screen remote",
        negatable=True,
    ),
    cue(
        "threatens the account to make the reader act",
        0.4,
        r"\b(?:account|card|access|profile)\b(?:[^\w.!?\n]+\w+){0,3}?[^\w.!?\n]+(?:will|shall|may|is going to)\W+be\W+(?:permanently\W+)?(?:suspended|locked|closed|terminated|deleted|frozen|deactivated|disabled|blocked)\b[^.!?\n]{0,80}\b(?:unless|if you (?:do not|don'?t|fail)|within \d+|in \d+ (?:hours?|days?))\b",
        triggers="suspend lock close terminat delet froze deactivat disabl block",
    ),
    cue(
        "asks to move money to a 'safe' account",
        0.8,
        r"\b(?:transfer|move|wire)\b(?:[^\w.!?\n]+\w+){0,5}?[^\w.!?\n]+(?:to|into)\W+(?:a|our|the)\W+(?:safe|secure|protected|holding|new)\W+(?:account|wallet)\b",
        negatable=True,
        triggers="safe secure protected holding",
    ),
)

# A secret to a person, money to an account, card data to a page.
HANDED: tuple[Cue, ...] = (
    cue(
        "asks the reader to give a secret to a person",
        0.9,
        rf"\b{HAND}\b[^.!?\n]{{0,80}}?\b{CRED}\b[^.!?\n]{{0,80}}?\b{PERSON}|\b{HAND}\W+(?:them|him|her|the caller|the agent)\W+(?:\w+\W+){{0,4}}?{CRED}\b|\b{CRED}\b[^.!?\n]{{0,60}}?\b{HAND}\W+(?:it|them|this|that|these)\W+(?:\w+\W+){{0,1}}?(?:to|with)\W+{PERSON}",
        triggers=SECRETS + " " + NUMBERS,
        negatable=True,
    ),
    cue(
        "asks for money to be sent to an account",
        0.7,
        r"\b(?:send|wire|transfer|pay|return|deposit|move|refund|repay)\b(?:[^\w.!?\n]+\w+){0,8}?[^\w.!?\n]+(?:to|into)\W+(?:the\W+|this\W+|our\W+|a\W+|an\W+)?(?:(?:new|safe|secure|holding|following|below|external|temporary)\W+)?(?:account|iban|wallet)\W+(?:(?:number|no|#)\W*)?(?=[\w-]*\d)[\w-]{4,}",
        triggers="send wire transfer pay return deposit move refund repay",
        negatable=True,
    ),
    cue(
        "asks for card data on a page the text points to",
        0.9,
        rf"\b{ANY}{NUMBER}\b[^.!?\n]{{0,160}}{DESTINATION}|{DESTINATION}[^.!?\n]{{0,160}}\b{ANY}(?:{NUMBER}|security codes?|cvv2?|cvc)\b",
        triggers=NUMBERS + " security cvv cvc",
        negatable=True,
    ),
)
