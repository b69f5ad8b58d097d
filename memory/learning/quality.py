"""Data quality before training: counts, duplicates, conflicting near-duplicates, thin labels, a verdict.

Training on too little or too contradictory data is the first way a learning system goes wrong, so
``learn run`` refuses data whose verdict is ``fail``, with the reason:

* no examples, examples without text, or a single label (nothing to tell apart);
* more than ``max_conflict_share`` of the examples sit in near-duplicate pairs with different labels
  (the same request labelled two ways: a mistake or poisoning, and a router cannot learn both).

``warn`` (training goes on): exact duplicates, or labels with fewer than ``min_per_label`` examples.
Near-duplicates are pairs whose character-trigram TF-IDF vectors have cosine similarity of at least
``near`` (0.9: the same words with a typo or a changed ending; paraphrases score far lower).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from crewline.memory.learning.experiences import LabelledExample

__all__ = ["QualityReport", "check_examples"]

Verdict = Literal["pass", "warn", "fail"]


def _normal(text: str) -> str:
    """Case, punctuation and spacing do not make two requests different."""
    return " ".join(re.sub(r"[^\w\[\]]+", " ", text.lower()).split())


@dataclass(frozen=True)
class QualityReport:
    verdict: Verdict
    reasons: list[str]
    examples: int
    counts: dict[str, int]
    duplicates: int  # examples that repeat an earlier one (same text, same label)
    conflicts: list[tuple[str, str, str, str]] = field(
        default_factory=list
    )  # text a, label a, text b, label b
    thin_labels: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["conflicts"] = [
            {"text": a, "label": la, "other_text": b, "other_label": lb} for a, la, b, lb in self.conflicts
        ]
        return data


def _conflicting_pairs(examples: Sequence[LabelledExample], near: float) -> list[tuple[int, int]]:
    """Index pairs of near-duplicate texts with different labels."""
    texts = [_normal(e.text) for e in examples]
    if sum(len(text) >= 3 for text in texts) < 2:  # no two texts with a trigram: nothing to compare
        return []
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 3)).fit_transform(texts)
    similar = (vectors @ vectors.T).tocoo()  # rows are L2-normalised: the product is the cosine
    return [
        (int(i), int(j))
        for i, j, value in zip(similar.row, similar.col, similar.data, strict=True)
        if i < j and value >= near and examples[i].label != examples[j].label
    ]


def check_examples(
    examples: Sequence[LabelledExample],
    *,
    min_per_label: int = 3,
    near: float = 0.9,
    max_conflict_share: float = 0.05,
) -> QualityReport:
    """The quality report of ``examples`` (one kind of label: routes, or injection/benign)."""
    counts = dict(sorted(Counter(e.label for e in examples).items()))
    seen: set[tuple[str, str]] = set()
    duplicates = 0
    for example in examples:
        key = (_normal(example.text), example.label)
        duplicates += key in seen
        seen.add(key)
    pairs = _conflicting_pairs(examples, near)
    in_conflict = {index for pair in pairs for index in pair}
    conflicts = [(examples[i].text, examples[i].label, examples[j].text, examples[j].label) for i, j in pairs]
    thin = [label for label, count in counts.items() if count < min_per_label]
    reasons: list[str] = []
    verdict: Verdict = "pass"
    blank = sum(not _normal(e.text) for e in examples)
    if not examples:
        reasons.append("no labelled examples")
    elif blank:
        reasons.append(f"{blank} of {len(examples)} examples have no text")
    elif len(counts) < 2:
        reasons.append(f"one label only ({next(iter(counts))}): nothing to tell apart")
    share = len(in_conflict) / len(examples) if examples else 0.0
    if share > max_conflict_share:
        reasons.append(
            f"{len(in_conflict)} of {len(examples)} examples ({share:.0%}) are near-duplicates with "
            f"conflicting labels (limit {max_conflict_share:.0%})"
        )
    if reasons:
        verdict = "fail"
    else:
        warnings = _warnings(duplicates, thin, len(pairs), min_per_label)
        reasons, verdict = warnings, "warn" if warnings else "pass"
    return QualityReport(verdict, reasons, len(examples), counts, duplicates, conflicts, thin)


def _warnings(duplicates: int, thin: Sequence[str], conflicts: int, min_per_label: int) -> list[str]:
    found: list[str] = []
    if duplicates:
        found.append(f"{duplicates} duplicate example(s)")
    if thin:
        found.append(f"fewer than {min_per_label} examples: {', '.join(thin)}")
    if conflicts:
        found.append(f"{conflicts} near-duplicate pair(s) with conflicting labels")
    return found


def by_label_kind(examples: Sequence[LabelledExample]) -> dict[str, list[LabelledExample]]:
    """Examples grouped by kind (``route``, ``injection``)."""
    grouped: dict[str, list[LabelledExample]] = defaultdict(list)
    for example in examples:
        grouped[example.kind].append(example)
    return dict(grouped)
