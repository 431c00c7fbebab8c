"""Word and phrase vectors in the document-embedding space, without a language model.

BERTopic's MMR and KeyBERT-inspired representations compare candidate
keywords with topics in embedding space, so they need an embedding for every
keyword. BERTopic would ask its own embedding model, which we never give it:
building one downloads from the hub, and the embedding stage has already run.

By default a term's vector is the mean embedding of the training documents
that contain it, minus the mean embedding of the whole corpus, normalised. It
lives in the same space as the document embeddings, needs no model, and gives
nested terms (``adversarial`` and ``adversarial training``) nearly the same
vector, which is what MMR needs to drop one of them. Subtracting the corpus
mean matters: a word found everywhere ("data", "method") would otherwise sit
at the corpus centre, close to every topic, and MMR would prefer it to the
specific words. Documents are centred the same way, so KeyBERT-style
similarities between documents and words stay in one space.

Callers who prefer a sentence encoder's vectors for words pass
``word_embedder`` (e.g. the same sentence-transformers model that embedded the
documents); then nothing is centred.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

__all__ = ["TermVectors", "WordEmbedder", "as_bertopic_embedder"]

WordEmbedder = Callable[[list[str]], Any]


class TermVectors:
    """Embed training documents, vocabulary terms and short phrases, centred on the corpus.

    Parameters
    ----------
    docs : sequence of str
        Training documents; a text equal to one of them gets its embedding.
    embeddings : ndarray of shape (n_docs, dim)
        Their L2-normalised embeddings.
    counts : sparse matrix of shape (n_docs, n_terms)
        Doc-term counts over ``vocabulary``.
    vocabulary : sequence of str
        The terms, in column order.
    analyzer : callable
        Splits a phrase into vocabulary-style terms (the vectorizer's analyzer).
    word_embedder : callable, optional
        ``list[str] -> array``; used instead of document means for any text
        that is not a training document.
    """

    def __init__(
        self,
        docs: Sequence[str],
        embeddings: np.ndarray,
        counts: sp.spmatrix,
        vocabulary: Sequence[str],
        analyzer: Callable[[str], list[str]],
        word_embedder: WordEmbedder | None = None,
    ) -> None:
        self._embeddings = np.asarray(embeddings, dtype=np.float32)
        self._center = (
            np.zeros(self.dim, dtype=np.float32)
            if word_embedder is not None
            else self._embeddings.mean(axis=0)
        )
        self._doc_index: dict[str, int] = {}
        for i, doc in enumerate(docs):
            self._doc_index.setdefault(doc, i)
        self._term_index = {term: j for j, term in enumerate(vocabulary)}
        self._presence = sp.csc_matrix((counts > 0).astype(np.float32))
        self._analyzer = analyzer
        self._word_embedder = word_embedder
        self._cache: dict[str, np.ndarray] = {}

    @property
    def dim(self) -> int:
        return int(self._embeddings.shape[1])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised row per text (zeros for a text with no known term)."""
        texts = list(texts)
        self._fill_cache([t for t in texts if t not in self._doc_index])
        rows = [
            self._document_vector(self._doc_index[t]) if t in self._doc_index else self._cache[t]
            for t in texts
        ]
        if not rows:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack(rows).astype(np.float32)

    def _fill_cache(self, texts: list[str]) -> None:
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if not missing:
            return
        if self._word_embedder is not None:
            vectors = np.asarray(self._word_embedder(missing), dtype=np.float32)
            vectors = normalize(vectors.reshape(len(missing), -1))
            self._cache.update(zip(missing, vectors, strict=True))
            return
        terms = [t for t in missing if t in self._term_index]
        if terms:
            self._cache.update(zip(terms, self._mean_of_documents(terms), strict=True))
        for text in missing:
            if text not in self._cache:
                self._cache[text] = self._compose(text)

    def _document_vector(self, index: int) -> np.ndarray:
        return normalize((self._embeddings[index] - self._center).reshape(1, -1))[0]

    def _mean_of_documents(self, terms: list[str]) -> np.ndarray:
        columns = [self._term_index[t] for t in terms]
        presence = self._presence[:, columns]
        sums = np.asarray(presence.T @ self._embeddings, dtype=np.float32)
        counts = np.asarray(presence.sum(axis=0), dtype=np.float32).reshape(-1, 1)
        return normalize(sums / np.maximum(counts, 1.0) - self._center)

    def _compose(self, text: str) -> np.ndarray:
        """A phrase that is not a term: the normalised mean of its terms' vectors."""
        terms = [t for t in dict.fromkeys(self._analyzer(text)) if t in self._term_index]
        if not terms:
            return np.zeros(self.dim, dtype=np.float32)
        vectors = self._mean_of_documents(terms)
        return normalize(vectors.mean(axis=0, keepdims=True))[0]


def as_bertopic_embedder(vectors: TermVectors) -> Any:
    """Wrap ``vectors`` as a BERTopic ``BaseEmbedder``.

    A ``BaseEmbedder`` instance is used as is by BERTopic (no hub lookup), and
    a non-``None`` embedding model also stops BERTopic from stripping every
    non-alphanumeric character from the text before counting words.
    """
    from bertopic.backend import BaseEmbedder

    class _TermVectorEmbedder(BaseEmbedder):  # type: ignore[misc]
        def embed(self, documents: list[str], verbose: bool = False) -> np.ndarray:
            return vectors.embed(documents)

    return _TermVectorEmbedder()
