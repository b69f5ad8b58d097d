# ruff: noqa: E501  (patterns read best on one line each)
"""Persona jailbreaks: named jailbreak personas, developer and "god" modes, a model without limits,
forbidden refusals, staying in character, two answers one unfiltered, a new identity.

Developer, debug and admin modes are product features too: they count when the model is put in one.
Linear patterns over the folded text unless ``cased`` (see :mod:`.patterns`).
"""

from __future__ import annotations

from crewline.nodes.guards.rule_kit import Rule
from crewline.nodes.guards.rule_kit import make_rule as _rule

__all__ = ["PERSONA_RULES"]

_DUAL_MODE = r"(?:developer|dev|debug|debugging|maintenance|admin|administrator|diagnostic) ?mode"
# a mode of a device, an app or a build, not of the model
_NOT_A_DEVICE = r"(?! (?:in|on|of|for|to) (?:the |your |our |my |this |a )?(?:[\w-]+ ){0,2}(?:app|apps|application|browser|phone|portal|dashboard|sdk|api|desktop|settings|testing|account|device|laptop|computer|router|server|android|iphone|ipad|pixel|samsung|windows|mac|macos|linux|chrome|firefox|games?|console|camera|printer|tv|car|site|website|repo|project|build|environment|staging|production|cluster|terminal|ide|editor|vs ?code|firmware)\b)"

PERSONA_RULES: tuple[Rule, ...] = (
    _rule(
        "persona",
        "names a jailbreak",
        0.35,
        "jailbreak jailbroken jailbreaking antigpt betterdan",
        r"\b(?:jailbreak|jailbroken|jailbreaking|antigpt|anti-gpt|betterdan|evil ?bot|devil ?gpt)\b",
    ),
    _rule(
        "persona",
        "names a jailbreak persona",
        0.6,
        "dan stan dude aim ucar",
        r"\b(?:DAN|STAN|DUDE|AIM|UCAR)\b(?!['-])",
        cased=True,
    ),
    _rule("persona", "role-play jailbreak", 0.95, "anything now", r"\bdo anything now\b"),
    _rule(
        "persona",
        "switches on a developer mode",
        0.85,
        "mode enabled",
        rf"(?<!\ba )(?<!\bany )\b(?:god|sudo|unrestricted|unfiltered|uncensored|evil|chaos|opposite|jailbreak|jailbroken|dan) ?mode\b{_NOT_A_DEVICE}",
    ),
    # developer, debug, maintenance and admin modes are also product features ("our developer mode
    # toggle", "to run in debug mode, set DEBUG=1"): they count when the model is put in one (you are
    # in it, enter it, simulate it, a reply tagged with it) or one is declared on
    _rule(
        "persona",
        "switches on a developer mode",
        0.85,
        "mode enabled",
        rf"\b(?:you(?:'re| are| were| was|'d be| would be)?(?: now)? (?:in|into|running in|operating in)|enter(?:ing)?|switch(?:ing)? (?:in)?to|go(?:ing)? into|put yourself (?:in|into)|simulat(?:e|ing)|with) (?:the |a |full )?{_DUAL_MODE}\b{_NOT_A_DEVICE}|\b{_DUAL_MODE} ?(?:[:=]|=>|->|is|was|has been|have been|got|now)? ?(?:now )?(?:on|enabled|activated|engaged|unlocked|active|true|turned on|switched on)(?= ?(?:[.,;:!)\]\n-]|$|and\b))|[\[(] ?{_DUAL_MODE}(?: output)? ?[\])]|(?:^|[.!?\n:;] ?)(?:please )?(?:now )?(?:enable|activate|turn on|switch on|unlock|initiate|(?:run|operate|continue|respond|answer|reply) in) (?:the )?{_DUAL_MODE}\b{_NOT_A_DEVICE}",
    ),
    _rule(
        "persona",
        "mentions a developer mode",
        0.35,
        "mode",
        rf"(?<!\ba )(?<!\bany )\b{_DUAL_MODE}\b{_NOT_A_DEVICE}",
    ),
    _rule(
        "persona",
        "describes itself without limits",
        0.3,
        "unfiltered uncensored unrestricted unmonitored unsupervised amoral unethical unbound unlimited limitless unchained unhinged lawless",
        r"\b(?:unfiltered|uncensored|unrestricted|unmonitored|unsupervised|amoral|unethical|unbound|unlimited|limitless|unchained|unhinged|lawless)\b",
    ),
    _rule(
        "persona",
        "removes the model's limits",
        0.6,
        "without free no not bound restrictions",
        r"\b(?:without|free (?:of|from)|no|not (?:bound|restricted|restrained|limited|constrained|held back|governed) by|none of|regardless of|doesn'?t (?:care|follow)|does not (?:care|follow)|don'?t have to follow|ignores?)\b\W+@GAP@(?:restrictions|filters?|filtering|censorship|limits|limitations|boundaries|rules|morals?|morality|ethics|ethical guidelines|guidelines|policies|content polic(?:y|ies)|safeguards|constraints|prohibitions|programming)\b",
    ),
    _rule(
        "persona",
        "asks to break the rules",
        0.45,
        "break breaks breaking",
        r"\bbreak(?:s|ing)? (?:the |all |any |ai |openai'?s? |your |its |those )?(?:rules|guidelines|policies|restrictions)\b",
    ),
    _rule(
        "persona",
        "asks to ignore ethics or law",
        0.5,
        "regardless irrespective",
        r"\b(?:regardless|irrespective) of\b\W+@GAP@(?:ethic(?:s|al)|legal(?:ity)?|moral(?:s|ity)?|laws?|consequences|harm)\b",
    ),
    _rule(
        "persona",
        "forbids refusals",
        0.75,
        "refuse refusal refusing never cannot can't decline",
        r"\b(?:never|not|cannot|can'?t|can ?not|won'?t|will not|must not|mustn'?t|unable to) (?:ever )?(?:refuse|decline|deny|reject)\b|\bno (?:refusals?|warnings?|disclaimers?)\b|\bwithout (?:any )?(?:warnings?|disclaimers?)\b",
    ),
    _rule(
        "persona",
        "asks to stay in character",
        0.5,
        "character persona",
        r"\b(?:break(?:ing)?|out of|never break) (?:in )?character\b|\bpersona ?=|\b(?:stay|remain|staying|keep up the) (?:in )?character\b(?:,? (?:no matter what|whatever (?:happens|i say|i ask)|at all costs|even if|regardless|always|forever|until i say))",
    ),
    # "stay in character as the pirate captain for my kid's story" asks for a role-play, which the
    # framing rule counts; only held against refusals ("no matter what", above) is it a jailbreak's
    _rule(
        "persona",
        "asks to stay in character",
        0.3,
        "character",
        r"\b(?:stay|remain|staying|keep up the) (?:in )?character\b",
    ),
    # a persona the model was given, dropped for another: "drop the persona you were given; you are now ..."
    _rule(
        "persona",
        "asks to drop the model's assigned persona",
        0.7,
        "persona role character identity",
        r"\b(?:drop|abandon|forget|ditch|shed|discard|leave|exit|quit|break out of|step out of|lose)\b (?:the |your )?(?:assigned |current |original |default |usual )?(?:persona|role|character|identity)\b (?:you (?:were|have been|'ve been) (?:given|assigned)|you(?:'re| are) (?:playing|given)|assigned to you|(?:your|the) (?:operators?|developers?|company|creators?) gave you)",
    ),
    _rule(
        "persona",
        "invokes the provider's content policy",
        0.6,
        "openai policy policies content",
        r"\b(?:openai|content) (?:content )?polic(?:y|ies)\b|\bopenai'?s? (?:rules|guidelines|restrictions)\b",
    ),
    _rule(
        "persona",
        "asks for two answers, one unfiltered",
        0.6,
        "responses answers paragraphs ais chatbots personas",
        r"\btwo (?:different |separate |distinct )?(?:responses|answers|paragraphs|outputs|styles|ways|personalities)\b|\b(?:be|are|as|play|become|simulate) two (?:different |separate )?(?:ais|a\.i\.s|chatbots|personas|assistants|characters)\b|\b(?:respond|answer|reply) as both\b|\[🔒|\[🔓|\(🔒|\(🔓",
    ),
    _rule(
        "persona",
        "redefines the model as another AI",
        0.3,
        "you now act pretend roleplay simulate",
        r"\b(?:you are now|you're now|from now on,? you|you will now|act as|pretend (?:to be|you are|that you)|roleplay as|role-?play as|simulate|you will be|take up the persona|respond as|answer as)\b\W+@GAP@(?:ai|gpt|chatgpt|model|assistant|bot|chatbot|llm|machine|system)\b",
    ),
    _rule(
        "persona",
        "assigns the model a new identity",
        0.45,
        "now name called role persona going",
        r"\b(?:you are now|you're now|from now on,? you(?:'re| are| will be)|your (?:new )?name is now|you now go by|you will (?:now )?(?:take on|assume|adopt|play) the (?:role|persona|identity)|you are going to (?:act|pretend|be|play)|you're going to (?:act|pretend|be|play)|take (?:up|on) the (?:persona|role) of)\b",
    ),
    _rule(
        "persona",
        "claims the model can do anything",
        0.45,
        "anything everything",
        r"\b(?:can|could|will|able to) (?:do|say|write|generate|answer) (?:anything|everything)\b|\banything and everything\b",
    ),
    _rule(
        "persona",
        "addresses the model as ChatGPT",
        0.25,
        "chatgpt gpt",
        r"\b(?:chat ?gpt|gpt-?[345](?:\.5)?)\b",
    ),
    _rule(
        "persona",
        "asks for NSFW or profane output",
        0.3,
        "nsfw explicit swear swearing profanity",
        r"\b(?:nsfw|sexually explicit|swear(?:ing)? (?:a lot|constantly|in every)|use profanity)\b",
    ),
    _rule(
        "persona",
        "hands the model a new identity for the rest of the chat",
        0.3,
        "now on rest",
        r"\bfrom now on\b|\bfor the rest of (?:this|the|our) (?:conversation|chat|session)\b",
    ),
    _rule(
        "persona",
        "asks for harmful content without ethics",
        0.5,
        "illegal harmful offensive",
        r"\b(?:illegal|harmful|offensive|explicit|dangerous)\b.{0,60}\b(?:content|activities|requests?|answers?|anything)\b",
    ),
)
