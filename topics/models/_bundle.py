"""The on-disk form of a fitted topic model: safetensors + JSON, never pickle.

A model directory holds three files::

    model.json          format name and version, kind, parameters, fitted
                        scalars, the topic table, package versions
    arrays.safetensors  every fitted array (topic embeddings, components, ...)
    vocabulary.json     the vectorizer's terms, in column order

Pickle would run code from the file on load and breaks whenever a library
renames a class; these formats hold data only. The directory is built under a
temporary name and swapped in whole, so a crash never leaves a half-written
model that looks valid.

The format version is ``MAJOR.MINOR``. A reader accepts any minor version of
its own major version; a different major version raises
:class:`~topics.errors.IncompatibleModelError`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from pydantic import BaseModel
from safetensors.numpy import save_file

from topics._io import _give_default_permissions, atomic_directory
from topics._model_files import damaged_model, model_file, read_model_json, read_safetensors
from topics.errors import IncompatibleModelError, ModelError
from topics.manifest import package_versions

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "Bundle",
    "csr_from_arrays",
    "csr_to_arrays",
    "read_bundle",
    "write_bundle",
]

FORMAT_NAME = "topics-topic-model"
FORMAT_VERSION = "1.0"

META_FILE = "model.json"
ARRAYS_FILE = "arrays.safetensors"
VOCABULARY_FILE = "vocabulary.json"


@dataclass(frozen=True, slots=True)
class Bundle:
    """Everything read back from a model directory, before a backend rebuilds itself."""

    kind: str
    params: dict[str, Any]
    state: dict[str, Any]
    topic_table: pd.DataFrame
    vocabulary: list[str]
    arrays: dict[str, np.ndarray]
    meta: dict[str, Any]
    meta_path: Path  # model.json: what an error about the saved data names


def params_to_json(params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Split estimator parameters into JSON values and the ones that cannot be saved.

    Config sections become plain dicts. Sub-models and callables (``umap_model``,
    ``word_embedder``) only shape ``fit``; they are recorded by ``repr`` so a
    reader can see what produced the model, and come back as ``None``.
    """
    saved: dict[str, Any] = {}
    unsaved: dict[str, str] = {}
    for name, value in params.items():
        if isinstance(value, BaseModel):
            saved[name] = value.model_dump(mode="json", exclude_unset=True)
        elif value is None or isinstance(value, str | int | float | bool):
            saved[name] = value
        elif isinstance(value, tuple | list) and all(
            isinstance(v, str | int | float) for v in value
        ):
            saved[name] = list(value)
        else:
            unsaved[name] = repr(value)
    return saved, unsaved


def _table_to_json(table: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            "topic": int(row.topic),
            "label": str(row.label),
            "keywords": [str(k) for k in row.keywords],
            "keyword_weights": [float(w) for w in row.keyword_weights],
            "size": int(row.size),
            "representative_docs": [int(i) for i in row.representative_docs],
            "phrases": [str(p) for p in getattr(row, "phrases", None) or []],
            "label_source": str(getattr(row, "label_source", None) or _default_source(row.topic)),
        }
        for row in table.itertuples(index=False)
    ]


def _default_source(topic: int) -> str:
    return "outliers" if int(topic) < 0 else "keywords"


def _table_from_json(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> pd.DataFrame:
    """The topic table; a model saved before labels had phrases gets empty ones."""
    rows = [
        {
            **row,
            "phrases": list(row.get("phrases") or []),
            "label_source": row.get("label_source") or _default_source(row["topic"]),
        }
        for row in rows
    ]
    table = pd.DataFrame(rows, columns=list(columns))
    return table.astype({"topic": "int64", "size": "int64"})


def csr_to_arrays(prefix: str, matrix: sp.csr_matrix) -> dict[str, np.ndarray]:
    """A sparse matrix as three plain arrays plus its shape (safetensors has no sparse type)."""
    matrix = sp.csr_matrix(matrix)
    return {
        f"{prefix}.data": np.ascontiguousarray(matrix.data, dtype=np.float64),
        f"{prefix}.indices": np.ascontiguousarray(matrix.indices, dtype=np.int64),
        f"{prefix}.indptr": np.ascontiguousarray(matrix.indptr, dtype=np.int64),
        f"{prefix}.shape": np.asarray(matrix.shape, dtype=np.int64),
    }


def csr_from_arrays(prefix: str, arrays: dict[str, np.ndarray]) -> sp.csr_matrix:
    shape = tuple(int(n) for n in arrays[f"{prefix}.shape"])
    return sp.csr_matrix(
        (arrays[f"{prefix}.data"], arrays[f"{prefix}.indices"], arrays[f"{prefix}.indptr"]),
        shape=shape,
    )


def write_bundle(
    directory: Path,
    *,
    kind: str,
    estimator_class: str,
    params: dict[str, Any],
    state: dict[str, Any],
    topic_table: pd.DataFrame,
    vocabulary: list[str],
    arrays: dict[str, np.ndarray],
) -> Path:
    """Write a model directory atomically; return its path."""
    saved_params, unsaved_params = params_to_json(params)
    meta = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "kind": kind,
        "class": estimator_class,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "params": saved_params,
        "unsaved_params": unsaved_params,
        "state": state,
        "topic_table": _table_to_json(topic_table),
        "packages": package_versions(),
    }
    contiguous = {name: np.ascontiguousarray(value) for name, value in arrays.items()}
    directory = Path(directory)
    with atomic_directory(directory) as tmp:
        save_file(contiguous, str(tmp / ARRAYS_FILE), metadata={"format": FORMAT_NAME})
        # safetensors creates the file private (0600); a model is shared like its JSON.
        _give_default_permissions(tmp / ARRAYS_FILE)
        (tmp / VOCABULARY_FILE).write_text(json.dumps(vocabulary, ensure_ascii=False) + "\n")
        (tmp / META_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    return directory


def read_bundle(directory: Path, *, table_columns: tuple[str, ...]) -> Bundle:
    """Read and check a model directory.

    Only the three files above are opened, each confined to the directory
    (:mod:`topics._model_files`); a damaged one is a :class:`ModelError` naming it.

    Raises
    ------
    ModelError
        If a file is missing, damaged, leads outside the directory, or is not a
        ``topics`` model.
    IncompatibleModelError
        If the model was written with another major format version.
    """
    directory = Path(directory)
    meta_path = model_file(directory, META_FILE)
    meta = read_model_json(meta_path)
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise ModelError(
            f"{meta_path}: not a topics model (expected format "
            f"{FORMAT_NAME!r}, got {meta.get('format') if isinstance(meta, dict) else meta!r})"
        )
    check_format_version(str(meta.get("format_version")), meta_path, meta)
    vocabulary_path = model_file(directory, VOCABULARY_FILE)
    vocabulary = read_model_json(vocabulary_path)
    arrays_path = model_file(directory, ARRAYS_FILE)
    arrays = read_safetensors(arrays_path, required=("labels", "topic_ids"))
    with damaged_model(meta_path):
        if not isinstance(vocabulary, list):
            raise TypeError(f"{VOCABULARY_FILE} holds {type(vocabulary).__name__}, not a list")
        return Bundle(
            kind=str(meta["kind"]),
            params=dict(meta["params"]),
            state=dict(meta["state"]),
            topic_table=_table_from_json(meta["topic_table"], table_columns),
            vocabulary=[str(term) for term in vocabulary],
            arrays=arrays,
            meta=meta,
            meta_path=meta_path,
        )


def check_format_version(found: str, meta_path: Path, meta: dict[str, Any]) -> None:
    """Accept any minor version of our major version, nothing else."""
    expected_major = FORMAT_VERSION.split(".")[0]
    if found.split(".")[0] != expected_major:
        writer = (meta.get("packages") or {}).get("topics")
        raise IncompatibleModelError(
            f"{meta_path}: model format version {found} (written by topics {writer}) "
            f"cannot be read by this version of topics, which reads format "
            f"{expected_major}.x. Refit the model with this version, or load it with "
            f"the topics version that wrote it."
        )
