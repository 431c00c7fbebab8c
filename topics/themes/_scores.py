"""The signals and scores of every (paper, theme) pair, and the table they end up in."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from topics.results import UNASSIGNED
from topics.themes._phrases import _Matches

_MIN_TOPIC_SIZE = 3
_COLUMNS = (
    "paper_id",
    "theme",
    "score",
    "assigned",
    "description_similarity",
    "phrase_similarity",
    "lexical_hits",
    "exclusion_hits",
    "topic_affinity",
    "evidence",
)


@dataclass(slots=True)
class _Signals:
    """Raw signals of every (paper, theme) pair, arrays of shape (n_papers, n_themes)."""

    description: np.ndarray
    phrases: np.ndarray
    # Per theme: the (n_papers, k) indices and similarities of each paper's closest phrases.
    nearest_index: list[np.ndarray]
    nearest_similarity: list[np.ndarray]
    hits: list[list[_Matches]]
    excluded: list[list[_Matches]]
    topic_affinity: np.ndarray | None = None

    @property
    def lexical_hits(self) -> np.ndarray:
        return _weighted(self.hits, self.description.shape)

    @property
    def exclusion_hits(self) -> np.ndarray:
        return _weighted(self.excluded, self.description.shape)

    def arrays(self) -> dict[str, np.ndarray]:
        """The columns of :attr:`ThemeScores.long`, by name."""
        return {
            "description_similarity": self.description,
            "phrase_similarity": self.phrases,
            "lexical_hits": self.lexical_hits,
            "exclusion_hits": self.exclusion_hits,
            "topic_affinity": self.topic_affinity
            if self.topic_affinity is not None
            else np.full(self.description.shape, np.nan),
        }


def _weighted(matches: list[list[_Matches]], shape: tuple[int, ...]) -> np.ndarray:
    return np.array([[m.weighted for m in row] for row in matches], dtype=float).reshape(shape)


@dataclass(slots=True)
class ThemeScores:
    """Scores of every paper for every theme, with the evidence behind them.

    Attributes
    ----------
    themes, paper_ids : list of str
        Theme names in config order; paper ids in input order.
    long : DataFrame
        One row per (paper, theme) in input order then theme order:
        ``paper_id``, ``theme``, ``score`` in [0, 1], ``assigned`` (bool),
        the raw signals ``description_similarity``, ``phrase_similarity``,
        ``lexical_hits``, ``exclusion_hits``, ``topic_affinity`` (NaN
        without topics), and ``evidence``: compact JSON with the signals,
        the phrases matched with their counts, the nearest seed phrases and
        each signal's contribution to the logit.
    """

    long: pd.DataFrame
    themes: list[str]
    paper_ids: list[str]

    def themes_per_paper(self) -> pd.Series:
        """Assigned theme names per paper, ";"-joined in config order.

        A paper that fits no theme gets the literal ``"unassigned"``
        (:data:`UNASSIGNED`), so that exports and reports never show an empty
        cell that could be mistaken for missing data.
        """
        assigned = self.long[self.long["assigned"]]
        joined = assigned.groupby("paper_id", sort=False)["theme"].agg(";".join)
        return joined.reindex(self.paper_ids, fill_value=UNASSIGNED).rename("themes")

    def wide(self) -> pd.DataFrame:
        """Scores as a paper × theme table (papers in input order)."""
        table = self.long.pivot(index="paper_id", columns="theme", values="score")
        return table.reindex(index=self.paper_ids, columns=self.themes)


def _topic_affinity(topics: np.ndarray, assigned: np.ndarray) -> np.ndarray:
    """Share of the *other* members of each paper's topic assigned to each theme.

    Leaving the paper itself out keeps the signal from echoing the paper's own
    score. Outliers (topic < 0) and topics with fewer than three members get
    NaN: they say nothing about a theme.
    """
    affinity = np.full(assigned.shape, np.nan)
    for topic in np.unique(topics):
        members = np.flatnonzero(topics == topic)
        if topic < 0 or len(members) < _MIN_TOPIC_SIZE:
            continue
        totals = assigned[members].sum(axis=0)
        affinity[members] = (totals - assigned[members]) / (len(members) - 1)
    return affinity


#: Per topic: its number of members and how many of them each theme's base score assigns.
TopicCounts = dict[int, tuple[int, np.ndarray]]


def topic_counts(topics: np.ndarray, assigned: np.ndarray) -> TopicCounts:
    """What :func:`_topic_affinity` needs from a batch, summable across batches."""
    counts: TopicCounts = {}
    for topic in np.unique(topics):
        members = topics == topic
        counts[int(topic)] = (int(members.sum()), assigned[members].sum(axis=0).astype(np.int64))
    return counts


def merge_topic_counts(parts: list[TopicCounts]) -> TopicCounts:
    """The counts of the whole corpus from those of its partitions."""
    merged: TopicCounts = {}
    for part in parts:
        for topic, (n, totals) in part.items():
            if topic in merged:
                n0, totals0 = merged[topic]
                merged[topic] = (n0 + n, totals0 + totals)
            else:
                merged[topic] = (n, totals.copy())
    return merged


def _topic_affinity_from_counts(
    topics: np.ndarray, assigned: np.ndarray, counts: TopicCounts
) -> np.ndarray:
    """:func:`_topic_affinity` of a partition, with topic sizes and totals of the whole corpus.

    The same arithmetic on the same integers, so a partitioned run scores
    exactly as a run over the whole corpus at once.
    """
    affinity = np.full(assigned.shape, np.nan)
    for topic in np.unique(topics):
        n, totals = counts[int(topic)]
        if topic < 0 or n < _MIN_TOPIC_SIZE:
            continue
        members = np.flatnonzero(topics == topic)
        affinity[members] = (totals - assigned[members]) / (n - 1)
    return affinity


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(np.asarray(x, dtype=np.float64), -50.0, 50.0)))
