"""Consistent corrections: do people's disagreements with a route agree with each other?

A planner that is confidently wrong on a new kind of request (customers start asking about
umbrellas, the planner sends them to ``billing`` at 0.85) is corrected the same way every time: the
requests it got wrong look alike and people give them all the same route. Flipped labels (a broken
integration, a careless or hostile labeller) scatter instead: the clauses that carry a flipped label
are a random share of the clauses the planner sent to a route, no more like each other than like the
ones people confirmed.

The test, per route ``P`` the planner chose and label ``L`` people gave instead (a *group*, at least
:data:`MIN_GROUP` clauses): among every recorded clause the planner sent to ``P``, each group member's
most similar other clause (content words, cosine) is in the group how often? A group that is a
random share of ``P``'s clauses finds its members' nearest neighbours in it about as often as a
random subset of that size would (the null, drawn :data:`PERMUTATIONS` times); a new kind of request
finds them there nearly always. A group is *consistent* when chance reaches its count with a
probability below :data:`ALPHA` divided by the number of groups tested (Bonferroni: one update tests
many groups).

What it cannot tell apart: a labeller who relabels one kind of request consistently (every request
that mentions umbrellas to ``rates``) looks like an honest correction, because it is one in form.
Relabels keyed on a word outside the request's content (a place name, an id) are not consistent here:
the similarity weighs the request's other words, which still match clauses people confirmed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

import numpy as np
from scipy import sparse

__all__ = ["ALPHA", "MIN_GROUP", "PERMUTATIONS", "consistent_groups"]

MIN_GROUP = 5  # disagreements of one planned -> label kind before they can be judged consistent
ALPHA = 0.01  # the chance a random group passes, shared among the groups one update tests
PERMUTATIONS = 4000  # random groups the observed one is compared with (p down to 1/4001)
_TIE = 1e-9
_CHUNK = 512  # similarity rows computed at once
_BATCH = 500  # random groups drawn at once


def _vectors(texts: Sequence[str]) -> sparse.csr_matrix:
    """Rows of content-word presence, L2-normalised (stop words out: "my", "the" say nothing about
    which kind of request it is; presence, not counts or rarity, so a shared rare word, a place or a
    name, does not outweigh the rest of the request)."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.preprocessing import normalize

    try:
        counts = CountVectorizer(binary=True, stop_words="english").fit_transform(texts)
    except ValueError:  # no content word in any text
        return sparse.csr_matrix((len(texts), 1), dtype=np.float64)
    return sparse.csr_matrix(normalize(counts.astype(np.float64)))


def _neighbour_weights(texts: Sequence[str]) -> sparse.csr_matrix:
    """``W[i, j]``: the share of ``i``'s nearest other texts that ``j`` is (ties share the weight; a
    text with no content word has every other text as its neighbour)."""
    vectors = _vectors(texts)
    rows: list[sparse.csr_matrix] = []
    for start in range(0, len(texts), _CHUNK):
        similar = (vectors[start : start + _CHUNK] @ vectors.T).toarray()
        own = np.arange(similar.shape[0])
        similar[own, own + start] = -np.inf
        nearest = similar >= similar.max(axis=1, keepdims=True) - _TIE
        nearest[own, own + start] = False
        counts = nearest.sum(axis=1, keepdims=True)
        rows.append(sparse.csr_matrix(nearest / np.where(counts > 0, counts, 1)))
    return sparse.csr_matrix(sparse.vstack(rows))


def _p_value(weights: sparse.csr_matrix, members: np.ndarray, rng: np.random.Generator) -> float:
    """How often a random subset of the same size has at least the members' count of nearest
    neighbours inside it (one-sided permutation test)."""
    size, n = int(members.sum()), members.size
    observed = float(members @ (weights @ members))
    reached = 0
    for start in range(0, PERMUTATIONS, _BATCH):
        batch = min(_BATCH, PERMUTATIONS - start)
        draws = np.argsort(rng.random((batch, n)), axis=1)[:, :size]
        masks = np.zeros((batch, n), dtype=np.float64)
        np.put_along_axis(masks, draws, 1.0, axis=1)
        counts = (np.asarray(weights @ masks.T).T * masks).sum(axis=1)
        reached += int(np.count_nonzero(counts >= observed - _TIE))
    return (1 + reached) / (1 + PERMUTATIONS)


def consistent_groups(
    clauses: Sequence[tuple[str, str, str]], *, seed: int = 0
) -> dict[tuple[str, str], list[int]]:
    """The consistent groups among ``(text, planned route, label)`` clauses: ``{(planned, label):
    indices into clauses}`` (see the module doc). Deterministic for one ``seed``."""
    by_planned: dict[str, list[int]] = defaultdict(list)
    for index, (_, planned, _) in enumerate(clauses):
        by_planned[planned].append(index)
    candidates: list[tuple[str, str, list[int]]] = []
    for planned, indices in by_planned.items():
        groups: Mapping[str, list[int]] = _by_label(clauses, indices, planned)
        candidates += [(planned, label, members) for label, members in groups.items()]
    if not candidates:
        return {}
    rng = np.random.default_rng(seed)
    limit = ALPHA / len(candidates)
    found: dict[tuple[str, str], list[int]] = {}
    weights_of: dict[str, np.ndarray] = {}
    for planned, label, members in candidates:
        indices = by_planned[planned]
        if len(members) == len(indices):
            continue  # nothing the planner sent there was confirmed: no other clauses to compare with
        if planned not in weights_of:
            weights_of[planned] = _neighbour_weights([clauses[i][0] for i in indices])
        mask = np.isin(np.asarray(indices), members).astype(np.float64)
        if _p_value(weights_of[planned], mask, rng) < limit:
            found[(planned, label)] = members
    return found


def _by_label(
    clauses: Sequence[tuple[str, str, str]], indices: Sequence[int], planned: str
) -> dict[str, list[int]]:
    """The disagreements among ``indices`` by the label people gave, groups of :data:`MIN_GROUP` or more."""
    groups: dict[str, list[int]] = defaultdict(list)
    for index in indices:
        label = clauses[index][2]
        if label != planned:
            groups[label].append(index)
    return {label: members for label, members in groups.items() if len(members) >= MIN_GROUP}
