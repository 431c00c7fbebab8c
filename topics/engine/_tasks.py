"""What a Dask worker runs on one partition: thin wrappers of the stage functions.

Each function takes plain picklable inputs and returns what the client
needs; none keeps state between calls, so the scheduler may run a partition
again on another worker after one dies.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from topics.config.schema import Config
    from topics.embed import Embedder
    from topics.fitted import FittedPipeline
    from topics.pipeline._corpus import InputFile
    from topics.records import Record, SourceResult
    from topics.themes import TopicCounts

__all__ = [
    "KILL_ENV",
    "clean_partition",
    "embed_partition",
    "keys_partition",
    "partition_vectors_path",
    "predict_partition",
    "read_partition",
    "run_partition",
    "topic_counts_partition",
]

#: Fault injection for the worker-death tests: ``"embed:1"`` makes the task of
#: partition 1 of the embed stage kill its own worker process, as an
#: out-of-memory kill would. Read in the worker; never set it in production.
KILL_ENV = "TOPICS_ENGINE_KILL_PARTITION"


def run_partition(
    stage: str, index: int, fn: Callable[..., Any], *args: Any
) -> tuple[Any, float, str]:
    """Run ``fn(*args)``; return its value, the seconds it took and the worker's address."""
    if os.environ.get(KILL_ENV) == f"{stage}:{index}":
        os._exit(137)
    started = time.perf_counter()
    value = fn(*args)
    return value, time.perf_counter() - started, _worker_address()


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return "client"


def read_partition(config: Config, file: InputFile) -> SourceResult:
    from topics.pipeline._corpus import read_input

    return read_input(config, file)


def clean_partition(config: Config, records: Sequence[Record]) -> list[str]:
    from topics.pipeline._corpus import clean_records

    return clean_records(config, records)


def keys_partition(records: Sequence[Record]) -> pd.DataFrame:
    from topics.dedupe import record_keys

    return record_keys(records)


def partition_vectors_path(cache_dir: Path, identity: str, docs: Sequence[str]) -> Path:
    """Where one partition's vectors are cached: keyed by the embedder and every text in it."""
    from topics.embed import text_key

    model = hashlib.sha256(identity.encode()).hexdigest()[:24]
    digest = hashlib.sha256(identity.encode() + b"".join(text_key(d) for d in docs))
    return cache_dir / model / "partitions" / f"{digest.hexdigest()[:32]}.safetensors"


def embed_partition(
    embedder: Embedder, docs: Sequence[str], cache_dir: Path | None, batch_size: int
) -> tuple[np.ndarray, bool]:
    """The partition's vectors, from its cache file when an earlier run wrote it.

    One file per partition, written atomically once the whole partition is
    encoded: a run killed mid-stage keeps every finished partition, and the
    next run encodes only the others. Returns the vectors and whether they
    came from the cache.
    """
    from safetensors.numpy import load_file, save

    from topics._io import atomic_write_bytes

    path = partition_vectors_path(cache_dir, embedder.identity, docs) if cache_dir else None
    if path is not None and path.is_file():
        return load_file(path)["vectors"], True
    vectors = embedder.encode(list(docs), batch_size=batch_size)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, save({"vectors": np.ascontiguousarray(vectors)}))
    return vectors, False


def topic_counts_partition(
    fitted: FittedPipeline, papers: pd.DataFrame, vectors: np.ndarray
) -> TopicCounts:
    """First assign pass: each topic's size and base theme hits in this partition."""
    from topics.fitted import document_texts

    assert fitted.assigner is not None  # only called when the config has themes
    titles = papers["title"].fillna("").astype(str).tolist()
    texts = papers["text"].tolist()
    docs = document_texts(titles, texts)
    topics = fitted.topic_model.transform(docs, embeddings=vectors).topics
    return fitted.assigner.topic_counts(texts, vectors, titles=titles, topics=topics.tolist())


def predict_partition(
    fitted: FittedPipeline,
    papers: pd.DataFrame,
    vectors: np.ndarray,
    near_misses: int | None,
    counts: TopicCounts | None,
    papers_path: Path,
    assignments_path: Path,
) -> int:
    """Second assign pass: topics and themes of this partition, written as Parquet.

    ``counts`` are the whole corpus's, so the topic signal is the one a
    single-process run computes. Returns the number of papers written.
    """
    from topics._io import atomic_write_with
    from topics.pipeline._model import predict_papers

    enriched, assignments = predict_papers(
        papers, vectors, fitted, near_misses=near_misses, corpus_topic_counts=counts
    )
    for frame, path in ((enriched, papers_path), (assignments, assignments_path)):
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_with(path, lambda tmp, frame=frame: frame.to_parquet(tmp, index=False))
    return len(enriched)
