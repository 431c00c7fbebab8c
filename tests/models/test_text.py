"""Vectorizer recipe and topic labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from topics.config.schema import VectorizerConfig
from topics.errors import ModelError
from topics.models._text import (
    build_vectorizer,
    distinct_terms,
    fit_vocabulary,
    label_topic,
    resolve_min_df,
    resolve_stop_words,
    unique_labels,
)


@pytest.mark.parametrize(
    ("keywords", "expected"),
    [
        (
            ["adversarial", "adversarial training", "robustness", "perturbations", "attacks"],
            "adversarial training · robustness · perturbations",
        ),
        (
            ["neural networks", "neural", "network", "training", "graph"],
            "neural networks · training · graph",
        ),
        (["", "speech", "speech recognition", "speaker"], "speech recognition · speaker"),
        (["graphs", "graph", "policies", "policy", "coloring"], "graphs · policies · coloring"),
        (
            ["self supervised", "unsupervised", "supervised representation", "contrastive"],
            "self supervised · unsupervised · contrastive",
        ),
    ],
)
def test_text_label_topic_drops_overlapping_terms(keywords: list[str], expected: str) -> None:
    assert label_topic(keywords) == expected


def test_text_distinct_terms_keeps_order_of_first_mention() -> None:
    assert distinct_terms(["quantum", "qubit", "quantum circuits", "noise"], 3) == [
        "quantum circuits",
        "qubit",
        "noise",
    ]


def test_text_unique_labels_extends_a_repeated_label() -> None:
    labels = unique_labels(
        [0, 1],
        [["graph", "neural", "learning", "molecules"], ["graph", "neural", "learning", "traffic"]],
    )
    assert labels == ["graph · neural · learning", "graph · neural · learning · traffic"]


def test_text_vectorizer_drops_stop_words_and_numbers(abstracts: list[str]) -> None:
    config = VectorizerConfig()
    vocabulary, counts = fit_vocabulary(abstracts, config, stop_words=resolve_stop_words(config))
    words = {word for term in vocabulary for word in term.split()}
    assert counts.shape == (len(abstracts), len(vocabulary))
    assert not words & ENGLISH_STOP_WORDS
    assert not any(word.isdigit() for word in words)
    assert any(" " in term for term in vocabulary), "bigrams expected with ngram_range (1, 2)"


def test_text_vectorizer_with_vocabulary_counts_only_those_terms() -> None:
    config = VectorizerConfig()
    vectorizer = build_vectorizer(
        config, stop_words=resolve_stop_words(config), vocabulary=["kernel", "page cache"]
    )
    counts = vectorizer.transform(["The kernel keeps a page cache; the kernel schedules."])
    assert counts.toarray().tolist() == [[2, 1]]


def test_text_fit_vocabulary_reports_settings_that_leave_no_term() -> None:
    config = VectorizerConfig(min_df=5)
    with pytest.raises(ModelError, match="min_df=5"):
        fit_vocabulary(["one short text", "another text"], config, stop_words=[])


def test_text_custom_stop_words_are_lowercased_and_sorted() -> None:
    assert resolve_stop_words(VectorizerConfig(stop_words=["Paper", "we"])) == ["paper", "we"]
    assert resolve_stop_words(VectorizerConfig(stop_words=None)) == []


@pytest.mark.parametrize(
    ("n_docs", "expected"), [(300, 2), (19_999, 2), (20_000, 5), (99_999, 5), (196_000, 10)]
)
def test_text_auto_min_df_grows_with_the_corpus(n_docs: int, expected: int) -> None:
    assert resolve_min_df("auto", n_docs) == expected
    assert resolve_min_df(3, n_docs) == 3  # a number is taken as given


def test_text_auto_min_df_drops_terms_of_one_document() -> None:
    docs = ["graph neural networks", "graph neural models", "protein folding"]
    vocabulary, _ = fit_vocabulary(docs, VectorizerConfig(ngram_range=(1, 1)), stop_words=[])
    assert vocabulary == ["graph", "neural"]  # "auto" is 2 for a small corpus


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"ngram_range": (1, 1), "min_df": 1},
        {"min_df": 3, "max_df": 0.2},
        # Many terms share a frequency at the cut: the tie order must be scikit-learn's.
        {"max_features": 150},
        {"min_df": 2, "max_features": 1000, "ngram_range": (1, 3)},
        {"stop_words": None, "max_features": 40},
    ],
)
def test_text_fit_vocabulary_equals_scikit_learns_count_vectorizer(
    corpus: pd.DataFrame, settings: dict[str, object]
) -> None:
    """The packed counter keeps exactly the terms, order and counts of ``fit_transform``."""
    docs = corpus["abstract"].tolist()
    config = VectorizerConfig(**settings)
    stop_words = resolve_stop_words(config)
    reference = build_vectorizer(config, stop_words=stop_words, n_docs=len(docs))
    expected = reference.fit_transform(docs)
    vocabulary, counts = fit_vocabulary(docs, config, stop_words=stop_words)
    assert vocabulary == reference.get_feature_names_out().tolist()
    assert counts.shape == expected.shape
    assert counts.dtype == np.int64
    assert (counts != expected).nnz == 0
    assert counts.has_sorted_indices


def test_text_fit_vocabulary_max_df_below_min_df_is_a_model_error() -> None:
    docs = ["graph neural networks", "graph neural models", "protein folding"]
    config = VectorizerConfig(min_df=3, max_df=0.5, ngram_range=(1, 1))
    with pytest.raises(ModelError, match="max_df corresponds to < documents than min_df"):
        fit_vocabulary(docs, config, stop_words=[])
