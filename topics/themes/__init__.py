"""Assigning papers to the themes a user names in the config.

A theme is a name, a description, seed phrases and optional exclusions
(:class:`~topics.config.schema.ThemeConfig`). Every paper gets a score in
[0, 1] for every theme; it is assigned to each theme whose score reaches the
theme's threshold (``theme.threshold``, else ``assign.threshold``), so a paper
can sit in several themes or in none ("unassigned").

The score is a logistic combination of a few signals, each of which is kept as
evidence so that a reader can see *why* a paper landed in a theme::

    logit = bias
          + w_description * cos(paper, description)
          + w_phrases     * mean of the top-3 cos(paper, seed phrase)
          + w_lexical     * ln(1 + weighted phrase hits)
          - w_exclusion   * ln(1 + weighted exclusion hits)
          + w_topic       * (share of the paper's topic in the theme - topic_center)
    score = 1 / (1 + exp(-logit))

Phrase hits are weighted by where they occur (title 3, first sentence 2, body
1, last sentence 0.5) and saturate through the logarithm. That is what keeps a
passing mention out: one "robust" in the body of an abstract, or "applications
in continual learning" in its last sentence, adds little, whereas a paper on
the theme names it in its title or opening sentence and repeats it. The topic
term is used only when topic assignments are given.

The default :class:`SignalWeights` were fitted with a pooled logistic
regression on the labelled seed papers in ``tests/fixtures/themes/labels.csv``
and rounded; ``benchmarks/eval_themes.py`` reports precision, recall and F1
per theme for each signal alone and combined, cross-validated and with each
theme left out of the fit (which is what a user adding a new theme gets).
"""

from __future__ import annotations

from topics.themes._assign import ThemeAssigner
from topics.themes._scores import (
    UNASSIGNED,
    ThemeScores,
    TopicCounts,
    merge_topic_counts,
    topic_counts,
)
from topics.themes._weights import WEIGHT_SETS, SignalWeights, WeightSet, weights_for_backend

__all__ = [
    "UNASSIGNED",
    "WEIGHT_SETS",
    "SignalWeights",
    "ThemeAssigner",
    "ThemeScores",
    "TopicCounts",
    "WeightSet",
    "merge_topic_counts",
    "topic_counts",
    "weights_for_backend",
]
