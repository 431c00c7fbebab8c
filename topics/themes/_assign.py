"""Fitting theme vectors, scoring papers against them, and saving them without pickle."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from safetensors.numpy import save_file
from tqdm.auto import tqdm

from topics._io import atomic_write_json, atomic_write_with
from topics._model_files import damaged_model, model_file, read_model_json, read_safetensors
from topics.config.schema import ThemeConfig
from topics.errors import ConfigError, IncompatibleModelError, ModelError, NotFittedError
from topics.themes._phrases import _fitting_keywords, _Lexicon
from topics.themes._scores import (
    _COLUMNS,
    UNASSIGNED,
    ThemeScores,
    TopicCounts,
    _sigmoid,
    _Signals,
    _topic_affinity,
    _topic_affinity_from_counts,
    topic_counts,
)
from topics.themes._weights import SignalWeights

FORMAT = "topics.themes.v1"
_META_FILE = "themes.json"
# Matching takes about a second per 3,000 papers: below this, no progress bar.
_PROGRESS_FROM = 5_000
_VECTORS_FILE = "theme_vectors.safetensors"


class ThemeAssigner:
    """Score papers against configured themes and assign them above a threshold.

    Parameters
    ----------
    themes : sequence of ThemeConfig
        The themes, in the order they are reported.
    threshold : float, default=0.5
        Assignment threshold for themes that do not set their own.
    weights : SignalWeights, default=None
        Weights of the signal combination; ``None`` uses the fitted defaults.

    Attributes
    ----------
    themes_ : list of ThemeConfig
    description_vectors_ : ndarray of shape (n_themes, dim)
    phrase_vectors_ : list of ndarray, one (n_phrases, dim) array per theme
    encoder_identity_ : str or None
        Identity of the encoder that produced the vectors; :meth:`load`
        refuses a different one.

    Examples
    --------
    >>> assigner = ThemeAssigner(config.themes, threshold=config.assign.threshold)
    >>> assigner.fit(embedder.encode, encoder_identity=embedder.identity)
    >>> scores = assigner.score(abstracts, vectors, titles=titles, paper_ids=ids)
    >>> scores.themes_per_paper()
    """

    def __init__(
        self,
        themes: Sequence[ThemeConfig],
        *,
        threshold: float = 0.5,
        weights: SignalWeights | None = None,
    ) -> None:
        self.themes = themes
        self.threshold = threshold
        self.weights = weights

    def fit(
        self,
        encode: Callable[[list[str]], np.ndarray],
        *,
        encoder_identity: str | None = None,
    ) -> ThemeAssigner:
        """Validate the themes and embed their descriptions and phrases.

        Parameters
        ----------
        encode : callable
            Maps a list of texts to L2-normalised float32 rows.
        encoder_identity : str, default=None
            A string that changes whenever ``encode`` would give other vectors
            (e.g. ``Embedder.identity``); saved with the assigner.
        """
        themes = [ThemeConfig.model_validate(t) for t in self.themes]
        _validate_themes(themes, self.threshold)
        self.themes_ = themes
        self.weights_ = self.weights or SignalWeights()
        self.encoder_identity_ = encoder_identity
        texts = [t.description for t in themes] + [p for t in themes for p in t.phrases]
        vectors = np.zeros((0, 0), np.float32)
        if texts:
            vectors = _unit_rows(np.asarray(encode(texts), dtype=np.float32))
            if vectors.ndim != 2 or vectors.shape[0] != len(texts):
                raise ModelError(
                    f"encode returned an array of shape {vectors.shape} for {len(texts)} texts"
                )
        self.description_vectors_ = vectors[: len(themes)]
        self.phrase_vectors_ = _split_rows(vectors[len(themes) :], [len(t.phrases) for t in themes])
        self._build_matchers()
        return self

    def score(
        self,
        texts: Sequence[str],
        embeddings: np.ndarray,
        *,
        titles: Sequence[str] | None = None,
        paper_ids: Sequence[str] | None = None,
        topics: Sequence[int] | None = None,
        topic_keywords: Mapping[int, list[str]] | None = None,
        near_misses: int | None = None,
        corpus_topic_counts: TopicCounts | None = None,
    ) -> ThemeScores:
        """Score every paper against every theme.

        Parameters
        ----------
        texts : sequence of str
            Abstracts (without the title; pass titles separately so that a
            phrase in the title is weighted as such).
        embeddings : ndarray of shape (n_papers, dim)
            Paper vectors from the same encoder as :meth:`fit`.
        titles, paper_ids : sequence of str, optional
            Paper ids must be unique; they default to "0", "1", ...
        topics : sequence of int, optional
            Topic of each paper (-1 = outlier). Enables the topic signal.
        topic_keywords : mapping of int to list of str, optional
            Topic keywords; those matching a theme's phrases go into evidence.
        near_misses : int, optional
            Write evidence only for assigned pairs and, per theme, this many
            highest-scoring unassigned papers; the other pairs keep their score
            and signals with an empty evidence. ``None``: evidence for every
            pair. At 196k papers and 11 themes, evidence for all 2.2M pairs
            was the run's memory peak and a 1 GB CSV.
        corpus_topic_counts : TopicCounts, optional
            When the papers are one partition of a corpus: the whole corpus's
            :meth:`topic_counts`, so the topic signal reads every member of a
            topic, not only those in this partition.

        Returns
        -------
        ThemeScores
        """
        self._check_fitted()
        n = len(texts)
        titles = list(titles) if titles is not None else [""] * n
        ids = [str(p) for p in paper_ids] if paper_ids is not None else [str(i) for i in range(n)]
        _check_lengths(n, titles=titles, paper_ids=ids, topics=topics)
        _check_unique(ids)
        signals = self._signals(self._check_embeddings(embeddings, n), titles, texts)
        contributions = self._contributions(signals)
        if topics is not None:
            base_assigned = _sigmoid(sum(contributions.values())) >= self.thresholds_
            affinity = (
                _topic_affinity(np.asarray(topics), base_assigned)
                if corpus_topic_counts is None
                else _topic_affinity_from_counts(
                    np.asarray(topics), base_assigned, corpus_topic_counts
                )
            )
            signals.topic_affinity = affinity
            w = self.weights_
            contributions["topic"] = np.nan_to_num(w.topic * (affinity - w.topic_center))
        scores = _sigmoid(sum(contributions.values()))
        assigned = scores >= self.thresholds_
        explained = _pairs_to_explain(scores, assigned, near_misses)
        evidence = [
            self._evidence(signals, contributions, i, j, topics, topic_keywords)
            if explained[i, j]
            else ""
            for i in range(n)
            for j in range(len(self.themes_))
        ]
        long = pd.DataFrame(
            {
                "paper_id": np.repeat(np.array(ids, dtype=object), len(self.themes_)),
                "theme": np.tile(np.array([t.name for t in self.themes_], dtype=object), n),
                "score": scores.ravel(),
                "assigned": assigned.ravel(),
                **{name: values.ravel() for name, values in signals.arrays().items()},
                "evidence": evidence,
            },
            columns=list(_COLUMNS),
        )
        return ThemeScores(long=long, themes=[t.name for t in self.themes_], paper_ids=ids)

    def topic_counts(
        self,
        texts: Sequence[str],
        embeddings: np.ndarray,
        *,
        titles: Sequence[str],
        topics: Sequence[int],
    ) -> TopicCounts:
        """Per topic, its size and how many members each theme's base score assigns.

        The first pass of a partitioned run: the partitions' counts add up to
        the corpus's (:func:`merge_topic_counts`), which :meth:`score` then
        takes as ``corpus_topic_counts``.
        """
        self._check_fitted()
        n = len(texts)
        _check_lengths(n, titles=list(titles), topics=topics)
        signals = self._signals(self._check_embeddings(embeddings, n), list(titles), texts)
        base_assigned = _sigmoid(sum(self._contributions(signals).values())) >= self.thresholds_
        return topic_counts(np.asarray(topics), base_assigned)

    @property
    def thresholds_(self) -> np.ndarray:
        """Per-theme assignment thresholds (the theme's own, else the default)."""
        self._check_fitted()
        return np.array(
            [t.threshold if t.threshold is not None else self.threshold for t in self.themes_]
        )

    def save(self, directory: str | Path) -> None:
        """Write ``themes.json`` and ``theme_vectors.safetensors`` (no pickle)."""
        self._check_fitted()
        directory = Path(directory)
        meta = {
            "format": FORMAT,
            "encoder_identity": self.encoder_identity_,
            "threshold": self.threshold,
            "weights": asdict(self.weights_),
            "themes": [t.model_dump(mode="json") for t in self.themes_],
        }
        tensors = {
            "descriptions": self.description_vectors_,
            "phrases": np.concatenate(self.phrase_vectors_, axis=0)
            if self.phrase_vectors_
            else np.zeros((0, self.description_vectors_.shape[1]), np.float32),
        }
        atomic_write_with(
            directory / _VECTORS_FILE,
            lambda tmp: save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, tmp),
        )
        atomic_write_json(directory / _META_FILE, meta)

    @classmethod
    def load(
        cls,
        directory: str | Path,
        *,
        encoder_identity: str | None,
        themes: Sequence[ThemeConfig] | None = None,
    ) -> ThemeAssigner:
        """Load a saved assigner, refusing vectors from another encoder.

        Parameters
        ----------
        directory : str or Path
        encoder_identity : str or None
            Identity of the encoder whose paper vectors will be scored; must
            equal the one the assigner was fitted with.
        themes : sequence of ThemeConfig, optional
            If given, the saved themes must equal these (otherwise refit).

        Raises
        ------
        IncompatibleModelError
            Unknown format, another encoder, or themes that changed.
        """
        directory = Path(directory)
        meta_path = model_file(directory, _META_FILE)
        meta = read_model_json(meta_path)
        if not isinstance(meta, dict):
            raise ModelError(f"{meta_path}: not a saved theme assigner (a JSON object)")
        _check_saved(meta, meta_path, encoder_identity, themes)
        tensors = read_safetensors(
            model_file(directory, _VECTORS_FILE), required=("descriptions", "phrases")
        )
        with damaged_model(meta_path):
            saved_themes = [ThemeConfig.model_validate(t) for t in meta["themes"]]
            assigner = cls(
                saved_themes, threshold=meta["threshold"], weights=SignalWeights(**meta["weights"])
            )
            assigner.themes_ = saved_themes
            assigner.weights_ = SignalWeights(**meta["weights"])
            assigner.encoder_identity_ = meta["encoder_identity"]
            assigner.description_vectors_ = tensors["descriptions"]
            sizes = [len(t.phrases) for t in saved_themes]
            if len(tensors["descriptions"]) != len(saved_themes) or len(tensors["phrases"]) != sum(
                sizes
            ):
                raise ValueError(
                    f"{_VECTORS_FILE} has {len(tensors['descriptions'])} description and "
                    f"{len(tensors['phrases'])} phrase vectors for {len(saved_themes)} themes "
                    f"with {sum(sizes)} phrases"
                )
            assigner.phrase_vectors_ = _split_rows(tensors["phrases"], sizes)
            assigner._build_matchers()
        return assigner

    def _build_matchers(self) -> None:
        """One lexicon for all phrase lists: themes' phrases first, then their exclusions."""
        self._lexicon = _Lexicon(
            [t.phrases for t in self.themes_] + [t.exclude for t in self.themes_]
        )

    def _check_fitted(self) -> None:
        if not hasattr(self, "themes_"):
            raise NotFittedError("ThemeAssigner is not fitted; call fit(encode) or load() first")

    def _check_embeddings(self, embeddings: np.ndarray, n: int) -> np.ndarray:
        vectors = np.asarray(embeddings, dtype=np.float32)
        dim = self.description_vectors_.shape[1]
        if vectors.ndim != 2 or vectors.shape[0] != n or (self.themes_ and vectors.shape[1] != dim):
            raise ModelError(
                f"embeddings must have shape ({n}, {dim}) to match {n} texts and the theme "
                f"vectors; got {vectors.shape}. Were they made by the same encoder?"
            )
        return _unit_rows(vectors)

    def _signals(self, vectors: np.ndarray, titles: list[str], texts: Sequence[str]) -> _Signals:
        n, k = vectors.shape[0], self.weights_.top_k_phrases
        phrase_mean = np.zeros((n, len(self.themes_)))
        nearest_index, nearest_similarity = [], []
        for j, phrase_vectors in enumerate(self.phrase_vectors_):
            sims = vectors @ phrase_vectors.T
            top = np.argsort(-sims, axis=1)[:, :k]
            top_sims = np.take_along_axis(sims, top, axis=1)
            phrase_mean[:, j] = top_sims.mean(axis=1)
            nearest_index.append(top)
            nearest_similarity.append(top_sims)
        n_themes = len(self.themes_)
        papers = tqdm(
            zip(titles, texts, strict=True),
            total=n,
            desc="Matching theme phrases",
            unit="paper",
            disable=n < _PROGRESS_FROM or not sys.stderr.isatty(),
        )
        matches = [self._lexicon.match(ti, te, self.weights_) for ti, te in papers]
        return _Signals(
            description=vectors @ self.description_vectors_.T if self.themes_ else np.zeros((n, 0)),
            phrases=phrase_mean,
            nearest_index=nearest_index,
            nearest_similarity=nearest_similarity,
            hits=[row[:n_themes] for row in matches],
            excluded=[row[n_themes:] for row in matches],
        )

    def _contributions(self, signals: _Signals) -> dict[str, np.ndarray]:
        """Each signal's term of the logit, kept apart for the evidence."""
        w = self.weights_
        return {
            "bias": np.full(signals.description.shape, w.bias),
            "description": w.description * signals.description,
            "phrases": w.phrases * signals.phrases,
            "lexical": w.lexical * np.log1p(signals.lexical_hits),
            "exclusion": -w.exclusion * np.log1p(signals.exclusion_hits),
        }

    def _evidence(
        self,
        signals: _Signals,
        contributions: dict[str, np.ndarray],
        i: int,
        j: int,
        topics: Sequence[int] | None,
        topic_keywords: Mapping[int, list[str]] | None,
    ) -> str:
        """Compact JSON saying why paper ``i`` got its score for theme ``j``."""
        hits = signals.hits[i][j]
        item: dict[str, Any] = {
            "description_similarity": round(float(signals.description[i, j]), 3),
            "nearest_phrases": [
                [self.themes_[j].phrases[p], round(float(sim), 3)]
                for p, sim in zip(
                    signals.nearest_index[j][i], signals.nearest_similarity[j][i], strict=True
                )
            ],
            "matched": hits.counts,
            "in_title": list(hits.in_title),
            "weighted_hits": hits.weighted,
        }
        if signals.excluded[i][j].counts:
            item["excluded"] = signals.excluded[i][j].counts
        if topics is not None and signals.topic_affinity is not None:
            affinity = float(signals.topic_affinity[i, j])
            item["topic"] = self._topic_evidence(int(topics[i]), affinity, j, topic_keywords)
        item["logit"] = {k: round(float(v[i, j]), 3) + 0.0 for k, v in contributions.items()}
        return json.dumps(item, separators=(",", ":"), ensure_ascii=False)

    def _topic_evidence(
        self,
        topic: int,
        affinity: float,
        theme_index: int,
        topic_keywords: Mapping[int, list[str]] | None,
    ) -> dict[str, Any]:
        item: dict[str, Any] = {
            "id": topic,
            "affinity": None if math.isnan(affinity) else round(float(affinity), 3),
        }
        if topic_keywords is not None and topic in topic_keywords:
            phrases = tuple(self._lexicon.phrase_lists[theme_index])
            item["keywords"] = list(_fitting_keywords(tuple(topic_keywords[topic]), phrases))
        return item


def _pairs_to_explain(
    scores: np.ndarray, assigned: np.ndarray, near_misses: int | None
) -> np.ndarray:
    """Assigned pairs and each theme's ``near_misses`` best unassigned papers."""
    if near_misses is None:
        return np.ones_like(assigned)
    unassigned_scores = np.where(assigned, -np.inf, scores)
    ranks = np.argsort(np.argsort(-unassigned_scores, axis=0, kind="stable"), axis=0)
    return assigned | ((ranks < near_misses) & ~assigned)


def _validate_themes(themes: Sequence[ThemeConfig], threshold: float) -> None:
    """Reject names that would break exports, with the config path of each."""
    problems = []
    if not 0.0 <= threshold <= 1.0:
        problems.append(f"assign -> threshold  must be in [0, 1]; got {threshold}")
    seen: set[str] = set()
    for i, theme in enumerate(themes):
        where = f"themes -> {i} -> name"
        if theme.name in seen:
            problems.append(f"{where}  duplicate theme name {theme.name!r}")
        if ";" in theme.name:
            problems.append(
                f"{where}  must not contain ';' (used to join themes); got {theme.name!r}"
            )
        if theme.name == UNASSIGNED:
            problems.append(f"{where}  {UNASSIGNED!r} is reserved for papers without a theme")
        if theme.threshold is not None and not 0.0 <= theme.threshold <= 1.0:
            problems.append(f"themes -> {i} -> threshold  must be in [0, 1]; got {theme.threshold}")
        if not any(p.strip() for p in theme.phrases):
            problems.append(f"themes -> {i} -> phrases  need at least one non-empty phrase")
        seen.add(theme.name)
    if problems:
        raise ConfigError("invalid themes:\n  " + "\n  ".join(problems))


def _check_saved(
    meta: dict[str, Any],
    meta_path: Path,
    encoder_identity: str | None,
    themes: Sequence[ThemeConfig] | None,
) -> None:
    if meta.get("format") != FORMAT:
        raise IncompatibleModelError(
            f"{meta_path}: format {meta.get('format')!r}, but this version of topics reads "
            f"{FORMAT!r}. Refit the model with this version, or load it with the topics "
            "version that wrote it."
        )
    if meta.get("encoder_identity") != encoder_identity:
        raise IncompatibleModelError(
            f"{meta_path}: theme vectors were made by encoder {meta.get('encoder_identity')!r}, "
            f"but papers are embedded by {encoder_identity!r}; refit the themes"
        )
    if themes is not None:
        wanted = [ThemeConfig.model_validate(t).model_dump(mode="json") for t in themes]
        if wanted != meta.get("themes"):
            raise IncompatibleModelError(f"{meta_path}: the configured themes changed; refit them")


def _check_lengths(n: int, **columns: Sequence[Any] | None) -> None:
    for name, values in columns.items():
        if values is not None and len(values) != n:
            raise ModelError(f"{name} has {len(values)} entries but there are {n} texts")


def _check_unique(paper_ids: Sequence[str]) -> None:
    seen: set[str] = set()
    repeated = list(dict.fromkeys(p for p in paper_ids if p in seen or seen.add(p)))
    if repeated:
        raise ModelError(f"paper_ids must be unique; repeated: {repeated[:5]}")


def _split_rows(matrix: np.ndarray, sizes: Sequence[int]) -> list[np.ndarray]:
    bounds = np.cumsum([0, *sizes])
    return [matrix[bounds[i] : bounds[i + 1]] for i in range(len(sizes))]


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Unit-length copies of the rows (zero rows stay zero): cosine = dot product."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)
