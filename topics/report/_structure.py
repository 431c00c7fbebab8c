"""How the topics relate: the similarity heat map and the merge tree of the overview page.

Both come from ``data/topic_similarity.csv``, the cosine similarity of the
topics' centroids that the assign stage writes. The tree is scipy's average
linkage on ``1 - similarity`` (as BERTopic's ``hierarchical_topics`` does on
its c-TF-IDF vectors), with the optimal leaf order, so that similar topics sit
next to each other; the heat map uses the same order, which makes groups of
related topics show as blocks along its diagonal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import leaves_list, linkage
from scipy.spatial.distance import squareform

from topics.report import charts
from topics.report.tables import TopicView

__all__ = ["Structure", "topic_structure"]


@dataclass(frozen=True, slots=True)
class Structure:
    """The two figures, and how many topics they show."""

    similarity: charts.Figure
    hierarchy: charts.Figure
    n_topics: int


def topic_structure(
    similarity: pd.DataFrame | None, topics: Sequence[TopicView]
) -> Structure | None:
    """The heat map and merge tree of the topics; None without a similarity table or 2 topics."""
    if similarity is None:
        return None
    by_id = {t.id: t for t in topics if not t.is_outliers}
    ids = [t for t in similarity.index if t in by_id]
    if len(ids) < 2:
        return None
    matrix = similarity.loc[ids, [str(t) for t in ids]].to_numpy(dtype=float)
    matrix = (matrix + matrix.T) / 2  # rounding in the CSV may break exact symmetry
    distance = np.clip(1.0 - matrix, 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average", optimal_ordering=True)
    labels = [f"{t}: {by_id[t].name}" for t in ids]
    order = leaves_list(tree)
    return Structure(
        similarity=charts.similarity_figure(
            [labels[i] for i in order], matrix[np.ix_(order, order)]
        ),
        hierarchy=charts.hierarchy_figure(labels, tree, [by_id[t].color for t in ids]),
        n_topics=len(ids),
    )
