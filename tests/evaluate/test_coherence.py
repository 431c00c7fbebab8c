"""NPMI coherence and topic diversity on corpora small enough to check by hand."""

from __future__ import annotations

import math

import pytest

from topics.config.schema import VectorizerConfig
from topics.evaluate import (
    coherence_word_lists,
    npmi_coherence,
    tokenize_like_model,
    topic_diversity,
)

# "neural" and "network" always together; "tax" and "law" always together; never across.
PAIRED = [["neural", "network"], ["neural", "network"], ["tax", "law"], ["tax", "law"]]


def test_npmi_coherence_words_that_always_co_occur_score_one() -> None:
    mean, per_topic = npmi_coherence([["neural", "network"], ["tax", "law"]], PAIRED)
    assert per_topic == pytest.approx([1.0, 1.0], abs=1e-6)
    assert mean == pytest.approx(1.0, abs=1e-6)


def test_npmi_coherence_words_that_never_co_occur_score_near_minus_one() -> None:
    _, per_topic = npmi_coherence([["neural", "tax"]], PAIRED)
    # log(eps / 0.25) / -log(eps) with gensim's eps = 1e-12: -1 + log(4) / log(1e12)
    assert per_topic[0] == pytest.approx(-1 + math.log(4) / math.log(1e12), abs=1e-6)
    assert per_topic[0] < -0.9


def test_npmi_coherence_independent_words_score_zero() -> None:
    # p(a) = p(b) = 1/2 and p(a, b) = 1/4 = p(a) p(b)
    docs = [["a", "b"], ["a"], ["b"], ["c"]]
    _, per_topic = npmi_coherence([["a", "b"]], docs)
    assert per_topic[0] == pytest.approx(0.0, abs=1e-9)


def test_npmi_coherence_counts_whole_documents_not_ten_token_windows() -> None:
    # 30 tokens apart: a 10-token window would never see them together.
    filler = [f"w{i}" for i in range(30)]
    docs = [["alpha", *filler, "beta"], ["alpha", *filler, "beta"], ["gamma"]]
    _, per_topic = npmi_coherence([["alpha", "beta"]], docs)
    assert per_topic[0] == pytest.approx(1.0, abs=1e-6)


def test_npmi_coherence_topic_without_known_words_is_nan_and_left_out_of_mean() -> None:
    topics = [["neural", "network"], ["quantum", "gravity"], ["neural", "unknown"]]
    mean, per_topic = npmi_coherence(topics, PAIRED)
    assert per_topic[0] == pytest.approx(1.0, abs=1e-6)
    assert math.isnan(per_topic[1])
    assert math.isnan(per_topic[2])
    assert mean == pytest.approx(1.0, abs=1e-6)


def test_npmi_coherence_no_scorable_topic_gives_nan_mean() -> None:
    mean, per_topic = npmi_coherence([["quantum", "gravity"], []], PAIRED)
    assert math.isnan(mean)
    assert len(per_topic) == 2
    assert all(math.isnan(v) for v in per_topic)


def test_npmi_coherence_skips_a_bigram_nested_in_a_better_term() -> None:
    docs = [
        ["continual", "learning", "continual learning", "replay"],
        ["continual", "learning", "continual learning"],
        ["replay", "buffer"],
        ["graph"],
    ]
    topic = ["continual", "continual learning", "replay"]
    assert coherence_word_lists(topic, 10) == ["continual", "replay"]
    _, skipped = npmi_coherence([topic], docs)
    _, kept = npmi_coherence([topic], docs, skip_nested=False)
    _, pair = npmi_coherence([["continual", "replay"]], docs)
    assert skipped == pytest.approx(pair)
    assert kept[0] > skipped[0]  # the nested pair co-occurs by construction


def test_npmi_coherence_uses_only_top_n_words() -> None:
    docs = [["a", "b"], ["a", "b"], ["c"], ["c", "d"]]
    _, top2 = npmi_coherence([["a", "b", "c"]], docs, top_n=2)
    assert top2[0] == pytest.approx(1.0, abs=1e-6)


def test_npmi_coherence_rejects_top_n_below_two() -> None:
    with pytest.raises(ValueError, match="top_n must be >= 2"):
        npmi_coherence([["a", "b"]], PAIRED, top_n=1)


def test_tokenize_like_model_matches_bigram_topic_words() -> None:
    docs = ["We propose continual learning with experience replay.", "Graph networks, 2019."]
    tokens = tokenize_like_model(docs, VectorizerConfig(ngram_range=(1, 2)))
    assert "continual learning" in tokens[0]
    assert "experience replay" in tokens[0]
    assert "we" not in tokens[0]
    assert "propose" not in tokens[0]
    assert "2019" not in tokens[1]  # a token needs a letter
    kept = tokenize_like_model(docs, keep={"continual learning", "graph"})
    assert kept == [["continual learning"], ["graph"]]


@pytest.mark.parametrize(
    ("topics", "top_n", "expected"),
    [
        ([["a", "b", "c"], ["d", "e", "f"]], 3, 1.0),
        ([["a", "b", "c"], ["a", "d", "e"]], 3, 5 / 6),
        ([["a", "b"], ["a", "b"], ["a", "b"]], 2, 2 / 6),
        ([["a", "b", "x"], ["a", "b", "y"]], 2, 2 / 4),  # only the top 2 count
        ([["fine tuning", "fine"], ["fine tuning", "tuning"]], 2, 3 / 4),
    ],
)
def test_topic_diversity_of_known_word_lists(topics, top_n, expected) -> None:
    assert topic_diversity(topics, top_n=top_n) == pytest.approx(expected)


def test_topic_diversity_short_topics_count_the_words_they_have() -> None:
    assert topic_diversity([["a", "b"], ["b"]], top_n=25) == pytest.approx(2 / 3)
    assert math.isnan(topic_diversity([[], []]))
