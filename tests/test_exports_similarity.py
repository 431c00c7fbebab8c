"""The topic similarity table the report's heat map and hierarchy are drawn from."""

from __future__ import annotations

import numpy as np

from topics.exports import topic_similarity


def test_topic_similarity_is_the_cosine_of_topic_centroids() -> None:
    vectors = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0], [1.0, 1.0], [5.0, 5.0]])
    topics = np.array([0, 0, 1, 2, -1])
    frame = topic_similarity(topics, vectors)
    assert list(frame.columns) == ["topic", "0", "1", "2"]
    assert frame["topic"].tolist() == [0, 1, 2]  # outliers left out
    matrix = frame[["0", "1", "2"]].to_numpy()
    np.testing.assert_allclose(np.diag(matrix), 1.0)
    np.testing.assert_allclose(matrix, matrix.T)
    assert matrix[0, 1] == 0.0  # orthogonal centroids
    assert matrix[0, 2] == round(1 / np.sqrt(2), 4)


def test_topic_similarity_without_topics_is_empty() -> None:
    assert topic_similarity(np.array([-1, -1]), np.ones((2, 3))).empty
