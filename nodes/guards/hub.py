"""A place for a Hugging Face prompt-injection classifier, loaded from a local directory only.

``guards.detector: "hub:/models/deberta-v3-prompt-injection"`` loads the directory with
``transformers.pipeline("text-classification", ..., local_files_only=True)``; crewline never
downloads weights (bring the directory with you). ``transformers`` is imported on first use, so
crews that do not name a hub model do not need it. The label whose name says injection / jailbreak /
unsafe (or ``LABEL_1``) is the positive class.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

from crewline.nodes.guards.detector import DetectorError

__all__ = ["HubDetector"]

_POSITIVE = re.compile(r"injection|jailbreak|unsafe|malicious|attack|label_1", re.IGNORECASE)
MAX_CHARS = 4000  # classifiers see a bounded prefix; the rule detector reads everything


class HubDetector:
    """A local text-classification model behind the detector interface."""

    name = "hub"

    def __init__(self, path: Path, threshold: float = 0.5) -> None:
        if not path.is_dir():
            raise DetectorError(f"hub detector {path}: not a model directory")
        try:
            transformers = importlib.import_module("transformers")
        except ImportError:
            raise DetectorError(f"hub detector {path}: the 'transformers' package is not installed") from None
        try:
            self._pipeline: Any = transformers.pipeline(
                "text-classification", model=str(path), tokenizer=str(path), local_files_only=True, top_k=None
            )
        except Exception as exc:  # any loader failure is a configuration error, one line
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise DetectorError(f"hub detector {path}: cannot load the model ({first})") from None
        self.threshold = threshold
        self.path = path

    def score(self, text: str) -> tuple[float, str]:
        output = self._pipeline(text[:MAX_CHARS], truncation=True)
        scores = output[0] if output and isinstance(output[0], list) else output
        positive = max(
            (float(item["score"]) for item in scores if _POSITIVE.search(str(item["label"]))), default=0.0
        )
        return round(positive, 4), f"classifier {self.path.name}" if positive >= self.threshold else ""
