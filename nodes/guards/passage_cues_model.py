# ruff: noqa: E501  (cue patterns read best on one line each)
"""The passage cues for text written to the model rather than to the reader ("note to AI
assistants", "begin your reply with", a tool to call, a system prompt named) and for text about the
answering itself (rules for every answer made from the page, wishes for what an assistant should
say, wording to hand out); and the reader-directed cues written beside them (a secret for an
agent on a call, software to install, a payment app, a code read back, a session code for a caller,
bank details to pay to): the table's order names the reason when cues of equal weight fire
together, so a cue stays where it was added.

Read on folded text (lower case, look-alike letters folded). Gaps are bounded word runs, so matching
stays linear in the input.
"""

from __future__ import annotations

from crewline.nodes.guards.passage_cue_kit import (
    ANY,
    CRED,
    DESTINATION,
    HAND,
    SECRET,
    SECRETS,
    SEND,
    URL,
    Cue,
    cue,
)

__all__ = ["ADDRESSED", "ANSWERING"]

# Text addressed to the model, not to the reader.
ADDRESSED: tuple[Cue, ...] = (
    cue(
        "addresses an AI model reading the text",
        0.9,
        r"\b(?:if|when) you are (?:an? |the )?(?:ai|a\.i\.|artificial intelligence|language model|llm|large language model|chat ?bot|bot|assistant|virtual assistant|gpt|agent)\b|\b(?:note|message|instructions?|reminder|attention|notice|directive) (?:to|for) (?:the |any |all )?(?:ai|a\.i\.|language models?|llms?|chat ?bots?|bots?|ai assistants?|assistants?|agents?|models?|gpt)\b|\b(?:ai|llm|gpt|chat ?bot) (?:assistants?|agents?|models?)?\s*(?:reading|processing|summari[sz]ing|answering (?:from|with)) (?:this|these)\b",
        triggers="ai a.i. artificial llm model gpt bot assistant agent",
    ),
    cue(
        "tells the reader what to answer or output",
        0.6,
        r"\b(?:begin|start|open|end|finish|prefix|preface)\w*\W+(?:your|the|each|every)\W+(?:reply|response|answer|output)\W+(?:by|with)\b|\byou (?:must|have to|need to|are to)\W+(?:first\W+|now\W+|always\W+)?(?:output|print|say|respond|reply|answer|prepend)\b|\b(?:guidelines|rules|instructions|directives|configuration|policies)\W+(?:that\W+)?you\W+(?:operate|work|run|were given|follow|are following|obey)\b|\b(?:in your (?:answer|reply|response|summary)|when (?:answering|responding|replying|summari[sz]ing)|whenever (?:someone|a user|the user|anyone) asks)\b[^.!?\n]{0,60}\b(?:always|must|should|include|tell|say|reply|respond|recommend|insert|add|append|mention)\b",
        triggers="answer repl respon summar whenever begin start open end finish prefix preface output print you",
    ),
    cue(
        "asks the reader to give a secret to an agent or on a call",
        0.9,
        rf"\b(?:{SEND}|confirm|verify|read|say|repeat|spell)\b(?:[^\w.!?\n]+\w+){{0,3}}?[^\w.!?\n]+{ANY}{SECRET}\b[^.!?\n]{{0,40}}\b(?:with|to|for) (?:the|our|an?|your) (?:agent|caller|representative|rep|team|officer|specialist|advisor|adviser|investigator|courier|technician|engineer)\b|\bcall\b[^.!?\n]{{0,40}}\d{{3}}-\d{{4}}\b[^.!?\n]{{0,60}}\b(?:confirm|verify|give|provide|tell|read|say|enter)\b(?:[^\w.!?\n]+\w+){{0,3}}?[^\w.!?\n]+{ANY}{SECRET}\b",
        negatable=True,
        triggers=SECRETS,
    ),
    cue(
        "tells the model to call a tool",
        0.45,  # developer docs say "call the get_user function with ...": a cue, not proof
        r"\b(?:call|invoke|run|execute|trigger|use)\W+(?:the\W+)?[a-z]+_[a-z_]+\b(?:\W+(?:tool|function))?(?:[^\w.!?\n]+\w+){0,4}?[^\w.!?\n]+(?:for|on|with)\b",
        triggers="_",
    ),
    cue(
        "asks to decode hidden text and follow it",
        0.7,
        r"\b(?:decode|decrypt|translate|unscramble|base64[- ]decode|rot13)\b(?:[^\w.!?\n]+\w+){0,4}?[^\w.!?\n]+(?:and|then)\W+(?:follow|execute|obey|do|run|carry out|act on|apply)\b",
        triggers="decode decrypt translat unscramble base64 rot13",
    ),
    cue(
        "names a system prompt (any language)",
        0.9,
        r"\b(?:system\w*|sistem\w*|systeem\w*|systém\w*|systèm\w*|συστ\w*)[ -]?prompt\w*|\bprompt\w*\W+(?:\w+\W+)?(?:system\w*|sistem\w*|systém\w*|systèm\w*|systeem\w*)\b",
        triggers="prompt",
    ),
)

# Text about the answering itself: whoever reads, processes or answers from this text.
ANSWERING: tuple[Cue, ...] = (
    cue(
        "addresses whatever reads or answers from the text",
        0.8,
        r"\b(?:whoever|anyone|anybody|anything|any (?:system|tool|program|reader|model|assistant|ai|bot|software)|every (?:system|tool|program|reader|model|assistant)|the (?:system|tool|program|software|helper|reader|model|assistant|ai|bot|crawler|parser|summari[sz]er)s?)\W+(?:(?:that|who|which)\W+)?(?:is\W+|are\W+)?(?:reads?|reading|process(?:es|ing)?|answers?|answering|summari[sz](?:es|ing|e)|parses?|parsing|index(?:es|ing)?|ingest(?:s|ing)?|scrap(?:es|ing|e)|handl(?:es|ing|e)|receiv(?:es|ing|e))\b(?:[^\w.!?\n]+\w+){0,4}?[^\w.!?\n]+(?:this|these|the following)\W+(?:page|text|article|document|content|passage|section|file|data|message|faq|entry|note)s?\b",
        triggers="whoever anyone anybody anything any every the",
    ),
    cue(
        "sets rules for answers made from the text",
        0.8,
        r"\b(?:every|each|all|any)\W+(?:answers?|repl(?:y|ies)|responses?|summar(?:y|ies)|outputs?)\W+(?:\w+\W+){0,2}?(?:generated|produced|derived|drawn|created|written|composed|built|given)\W+(?:from|using|based on|with)\b|\b(?:by|when|while|before)\W+(?:answering|responding|replying|summari[sz]ing)\W+(?:\w+\W+){0,3}?(?:from|using|based on|about)\W+(?:this|these)\W+(?:page|text|article|document|content|passage|section|faq)s?\b|\b(?:summari[sz]e|describe|present|paraphrase|rewrite|report|render)\W+(?:this|the)\W+(?:page|text|article|document|content|passage|section)\W+as\b",
        triggers="every each all any answering responding replying summari describe present paraphrase rewrite report render",
    ),
    cue(
        "writes to automated readers",
        0.8,
        r"\b(?:summary|note|notice|instructions?|message|memo|guidance|directive|update)\W+(?:for|to)\W+(?:all\W+|any\W+)?(?:automated|automatic|machine|ai|llm|bots?|crawlers?|scrapers?|tools?|summari[sz]ers?|indexers?|models?|agents?|readers? other than)\b|\b(?:automated|automatic)\W+(?:tools?|systems?|readers?|agents?|assistants?|summari[sz]ers?|crawlers?|bots?|processors?|services?)\b(?:[^\w.!?\n]+\w+){0,4}?[^\w.!?\n]*(?::|\b(?:must|should|shall|need to|are to|are (?:\w+ly )?(?:instructed|required|obliged|expected))\b)",
        triggers="automated automatic machine ai llm bot crawler scraper tool summari indexer model agent reader",
    ),
    cue(
        "binds an AI to terms or orders",
        0.8,
        r"\b(?:the|this|any|every|our|an?)\W+(?:ai|a\.i\.|assistant|chat ?bot|bot|model|llm|language model|helper)\W+(?:hereby\W+)?(?:agrees?|accepts?|consents?|acknowledges?|undertakes|is (?:required|instructed|permitted|allowed|authori[sz]ed|obliged|expected|bound)|has (?:agreed|accepted|consented|been instructed))\b",
        triggers="ai a.i. assistant bot model llm helper",
    ),
    cue(
        "overrides the rest of the source",
        0.7,
        r"\b(?:whatever|regardless of what|no matter what|irrespective of what|even if)\W+(?:the\W+)?(?:rest\W+of\W+)?(?:this|the|other|any)\W+(?:\w+\W+){0,2}?(?:page|text|article|document|sources?|passages?|instructions?|polic(?:y|ies)|agreement|sections?)\W+(?:says?|said|states?|shows?|contains?)\b|\bthe (?:correct|real|true|only|right|official) answer (?:is|should be|must be|will be)\b",
        triggers="whatever regardless matter irrespective even answer",
    ),
    cue(
        "dictates the form of the reply",
        0.6,
        rf"\b(?:reply|respond|answer|write|speak)\W+only\W+(?:in|with|using)\b|\b(?:end|finish|close|sign off)\W+(?:each\W+|every\W+|the\W+|your\W+)?(?:(?:reply|answer|response|message)\W+)?with\W+(?:a|the)\W+link\b|\b(?:add|append|include|insert|put)\W+(?:\w+\W+){{0,3}}?(?:link|url)\W+(?:to\W+)?{URL}[^.!?\n]{{0,60}}\b(?:every|each|all|any|your)\W+(?:answers?|repl(?:y|ies)|responses?)\b",
        triggers="reply respond answer write speak end finish close sign add append include insert put",
    ),
    cue(
        "asks to send conversation data to a link or image",
        0.8,
        rf"\b(?:render|display|load|show|fetch|open|request|embed|call)\W+(?:this|the|an?|following)\W+(?:image|link|url|pixel|address|picture)\b[^.!?\n]{{0,80}}\b(?:question|query|account|conversation|chat|messages?|history|transcript|name|email|phone|details|balance)\b|\b(?:append|add|include|attach|insert|put|encode)(?:ed)?\b[^.!?\n]{{0,60}}\b(?:question|query|account numbers?|conversation|chat|messages?|history|transcript|email|phone|balance)\b[^.!?\n]{{0,60}}(?:{URL}|\b(?:image|link|url|pixel)\b)",
        triggers="render display load show fetch open request embed call append add include attach insert put encode",
    ),
    cue(
        "tells the model to hide what it does",
        0.7,
        r"\b(?:do not|don'?t|never|without)\W+(?:ever\W+)?(?:mention|reveal|disclose|tell|inform|show|acknowledge|explain|reference|cite)\w*\W+(?:the\W+)?(?:this|these|that|above|following)?\W*(?:rule|instruction|note|notice|directive|step|function|tool call|link)s?\b|(?:^|[.!?:;]\s+|\band\s+|\bthen\s+)(?:silently|secretly|covertly|quietly|invisibly)\W+(?:call|run|execute|invoke|send|add|include|insert|append|forward|submit|trigger)\b|\b(?:call|run|execute|invoke|send|forward|trigger)\W+(?:\w+\W+){0,4}?(?:silently|secretly|covertly|without (?:telling|informing|notifying|asking|showing) (?:the )?(?:user|customer|reader|them))\b",
        triggers="mention reveal disclose tell inform show acknowledge explain reference cite silently secretly covertly quietly invisibly without",
    ),
    cue(
        "sets rules for every answer",
        0.45,  # "we include a reference in every reply" is a help centre's own promise
        r"\b(?:every|each|all|any)\W+(?:answers?|repl(?:y|ies)|responses?|summar(?:y|ies))\W+(?:\w+\W+){0,4}?(?:must|should|shall|needs? to|has to|have to|is required|are required)\b|\b(?:in|into|to|with)\W+(?:every|each|all|any)\W+(?:answers?|repl(?:y|ies)|responses?|summar(?:y|ies))\b|\b(?:filled|fill|completed?|populated?|replaced?)\W+(?:in\W+)?(?:\w+\W+){0,2}?(?:from|with|using)\W+(?:the\W+)?(?:conversation|chat|transcript|user'?s? (?:message|question|data)|customer'?s? (?:message|question|data|details))\b",
        triggers="every each all any fill complet populat replac",
    ),
    cue(
        "wishes aloud for what the model should say",
        0.8,
        r"\bif (?:the |an? |our |your )?(?:assistant|ai|a\.i\.|bot|chat ?bot|model|llm|virtual agent|helper)\W+(?:also\W+|just\W+|always\W+|simply\W+)?(?:mentioned|said|told|recommended|suggested|included|added|pointed|explained|noted|linked|shared|offered|advised|directed|asked|gave|reminded|answered|replied)\b|\b(?:would|it'?d)\W+(?:\w+\W+)?(?:help|be (?:great|helpful|nice|best|useful|ideal|appreciated|good))\W+(?:\w+\W+){0,6}?if (?:the |an? )?(?:assistant|ai|bot|chat ?bot|model|llm|helper)\b",
        triggers="assistant ai a.i. bot model llm agent helper",
    ),
    cue(
        "tells the model what to say when a user asks",
        0.6,
        r"\b(?:if|when|whenever|once)\W+(?:the|a|any)\W+(?:user|customer|client|caller|visitor|person)s?\W+(?:\w+\W+){0,2}?(?:asks?|says?|mentions?|wants?|requests?|writes?|types?|inquires?|enquires?|complains?)\b[^.!?\n]{0,160}?\b(?:tell|say|answer|respond|reply|recommend|inform|advise|direct|instruct|suggest|offer|send|give)\W+(?:them|him|her|the user|the customer|that|this)\b",
        triggers="user customer client caller visitor person",
    ),
    cue(
        "asks the reader to install software from a link",
        0.45,  # "download our app at kestrel.example/app" is a bank's own link
        rf"\b(?:install|download|get|set up)\W+(?:\w+\W+){{0,5}}?(?:app|application|software|tool|program|client|extension|apk|helper|viewer|agent)\W+(?:\w+\W+){{0,2}}?(?:from|at|via|on)\W+{URL}",
        triggers="install download get set",
    ),
    cue(
        "asks for money to be sent by a payment app or to an address",
        0.75,
        rf"\b(?:send|wire|transfer|pay|move|deposit|remit|return)\b(?:[^\w.!?\n]+\w+){{0,8}}?[^\w.!?\n]+(?:by|via|with|through|using|on)\W+(?:zelle|venmo|paypal|cash ?app|wise|revolut|western union|moneygram|wire transfer|bank transfer|crypto\w*|bitcoin)\b[^.!?\n]{{0,40}}(?:\bto\W+)?(?:{DESTINATION}|\b(?:account|wallet|phone|number)\b)",
        triggers="zelle venmo paypal cash wise revolut western moneygram wire bank crypto bitcoin",
        negatable=True,
    ),
    cue(
        "shapes what answers must include",
        0.7,
        r"\b(?:summar(?:y|ies)|restatements?|paraphrases?|repl(?:y|ies)|responses?|answers?|explanations?)\b(?:\W+\w+){0,8}?\W+(?:shall|must|should|needs? to|are to|is to|have to|has to)\W+(?:always\W+)?(?:include|contain|mention|state|repeat|say|end with|begin with|start with|reference|quote|list|add)\b|\b(?:every|each|all|any)\W+(?:answers?|repl(?:y|ies)|responses?|messages?|summar(?:y|ies))\W+(?:that|which|where)\W+(?:mentions?|contains?|discuss(?:es)?|is about|are about|covers?|refers? to|touches on)\b|\b(?:reply|response|answer|output|message)_?(?:suffix|prefix|footer|header|template|append|postscript)\b",
        triggers="summar restatement paraphrase repl respons answer explanation message output",
    ),
    cue(
        "keys a rule to what users say",
        0.45,  # "whenever a customer reports a lost card, we block it" describes a process
        r"\b(?:whenever|any ?time|every time|each time|if ever)\W+(?:a\W+|the\W+|any\W+)?(?:someone|customers?|users?|cardholders?|clients?|callers?|people|anyone|members?|visitors?)\W+(?:\w+\W+){0,2}?(?:asks?|mentions?|reports?|writes?|says?|requests?|inquires?|enquires?|wants?|brings up|raises?)\b|\b(?:to|for)\W+(?:any|every|each|all)\W+(?:customers?|users?|cardholders?|callers?|clients?|visitors?)\W+who\W+(?:\w+\W+){0,1}?(?:writes?|asks?|mentions?|says?|reports?|requests?)\b",
        triggers="whenever anytime any every each ever who",
    ),
    cue(
        "hands the answerer wording or a contact to give out",
        0.45,
        r"\b(?:verbatim|word for word|as written|exactly as (?:written|shown|follows|below)|approved wording|for reuse|use this wording)\b|\b(?:the|this)\W+(?:number|link|address|site|website|wording|paragraph|answer|reply)\W+to\W+(?:give|provide|share|quote|use|send)\b|\b(?:link|number|address|url|site)\W+is\W+(?:always\W+)?(?:provided|given|shared|sent|quoted|offered)\W+(?:\w+\W+){0,2}?(?:whenever|when|to anyone|to customers|to users|to cardholders)\b",
        triggers="verbatim word written exactly approved reuse wording number link address site paragraph answer reply url",
    ),
    cue(
        "asks to read a code back to someone",
        0.9,
        rf"\bread(?:ing)?\W+(?:(?:it|them|this|that)\W+)?(?:back|out)\b(?:[^\w.!?\n]+\w+){{0,4}}?[^\w.!?\n]+{CRED}\b|\b{CRED}\b[^.!?\n]{{0,60}}?\bread(?:ing)?\W+(?:it|them|this|that)\W+(?:back|out)\b",
        triggers=SECRETS,
        negatable=True,
    ),
    cue(
        "asks for a session code for someone who reaches out",
        0.8,  # a bank's co-browse reads the code "to the agent you called"; an attack's caller calls you
        rf"\b{HAND}\b(?:[^\w.!?\n]+\w+){{0,4}}?[^\w.!?\n]+(?:(?:\d|four|five|six|seven|eight|nine)-digit\W+)?(?:session|pairing|connection|remote|support|access)\W+(?:ids?|codes?|numbers?|keys?)\b[^.!?\n]{{0,80}}\b(?:(?:who|that)\W+(?:calls?|reaches out(?: to)?|contacts?|texts?|messages?|emails?)\W+you|when\W+(?:the|they|our|a)\W+(?:\w+\W+)?(?:calls?|contacts?|reaches out|rings))\b",
        triggers="session pairing connection remote support access",
        negatable=True,
    ),
    cue(
        "gives bank details to send money to",
        0.45,  # a bank's own wire instructions read the same; another cue must agree
        r"\b(?:transfer|wire|send|pay|deposit|remit|settle|accepted)\w*\b[^.!?\n]{0,160}\b(?:routing|account|iban|sort code|aba)\W+(?:number\W+|no\W+|#\W*)?\d{6,}",
        triggers="routing account iban sort aba",
        negatable=True,
    ),
)
