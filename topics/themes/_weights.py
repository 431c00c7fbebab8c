"""The weights of the theme score, apart so that the matcher and the assigner share them.

The phrase matcher needs only the position weights and the assigner all of
them; keeping the dataclass in its own module lets both import it without
importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SignalWeights:
    """Weights of the logistic combination and of phrase positions.

    The defaults are a logistic regression fitted on the labelled seed set
    (pooled over all themes, so that they carry over to a theme the user
    adds), rounded to two significant digits. ``exclusion`` equals ``lexical``
    by design: one excluded hit cancels one phrase hit. ``topic`` and
    ``topic_center`` come from a second fit on topics of the seed corpus.
    """

    bias: float = -7.4
    description: float = 5.0
    phrases: float = 4.5
    lexical: float = 2.5
    exclusion: float = 2.5
    topic: float = 2.8
    topic_center: float = 0.16
    top_k_phrases: int = 3
    title_hit: float = 3.0
    first_sentence_hit: float = 2.0
    body_hit: float = 1.0
    last_sentence_hit: float = 0.5
