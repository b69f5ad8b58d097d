"""One gated update of a crew's injection detector, from the requests people labelled injection or
benign: fit a candidate, measure it against the current detector on a frozen evaluation set, promote
or reject it, keep it either way (the router's update, :mod:`.train`, for the other kind of label).

* **Candidate**: the trainable detector (:mod:`crewline.nodes.guards.trained`: word and character
  n-grams plus one column per built-in rule and the built-in detector's score, so the rules' signals
  are features it weighs) fit on the labelled requests that are not held back, and on the crew's own
  example requests as benign ones.
  In service it flags what the crew's configured detector flags *or* what it learned
  (:class:`EitherDetector`): learning adds attacks, it never unlearns the built-in signals.
* **Current**: the crew's promoted learned detector, else the one its spec names (``builtin``).
* **Frozen evaluation set**: labelled rows the caller passes (the guard evaluation corpus the project
  measures detectors on, ``../shared/data/guard/injection_dev.jsonl``, for ``crewline learn run``)
  plus the held-back share of the labelled requests, chosen by a hash of each key (held back once,
  held back always, never trained on).
* **Guarded metrics** (higher is better): on each part, the share of attacks caught (``tpr``) and of
  benign requests let through (``tnr``). A candidate that catches more but blocks customers is
  rejected by the ``tnr`` it loses.

Versions live beside the router's, under ``<data dir>/learning/<crew>/injection/``, in the same
registry format (:class:`~crewline.memory.learning.registry.RouterRegistry`); the caller holds the
crew's learning lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from crewline.memory.learning.experiences import LabelledExample
from crewline.memory.learning.gate import GateDecision, decide
from crewline.memory.learning.quality import QualityReport, check_examples
from crewline.memory.learning.registry import (
    BASE,
    LearningError,
    RouterRegistry,
    VersionRecord,
    learning_root,
)
from crewline.nodes.guards.detector import DetectorError, InjectionDetector, load_detector
from crewline.nodes.guards.sanitize import sanitize
from crewline.nodes.guards.trained import TrainedDetector, train
from crewline.nodes.learning.train import held_back

__all__ = [
    "DETECTOR_GUARDED",
    "DetectorResult",
    "EitherDetector",
    "LabelledText",
    "current_detector",
    "detector_figures",
    "detector_registry",
    "learn_detector",
]

DETECTOR_GUARDED = ("guard_eval_tpr", "guard_eval_tnr", "experience_tpr", "experience_tnr")
MIN_PER_CLASS = 5  # what the trainable detector needs of each label to fit and pick its cut


@dataclass(frozen=True)
class LabelledText:
    text: str
    injection: bool


class EitherDetector:
    """Flags what the crew's own detector flags or what the learned model flags: the learned model
    adds the attacks people taught it and takes none of the built-in signals away. The score is the
    larger distance above either detector's own threshold, around 0.5 (0.5: the cut)."""

    name = "learned"
    threshold = 0.5

    def __init__(self, base: InjectionDetector, learned: TrainedDetector) -> None:
        self.base = base
        self.learned = learned

    def score(self, text: str) -> tuple[float, str]:
        base, reason = self.base.score(text)
        learned, learned_reason = self.learned.score(text)
        over_base, over_learned = base - self.base.threshold, learned - self.learned.threshold
        if over_learned > over_base:
            return round(min(1.0, max(0.0, 0.5 + over_learned)), 6), f"learned: {learned_reason}"
        return round(min(1.0, max(0.0, 0.5 + over_base)), 6), reason


@dataclass(frozen=True)
class DetectorResult:
    record: VersionRecord
    decision: GateDecision
    quality: QualityReport


def detector_registry(crew: str) -> RouterRegistry:
    """The versions of ``crew``'s learned injection detector (beside its router's)."""
    RouterRegistry(crew)  # the crew name is checked once, the same way
    return RouterRegistry("injection", root=learning_root() / crew)


def current_detector(registry: RouterRegistry, spec: str = "builtin") -> tuple[str, InjectionDetector]:
    """The registry's current version and its detector, else ``base`` and the one ``spec`` names."""
    version, artifact = registry.current()
    base = load_detector(spec)
    if artifact is None:
        return BASE, base
    return str(version), EitherDetector(base, TrainedDetector.load(artifact))


def _rates(detector: InjectionDetector, rows: Sequence[LabelledText]) -> tuple[float | None, float | None]:
    flagged = [(detector.score(sanitize(r.text))[0] >= detector.threshold, r.injection) for r in rows]
    attacks = [hit for hit, injection in flagged if injection]
    benign = [not hit for hit, injection in flagged if not injection]
    tpr = sum(attacks) / len(attacks) if attacks else None
    tnr = sum(benign) / len(benign) if benign else None
    return tpr, tnr


def detector_figures(
    detector: InjectionDetector, frozen: Sequence[LabelledText], held: Sequence[LabelledText]
) -> dict[str, float]:
    """``tpr``/``tnr`` of ``detector`` on the frozen rows (``guard_eval_``) and the held-back ones."""
    figures: dict[str, float] = {}
    for part, rows in (("guard_eval", frozen), ("experience", held)):
        tpr, tnr = _rates(detector, rows)
        if tpr is not None:
            figures[f"{part}_tpr"] = round(tpr, 4)
        if tnr is not None:
            figures[f"{part}_tnr"] = round(tnr, 4)
    return figures


def _split(
    examples: Sequence[LabelledExample], holdout: float
) -> tuple[list[LabelledText], list[LabelledText]]:
    rows = [(e.key, LabelledText(e.text, e.label == "injection")) for e in examples]
    train_rows = [row for key, row in rows if not held_back(key, holdout)]
    held = [row for key, row in rows if held_back(key, holdout)]
    return train_rows, held


def learn_detector(
    registry: RouterRegistry,
    experiences: Sequence[LabelledExample],
    frozen: Sequence[LabelledText],
    *,
    benign: Sequence[str] = (),
    spec: str = "builtin",
    holdout: float = 0.3,
    margin: float = 0.01,
    min_gain: float = 0.005,
) -> DetectorResult:
    """Fit, evaluate, gate and record one candidate detector (the caller holds the crew's lock).

    ``experiences``: the crew's labelled examples (only ``injection``-kind ones are used);
    ``frozen``: the fixed evaluation rows; ``spec``: the crew's configured detector (the current
    one while no learned version is promoted); ``benign``: requests known to be ordinary, trained on
    as benign beside the labels (``learn run`` passes the crew's own routing examples: without them a
    few dozen labels teach the candidate that whatever they did not show is suspect). Too few labels
    of either kind, or labels that fail the data checks, are refused with the reason; nothing is
    written then."""
    labelled = [e for e in experiences if e.kind == "injection" and e.label in ("injection", "benign")]
    quality = check_examples(labelled)
    if quality.verdict == "fail":
        raise LearningError(f"the injection labels fail the checks: {'; '.join(quality.reasons)}")
    train_rows, held = _split(labelled, holdout)
    attacks = sum(r.injection for r in train_rows)
    if min(attacks, len(train_rows) - attacks) < MIN_PER_CLASS:
        raise LearningError(
            f"too few injection labels to fit a detector for crew {registry.crew}: "
            f"{attacks} injection and {len(train_rows) - attacks} benign outside the held-back share, "
            f"{MIN_PER_CLASS} of each needed"
        )
    if not frozen and not held:
        raise LearningError("no evaluation rows for the injection detector: pass the guard evaluation file")
    try:
        rows = [*train_rows, *(LabelledText(text, False) for text in benign)]
        candidate = train([sanitize(r.text) for r in rows], [int(r.injection) for r in rows])
        baseline_version, current = current_detector(registry, spec)
    except DetectorError as exc:
        raise LearningError(str(exc)) from None
    figures = detector_figures(EitherDetector(load_detector(spec), candidate), frozen, held)
    baseline = detector_figures(current, frozen, held)
    decision = decide(figures, baseline, DETECTOR_GUARDED, margin=margin, min_gain=min_gain)
    record = VersionRecord.gated(
        decision,
        figures=figures,
        baseline=baseline,
        baseline_version=baseline_version,
        train_rows=len(rows),
        eval_rows=len(frozen) + len(held),
    )
    stored = registry.add_version(record, lambda path: _save(candidate, path), promote=decision.promote)
    return DetectorResult(stored, decision, quality)


def _save(detector: TrainedDetector, path: Path) -> None:
    detector.save(path)
