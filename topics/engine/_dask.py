"""The Dask engine: the per-partition stages on the workers of a Dask cluster.

``engine.address: null`` starts a LocalCluster on this machine (one process
per worker); an address connects to a running scheduler. Workers read the
inputs and write partitions and caches under ``output_dir``, so on a real
cluster every worker must see the same paths (a shared disk) and have
``topics[dask]`` installed at the client's version.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from topics.engine import _tasks
from topics.engine._base import partition_bounds, sample_rows
from topics.errors import EngineError

if TYPE_CHECKING:
    from distributed import Client, LocalCluster

    from topics.config.schema import Config, EngineConfig
    from topics.embed import Embedder
    from topics.fitted import FittedPipeline
    from topics.pipeline._corpus import InputFile
    from topics.records import Record, SourceResult

__all__ = ["DaskEngine"]

log = logging.getLogger("topics.engine")

#: Where the assign stage writes its partitions, relative to the run directory.
PARTITIONS_DIR = "partitions"


class DaskEngine:
    """Runs each partition of a stage as one Dask task; see :mod:`topics.engine`."""

    kind = "dask"

    def __init__(self, config: EngineConfig, client: Client, cluster: LocalCluster | None) -> None:
        self.config = config
        self.client = client
        self.cluster = cluster
        self._log: dict[str, list[dict[str, Any]]] = {}

    @classmethod
    def connect(cls, config: EngineConfig) -> DaskEngine:
        """Start a LocalCluster, or connect to ``config.address`` within its timeout."""
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise EngineError(
                "engine.kind is 'dask' but dask is not installed; "
                "install it with: pip install 'topics[dask]'"
            ) from exc
        if config.address is None:
            cluster = LocalCluster(
                n_workers=config.workers,
                threads_per_worker=config.threads_per_worker,
                processes=config.processes,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            return cls(config, Client(cluster), cluster)
        try:
            client = Client(config.address, timeout=config.connect_timeout)
        except (OSError, TimeoutError, ValueError) as exc:
            raise EngineError(
                f"engine.address: cannot reach the Dask scheduler at {config.address!r} "
                f"within {config.connect_timeout:g} s ({type(exc).__name__}: {exc}). Check "
                "that the scheduler runs and the address is right, or set engine.address: "
                "null to start a LocalCluster on this machine."
            ) from exc
        return cls(config, client, None)

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    # -- what the manifest records -------------------------------------------

    def describe(self) -> dict[str, Any]:
        import dask
        import distributed

        try:
            info = self.client.scheduler_info(n_workers=-1)
        except TypeError:  # older distributed lists every worker anyway
            info = self.client.scheduler_info()
        workers = [
            {
                "address": address,
                "nthreads": worker.get("nthreads"),
                "memory_limit": worker.get("memory_limit"),
            }
            for address, worker in sorted(info.get("workers", {}).items())
        ]
        return {
            "kind": self.kind,
            "cluster": "LocalCluster" if self.cluster is not None else "external",
            "address": self.config.address,
            "scheduler": info.get("address"),
            "workers": workers,
            "partition_size": self.config.partition_size,
            "fit_sample": self.config.fit_sample,
            "versions": {"dask": dask.__version__, "distributed": distributed.__version__},
        }

    def partition_log(self) -> dict[str, list[dict[str, Any]]]:
        return self._log

    def key_parts(self) -> tuple[Any, ...]:
        # The assign stage's files include the partitions, whose split depends on this.
        return ("dask", self.config.partition_size)

    def run_files(self) -> tuple[str, ...]:
        return (PARTITIONS_DIR,)

    # -- the stages ----------------------------------------------------------

    def read_inputs(self, config: Config, inputs: Sequence[InputFile]) -> list[SourceResult]:
        from topics.pipeline._corpus import check_input

        # A file is read whole by one worker: the readers stream a file from its start.
        results = self._map(
            "ingest", _tasks.read_partition, [(f,) for f in inputs], shared=(config,)
        )
        return [check_input(config, f, r) for f, r in zip(inputs, results, strict=True)]

    def clean(self, config: Config, records: Sequence[Record]) -> list[str]:
        parts = self._map("clean", _tasks.clean_partition, self._slices(records), shared=(config,))
        return [text for part in parts for text in part]

    def dedupe_keys(self, records: Sequence[Record]) -> pd.DataFrame | None:
        parts = self._map("dedupe", _tasks.keys_partition, self._slices(records), label="keys")
        return pd.concat(parts, ignore_index=True) if parts else None

    def embed(
        self, docs: Sequence[str], embedder: Embedder, cache_dir: Path | None, batch_size: int
    ) -> tuple[np.ndarray, dict[str, int]]:
        bounds = partition_bounds(len(docs), self.config.partition_size)
        items = [(list(docs[a:b]), cache_dir, batch_size) for a, b in bounds]
        parts = self._map(
            "embed",
            _tasks.embed_partition,
            items,
            shared=(embedder,),
            extra=lambda value: {"cached": value[1]},
        )
        computed = [b - a for (a, b), (_, cached) in zip(bounds, parts, strict=True) if not cached]
        vectors = np.concatenate([v for v, _ in parts]) if parts else np.zeros((0, embedder.dim))
        return vectors.astype(np.float32, copy=False), {
            "texts": len(docs),
            "computed": sum(computed),
            "partitions": len(parts),
            "partitions_computed": len(computed),
        }

    def fit_rows(self, n_docs: int, seed: int) -> np.ndarray | None:
        return sample_rows(n_docs, self.config.fit_sample, seed)

    def assign(
        self,
        config: Config,
        papers: pd.DataFrame,
        vectors: np.ndarray,
        fitted: FittedPipeline,
        run_dir: Path,
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Two passes over the partitions, then the papers and scores read back from them.

        The topic signal of a theme score reads every member of the paper's
        topic, so the first pass counts each partition's topic members and
        base theme hits and the second scores with the corpus's totals. The
        near-miss evidence is limited per partition (a superset of the
        corpus-wide limit) and trimmed to the corpus-wide limit here.
        """
        bounds = partition_bounds(len(papers), self.config.partition_size)
        slices = [(papers.iloc[a:b].reset_index(drop=True), vectors[a:b]) for a, b in bounds]
        counts = None
        if fitted.assigner is not None:
            from topics.themes import merge_topic_counts

            parts = self._map(
                "assign", _tasks.topic_counts_partition, slices, shared=(fitted,), label="topics"
            )
            counts = merge_topic_counts(parts)
        near_misses = config.assign.evidence_near_misses
        out = run_dir / PARTITIONS_DIR
        paths = [
            (
                out / "papers" / f"part-{i:05d}.parquet",
                out / "assignments" / f"part-{i:05d}.parquet",
            )
            for i in range(len(bounds))
        ]
        items = [(*s, near_misses, counts, *p) for s, p in zip(slices, paths, strict=True)]
        self._map("assign", _tasks.predict_partition, items, shared=(fitted,), label="themes")
        enriched = _read_parquets([p for p, _ in paths])
        assignments = _read_parquets([a for _, a in paths])
        return enriched, _trim_evidence(assignments, len(fitted.themes), near_misses)

    # -- running partitions --------------------------------------------------

    def _slices(self, rows: Sequence[Any]) -> list[tuple[Any, ...]]:
        return [
            (list(rows[a:b]),) for a, b in partition_bounds(len(rows), self.config.partition_size)
        ]

    def _map(
        self,
        stage: str,
        fn: Callable[..., Any],
        items: Sequence[tuple[Any, ...]],
        *,
        shared: tuple[Any, ...] = (),
        label: str | None = None,
        extra: Callable[[Any], dict[str, Any]] | None = None,
    ) -> list[Any]:
        """``fn(*shared, *item)`` for each item as a task; results in item order.

        ``shared`` objects (the config, the embedder, the fitted model) go to
        every worker once instead of once per task. Logs and records one line
        per finished partition.
        """
        from distributed import as_completed

        name = f"{stage}/{label}" if label else stage
        started = time.perf_counter()
        handles = [self.client.scatter(obj, broadcast=True, hash=False) for obj in shared]
        # Partition data rides in the task graph, not scattered: the scheduler holds it,
        # so a partition whose worker died can run again elsewhere (scattered data dies
        # with its worker). distributed warns about graphs of more than 10 MB.
        futures = [
            self.client.submit(
                _tasks.run_partition, stage, i, fn, *handles, *item, pure=False, retries=0
            )
            for i, item in enumerate(items)
        ]
        order = {future.key: i for i, future in enumerate(futures)}
        results: list[Any] = [None] * len(futures)
        entries: list[dict[str, Any]] = []
        shown = sys.stderr.isatty()
        bar = tqdm(total=len(futures), desc=f"{name} partitions", unit="part", disable=not shown)
        try:
            with bar:
                for future in as_completed(futures):
                    i = order[future.key]
                    value, seconds, worker = self._result(future, name, i)
                    results[i] = value
                    entry = {"partition": i, "seconds": round(seconds, 3), "worker": worker}
                    entry.update(_rows(items[i]))
                    if extra is not None:
                        entry.update(extra(value))
                    entries.append(entry)
                    bar.update()
                    if not shown:
                        log.info(
                            "%s partition %d/%d done in %.2f s on %s",
                            name,
                            i + 1,
                            len(futures),
                            seconds,
                            worker,
                        )
        finally:
            for future in futures:
                future.cancel()
        self._log.setdefault(name, []).extend(sorted(entries, key=lambda e: e["partition"]))
        log.info(
            "%s: %d partitions on %d workers in %.2f s",
            name,
            len(futures),
            len(self.client.scheduler_info().get("workers", {})),
            time.perf_counter() - started,
        )
        return results

    def _result(self, future: Any, stage: str, index: int) -> tuple[Any, float, str]:
        from distributed import KilledWorker

        try:
            return future.result()
        except KilledWorker as exc:
            raise EngineError(
                f"a Dask worker died while running partition {index} of the {stage} stage "
                f"({exc}). The previous results of this experiment are unchanged; partitions "
                "that finished are cached, so running again computes only the others. If "
                "workers run out of memory, lower engine.partition_size."
            ) from exc


def _rows(item: tuple[Any, ...]) -> dict[str, int]:
    """How many rows a partition holds, for the log: the length of its first sized input."""
    first = item[0]
    return {"rows": len(first)} if hasattr(first, "__len__") and not isinstance(first, str) else {}


def _read_parquets(paths: Sequence[Path]) -> pd.DataFrame:
    return pd.concat([pd.read_parquet(p) for p in paths], ignore_index=True)


def _trim_evidence(
    assignments: pd.DataFrame, n_themes: int, near_misses: int | None
) -> pd.DataFrame:
    """Evidence for assigned pairs and each theme's ``near_misses`` best unassigned papers.

    Ranked over the whole corpus in paper order, as a single-process run does.
    """
    from topics.themes._assign import _pairs_to_explain

    if near_misses is None or n_themes == 0 or assignments.empty:
        return assignments
    scores = assignments["score"].to_numpy().reshape(-1, n_themes)
    assigned = assignments["assigned"].to_numpy(dtype=bool).reshape(-1, n_themes)
    explained = _pairs_to_explain(scores, assigned, near_misses).ravel()
    return assignments.assign(evidence=np.where(explained, assignments["evidence"], ""))
