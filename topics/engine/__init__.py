"""Where the per-partition stages run: this process (``local``) or a Dask cluster (``dask``).

The pipeline (:mod:`topics.pipeline`) calls one small interface,
:class:`Engine`, for the stages that work record by record or paper by
paper (ingest, clean, dedupe keys, embed, assign) and for the seeded sample
the topic model is fitted on. :class:`LocalEngine` runs today's whole-corpus
code in this process; :class:`DaskEngine` splits the corpus into partitions
of ``engine.partition_size`` rows, in the corpus's own deterministic order,
and runs the same stage functions on each partition on the workers. The
grouping steps that need every row at once (merging duplicates, fitting the
topic model, trends) stay in the client.

Choose it in the config::

    engine:
      kind: dask            # default: local
      address: null         # null: a LocalCluster here; or tcp://scheduler:8786
      workers: 2
      partition_size: 20000
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from topics.config.schema import EngineConfig
from topics.engine._base import Engine, partition_bounds, sample_rows
from topics.engine._local import LocalEngine

__all__ = ["Engine", "LocalEngine", "open_engine", "partition_bounds", "sample_rows"]


@contextmanager
def open_engine(config: EngineConfig) -> Iterator[Engine]:
    """The configured engine, connected (a cluster started) for the time of the block."""
    if config.kind == "local":
        yield LocalEngine()
        return
    from topics.engine._dask import DaskEngine

    engine = DaskEngine.connect(config)
    try:
        yield engine
    finally:
        engine.close()
