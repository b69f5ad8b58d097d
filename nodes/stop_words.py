"""scikit-learn's English stop words, without importing scikit-learn.

The router's content check, the planner's "this clause only identifies the customer" test and the
output guard's lexical groundedness all use scikit-learn's maintained list
(``sklearn.feature_extraction.text.ENGLISH_STOP_WORDS``). Importing it the ordinary way imports
scikit-learn and scipy.stats (the better part of a second), which a crew that loads its routers
from the cache never needs otherwise. So the list is read, on first use, from the module that
defines it (``sklearn/feature_extraction/_stop_words.py``: one ``frozenset([...])`` literal),
parsed as a literal and never executed. If that file is not where it has been since scikit-learn
0.22, or no longer holds a plain literal, the constant is imported the ordinary way instead.
"""

from __future__ import annotations

import ast
import importlib.util
from functools import cache
from pathlib import Path

__all__ = ["english_stop_words"]

_NAME = "ENGLISH_STOP_WORDS"


def _from_source() -> frozenset[str] | None:
    spec = importlib.util.find_spec("sklearn")  # a top-level package: found without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "feature_extraction" / "_stop_words.py"
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, ValueError):
            continue
        for statement in tree.body:
            if not (isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call)):
                continue
            targets = [t.id for t in statement.targets if isinstance(t, ast.Name)]
            call = statement.value
            if _NAME in targets and isinstance(call.func, ast.Name) and call.func.id == "frozenset":
                try:
                    words = ast.literal_eval(call.args[0]) if len(call.args) == 1 else None
                except ValueError:
                    return None
                if isinstance(words, list | tuple | set) and all(isinstance(w, str) for w in words):
                    return frozenset(words)
                return None
    return None


@cache
def english_stop_words() -> frozenset[str]:
    """scikit-learn's ``ENGLISH_STOP_WORDS`` (read once per process)."""
    words = _from_source()
    if words:
        return words
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)
