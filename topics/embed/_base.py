"""What every embedding backend shares: the protocol and content hashing."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

__all__ = ["Embedder", "text_key"]


@runtime_checkable
class Embedder(Protocol):
    """A text → vector function with a stable name for what it computes.

    Attributes
    ----------
    backend : str
        ``"sentence-transformers"``, ``"static"`` or ``"tfidf-svd"``.
    identity : str
        Changes whenever the vectors could change (weights, tokenizer, settings,
        fitted state) and never otherwise; the embedding cache is keyed by it.
    dim : int
        Length of each vector.
    """

    @property
    def backend(self) -> str: ...

    @property
    def identity(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def fit(self, texts: Sequence[str]) -> Embedder:
        """Learn from the corpus if the backend needs it; return ``self``."""
        ...

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool = False
    ) -> np.ndarray:
        """Return a float32 array of shape ``(len(texts), dim)`` with unit-length rows."""
        ...

    def plan_batches(self, texts: Sequence[str], batch_size: int) -> list[list[int]]:
        """Split ``range(len(texts))`` into the batches this backend encodes best.

        A caller that encodes batch by batch (the cache, to flush and show
        progress as it goes) uses this so that it neither pads more nor changes
        any vector compared with one ``encode`` call over all texts.
        """
        ...


def text_key(text: str) -> bytes:
    """Return the 32-byte SHA-256 of ``text`` in UTF-8: the cache key of one text."""
    return hashlib.sha256(text.encode("utf-8")).digest()
