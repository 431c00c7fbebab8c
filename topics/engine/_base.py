"""The interface every engine implements, and the deterministic partition plan."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from topics.config.schema import Config
    from topics.embed import Embedder
    from topics.fitted import FittedPipeline
    from topics.pipeline._corpus import InputFile
    from topics.records import Record, SourceResult

__all__ = ["Engine", "partition_bounds", "sample_rows"]


class Engine(Protocol):
    """The stages an engine runs; every method returns what the local code returns.

    An engine must give the same papers, topics and themes as
    :class:`~topics.engine.LocalEngine` for the same config and seed;
    only where and in how many pieces the work is done may differ.
    """

    kind: str

    def describe(self) -> dict[str, Any]:
        """The engine and cluster, for the manifest."""
        ...

    def partition_log(self) -> dict[str, list[dict[str, Any]]]:
        """Per stage, one entry per partition: rows, seconds, worker (empty when local)."""
        ...

    def key_parts(self) -> tuple[Any, ...]:
        """Extra cache-key parts for stages whose run-directory files depend on the engine."""
        ...

    def read_inputs(self, config: Config, inputs: Sequence[InputFile]) -> list[SourceResult]:
        """Each input file's records and issues, in input order."""
        ...

    def clean(self, config: Config, records: Sequence[Record]) -> list[str]:
        """Cleaned abstracts, aligned with ``records``."""
        ...

    def dedupe_keys(self, records: Sequence[Record]) -> pd.DataFrame | None:
        """:func:`topics.dedupe.record_keys` of ``records``; None: let dedupe compute them."""
        ...

    def embed(
        self, docs: Sequence[str], embedder: Embedder, cache_dir: Path | None, batch_size: int
    ) -> tuple[np.ndarray, dict[str, int]]:
        """Vectors of ``docs`` and counts for the stage log (``texts``, ``computed``)."""
        ...

    def fit_rows(self, n_docs: int, seed: int) -> np.ndarray | None:
        """Rows the topic model is fitted on; None: all of them."""
        ...

    def assign(
        self,
        config: Config,
        papers: pd.DataFrame,
        vectors: np.ndarray,
        fitted: FittedPipeline,
        run_dir: Path,
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Papers with topics and themes, and the long table of theme scores."""
        ...

    def run_files(self) -> tuple[str, ...]:
        """Run-directory paths the assign stage writes besides the usual outputs."""
        ...


def partition_bounds(n_rows: int, size: int) -> list[tuple[int, int]]:
    """Contiguous ``[start, stop)`` ranges of at most ``size`` rows, in row order.

    Rows keep the corpus's order (reading order for records, dedupe's order for
    papers), which is deterministic, so the same corpus always splits the same
    way and concatenating the partitions gives the local engine's input back.
    """
    if size < 1:
        raise ValueError(f"size must be >= 1; got {size}")
    return [(start, min(start + size, n_rows)) for start in range(0, n_rows, size)]


def sample_rows(n_rows: int, size: int | None, seed: int) -> np.ndarray | None:
    """A seeded sample of ``size`` rows in row order; None when it would be every row.

    Sorted, so a sample that happens to cover the corpus is the corpus in its
    own order, exactly what the local engine fits on.
    """
    if size is None or size >= n_rows:
        return None
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_rows, size=size, replace=False))
