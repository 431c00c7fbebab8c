"""Quality metrics of a fitted run: coherence, diversity, outliers, stability, theme accuracy.

The metric functions take plain lists and arrays, so benchmarks can score any
model with them; :func:`evaluate_run` computes all of them for a finished run
and writes ``data/evaluation.json``, which the report shows.
"""

from topics.evaluate._coherence import (
    coherence_word_lists,
    npmi_coherence,
    tokenize_like_model,
    topic_diversity,
)
from topics.evaluate._run import EVALUATION_FILE, evaluate_run, outlier_share
from topics.evaluate._stability import (
    TopicMatch,
    adjusted_rand,
    match_topics,
    pairwise_adjusted_rand,
    topic_centroids,
    topic_word_vectors,
)
from topics.evaluate._themes import (
    LabelIssue,
    ThemeLabels,
    match_theme_labels,
    normalize_title,
    read_theme_labels,
    theme_scores,
)

__all__ = [
    "EVALUATION_FILE",
    "LabelIssue",
    "ThemeLabels",
    "TopicMatch",
    "adjusted_rand",
    "coherence_word_lists",
    "evaluate_run",
    "match_theme_labels",
    "match_topics",
    "normalize_title",
    "npmi_coherence",
    "outlier_share",
    "pairwise_adjusted_rand",
    "read_theme_labels",
    "theme_scores",
    "tokenize_like_model",
    "topic_centroids",
    "topic_diversity",
    "topic_word_vectors",
]
