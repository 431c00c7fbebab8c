"""Which topic of one fit is which topic of another: the papers they share.

Two fits of the same corpus number their topics independently. Matching
topic ``a`` of the first to topic ``b`` of the second by the papers both put
there (the Hungarian method on the overlap counts, so each topic is used at
most once) lets trend lines keep their names across a refit, and lets a
benchmark compare two fits paper by paper.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["MAPPING_COLUMNS", "match_topics"]

MAPPING_COLUMNS = ("old_topic", "new_topic", "overlap", "kept_label")


def match_topics(
    old_topics: np.ndarray, new_topics: np.ndarray, *, min_overlap: float = 0.5
) -> pd.DataFrame:
    """One row per old topic (outliers excluded): its best new topic and how well it matches.

    Parameters
    ----------
    old_topics, new_topics : ndarray of int
        The topic of the same papers in the two fits (``-1``: none).
    min_overlap : float, default=0.5
        A match is good (``kept_label``) when the Jaccard overlap of the two
        topics' papers reaches this.

    Returns
    -------
    DataFrame
        ``old_topic``, ``new_topic`` (``-1`` when nothing is left to match),
        ``overlap`` (Jaccard of the two topics' papers) and ``kept_label``.
    """
    from scipy.optimize import linear_sum_assignment

    old_topics = np.asarray(old_topics, dtype=np.int64)
    new_topics = np.asarray(new_topics, dtype=np.int64)
    both = (old_topics >= 0) & (new_topics >= 0)
    old_ids = np.unique(old_topics[old_topics >= 0])
    new_ids = np.unique(new_topics[new_topics >= 0])
    rows = []
    if len(old_ids) and len(new_ids):
        shared = pd.crosstab(old_topics[both], new_topics[both]).reindex(
            index=old_ids, columns=new_ids, fill_value=0
        )
        counts = shared.to_numpy(dtype=np.float64)
        old_size = np.array([(old_topics == t).sum() for t in old_ids], dtype=np.float64)
        new_size = np.array([(new_topics == t).sum() for t in new_ids], dtype=np.float64)
        jaccard = counts / (old_size[:, None] + new_size[None, :] - counts)
        pick_old, pick_new = linear_sum_assignment(-jaccard)
        best = dict(zip(pick_old.tolist(), pick_new.tolist(), strict=True))
        for i, topic in enumerate(old_ids):
            j = best.get(i)
            overlap = float(jaccard[i, j]) if j is not None else 0.0
            rows.append(
                (
                    int(topic),
                    int(new_ids[j]) if j is not None else -1,
                    round(overlap, 4),
                    bool(j is not None and overlap >= min_overlap),
                )
            )
    else:
        rows = [(int(t), -1, 0.0, False) for t in old_ids]
    return pd.DataFrame(rows, columns=list(MAPPING_COLUMNS))
