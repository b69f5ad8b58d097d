"""An age is not a duration: "how quickly" is not answered by "18 years old", and "how old" is.

A small hand-written article (not the demo's), offline (hashing embedder).
"""

from __future__ import annotations

import pytest

from crewline.memory.knowledge.index import KnowledgeBase
from crewline.memory.knowledge.loaders import Document
from crewline.tools.answering import draft_answer
from tests.support.knowledge import small_kb

ARTICLE = Document(
    "membership",
    "# Gym membership\n\n## Joining\n\nMembers must be 18 years old to join the gym on their own. "
    "Signing up takes 2 days once the first payment clears.\n",
)


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    return small_kb(tmp_path_factory, [ARTICLE])


@pytest.mark.parametrize(
    ("question", "starts"),
    [
        ("How quickly can members join the gym on their own?", "Signing up takes 2 days"),
        ("How old do members have to be to join the gym?", "Members must be 18 years old"),
    ],
)
def test_the_value_asked_for_picks_the_sentence(kb: KnowledgeBase, question: str, starts: str) -> None:
    draft = draft_answer(kb, question)
    assert draft.chosen and draft.chosen[0].text.startswith(starts), [c.text for c in draft.chosen]
