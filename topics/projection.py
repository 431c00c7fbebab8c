"""A 2-D map of the papers for the report.

UMAP with a cosine metric keeps the neighbourhoods that the topic model saw;
below a handful of papers UMAP cannot build a neighbour graph, so PCA stands
in. The seed fixes the layout, so the same run draws the same map.
"""

from __future__ import annotations

import numpy as np

__all__ = ["project_2d"]

_MIN_UMAP_POINTS = 16


def project_2d(
    vectors: np.ndarray,
    *,
    seed: int,
    n_neighbors: int = 15,
    max_fit_samples: int | None = 50_000,
) -> np.ndarray:
    """Return an ``(n, 2)`` float32 array of map coordinates scaled to [0, 1].

    Above ``max_fit_samples`` points the layout is learnt from a seeded sample
    (see :class:`topics.models._umap.SampledUMAP`).
    """
    n = vectors.shape[0]
    if n == 0:
        return np.zeros((0, 2), dtype=np.float32)
    if n < _MIN_UMAP_POINTS:
        coords = _pca_2d(vectors)
    else:
        from topics.models._umap import SampledUMAP

        coords = SampledUMAP(
            max_fit_samples=max_fit_samples,
            random_state=seed,
            n_components=2,
            n_neighbors=min(n_neighbors, n - 1),
            min_dist=0.1,
            metric="cosine",
            n_jobs=1,  # a fixed random_state makes UMAP single-threaded anyway
        ).fit_transform(vectors)
    return _unit_box(np.asarray(coords, dtype=np.float32))


def _pca_2d(vectors: np.ndarray) -> np.ndarray:
    centred = vectors - vectors.mean(axis=0, keepdims=True)
    if centred.shape[0] < 2:
        return np.zeros((centred.shape[0], 2))
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    coords = centred @ vt[:2].T
    return np.pad(coords, ((0, 0), (0, 2 - coords.shape[1])))


def _unit_box(coords: np.ndarray) -> np.ndarray:
    low, high = coords.min(axis=0), coords.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    return (coords - low) / span
