"""SampledUMAP: the layout learnt from a sample must keep the structure of all points."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from topics.models._umap import SampledUMAP, resolve_n_epochs


def three_clusters() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    centers = rng.normal(size=(3, 16)) * 6
    points = np.vstack([c + rng.normal(size=(200, 16)) for c in centers]).astype(np.float32)
    return points, np.repeat(np.arange(3), 200)


def nearest_center_labels(embedding: np.ndarray, truth: np.ndarray) -> np.ndarray:
    centers = np.stack([embedding[truth == k].mean(axis=0) for k in range(3)])
    return np.argmin(((embedding[:, None, :] - centers[None]) ** 2).sum(axis=2), axis=1)


def test_umap_sampled_fit_places_unsampled_points_with_their_cluster() -> None:
    points, truth = three_clusters()
    model = SampledUMAP(max_fit_samples=300, random_state=1, n_components=2, n_jobs=1)
    embedding = model.fit_transform(points)
    assert embedding.shape == (600, 2)
    assert model.fit_sample_ is not None
    assert len(model.fit_sample_) == 300
    unsampled = np.setdiff1d(np.arange(600), model.fit_sample_)
    labels = nearest_center_labels(embedding, truth)
    assert adjusted_rand_score(truth[unsampled], labels[unsampled]) == 1.0


def test_umap_sampled_fit_is_deterministic_and_transform_returns_the_fit() -> None:
    points, _ = three_clusters()
    first = SampledUMAP(max_fit_samples=300, random_state=7, n_components=2, n_jobs=1)
    second = SampledUMAP(max_fit_samples=300, random_state=7, n_components=2, n_jobs=1)
    embedding = first.fit_transform(points)
    np.testing.assert_array_equal(embedding, second.fit_transform(points))
    np.testing.assert_array_equal(first.transform(points), embedding)


def test_umap_small_input_is_fitted_on_every_point() -> None:
    points, _ = three_clusters()
    model = SampledUMAP(max_fit_samples=1_000, random_state=1, n_components=2, n_jobs=1)
    model.fit(points)
    assert model.fit_sample_ is None
    np.testing.assert_array_equal(model.embedding_, model.umap_.embedding_)


@pytest.mark.parametrize(
    ("n_epochs", "n_fit_rows", "expected"),
    [
        ("auto", 600, None),
        ("auto", 10_000, None),
        ("auto", 10_001, 100),
        ("auto", 50_000, 100),
        (None, 50_000, None),
        (350, 600, 350),
    ],
)
def test_umap_auto_epochs_keep_umaps_default_on_small_layouts_and_halve_large_ones(
    n_epochs: int | str | None, n_fit_rows: int, expected: int | None
) -> None:
    assert resolve_n_epochs(n_epochs, n_fit_rows) == expected


def test_umap_epochs_are_resolved_for_the_rows_the_layout_is_learnt_from(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """600 points, a 300-point sample: 'auto' is judged on 300 rows, not 600."""
    seen: list[int] = []
    monkeypatch.setattr(
        "topics.models._umap.resolve_n_epochs",
        lambda n_epochs, rows: seen.append(rows) or 40,
    )
    points, _ = three_clusters()
    model = SampledUMAP(
        max_fit_samples=300, random_state=1, n_epochs="auto", n_components=2, n_jobs=1
    ).fit(points)
    assert seen == [300]
    assert model.n_epochs_ == 40
    assert model.umap_.n_epochs == 40


def test_umap_given_epochs_change_the_layout_and_stay_deterministic() -> None:
    points, _ = three_clusters()

    def layout(n_epochs: int | None) -> np.ndarray:
        model = SampledUMAP(random_state=3, n_epochs=n_epochs, n_components=2, n_jobs=1)
        return model.fit_transform(points)

    short = layout(20)
    np.testing.assert_array_equal(short, layout(20))
    assert not np.array_equal(short, layout(None))
