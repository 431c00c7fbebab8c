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


@dataclass(frozen=True, slots=True)
class WeightSet:
    """Signal weights fitted for one embedding backend, with how they were fitted.

    Similarities from different embedders live on different scales (a static
    model's cosines are higher and flatter than MiniLM's, LSA's are sparse), so
    weights fitted on one backend's similarities misjudge another's.
    ``benchmarks/eval_themes.py --backend B --refit`` fits them, on the same
    270 hand-labelled seed papers for every backend.

    Attributes
    ----------
    backend : str
        ``embedding.backend`` these weights are for.
    weights : SignalWeights
    labels : str
        The labelled set they were fitted on.
    cv_macro_f1 : float
        Theme macro-F1 of this form, refitted in 5-fold cross-validation on those labels.
    """

    backend: str
    weights: SignalWeights
    labels: str
    cv_macro_f1: float


_LABELS = "tests/fixtures/themes/labels.csv (270 seed papers, 11 themes)"
WEIGHT_SETS: dict[str, WeightSet] = {
    "sentence-transformers": WeightSet(
        "sentence-transformers", SignalWeights(), _LABELS, cv_macro_f1=0.837
    ),
    "static": WeightSet(
        "static",
        SignalWeights(
            bias=-7.9,
            description=3.4,
            phrases=3.9,
            lexical=3.0,
            exclusion=3.0,
            topic=3.6,
            topic_center=0.12,
        ),
        _LABELS,
        cv_macro_f1=0.828,
    ),
    "tfidf-svd": WeightSet(
        "tfidf-svd",
        SignalWeights(
            bias=-4.9,
            description=3.9,
            phrases=4.1,
            lexical=2.5,
            exclusion=2.5,
            topic=2.0,
            topic_center=0.07,
        ),
        _LABELS,
        cv_macro_f1=0.827,
    ),
}


def weights_for_backend(backend: str) -> SignalWeights:
    """The theme weights fitted for ``backend``; MiniLM's for a backend without its own."""
    chosen = WEIGHT_SETS.get(backend, WEIGHT_SETS["sentence-transformers"])
    return chosen.weights
