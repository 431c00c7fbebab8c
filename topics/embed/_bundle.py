"""Build an embedder from the config, and save or load it next to a fitted model.

A bundle is a directory with ``embedder.json`` (backend, identity, settings)
plus the backend's own files. A sentence-transformers bundle stores only the
model spec and its identity, not 90 MB of weights, and refuses to load if the
local model's files have changed since: vectors from a different model would
not match the topic model fitted on the old ones.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from topics._io import atomic_write_bytes
from topics.config.schema import EmbeddingConfig
from topics.embed._base import Embedder
from topics.embed._sentence_transformers import SentenceTransformerEmbedder
from topics.embed._static import StaticEmbedder
from topics.embed._tfidf_svd import TfidfSvdEmbedder
from topics.errors import IncompatibleModelError, ModelError

__all__ = ["build_embedder", "load_embedder", "save_embedder"]

_BUNDLE_FILE = "embedder.json"
_FORMAT = "topics.embedder"
_FORMAT_VERSION = 1
_BACKENDS: dict[
    str, type[SentenceTransformerEmbedder] | type[StaticEmbedder] | type[TfidfSvdEmbedder]
] = {
    SentenceTransformerEmbedder.backend: SentenceTransformerEmbedder,
    StaticEmbedder.backend: StaticEmbedder,
    TfidfSvdEmbedder.backend: TfidfSvdEmbedder,
}


def build_embedder(
    config: EmbeddingConfig, *, seed: int = 42, model_cache_dir: Path | None = None
) -> Embedder:
    """Return the embedder that the ``embedding`` config section describes.

    A tfidf-svd embedder comes back unfitted: call ``fit(texts)`` on the corpus.

    Parameters
    ----------
    config : EmbeddingConfig
        The ``embedding`` section; ``model`` must already be resolved against the
        config file's directory if it is a relative path.
    seed : int, default=42
        The run's seed (SVD initialisation, torch).
    model_cache_dir : Path or None, default=None
        ``static`` only: where distilled models are cached
        (``<output_dir>/.cache/static-models`` in a run); None distils each time.

    Raises
    ------
    ConfigError
        If ``embedding.model`` is not a packaged name or an existing local model.
    ModelError
        If the ``static`` backend's model2vec is not installed.
    """
    if config.backend == "tfidf-svd":
        return TfidfSvdEmbedder(
            n_components=config.svd_components,
            random_state=seed,
            max_fit_samples=config.svd_fit_samples,
        )
    if config.backend == "static":
        return StaticEmbedder(
            config.model,
            max_seq_length=config.max_seq_length,
            cache_dir=model_cache_dir,
            seed=seed,
        )
    return SentenceTransformerEmbedder(
        config.model, max_seq_length=config.max_seq_length, seed=seed
    )


def save_embedder(embedder: Embedder, directory: Path) -> None:
    """Save ``embedder`` into ``directory`` (created if needed) without pickle."""
    backend_class = _BACKENDS.get(embedder.backend)
    if backend_class is None or not isinstance(embedder, backend_class):
        raise ModelError(f"Cannot save an embedder of type {type(embedder).__name__}.")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    bundle: dict[str, Any] = {
        "format": _FORMAT,
        "format_version": _FORMAT_VERSION,
        "backend": embedder.backend,
        "identity": embedder.identity,
        "settings": embedder.bundle_settings(directory),
    }
    text = json.dumps(bundle, indent=2, ensure_ascii=False)
    atomic_write_bytes(directory / _BUNDLE_FILE, text.encode("utf-8"))


def load_embedder(directory: Path) -> Embedder:
    """Load an embedder saved by :func:`save_embedder`.

    Raises
    ------
    ModelError
        If ``directory`` holds no embedder bundle.
    IncompatibleModelError
        If the bundle has an unknown format version or backend, or the model it
        names no longer has the same identity.
    """
    path = Path(directory) / _BUNDLE_FILE
    if not path.is_file():
        raise ModelError(f"No saved embedder in {directory}: {_BUNDLE_FILE} is missing.")
    bundle = json.loads(path.read_text(encoding="utf-8"))
    if bundle.get("format") != _FORMAT or bundle.get("format_version") != _FORMAT_VERSION:
        raise IncompatibleModelError(
            f"{path} has format {bundle.get('format')!r} version "
            f"{bundle.get('format_version')!r}; this topics reads {_FORMAT!r} version "
            f"{_FORMAT_VERSION}."
        )
    backend_class = _BACKENDS.get(bundle["backend"])
    if backend_class is None:
        raise IncompatibleModelError(f"{path} names an unknown backend {bundle['backend']!r}.")
    return backend_class.from_bundle(Path(directory), bundle["settings"], bundle["identity"])
