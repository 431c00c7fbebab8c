"""Build an embedder from the config, and save or load it next to a fitted model.

A bundle is a directory with ``embedder.json`` (backend, identity, settings)
plus the backend's own files. A sentence-transformers bundle stores only the
model spec and its identity, not 90 MB of weights, and refuses to load if the
local model's files have changed since: vectors from a different model would
not match the topic model fitted on the old ones. A spec that is a local
directory is never followed from the file (it lies outside the bundle): the
caller names it (:func:`load_embedder`'s ``local_model``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from topics._io import atomic_write_bytes
from topics._model_files import damaged_model, model_file, read_model_json
from topics.config.schema import EmbeddingConfig
from topics.embed._base import Embedder
from topics.embed._sentence_transformers import PACKAGED_PREFIX, SentenceTransformerEmbedder
from topics.embed._static import StaticEmbedder
from topics.embed._tfidf_svd import TfidfSvdEmbedder
from topics.errors import ConfigError, IncompatibleModelError, ModelError

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


def load_embedder(directory: Path, *, local_model: str | Path | None = None) -> Embedder:
    """Load an embedder saved by :func:`save_embedder`.

    Only files inside ``directory`` are read (:mod:`topics._model_files`). A
    sentence-transformers bundle names its model: the packaged one is part of
    the installation, but a local directory named in ``embedder.json`` lies
    outside the bundle, and loading a sentence-transformers directory imports
    the classes its ``modules.json`` names, so it is never taken from the
    file: pass it as ``local_model`` when you trust it (its identity must still
    match the saved one).

    Parameters
    ----------
    directory : Path
        The bundle folder (``<model>/embedder``).
    local_model : str or Path, optional
        The local sentence-transformers directory the model was fitted with,
        when that was not the packaged model. Ignored by the other backends,
        whose bundles carry their own files.

    Raises
    ------
    ModelError
        If ``directory`` holds no embedder bundle, a file is damaged or leads
        outside it, or it names a local model that ``local_model`` does not give.
    IncompatibleModelError
        If the bundle has an unknown format version or backend, or the model it
        names no longer has the same identity.
    """
    directory = Path(directory)
    if not (directory / _BUNDLE_FILE).exists() and not (directory / _BUNDLE_FILE).is_symlink():
        raise ModelError(f"No saved embedder in {directory}: {_BUNDLE_FILE} is missing.")
    path = model_file(directory, _BUNDLE_FILE)
    bundle = read_model_json(path)
    if not isinstance(bundle, dict):
        raise ModelError(f"{path}: not a saved embedder (a JSON object)")
    if bundle.get("format") != _FORMAT or bundle.get("format_version") != _FORMAT_VERSION:
        raise IncompatibleModelError(
            f"{path} has format {bundle.get('format')!r} version "
            f"{bundle.get('format_version')!r}; this topics reads {_FORMAT!r} version "
            f"{_FORMAT_VERSION}. Refit the model with this version, or load it with the "
            "topics version that wrote it."
        )
    backend = bundle.get("backend")
    backend_class = _BACKENDS.get(backend) if isinstance(backend, str) else None
    if backend_class is None:
        raise IncompatibleModelError(f"{path} names an unknown backend {bundle.get('backend')!r}.")
    with damaged_model(path):
        settings = dict(bundle["settings"])
        identity = str(bundle["identity"])
    if backend_class is SentenceTransformerEmbedder:
        settings["model"] = _sentence_transformer_model(path, settings.get("model"), local_model)
    try:
        with damaged_model(path):
            return backend_class.from_bundle(directory, settings, identity)
    except ConfigError as exc:  # an unknown packaged name: the file is wrong, not a config
        raise ModelError(f"{path}: {exc}") from None


def _sentence_transformer_model(path: Path, saved: object, local_model: str | Path | None) -> str:
    """The model a sentence-transformers bundle may load: packaged, or given by the caller."""
    if local_model is not None:
        return str(local_model)
    if isinstance(saved, str) and saved.startswith(PACKAGED_PREFIX):
        return saved
    raise ModelError(
        f"{path}: settings.model names {saved!r}, a model outside this folder; a saved model "
        "reads nothing outside its folder, and a sentence-transformers directory imports the "
        "classes its modules.json names. If you trust that directory, pass it: "
        "topics.load(MODEL_DIR, embedding_model=PATH) or "
        "topics assign MODEL_DIR INPUT --embedding-model PATH"
    )
