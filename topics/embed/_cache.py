"""On-disk embedding cache: each text is embedded once per model, ever.

Layout::

    <cache_dir>/<sha256(identity)[:24]>/
        identity.json                       the full identity, for humans
        shard-<ns>-<pid>-<random>.safetensors
            keys     uint8 (n, 32)   SHA-256 of each text in UTF-8
            vectors  float32 (n, dim)

Shards are append-only and written atomically (temporary file, fsync,
``os.replace``), so a run killed while embedding keeps every shard flushed so
far, and two processes can fill the same cache: names are unique and readers
only list ``shard-*.safetensors``, never the dot-prefixed temporary files. The
index is built from the ``keys`` tensors alone (about 6 MB for 200k texts) and
vectors are read only from shards that hold a requested text.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from safetensors import SafetensorError, safe_open
from safetensors.numpy import save
from tqdm.auto import tqdm

from topics._io import atomic_write_bytes
from topics.embed._base import Embedder, text_key

__all__ = ["EmbedStats", "EmbeddingCache", "embed_texts"]

logger = logging.getLogger("topics.embed")

_FORMAT = "topics.embedding-cache.v1"
_KEY_BYTES = 32


@dataclass(frozen=True, slots=True)
class EmbedStats:
    """What one :func:`embed_texts` call did.

    Attributes
    ----------
    n_total : int
        Texts requested.
    n_unique : int
        Distinct texts among them; a duplicate is embedded once.
    n_cached : int
        Distinct texts read from the cache.
    n_computed : int
        Distinct texts encoded by the model (``n_cached + n_computed == n_unique``).
    seconds : float
        Wall time of the call.
    """

    n_total: int
    n_unique: int
    n_cached: int
    n_computed: int
    seconds: float


class EmbeddingCache:
    """Vectors of one embedder identity, stored as append-only safetensors shards.

    Parameters
    ----------
    root : Path
        The cache directory shared by all models (``embedding.cache_dir``).
    identity : str
        :attr:`Embedder.identity`; each identity gets its own sub-directory.
    """

    def __init__(self, root: Path, identity: str) -> None:
        self.identity = identity
        digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()
        self.directory = Path(root) / digest[:24]
        self._index: dict[bytes, tuple[Path, int]] | None = None

    def __len__(self) -> int:
        return len(self._load_index())

    def get(self, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        """Return the cached vector of every key that has one."""
        index = self._load_index()
        rows_by_shard: dict[Path, list[tuple[bytes, int]]] = {}
        for key in keys:
            if key in index:
                shard, row = index[key]
                rows_by_shard.setdefault(shard, []).append((key, row))
        found: dict[bytes, np.ndarray] = {}
        for shard, wanted in rows_by_shard.items():
            vectors = _read_tensor(shard, "vectors")
            for key, row in wanted:
                found[key] = vectors[row]
        return found

    def put(self, keys: Sequence[bytes], vectors: np.ndarray) -> Path:
        """Write one new shard holding ``vectors`` under ``keys`` and return its path."""
        if len(keys) != len(vectors):
            raise ValueError(f"{len(keys)} keys for {len(vectors)} vectors")
        self.directory.mkdir(parents=True, exist_ok=True)
        self._write_identity_file()
        key_array = np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), _KEY_BYTES)
        payload = save(
            {"keys": key_array, "vectors": np.ascontiguousarray(vectors, dtype=np.float32)},
            metadata={"format": _FORMAT, "identity": self.identity},
        )
        name = f"shard-{time.time_ns()}-{os.getpid()}-{secrets.token_hex(4)}.safetensors"
        path = self.directory / name
        atomic_write_bytes(path, payload)
        if self._index is not None:
            for row, key in enumerate(keys):
                self._index[key] = (path, row)
        return path

    def _load_index(self) -> dict[bytes, tuple[Path, int]]:
        if self._index is None:
            self._index = {}
            for shard in sorted(self.directory.glob("shard-*.safetensors")):
                keys = self._read_shard_keys(shard)
                for row, key in enumerate(keys):
                    self._index[key] = (shard, row)
        return self._index

    def _read_shard_keys(self, shard: Path) -> list[bytes]:
        """Return the keys of a valid shard; log and skip one that is unreadable or foreign."""
        try:
            with safe_open(shard, framework="numpy") as handle:
                metadata = handle.metadata() or {}
                keys = handle.get_tensor("keys")
                n_vectors = handle.get_slice("vectors").get_shape()[0]
        except (OSError, SafetensorError) as error:
            logger.warning("Ignoring unreadable embedding cache shard %s: %s", shard, error)
            return []
        if metadata.get("identity") != self.identity or keys.shape != (n_vectors, _KEY_BYTES):
            logger.warning("Ignoring embedding cache shard %s: it belongs to another model", shard)
            return []
        blob = keys.tobytes()
        return [blob[start : start + _KEY_BYTES] for start in range(0, len(blob), _KEY_BYTES)]

    def _write_identity_file(self) -> None:
        path = self.directory / "identity.json"
        if not path.exists():
            text = json.dumps({"format": _FORMAT, "identity": self.identity}, indent=2)
            atomic_write_bytes(path, text.encode("utf-8"))


def _read_tensor(shard: Path, name: str) -> np.ndarray:
    with safe_open(shard, framework="numpy") as handle:
        tensor: np.ndarray = handle.get_tensor(name)
    return tensor


def embed_texts(
    texts: Sequence[str],
    embedder: Embedder,
    cache_dir: Path | None,
    *,
    batch_size: int = 32,
    show_progress: bool = True,
    flush_every: int = 2048,
) -> tuple[np.ndarray, EmbedStats]:
    """Embed ``texts``, reusing and filling the on-disk cache.

    Only texts whose SHA-256 is not yet cached for ``embedder.identity`` are
    encoded, each distinct text once, in the batches the embedder plans
    (:meth:`Embedder.plan_batches`). New vectors are flushed to a shard every
    ``flush_every`` texts and when the loop stops for any reason, an
    interrupt included, so a re-run resumes where the last one stopped.

    Parameters
    ----------
    texts : sequence of str
        Texts to embed, in output order.
    embedder : Embedder
        A ready (fitted, for tfidf-svd) embedder.
    cache_dir : Path or None
        Cache root; ``None`` embeds everything and stores nothing.
    batch_size : int, default=32
        Texts per call to ``embedder.encode``.
    show_progress : bool, default=True
        Show a progress bar; it is hidden anyway when stderr is not a terminal.
    flush_every : int, default=2048
        Write a shard after this many new vectors.

    Returns
    -------
    vectors : ndarray of shape (len(texts), embedder.dim), float32
        Row ``i`` is the vector of ``texts[i]``.
    stats : EmbedStats
        Counts and wall time.
    """
    if batch_size < 1 or flush_every < 1:
        raise ValueError(
            f"batch_size and flush_every must be >= 1; got {batch_size}, {flush_every}"
        )
    started = time.perf_counter()
    keys = [text_key(text) for text in texts]
    unique = dict(zip(keys, texts, strict=True))
    cache = EmbeddingCache(cache_dir, embedder.identity) if cache_dir is not None else None
    vectors_by_key = cache.get(list(unique)) if cache is not None else {}
    n_cached = len(vectors_by_key)
    missing = [key for key in unique if key not in vectors_by_key]
    progress = tqdm(
        total=len(missing),
        desc="Embedding",
        unit="text",
        disable=not show_progress or not sys.stderr.isatty(),
    )
    with progress:
        for batch_keys, batch_vectors in _encode_in_batches(
            missing, unique, embedder, cache, batch_size, flush_every
        ):
            vectors_by_key.update(zip(batch_keys, batch_vectors, strict=True))
            progress.update(len(batch_keys))
    stats = EmbedStats(
        n_total=len(texts),
        n_unique=len(unique),
        n_cached=n_cached,
        n_computed=len(missing),
        seconds=time.perf_counter() - started,
    )
    logger.info(
        "Embedded %d texts: %d from the cache, %d computed, in %.1f s",
        stats.n_total,
        stats.n_cached,
        stats.n_computed,
        stats.seconds,
    )
    return _stack(keys, vectors_by_key, embedder), stats


def _encode_in_batches(
    missing: list[bytes],
    texts_by_key: dict[bytes, str],
    embedder: Embedder,
    cache: EmbeddingCache | None,
    batch_size: int,
    flush_every: int,
) -> Iterator[tuple[list[bytes], np.ndarray]]:
    """Yield each encoded batch; flush to ``cache`` every ``flush_every`` and on exit."""
    if not missing:  # planning would load the model (and torch) for nothing
        return
    pending_keys: list[bytes] = []
    pending_vectors: list[np.ndarray] = []

    def flush() -> None:
        if cache is not None and pending_keys:
            keys, vectors = list(pending_keys), np.concatenate(pending_vectors)
            pending_keys.clear()
            pending_vectors.clear()
            cache.put(keys, vectors)

    texts = [texts_by_key[key] for key in missing]
    try:
        for indices in embedder.plan_batches(texts, batch_size):
            batch_keys = [missing[i] for i in indices]
            batch = [texts[i] for i in indices]
            vectors = embedder.encode(batch, batch_size=batch_size, show_progress=False)
            pending_keys.extend(batch_keys)
            pending_vectors.append(vectors)
            if len(pending_keys) >= flush_every:
                flush()
            yield batch_keys, vectors
    finally:
        flush()


def _stack(
    keys: list[bytes], vectors_by_key: dict[bytes, np.ndarray], embedder: Embedder
) -> np.ndarray:
    if not keys:
        return np.empty((0, embedder.dim), dtype=np.float32)
    return np.stack([vectors_by_key[key] for key in keys]).astype(np.float32, copy=False)
