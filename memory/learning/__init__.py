"""Crews that learn: the experience store (turns, human decisions, feedback), labelled examples drawn
from it, data-quality checks, the versioned router registry and the promotion gate.

Fitting and evaluating routers lives in :mod:`crewline.nodes.learning` (it needs the planner's
router); this package holds what persists and what is plain data.
"""
