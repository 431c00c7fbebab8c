"""Static embeddings distilled from the packaged MiniLM with model2vec: a fast semantic tier.

model2vec runs every token of a sentence-transformers model's vocabulary
through the model once, reduces the token vectors with PCA and weights them
by token frequency (SIF); a text's vector is then the mean of its tokens'
vectors. That keeps most of MiniLM's semantics at a few thousand documents a
second on 2 cores, against 27.5 for MiniLM itself.

The distillation (about 30 s on 2 cores) runs offline on first use and is
cached under ``<output_dir>/.cache/static-models/<key>/``, where the key
hashes the base model's files, the model2vec version and the distillation
settings. Each cached model has a ``manifest.json`` with the SHA-256 of
every file; a directory whose manifest is missing, unreadable or does not
match its files is rebuilt, never trusted. A model is distilled into a
temporary sibling and renamed into place whole.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, ClassVar, Self

import numpy as np

from topics._io import _give_default_permissions, atomic_write_json
from topics._model_files import model_file, model_subdir, read_model_json
from topics.embed._sentence_transformers import (
    DEFAULT_MODEL,
    PACKAGED_PREFIX,
    enforce_offline,
    model_digest,
    quiet_third_party_logs,
    refuse_pickled_weights,
    resolve_model_dir,
)
from topics.errors import IncompatibleModelError, ModelError

if TYPE_CHECKING:
    from model2vec import StaticModel

__all__ = ["PCA_DIMS", "StaticEmbedder", "distilled_model_dir"]

log = logging.getLogger("topics.embed")

PCA_DIMS = 256
MANIFEST = "manifest.json"
_MANIFEST_FORMAT = "topics.static-model"
_MANIFEST_VERSION = 1
# Files that decide the vectors; config.json and the model card only describe them.
_VECTOR_FILES = ("model.safetensors", "tokenizer.json")
# Texts per encode call: model2vec spreads one call over threads (tokenisation
# releases the GIL), which pays only for calls of a few thousand texts.
_CHUNK = 4096
_THREAD_BATCH = 512
_INSTALL_HINT = "pip install 'topics[static]'"
# Not ``-m``: the package imports this module first, and runpy warns.
_DISTILL_COMMAND = "from topics.embed._static import _distill_child; _distill_child()"
_MODEL_ERROR_EXIT = 3


def _model2vec_version() -> str:
    try:
        import model2vec
    except ImportError as error:
        raise ModelError(
            "embedding.backend 'static' needs the model2vec package, which is not installed "
            f"({error}): {_INSTALL_HINT}"
        ) from error
    return str(model2vec.__version__)


def _cache_key(base_digest: str, model2vec_version: str) -> str:
    recipe = {
        "base_sha256": base_digest,
        "model2vec": model2vec_version,
        "pca_dims": PCA_DIMS,
        "vocabulary": "base-tokenizer",
    }
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:24]


def distilled_model_dir(cache_root: Path, base_model: str) -> Path:
    """Where the static model distilled from ``base_model`` is (or will be) cached."""
    digest = model_digest(resolve_model_dir(base_model))
    return Path(cache_root) / _cache_key(digest, _model2vec_version())


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _verified(directory: Path) -> dict[str, Any] | None:
    """The manifest of ``directory`` if every file it lists is there and unchanged, else None.

    A listed name must be a plain file name of a regular file in ``directory``
    (no ``..``, no link out of it): nothing outside the folder is ever hashed.
    """
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        files: dict[str, str] = manifest["files"]
        if manifest.get("format") != _MANIFEST_FORMAT or not set(_VECTOR_FILES) <= set(files):
            return None
        root = directory.resolve()
        for name in files:
            path = (directory / name).resolve()
            if Path(name).name != name or path.parent != root or not path.is_file():
                return None
        if any(_sha256(directory / name) != digest for name, digest in files.items()):
            return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return dict(manifest)


def _check_bundle_copy(static_dir: Path) -> None:
    """Refuse a bundle's static model that could make model2vec read outside or unpickle.

    model2vec reads the folder as a whole (it picks its files by layout), so
    the folder must hold exactly the files its manifest lists, each a plain
    name inside it (:func:`topics._model_files.model_file`: no pickle format,
    no link out), and nothing else.
    """
    manifest_path = model_file(static_dir.parent, f"{static_dir.name}/{MANIFEST}")
    manifest = read_model_json(manifest_path)
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict):
        raise ModelError(f"{manifest_path}: no 'files' table; the bundle was modified")
    for name in files:
        if not isinstance(name, str) or Path(name).name != name:
            raise ModelError(
                f"{manifest_path}: files names {name!r}, which is not a plain file name in "
                f"{static_dir}; a saved model reads only files inside its own folder, "
                "refusing to load it"
            )
        model_file(static_dir, name, named_by=f"{manifest_path}: files")
    extra = sorted(
        entry.name for entry in static_dir.iterdir() if entry.name not in {*files, MANIFEST}
    )
    if extra:
        raise ModelError(
            f"{static_dir}: holds {extra}, which its {MANIFEST} does not list; model2vec "
            "reads this folder as a whole, so the bundle is refused. Remove them or copy "
            "the model again"
        )


def _write_model(model: StaticModel, directory: Path, about: dict[str, Any]) -> None:
    """Save ``model`` and its manifest into the new directory ``directory``."""
    with _quiet_model2vec():
        model.save_pretrained(str(directory))
    files = {
        path.name: _sha256(path) for path in sorted(directory.iterdir()) if path.name != MANIFEST
    }
    atomic_write_json(
        directory / MANIFEST,
        {"format": _MANIFEST_FORMAT, "format_version": _MANIFEST_VERSION, **about, "files": files},
    )


def _distill(base_dir: Path, seed: int) -> StaticModel:
    """Distil a static model from the local sentence-transformers model in ``base_dir``."""
    enforce_offline()
    try:
        import torch
        from model2vec.distill import distill_from_model
        from transformers import AutoModel, AutoTokenizer
    except ImportError as error:
        raise ModelError(
            f"embedding.backend 'static' cannot distil a model: {error}. Install the "
            f"backend's extra: {_INSTALL_HINT}"
        ) from error
    refuse_pickled_weights(base_dir)
    torch.manual_seed(seed)
    with _quiet_model2vec():
        model = AutoModel.from_pretrained(
            str(base_dir), local_files_only=True, use_safetensors=True
        )
        tokenizer = AutoTokenizer.from_pretrained(str(base_dir), local_files_only=True)
        return distill_from_model(model=model, tokenizer=tokenizer, pca_dims=PCA_DIMS, device="cpu")


def _distill_in_child(base_dir: Path, seed: int, built: Path, about: dict[str, Any]) -> None:
    """Distil into ``built`` in a fresh interpreter, so torch never enters this process.

    Loading torch, transformers and MiniLM for the distillation left about
    0.4 GB in the run's process for the rest of the run (the allocator keeps
    what they freed), at the time its fit needs the memory most. The child
    gets the same ``sys.path``; its model2vec progress bar shares our stderr.
    A :class:`~topics.errors.ModelError` in the child (say, a missing extra)
    reaches the caller with its message.
    """
    request = {"base_dir": str(base_dir), "seed": seed, "built": str(built), "about": about}
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    completed = subprocess.run(
        [sys.executable, "-c", _DISTILL_COMMAND],
        input=json.dumps(request),
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        check=False,
    )
    if completed.returncode == 0:
        return
    lines = completed.stdout.strip().splitlines()
    if completed.returncode == _MODEL_ERROR_EXIT and lines:
        raise ModelError(lines[-1])
    raise ModelError(
        f"distilling a static model from {base_dir} failed (exit code "
        f"{completed.returncode}); the error is printed above"
    )


def _distill_child() -> None:
    """Child side of :func:`_distill_in_child`: the request on stdin, a ModelError on stdout."""
    request = json.loads(sys.stdin.read())
    try:
        model = _distill(Path(request["base_dir"]), int(request["seed"]))
        _write_model(model, Path(request["built"]), request["about"])
    except ModelError as error:
        print(error, flush=True)
        raise SystemExit(_MODEL_ERROR_EXIT) from None


def _place(built: Path, target: Path) -> None:
    """Rename the finished ``built`` directory to ``target``, replacing an invalid one."""
    if target.exists():
        if _verified(target) is not None:  # another process finished first
            shutil.rmtree(built, ignore_errors=True)
            return
        stale = target.with_name(f".{target.name}.stale-{os.getpid()}")
        os.replace(target, stale)
        shutil.rmtree(stale, ignore_errors=True)
    _give_default_permissions(built, directory=True)
    os.replace(built, target)


@contextmanager
def _quiet_model2vec() -> Iterator[None]:
    """Hide model2vec's info logs (PCA, saving) and its max_length notice, then restore."""
    logger = logging.getLogger("model2vec")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with quiet_third_party_logs():
            yield
    finally:
        logger.setLevel(level)


class StaticEmbedder:
    """Mean of static token vectors distilled from a sentence-transformers model.

    Parameters
    ----------
    model : str, default="packaged:all-MiniLM-L6-v2"
        The base model: a ``packaged:`` name or a local sentence-transformers directory.
    max_seq_length : int or None, default=256
        Tokens kept per text (model2vec's ``max_length``); ``None`` keeps all.
    cache_dir : Path or None, default=None
        Root of the distilled-model cache; ``None`` distils in memory every time.
    seed : int, default=42
        Seeds torch during distillation.

    Examples
    --------
    >>> embedder = StaticEmbedder(cache_dir=Path("reports/.cache/static-models"))
    >>> embedder.encode(["Topic models of arXiv abstracts"]).shape
    (1, 256)
    """

    backend: ClassVar[str] = "static"

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        max_seq_length: int | None = 256,
        cache_dir: Path | None = None,
        seed: int = 42,
    ) -> None:
        _model2vec_version()  # fail now, naming the extra, rather than mid-run
        model_dir = resolve_model_dir(model)
        self._set_state(
            model,
            max_seq_length=max_seq_length,
            cache_dir=None if cache_dir is None else Path(cache_dir),
            seed=seed,
            model_dir=model_dir,
            base_name=model if model.startswith(PACKAGED_PREFIX) else model_dir.name,
        )

    def _set_state(
        self,
        model: str,
        *,
        max_seq_length: int | None,
        cache_dir: Path | None,
        seed: int,
        model_dir: Path | None,
        base_name: str,
    ) -> None:
        """Every attribute, in one place for ``__init__`` and :meth:`from_bundle`."""
        self.model = model
        self.max_seq_length = max_seq_length
        self.cache_dir = cache_dir
        self.seed = seed
        # None only when loaded from a bundle, which carries the distilled model
        # and so never needs (or reads) the base model.
        self.model_dir: Path | None = model_dir
        self._base_name = base_name  # the base model's name in the identity
        self._static_dir: Path | None = None
        self._loaded: StaticModel | None = None
        self._identity: str | None = None

    def __repr__(self) -> str:
        return f"StaticEmbedder(model={self.model!r}, max_seq_length={self.max_seq_length})"

    @property
    def identity(self) -> str:
        """Base model name, hash of the distilled vectors and tokenizer, and the settings."""
        if self._identity is None:
            self._model()
            assert self._static_dir is not None
            digest = hashlib.sha256()
            for name in _VECTOR_FILES:
                digest.update(f"{name}\0{_sha256(self._static_dir / name)}\n".encode())
            length = "none" if self.max_seq_length is None else self.max_seq_length
            self._identity = (
                f"static|{self._base_name}|model2vec={_model2vec_version()}"
                f"|sha256={digest.hexdigest()}"
                f"|max_length={length}"
            )
        return self._identity

    @property
    def dim(self) -> int:
        return int(self._model().dim)

    @property
    def static_dir(self) -> Path:
        """The verified directory of the distilled model (distilled first if needed)."""
        self._model()
        assert self._static_dir is not None
        return self._static_dir

    def fit(self, texts: Sequence[str]) -> Self:
        """Return ``self``: the static model comes from the base model, not the corpus."""
        return self

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool = False
    ) -> np.ndarray:
        """Embed ``texts`` into unit-length float32 rows, in input order.

        A row depends on its text alone. A text without any known token gets an
        all-zero row. ``batch_size`` is ignored: a static model is fastest on
        thousands of texts per call (:meth:`plan_batches`).
        """
        if not len(texts):
            return np.empty((0, self.dim), dtype=np.float32)
        vectors = self._model().encode(
            list(texts),
            max_length=self.max_seq_length,
            batch_size=_THREAD_BATCH,
            use_multiprocessing=True,
            multiprocessing_threshold=_THREAD_BATCH,
            show_progress_bar=show_progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def plan_batches(self, texts: Sequence[str], batch_size: int) -> list[list[int]]:
        """Consecutive chunks of 4,096 texts (or ``batch_size`` if larger)."""
        size = max(batch_size, _CHUNK)
        return [
            list(range(start, min(start + size, len(texts))))
            for start in range(0, len(texts), size)
        ]

    def bundle_settings(self, directory: Path) -> dict[str, Any]:
        """Copy the distilled model next to ``embedder.json``: a bundle needs no distillation."""
        target = directory / "static_model"
        if target.exists():
            shutil.rmtree(target)
        built = Path(tempfile.mkdtemp(prefix=".static_model.", dir=directory))
        for path in self.static_dir.iterdir():
            shutil.copy2(path, built / path.name)
        _give_default_permissions(built, directory=True)
        os.replace(built, target)
        return {
            "model": self.model,
            "base_name": self._base_name,
            "max_seq_length": self.max_seq_length,
            "seed": self.seed,
        }

    @classmethod
    def from_bundle(cls, directory: Path, settings: dict[str, Any], identity: str) -> Self:
        """Load from a bundle; refuse one whose files no longer match their manifest.

        Only the bundle's own copy is read: the base model it was distilled
        from (``settings["model"]``, maybe a path on another machine) is a name
        in the identity and is never resolved.
        """
        static_dir = model_subdir(directory, "static_model")
        _check_bundle_copy(static_dir)
        if _verified(static_dir) is None:
            raise IncompatibleModelError(
                f"The static model in {static_dir} is missing or does not match its "
                f"{MANIFEST}: the bundle was modified. Re-run the embedding stage."
            )
        _model2vec_version()
        base = str(settings["model"])
        embedder = cls.__new__(cls)  # not __init__: that resolves the base model
        embedder._set_state(
            base,
            max_seq_length=settings["max_seq_length"],
            cache_dir=None,
            seed=int(settings["seed"]),
            model_dir=None,
            # Bundles from before "base_name" was saved had a packaged base or
            # the folder's own name.
            base_name=str(
                settings.get("base_name")
                or (base if base.startswith(PACKAGED_PREFIX) else PurePath(base).name)
            ),
        )
        embedder._static_dir = static_dir
        if embedder.identity != identity:
            raise IncompatibleModelError(
                f"The embedder saved in {directory} used {identity!r}, but its files give "
                f"{embedder.identity!r}. The bundle was modified or mixed."
            )
        return embedder

    def _model(self) -> StaticModel:
        if self._loaded is None:
            if self._static_dir is None:
                self._static_dir = self._ensure_distilled()
            self._loaded = self._load(self._static_dir)
        return self._loaded

    def _ensure_distilled(self) -> Path:
        """The cached model's directory, distilled (again) when absent or invalid."""
        assert self.model_dir is not None  # only a bundle has none, and it has its copy
        root = self.cache_dir
        if root is None:
            root = Path(tempfile.mkdtemp(prefix="topics-static-"))
        target = distilled_model_dir(root, self.model)
        if _verified(target) is not None:
            return target
        if target.exists():
            log.warning("Rebuilding the static model cache %s: its files fail the manifest", target)
        log.info("Distilling a static model from %s into %s (once)", self.model, target)
        root.mkdir(parents=True, exist_ok=True)
        built = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=root))
        try:
            about = {
                "base_model": self.model,
                "base_sha256": model_digest(self.model_dir),
                "model2vec": _model2vec_version(),
                "pca_dims": PCA_DIMS,
            }
            _distill_in_child(self.model_dir, self.seed, built, about)
            _place(built, target)
        except BaseException:
            shutil.rmtree(built, ignore_errors=True)
            raise
        return target

    def _load(self, directory: Path) -> StaticModel:
        enforce_offline()
        from model2vec import StaticModel

        # A verified local directory: model2vec reads it and never calls the hub.
        with _quiet_model2vec():
            model = StaticModel.from_pretrained(
                str(directory), normalize=True, max_length=self.max_seq_length
            )
        # float32 token vectors: numpy averages float16 slowly and less exactly.
        model.embedding = np.ascontiguousarray(model.embedding, dtype=np.float32)
        return model
