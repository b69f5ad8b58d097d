"""Static word vectors distilled from MiniLM, shipped with crewline: no torch, no download.

``from crewline.memory.word_vectors import word_vectors`` gives the process's table (loaded on first
use): ``vector(word)``, ``sentence(text)``, ``similar(word, k)``. See :mod:`.table` for what the
vectors are and :mod:`.build` for how the shipped table is regenerated.
"""

from __future__ import annotations

from crewline.memory.word_vectors.table import WordVectors

__all__ = ["WordVectors", "word_vectors"]

word_vectors = WordVectors()
