"""The default vocabulary prints by name. (A check that lowered the confidence of a question naming
another section heading's word, crewline.tools.answer_focus, was removed: heading words are everyday
words, "old", "night", "security", and it cost more right answers than it stopped wrong ones.)"""

from __future__ import annotations

import inspect

from crewline.graphs.knowledge import build_knowledge_graph
from crewline.memory.knowledge.vocabulary import ENGLISH, NO_VOCABULARY, Vocabulary


def test_the_default_vocabulary_shows_by_name_in_help() -> None:
    default = inspect.signature(build_knowledge_graph).parameters["vocabulary"].default
    assert default is ENGLISH  # behaviour unchanged: the shipped English lists
    assert repr(default) == "<the English vocabulary>"
    assert len(str(inspect.signature(build_knowledge_graph))) < 300  # not every list of it
    assert repr(NO_VOCABULARY) == "<no vocabulary>"
    assert repr(Vocabulary(groups=("gym club",), rewrites=(), bridges=(), shorthand={})).startswith(
        "Vocabulary(shorthand={}, rewrites=(), groups=('gym club',)"
    )
