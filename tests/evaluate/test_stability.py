"""Partition agreement (ARI) and Hungarian topic matching on hand-made inputs."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from topics.evaluate import (
    adjusted_rand,
    match_topics,
    pairwise_adjusted_rand,
    topic_centroids,
    topic_word_vectors,
)
from topics.models import NMFTopicModel


def test_adjusted_rand_identical_partitions_with_renamed_topics_is_one() -> None:
    assert adjusted_rand([0, 0, 1, 1, -1], [7, 7, 3, 3, -1]) == pytest.approx(1.0)


def test_adjusted_rand_of_a_known_pair() -> None:
    # n = 4; pairs within clusters: a {01, 23}, b {01}; sum_ij = 1, sum_a = 2, sum_b = 1
    # expected = 2 * 1 / 6 = 1/3; ARI = (1 - 1/3) / ((2 + 1) / 2 - 1/3) = 4/7
    assert adjusted_rand([0, 0, 1, 1], [0, 0, 1, 2]) == pytest.approx(4 / 7)


def test_adjusted_rand_refuses_different_documents() -> None:
    with pytest.raises(ValueError, match="same documents"):
        adjusted_rand([0, 1, 1], [0, 1])


def test_pairwise_adjusted_rand_covers_every_pair_once() -> None:
    partitions = [[0, 0, 1, 1], [1, 1, 0, 0], [0, 0, 1, 2]]
    pairs = pairwise_adjusted_rand(partitions)
    assert [(i, j) for i, j, _ in pairs] == [(0, 1), (0, 2), (1, 2)]
    assert pairs[0][2] == pytest.approx(1.0)
    assert pairs[1][2] == pytest.approx(4 / 7)


def test_match_topics_recovers_a_permutation() -> None:
    a = np.eye(4)
    b = a[[2, 0, 3, 1]] * 5.0  # same directions, other order and length
    match = match_topics(a, b, ids_b=[10, 11, 12, 13])
    assert sorted(match.pairs) == [(0, 11, 1.0), (1, 13, 1.0), (2, 10, 1.0), (3, 12, 1.0)]
    assert match.mean_similarity == pytest.approx(1.0)
    assert match.share_matched == pytest.approx(1.0)


def test_match_topics_counts_a_topic_without_partner_as_unmatched() -> None:
    a = np.eye(3)[:2]
    b = np.eye(3)
    match = match_topics(a, b)
    assert len(match.pairs) == 2
    assert match.share_matched == pytest.approx(2 / 3)


def test_match_topics_threshold_decides_what_is_the_same_topic() -> None:
    a = np.array([[1.0, 0.0], [0.0, 1.0]])
    b = np.array([[1.0, 1.0], [0.0, 1.0]])  # cos 0.707 and 1.0 on the best pairing
    match = match_topics(a, b, threshold=0.8)
    assert match.mean_similarity == pytest.approx((2**-0.5 + 1) / 2)
    assert match.share_matched == pytest.approx(0.5)
    assert match_topics(a, b, threshold=0.7).share_matched == pytest.approx(1.0)


def test_match_topics_accepts_sparse_rows() -> None:
    a = sp.csr_matrix(np.array([[0.0, 3.0, 0.0], [2.0, 0.0, 0.0]]))
    b = sp.csr_matrix(np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]))
    match = match_topics(a, b)
    assert sorted(match.pairs) == [(0, 1, 1.0), (1, 0, 1.0)]


def test_match_topics_with_no_topics_is_empty() -> None:
    match = match_topics(np.zeros((0, 3)), np.eye(3))
    assert match.pairs == []
    assert match.share_matched == 0.0


def test_topic_centroids_ignore_outliers_and_are_unit_length() -> None:
    embeddings = np.array([[2.0, 0.0], [4.0, 0.0], [0.0, 1.0], [9.0, 9.0]])
    ids, centroids = topic_centroids(embeddings, [1, 1, 0, -1])
    assert ids == [0, 1]
    assert centroids == pytest.approx(np.array([[0.0, 1.0], [1.0, 0.0]]))


def test_topic_word_vectors_of_a_fitted_nmf_are_its_components() -> None:
    docs = [
        "graph neural networks for node classification",
        "graph convolution on citation graphs",
        "adversarial examples fool image classifiers",
        "adversarial training improves robustness",
    ] * 3
    model = NMFTopicModel(nr_topics=2, random_state=0).fit(docs)
    ids, weights = topic_word_vectors(model)
    assert ids == [0, 1]
    assert weights.shape == (2, len(model.vocabulary_))
