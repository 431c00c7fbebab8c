"""HDBSCAN settings that adapt to the size of the corpus.

BERTopic's fixed ``min_cluster_size=10`` suits a few thousand documents: it
gives a handful of unstable topics on 300 abstracts and 160-220 fragments on
10,000. The settings here were chosen with ``benchmarks/bench_fit.py`` and
apply to every key the config leaves unset.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from topics.config.schema import HdbscanConfig

__all__ = ["auto_min_cluster_size", "resolve_hdbscan_params"]

# HDBSCAN settings used where the config leaves a key unset (see resolve_hdbscan_params).
AUTO_MIN_CLUSTER_SIZE = 5
AUTO_MAX_CLUSTER_SIZE = 100
AUTO_MIN_SAMPLES = 5
AUTO_SELECTION_METHOD = "leaf"


def auto_min_cluster_size(n_docs: int) -> int:
    """The smallest topic HDBSCAN may form: half the square root of the corpus size.

    Kept between 5 and 100: 9 for 300 abstracts, 22 for 2,000, 50 for 10,000,
    100 from 40,000 on. The number of topics then grows like the square root
    of the corpus instead of exploding (a fixed 10 gives 160-220 fragments on
    10,000 abstracts) or staying flat.
    """
    value = round(float(np.sqrt(n_docs)) / 2)
    return int(np.clip(value, AUTO_MIN_CLUSTER_SIZE, AUTO_MAX_CLUSTER_SIZE))


def resolve_hdbscan_params(config: HdbscanConfig, n_docs: int) -> dict[str, Any]:
    """HDBSCAN settings: the config's where the user set a key, ours where not.

    Ours were chosen with ``benchmarks/bench_fit.py`` for a topic count that
    is meaningful on 300 abstracts and on 10,000, and steady across seeds:

    * ``min_cluster_size``: :func:`auto_min_cluster_size`.
    * ``min_samples``: at most 5. HDBSCAN's default (equal to
      ``min_cluster_size``) makes large values fragile: with 100 on 10,000
      abstracts one seed in five collapsed to 3 topics instead of 16.
    * ``cluster_selection_method``: ``"leaf"``. Excess-of-mass sometimes keeps
      one cluster holding most of a small corpus: on the ~300 seed abstracts one
      seed in ten gave 2 topics instead of 9, and 160 abstracts from four arXiv
      categories gave 2-3 topics. Leaf clusters gave 7-11 and 6-9 topics there,
      and 26-30 (2,000 abstracts) and 53-58 (10,000) on larger corpora, with
      more outliers, which outlier reduction then assigns.

    ``"auto"`` in the config selects ours; any other value is used as given.
    """
    min_cluster_size = (
        auto_min_cluster_size(n_docs)
        if config.min_cluster_size == "auto"
        else config.min_cluster_size
    )
    min_samples = (
        min(AUTO_MIN_SAMPLES, min_cluster_size)
        if config.min_samples == "auto"
        else config.min_samples
    )
    method = config.cluster_selection_method
    return {
        "min_cluster_size": int(min_cluster_size),
        "min_samples": min_samples,
        "cluster_selection_method": method,
        "cluster_selection_epsilon": float(config.cluster_selection_epsilon),
    }
