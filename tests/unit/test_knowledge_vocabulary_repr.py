"""The default vocabulary prints by name in help(build_knowledge_graph), not as every list it holds."""

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
