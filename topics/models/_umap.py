"""UMAP that learns its layout from a sample and places the other points into it.

With a seed, UMAP optimises its layout on one core, and its time grows with the
number of points: on the 196k-paper archive one fit took over 25 minutes on
this 2-core machine, and the 2-D map needed a second one. Fitting the layout on
a seeded sample of ``max_fit_samples`` points and placing the rest with
``transform`` (a nearest-neighbour query and a short optimisation per point)
keeps the same neighbourhoods for clustering at a fraction of the cost.
Below ``max_fit_samples`` points it is plain UMAP, so small corpora are unchanged.

``n_epochs="auto"`` halves UMAP's own epoch count on large layouts (see
:func:`resolve_n_epochs`): the seeded optimisation is the one step of a fit
that cannot use the second core, and the extra epochs change the topics no
more than a different seed does.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any, Literal, Self

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

__all__ = ["SampledUMAP", "resolve_n_epochs"]

log = logging.getLogger(__name__)

# UMAP optimises layouts of up to this many points for 500 epochs and larger
# ones for 200 (umap.UMAP with n_epochs=None).
UMAP_SMALL_LAYOUT = 10_000
AUTO_EPOCHS_LARGE_LAYOUT = 100


def resolve_n_epochs(n_epochs: int | Literal["auto"] | None, n_fit_rows: int) -> int | None:
    """UMAP's ``n_epochs`` for a layout of ``n_fit_rows`` points.

    ``"auto"`` keeps UMAP's default (``None``: 500 epochs) up to 10,000 points
    and uses 100 above, where UMAP would use 200. Measured on 50,000 archive
    abstracts (static vectors, ``benchmarks/bench_umap_epochs.py``): the
    topics of 100 and of 200 epochs agree almost as well as those of two seeds
    at the same epochs (adjusted Rand 0.56-0.62 against 0.64-0.65), coherence
    and diversity do not change (NPMI 0.333-0.334 against 0.334-0.337), and
    the one-core UMAP step takes 51 s instead of 64 s. ``None`` is UMAP's
    default; an int is used as given.
    """
    if n_epochs != "auto":
        return n_epochs
    return None if n_fit_rows <= UMAP_SMALL_LAYOUT else AUTO_EPOCHS_LARGE_LAYOUT


class SampledUMAP(TransformerMixin, BaseEstimator):
    """UMAP fitted on at most ``max_fit_samples`` rows; the others are transformed.

    Parameters
    ----------
    max_fit_samples : int or None, default=50_000
        Rows the layout is learnt from; ``None`` fits on every row.
    random_state : int or None, default=None
        Seeds both the sample and UMAP.
    n_epochs : int, "auto" or None, default=None
        UMAP's optimisation epochs; ``"auto"`` is :func:`resolve_n_epochs` for
        the rows the layout is learnt from, ``None`` UMAP's own default.
    **umap_params
        Passed to :class:`umap.UMAP` (``n_neighbors``, ``n_components``, ...).

    Attributes
    ----------
    umap_ : umap.UMAP
        The fitted UMAP.
    embedding_ : ndarray of shape (n_samples, n_components)
        Coordinates of every row given to ``fit``, in input order.
    fit_sample_ : ndarray of int or None
        Row indices the layout was learnt from, or None when it used all rows.
    n_epochs_ : int or None
        The epochs UMAP was given (None: its own default).
    """

    def __init__(
        self,
        *,
        max_fit_samples: int | None = 50_000,
        random_state: int | None = None,
        n_epochs: int | Literal["auto"] | None = None,
        **umap_params: Any,
    ) -> None:
        self.max_fit_samples = max_fit_samples
        self.random_state = random_state
        self.n_epochs = n_epochs
        self.umap_params = umap_params

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {
            "max_fit_samples": self.max_fit_samples,
            "random_state": self.random_state,
            "n_epochs": self.n_epochs,
            **self.umap_params,
        }

    def set_params(self, **params: Any) -> Self:
        for name in ("max_fit_samples", "random_state", "n_epochs"):
            if name in params:
                setattr(self, name, params.pop(name))
        self.umap_params.update(params)
        return self

    def fit(self, vectors: np.ndarray, y: Any = None) -> Self:
        from umap import UMAP

        vectors = np.asarray(vectors, dtype=np.float32)
        n = vectors.shape[0]
        sampled = self.max_fit_samples is not None and n > self.max_fit_samples
        self.n_epochs_ = resolve_n_epochs(self.n_epochs, self.max_fit_samples if sampled else n)
        self.umap_ = UMAP(
            random_state=self.random_state, n_epochs=self.n_epochs_, **self.umap_params
        )
        if self.n_epochs_ is not None:
            log.info("UMAP: optimising the layout for %d epochs", self.n_epochs_)
        self._fitted_digest = _digest(vectors)
        if not sampled:
            self.fit_sample_ = None
            self.embedding_ = self.umap_.fit_transform(vectors)
            return self
        rng = np.random.default_rng(self.random_state)
        sample = np.sort(rng.choice(n, size=self.max_fit_samples, replace=False))
        rest = np.setdiff1d(np.arange(n), sample, assume_unique=True)
        log.info(
            "UMAP: learning the layout from %d of %d points, placing the other %d",
            len(sample),
            n,
            len(rest),
        )
        embedding = np.empty((n, self.umap_params.get("n_components", 2)), dtype=np.float32)
        embedding[sample] = self.umap_.fit_transform(vectors[sample])
        embedding[rest] = self.umap_.transform(vectors[rest])
        self.fit_sample_ = sample
        self.embedding_ = embedding
        return self

    def fit_transform(self, vectors: np.ndarray, y: Any = None, **fit_params: Any) -> np.ndarray:
        return self.fit(vectors, y).embedding_

    def transform(self, vectors: np.ndarray) -> np.ndarray:
        """The fitted coordinates for the training rows; UMAP's ``transform`` otherwise.

        BERTopic calls ``fit`` and then ``transform`` on the same array; this
        returns the layout already computed instead of placing every point again.
        """
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.shape[0] == self.embedding_.shape[0] and _digest(vectors) == self._fitted_digest:
            return self.embedding_
        return self.umap_.transform(vectors)


def _digest(vectors: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(vectors).tobytes()).hexdigest()
