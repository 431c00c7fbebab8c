"""The local engine: every stage over the whole corpus, in this process (the default)."""

from __future__ import annotations

from collections.abc import Sequence
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

__all__ = ["LocalEngine"]


class LocalEngine:
    """Runs the stage functions on the whole corpus at once, as before engines existed."""

    kind = "local"

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind}

    def partition_log(self) -> dict[str, list[dict[str, Any]]]:
        return {}

    def key_parts(self) -> tuple[Any, ...]:
        return ()

    def run_files(self) -> tuple[str, ...]:
        return ()

    def read_inputs(self, config: Config, inputs: Sequence[InputFile]) -> list[SourceResult]:
        from topics.pipeline._corpus import check_input, read_input

        # One file at a time, so that ingest.strict stops before reading the rest.
        return [check_input(config, file, read_input(config, file)) for file in inputs]

    def clean(self, config: Config, records: Sequence[Record]) -> list[str]:
        from topics.pipeline._corpus import clean_records

        return clean_records(config, records)

    def dedupe_keys(self, records: Sequence[Record]) -> pd.DataFrame | None:
        return None

    def embed(
        self, docs: Sequence[str], embedder: Embedder, cache_dir: Path | None, batch_size: int
    ) -> tuple[np.ndarray, dict[str, int]]:
        from topics.embed import embed_texts

        vectors, stats = embed_texts(docs, embedder, cache_dir, batch_size=batch_size)
        return vectors, {"texts": stats.n_total, "computed": stats.n_computed}

    def fit_rows(self, n_docs: int, seed: int) -> np.ndarray | None:
        return None

    def assign(
        self,
        config: Config,
        papers: pd.DataFrame,
        vectors: np.ndarray,
        fitted: FittedPipeline,
        run_dir: Path,
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        from topics.pipeline._model import assign_papers

        return assign_papers(config, papers, vectors, fitted)
