# ruff: noqa: E501  (patterns read best on one line each)
"""Prompt extraction: asks to show, repeat, send or translate the system prompt, the model's rules, the
text above, hidden instructions or a secret password.

A prompt, instructions or rules for a task in the world ("the instructions for a standing order") and
a system prompt only talked about are weak or no evidence. Linear patterns (see :mod:`.patterns`).
"""

from __future__ import annotations

from crewline.nodes.guards.rule_kit import Rule
from crewline.nodes.guards.rule_kit import make_rule as _rule

__all__ = ["EXTRACTION_RULES"]

_SECRET_TEXT = r"(?:prompt|pre-?prompt|instructions?|system message|system role|developer message|rule ?set|directives?|configuration(?! (?:options?|settings?|page|menu|screen|guide|wizard|steps?|file|panel|tab|for)\b)|initial message|initiali[sz]ation (?:text|prompt|message)|set-?up (?:text|prompt|message)|context window|hidden text|password|pass ?phrase|access code|secret)"
# "the instructions for a standing order", "the prompt I need to answer": a task's, not the model's
# (but "your rules about what you can say", "... on safety" are the model's own)
# people outside the model's makers whose instructions a customer asks about ("the instructions the
# pharmacist gave"); an engineer, a programmer or a team that "wrote the prompt" may be its makers
_THIRD_PARTY = r"(?:pharmacists?|doctors?|gps?|nurses?|dentists?|surgeons?|vets?|midwi(?:fe|ves)|physios?|therapists?|consultants?|specialists?|clinics?|hospitals?|pharmac(?:y|ies)|teachers?|tutors?|professors?|lecturers?|coach(?:es)?|instructors?|trainers?|schools?|landlords?|landlad(?:y|ies)|letting agents?|estate agents?|lawyers?|solicitors?|attorneys?|accountants?|advis[eo]rs?|employers?|bosses|boss|managers?|hr|council|courts?|judges?|officers?|inspectors?|examiners?|mechanics?|plumbers?|electricians?|builders?|contractors?|installers?|technicians?|couriers?|drivers?|airlines?|hotels?|sellers?|vendors?|manufacturers?|insurers?|mum|mom|dad|mother|father|wife|husband|partner|friend|neighbou?r|colleague|coworker)"
_FOR_A_TASK = rf"(?![^\w.!?\n]+(?:(?:for|on|about|regarding|from|of)\b(?! (?:this|the|our) (?:conversation|chat|session)\b| (?:what|how|which|when|whether|why) (?:you|the (?:assistant|model|ai|bot))\b| (?:your|yourself|safety|security|content|privacy|confidential\w*|secrets?|passwords?|disclos\w+|sharing|refusing|refusals?)\b)|to (?!me\b|us\b|you\b)|in (?:your|the|this|that|our) (?:help|article|letter|email|docs?|documentation|guide|faq|manual|app|website|portal)|i\b|we\b|(?:that|which)\b(?! (?:define|defines|govern|governs|control|controls|shape|shapes|guide|guides|determine|determines|drive|drives)\b)|when\b|asking\b|you (?:gave|sent|showed|told) (?:me|us)\b|(?:the|my|our|his|her|their|a|an) (?:[\w-]+ )?{_THIRD_PARTY} (?:gave|wrote|sent|left|issued|provided|printed|attached|posted|gives|writes)\b(?! you\b)))"
_REVEAL = r"(?:reply with|respond with|answer with|repeat|recite|paste|reproduce|quote|read out|spell out|echo(?: back)?|print|reveal|show|display|output|outputs|dump|leak|expose|share|list|relay|give|tell|write|type|translate|summari[sz]e|paraphrase|format|firmat|encode|spell|copy|echo|provide|disclose|return|convert|rewrite|state|tl;?dr|what (?:is|are|were|was)(?! (?:the |a |an )?(?:role|purpose|point|difference|use|meaning|function|goal|idea|job|effect|impact|benefit|advantage|risk|danger|length|size|format|structure|history|origin)s? (?:of|between|in|for|behind)\b))"

# "the rules above the door": a sign over a thing in the world, not the text above
_NOT_A_THING = r"(?! (?:the|a|an|my|our|each|every|your) (?:door|desk|sink|bed|entrance|counter|table|window|shelf|till|machine|sign|gate|stairs|lift|elevator|toilet|bathroom|kitchen|fireplace|oven|stove|printer|photo|picture|map|bar|reception|cashier|checkout)s?\b)"
_HIDDEN_ORDERS = r"(?:hidden|internal|initial|secret) (?:reasoning|configuration|config|instructions|rules|prompt|guidelines|parameters|notes|policy text|setup)"
# "find the phrase 'system prompt'", "the word 'instructions'": a quoted name, not the text itself
_NOT_A_NAME = r"(?!(?:phrase|phrases|word|words|term|terms|string|strings|keyword|keywords|expression|label|heading|title) ?[\"'“‘])"

EXTRACTION_RULES: tuple[Rule, ...] = (
    _rule(
        "extraction",
        "asks for the system prompt",
        0.9,
        "prompt prompts instructions message rules text setup set initialisation initialization role configuration directives",
        rf"\b{_REVEAL}\b\W+@GAP@(?<!\ba )(?<!\ban )(?:your|the|my|its|all|initial|original|hidden|secret|internal|system|pre|previous|above|prior|full|exact|entire|complete)\b[^\w.!?\n]*(?:{_NOT_A_NAME}\w+[^\w.!?\n]+){{0,3}}{_SECRET_TEXT}\b{_FOR_A_TASK}",
    ),
    _rule(
        "extraction",
        "asks for the system prompt",
        0.9,
        "system prompt message systemprompt instructions",
        r"\byour system[ _-]?(?:prompt|message|instructions)\b(?! (?:field|box|setting|settings|length|limit|editor|template|too long|section|option|parameter|feature|tab|input)\b)|\bsystemprompt\b",
    ),
    # ... or sent, included, seen or asked about: "send the system prompt to ...", "can I see the
    # system prompt?", "what's in the system prompt?", "what are the hidden rules?" (the writer's own
    # bot's is theirs: "how do I include the system prompt in my API call?")
    _rule(
        "extraction",
        "asks for the system prompt",
        0.9,
        "system prompt message instructions hidden internal initial secret",
        rf"\b(?:{_REVEAL}|send|e-?mail|mail|forward|include|attach|post|upload|see|view|read|access|fetch|obtain|extract|what(?:'s| is| are| was| were) (?:in|inside))\b (?:me |us |over |out |back |along )?(?:the|your|its|this|that) (?:(?:full|whole|entire|exact|complete|original|current|actual|real|bot'?s?|assistant'?s?|model'?s?) )?(?:system[ _-]?(?:prompt|message|instructions)|{_HIDDEN_ORDERS})\b(?! (?:field|box|setting|settings|length|limit|editor|template|too long|section|option|parameter|feature|tab|input)\b| (?:for|of|in|on) (?:my|our) (?:own )?(?:[\w-]+ )?(?:api|app|bot|gpt|assistant|agent|project|code|config|template|call|request|deployment|model|chatbot)s?\b)",
    ),
    # a system prompt talked about ("should this live in the system prompt?", "what is a system
    # prompt?"): developers and users name it all the time; only the model's own (above), or an ask
    # to show one (the _REVEAL rule), is strong evidence
    _rule(
        "extraction",
        "mentions a system prompt",
        0.3,
        "system prompt message instructions",
        r"(?<!\ba )(?<!\bmy )(?<!\bour )\bsystem[ _-]?(?:prompt|message|instructions)\b(?! (?:field|box|setting|settings|length|limit|editor|template|too long|section|option|parameter|feature|tab|input)\b)",
    ),
    _rule(
        "extraction",
        "asks for the model's rules",
        0.85,
        "rules ruleset guidelines",
        rf"\b{_REVEAL}\b\W+@GAP@your (?:\w+\W+){{0,2}}(?:rules|rule ?set|guidelines)\b{_FOR_A_TASK}|\b(?:rules|guidelines|instructions|policies) you (?:were given|follow|must follow|have been given|operate under|work under|run under|were configured with|are bound by)\b{_FOR_A_TASK}",
    ),
    _rule(
        "extraction",
        "asks for the system configuration",
        0.4,
        "system configuration config parameters",
        r"\bsystem(?:'s)? (?:configuration|config|parameters)\b",
    ),
    _rule(
        "extraction",
        "asks for the text above",
        0.85,
        "above previous preceding prior earlier far verbatim",
        rf"\byour (?:above|previous|preceding|prior|earlier) (?:words|text|lines|sentences|messages?|conversation|input)\b|\b(?:{_REVEAL}|continue|complete|finish|(?:start|begin|open|end|prefix) (?:your|the|each) (?:answer|reply|response|output|message) with)\b\W+@GAP@(?:(?:the|all|everything|what(?:'s| is| was)?) )?(?:(?:of )?the )?(?:(?:above|previous|preceding|prior|earlier) (?:words|text|lines|sentences|messages?|conversation|input)\b(?! (?:from|in|with|about|of|to|on|regarding)\b)|(?:prompt|instructions|rules|text|input|words) (?:so far|above|verbatim)\b{_NOT_A_THING}|conversation (?:above|verbatim)\b|(?:everything|anything|all) (?:written |said )?(?:above|before) (?:this|that|the|my) (?:line|point|message|sentence|request)\b)|\b(?:prompt|instructions|rules) (?:so far|above|verbatim)\b{_NOT_A_THING}",
    ),
    _rule(
        "extraction",
        "asks what the model was told",
        0.8,
        "given told received beginning initially",
        r"\b(?:instructions|prompt|text|rules|message) you (?:were|have been|got|received) (?:given|told|provided)?|\b(?:at|from) the (?:very )?(?:beginning|start) of (?:this|the|our) (?:conversation|chat|prompt)\b|\byou were given initially\b",
    ),
    _rule(
        "extraction",
        "asks for hidden reasoning or configuration",
        0.6,
        "hidden internal configuration initial",
        rf"\b(?:your|its|the (?:model|assistant|ai|bot)'?s?) (?:own )?{_HIDDEN_ORDERS}\b",
    ),
    # "chatbots can be tricked by hidden instructions in web pages": hidden orders as a topic
    _rule(
        "extraction",
        "mentions hidden instructions",
        0.3,
        "hidden internal configuration initial",
        rf"\b{_HIDDEN_ORDERS}\b",
    ),
    _rule(
        "extraction",
        "asks for the exact input",
        0.6,
        "exact input verbatim",
        r"\b(?:print|repeat|output|show|copy|write|return) (?:the |your |my )?(?:exact|full|entire|original|raw|complete) (?:input|prompt|text|instructions)\b",
    ),
    _rule(
        "extraction",
        "asks for a secret password",
        0.4,
        "password passphrase phrase code",
        r"\b(?:the|your|correct|secret) (?:password|pass ?phrase|passcode|access code)\b",
    ),
    # the password of a device or a network ("the admin password for the guest Wi-Fi") is the customer's
    # question about a thing in the world, not the model's secret
    _rule(
        "extraction",
        "asks for a secret password",
        0.6,
        "password passphrase phrase",
        r"\b(?:what is|what's|tell me|give me|reveal|say|print|show me|send me) (?:(?:the|your) (?:secret |admin |administrator |root |master )?|(?:admin|administrator|root|master) )(?:password|pass ?phrase)\b(?! (?:requirements?|policy|policies|rules|reset|manager|strength|field|length|change|expiry|hint|format|criteria)\b| (?:for|of|to|on) (?:the |our |my |your |a |this |that )?(?:[\w-]+ ){0,2}?(?:wi-?fi|wifi|router|modem|network|hotspot|printer|tv|laptop|computer|phone|tablet|console|camera)\b)|\bcorrect (?:password|pass ?phrase)\b",
    ),
)
