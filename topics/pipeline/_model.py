"""The modelling stages: embed, fit, assign, trends.

Each function computes one stage from typed inputs; caching, timing and
writing files are the orchestrator's job (:mod:`topics.pipeline._run`).
torch, BERTopic and UMAP are imported inside the functions, so a run that
takes every model stage from the cache never loads them.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from topics.config.schema import Config

if TYPE_CHECKING:
    from topics.embed import Embedder
    from topics.fitted import FittedPipeline
    from topics.models import TopicModel
    from topics.models.labels import CarriedLabel
    from topics.themes import TopicCounts
    from topics.trends import TrendTables

log = logging.getLogger("topics.pipeline")

__all__ = [
    "assign_papers",
    "build_fitted_pipeline",
    "compute_trend_tables",
    "corpus_digest",
    "document_texts_of",
    "embedding_settings",
    "fit_topic_model",
    "label_topics",
    "labelling_settings",
    "model_fit_settings",
    "newest_date",
    "predict_papers",
    "prepare_embedder",
]


def document_texts_of(papers: pd.DataFrame) -> list[str]:
    """What is embedded and modelled per paper: its title and cleaned abstract."""
    from topics.fitted import document_texts

    return document_texts(papers["title"].tolist(), papers["text"].tolist())


def corpus_digest(papers: pd.DataFrame) -> str:
    """Content hash of the columns the model stages read (not of every column)."""
    columns = ["paper_id", "title", "text", "year", "date", "date_precision"]
    hashed = pd.util.hash_pandas_object(papers[columns].astype(str), index=False)
    return hashlib.sha256(hashed.to_numpy().tobytes()).hexdigest()


def embedding_settings(config: Config) -> dict[str, Any]:
    """The part of the embedding config that changes vectors (not batch size or cache place)."""
    return config.embedding.model_dump(mode="json", exclude={"batch_size", "cache_dir"})


def prepare_embedder(config: Config, docs: Sequence[str]) -> Embedder:
    """The configured embedder, fitted on ``docs`` when the backend learns from the corpus."""
    from topics.embed import build_embedder

    embedder = build_embedder(
        config.embedding,
        seed=config.seed,
        model_cache_dir=config.output_dir / ".cache" / "static-models",
    )
    if config.embedding.backend == "tfidf-svd":
        embedder.fit(docs)
    return embedder


def fit_topic_model(
    config: Config,
    docs: Sequence[str],
    vectors: np.ndarray,
    rows: np.ndarray | None = None,
) -> tuple[TopicModel, np.ndarray]:
    """The topic model and the 2-D map of the papers (both depend on the vectors only).

    ``rows``: fit the topic model on these documents only (the Dask engine's
    seeded sample); the map still places every paper.
    """
    from topics.models import build_topic_model
    from topics.projection import project_2d

    topic_model = build_topic_model(config.model, seed=config.seed)
    if rows is None:
        topic_model.fit(list(docs), embeddings=vectors)
    else:
        topic_model.fit([docs[i] for i in rows], embeddings=vectors[rows])
    map_2d = project_2d(
        vectors, seed=config.seed, max_fit_samples=config.model.umap.max_fit_samples
    )
    return topic_model, map_2d


# Keys of the model section that name topics after the fit: changing them
# re-labels (in the assign stage) without refitting.
_LABEL_KEYS = frozenset({"auto_label", "labels"})


def model_fit_settings(config: Config) -> dict[str, Any]:
    """The part of ``model:`` that changes the fit (not how topics are named).

    The vectorizer's token pattern is part of it: a version of ``topics`` that
    splits words differently must refit rather than reuse keywords counted the
    old way.
    """
    from topics.models._text import TOKEN_PATTERN

    settings = config.model.model_dump(mode="json", exclude=set(_LABEL_KEYS))
    return {**settings, "token_pattern": TOKEN_PATTERN}


def labelling_settings(config: Config) -> dict[str, Any]:
    """``model.auto_label`` and ``model.labels``: part of the assign stage's key."""
    return config.model.model_dump(mode="json", include=set(_LABEL_KEYS))


def label_topics(
    config: Config,
    topic_model: TopicModel,
    docs: Sequence[str],
    vectors: np.ndarray,
    embedder: Embedder,
    cache_dir: Path | None,
    *,
    topics: np.ndarray | None = None,
    carried: dict[int, CarriedLabel] | None = None,
) -> None:
    """Name the topics: phrases (``model.auto_label``), carried labels, the user's ``model.labels``.

    Phrases are embedded with the run's embedder through the embedding cache,
    so a rerun embeds none again. The topic of each document is its final one
    (``transform``), the topic it gets in ``papers.csv``; ``topics`` passes it
    when the caller has it already. ``carried``: labels of the last run's
    topics for the new topics that continue them (``topics update --refit``).
    """
    from topics.embed import embed_texts
    from topics.models.labels import (
        apply_carried_labels,
        apply_user_labels,
        phrase_labels,
        set_phrase_labels,
    )

    table = topic_model.topic_table_
    options = config.model.auto_label
    if options.kind == "phrases":
        if topics is None:
            topics = topic_model.transform(list(docs), embeddings=vectors).topics

        def embed(texts: list[str]) -> np.ndarray:
            return embed_texts(
                texts,
                embedder,
                cache_dir,
                batch_size=config.embedding.batch_size,
                show_progress=False,
            )[0]

        start = time.perf_counter()
        phrases = phrase_labels(docs, topics, vectors, embed, options)
        table = set_phrase_labels(table, phrases, options.phrases)
        log.info(
            "labels: phrases for %d topics in %.1f s", len(phrases), time.perf_counter() - start
        )
    table = apply_carried_labels(table, carried or {})
    topic_model.topic_table_ = apply_user_labels(table, config.model.labels)


def build_fitted_pipeline(
    config: Config, embedder: Embedder, topic_model: TopicModel, cache_dir: Path | None
) -> FittedPipeline:
    """The pipeline users load to assign new papers: embedder, topics and fitted themes."""
    from topics.embed import embed_texts
    from topics.fitted import FittedPipeline
    from topics.themes import ThemeAssigner, weights_for_backend

    assigner = None
    if config.themes:
        # Each backend's similarities have their own scale: use the weights fitted on them.
        assigner = ThemeAssigner(
            config.themes,
            threshold=config.assign.threshold,
            weights=weights_for_backend(embedder.backend),
        )
        # Theme texts go through the embedding cache too.
        assigner.fit(
            lambda texts: embed_texts(texts, embedder, cache_dir, show_progress=False)[0],
            encoder_identity=embedder.identity,
        )
    return FittedPipeline(embedder, topic_model, assigner, config.clean, info=_model_info(config))


def assign_papers(
    config: Config,
    papers: pd.DataFrame,
    vectors: np.ndarray,
    fitted: FittedPipeline,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Topics and themes for every paper (of the corpus, or of one partition of it).

    Returns the papers with ``topic``, ``topic_label`` and ``themes`` columns
    added, and the long table of theme scores.
    """
    return predict_papers(papers, vectors, fitted, near_misses=config.assign.evidence_near_misses)


def predict_papers(
    papers: pd.DataFrame,
    vectors: np.ndarray,
    fitted: FittedPipeline,
    *,
    near_misses: int | None,
    corpus_topic_counts: TopicCounts | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One scoring pass over ``papers``; see :meth:`FittedPipeline.predict`."""
    frame = papers[["paper_id", "title", "abstract"]]
    prediction = fitted.predict(
        frame,
        vectors=vectors,
        cleaned=papers["text"].tolist(),
        near_misses=near_misses,
        corpus_topic_counts=corpus_topic_counts,
    )
    assigned = prediction.papers
    enriched = papers.assign(
        topic=assigned["topic"].to_numpy(),
        topic_label=assigned["topic_label"].to_numpy(),
        topic_confidence=assigned["topic_confidence"].to_numpy(),
        themes=assigned["themes"].to_numpy(),
    )
    return enriched, prediction.assignments


def _model_info(config: Config) -> dict[str, object]:
    """Saved in the model bundle: enough to tell which experiment produced it."""
    return {
        "experiment": config.experiment,
        "seed": config.seed,
        "embedding": config.embedding.model_dump(mode="json", exclude={"cache_dir"}),
        "model": config.model.model_dump(mode="json"),
    }


def compute_trend_tables(
    config: Config, papers: pd.DataFrame, assignments: pd.DataFrame
) -> TrendTables:
    """Yearly shares, tests and statuses of every theme and topic."""
    from topics.trends import compute_trends

    themes = assignments.loc[assignments["assigned"], ["theme", "paper_id"]]
    topics = papers.loc[papers["topic"] >= 0, ["topic", "paper_id"]]
    memberships = pd.concat(
        [
            pd.DataFrame(
                {"kind": "theme", "name": themes["theme"], "paper_id": themes["paper_id"]}
            ),
            pd.DataFrame(
                {
                    "kind": "topic",
                    "name": topics["topic"].astype(str),
                    "paper_id": topics["paper_id"],
                }
            ),
        ],
        ignore_index=True,
    )
    trend_papers = papers[["paper_id", "year", "text"]].astype({"year": "Int64"})
    return compute_trends(
        trend_papers, memberships, reference_date=newest_date(papers), options=config.trends
    )


def newest_date(papers: pd.DataFrame) -> date | None:
    """The newest dated paper: the end of the period the data covers.

    Day-precision dates are used first; a month-precision date counts as the
    first of its month, so a partial month never extends the covered period.
    """
    for precision in ("day", "month"):
        dates = papers.loc[papers["date_precision"] == precision, "date"].dropna()
        if len(dates):
            parsed = pd.to_datetime(dates, errors="coerce", format="ISO8601").dropna()
            if len(parsed):
                return parsed.max().date()
    return None
