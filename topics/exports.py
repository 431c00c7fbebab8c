"""Writing a run's data exports: the files users and scripts rely on.

The file names, the ``papers.csv`` contract and the shape of the yearly tables
live in :mod:`topics.results`, which the report reads them by; they are
re-exported here for the writers' callers.

``papers.csv`` is a contract: its first columns keep their names and order
across releases, and later stages only add columns after them.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from topics._io import atomic_write_json, atomic_write_with
from topics.config.schema import Config
from topics.manifest import build_manifest
from topics.results import (
    ASSIGN_FILES,
    CORPUS_FILES,
    PAPER_COLUMNS,
    TREND_FILES,
    CorpusResult,
    IngestResult,
    by_year_for_export,
    by_year_from_export,
)

if TYPE_CHECKING:
    import numpy as np

    from topics.fitted import FittedPipeline
    from topics.trends import TrendTables

__all__ = [
    "ASSIGN_FILES",
    "CORPUS_FILES",
    "PAPER_COLUMNS",
    "TREND_FILES",
    "by_year_for_export",
    "by_year_from_export",
    "ingest_report",
    "topic_similarity",
    "unit_centroids",
    "write_assign_outputs",
    "write_corpus_outputs",
    "write_manifest",
    "write_trend_outputs",
]


def papers_for_export(papers: pd.DataFrame) -> pd.DataFrame:
    """Contract columns first, then everything else the stages added."""
    rest = [c for c in papers.columns if c not in PAPER_COLUMNS]
    return papers[[*PAPER_COLUMNS, *rest]]


def write_table(df: pd.DataFrame, path: Path) -> None:
    atomic_write_with(path, lambda tmp: df.to_csv(tmp, index=False))


def write_corpus_outputs(run_dir: Path, ingested: IngestResult, corpus: CorpusResult) -> None:
    data = run_dir / "data"
    papers = papers_for_export(corpus.papers)
    write_table(papers, data / "papers.csv")
    atomic_write_with(data / "papers.parquet", lambda tmp: papers.to_parquet(tmp, index=False))
    write_table(corpus.merges, data / "merges.csv")
    write_table(_issues_frame(ingested), data / "ingest_issues.csv")
    atomic_write_json(data / "ingest_report.json", ingest_report(ingested, corpus))


def write_assign_outputs(
    run_dir: Path,
    fitted: FittedPipeline,
    papers: pd.DataFrame,
    assignments: pd.DataFrame,
    map_2d: np.ndarray,
    vectors: np.ndarray | None = None,
    *,
    topic_table: pd.DataFrame | None = None,
) -> None:
    """Papers with their topics and themes, theme scores, topics, the map and topic similarity.

    ``vectors`` (the papers' embeddings, in ``papers`` order) give
    ``data/topic_similarity.csv``, which the report's heat map and topic
    hierarchy are drawn from; without them that file is not written.
    ``topic_table``: the topic table to export instead of the model's (an
    update's, whose sizes count the new papers too).
    """
    data = run_dir / "data"
    papers = papers_for_export(papers)
    write_table(papers, data / "papers.csv")
    atomic_write_with(data / "papers.parquet", lambda tmp: papers.to_parquet(tmp, index=False))
    write_table(_assignments_for_export(assignments), data / "assignments.csv")
    table = fitted.topics if topic_table is None else topic_table
    write_table(topics_for_export(table, papers["paper_id"]), data / "topics.csv")
    coords = pd.DataFrame(
        {
            "paper_id": papers["paper_id"],
            "x": map_2d[:, 0].round(4),
            "y": map_2d[:, 1].round(4),
        }
    )
    write_table(coords, data / "map_2d.csv")
    if vectors is not None:
        similarity = topic_similarity(papers["topic"].to_numpy(), vectors)
        write_table(similarity, data / "topic_similarity.csv")
    atomic_write_json(data / "model_summary.json", model_summary(fitted, papers, assignments))


def topic_similarity(topics: np.ndarray, vectors: np.ndarray) -> pd.DataFrame:
    """Cosine similarity of the topics' centroids (:func:`unit_centroids`).

    From the papers' embeddings rather than a model's own topic vectors, so
    that BERTopic, LDA and NMF runs get the same measure; outliers (-1) are
    left out. A square table: a ``topic`` column, then one column per topic id.
    """
    import numpy as np

    ids, centroids = unit_centroids(topics, vectors)
    if not len(ids):
        return pd.DataFrame({"topic": []})
    matrix = np.clip(centroids @ centroids.T, -1.0, 1.0).round(4)
    frame = pd.DataFrame(matrix, columns=[str(t) for t in ids])
    frame.insert(0, "topic", ids)
    return frame


def unit_centroids(topics: np.ndarray, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Topic ids (sorted, outliers left out) and each topic's unit-length mean unit vector.

    The topic similarity table and a refit's pairing of old and new topics
    both compare topics by these. The papers' unit vectors are computed once
    and each topic averages its rows of them (about 0.2 s for 196k papers and
    145 topics).
    """
    import numpy as np

    topics = np.asarray(topics)
    ids = np.array(sorted(int(t) for t in set(topics.tolist()) if int(t) >= 0), dtype=np.int64)
    if not len(ids):
        return ids, np.zeros((0, vectors.shape[1]), dtype=vectors.dtype)
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    centroids = np.stack([unit[topics == t].mean(axis=0) for t in ids])
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
    return ids, centroids


def write_trend_outputs(run_dir: Path, trends: TrendTables) -> None:
    """Shares by year, trend statuses and keywords by year."""
    data = run_dir / "data"
    write_table(by_year_for_export(trends.themes_by_year, "theme"), data / "themes_by_year.csv")
    write_table(by_year_for_export(trends.topics_by_year, "topic"), data / "topics_by_year.csv")
    write_table(trends.trends, data / "trends.csv")
    write_table(trends.topic_keywords, data / "topic_keywords_by_year.csv")
    atomic_write_json(data / "corpus_years.json", trends.corpus)


def topics_for_export(table: pd.DataFrame, paper_ids: pd.Series) -> pd.DataFrame:
    """The topic table with keyword lists joined and document indices as paper ids."""
    ids = paper_ids.to_numpy()
    return pd.DataFrame(
        {
            "topic": table["topic"],
            "label": table["label"],
            "label_source": _column(table, "label_source", "keywords"),
            "phrases": [";".join(p) for p in _column(table, "phrases", [])],
            "keywords": [";".join(k) for k in table["keywords"]],
            "keyword_weights": [
                ";".join(f"{float(w):.5g}" for w in ws) for ws in table["keyword_weights"]
            ],
            "size": table["size"],
            "representative_paper_ids": [
                ";".join(str(ids[i]) for i in docs) for docs in table["representative_docs"]
            ],
        }
    )


def _column(table: pd.DataFrame, name: str, default: Any) -> list[Any]:
    """A topic-table column, or ``default`` per row for a table of an older model."""
    if name in table:
        return [
            default if v is None or (isinstance(v, float) and v != v) else v for v in table[name]
        ]
    return [default] * len(table)


def model_summary(
    fitted: FittedPipeline, papers: pd.DataFrame, assignments: pd.DataFrame
) -> dict[str, Any]:
    model = fitted.topic_model
    return {
        "kind": type(model).__name__,
        "n_topics": int((fitted.topics["topic"] >= 0).sum()),
        "outlier_share_before_reduction": getattr(model, "outlier_share_", 0.0),
        "outlier_share": getattr(model, "final_outlier_share_", 0.0),
        "embedding": {"identity": fitted.embedder.identity, "dim": int(fitted.embedder.dim)},
        "themes": {
            theme: int(n)
            for theme, n in assignments.loc[assignments["assigned"], "theme"]
            .value_counts(sort=False)
            .items()
        },
        "unassigned_papers": int((papers["themes"] == "unassigned").sum()),
    }


def _assignments_for_export(long: pd.DataFrame) -> pd.DataFrame:
    first = ["paper_id", "theme", "score", "assigned", "evidence"]
    return long[[*first, *(c for c in long.columns if c not in first)]]


def ingest_report(ingested: IngestResult, corpus: CorpusResult) -> dict[str, Any]:
    """Records per source, skipped blocks, merges and undated papers."""
    papers = corpus.papers
    undated = papers.loc[papers["year"].isna(), ["paper_id", "title", "sources"]]
    merged = papers.loc[papers["n_records"] > 1]
    return {
        "sources": [
            {
                "file": s.path,
                "format": s.format,
                "records": len(s.records),
                "errors": sum(i.severity == "error" for i in s.issues),
                "warnings": sum(i.severity == "warning" for i in s.issues),
                "failed": s.failed,
            }
            for s in ingested.sources
        ],
        "records": len(ingested.records),
        "papers": len(papers),
        "merged_papers": len(merged),
        "records_merged_away": int(merged["n_records"].sum() - len(merged)),
        "merge_rules": dict(Counter(corpus.merges["rule"])) if len(corpus.merges) else {},
        "undated_papers": len(undated),
        "undated": undated.to_dict(orient="records"),
        "date_resolution": dict(Counter(papers["date_resolution"].fillna("undated"))),
        "issues": [
            {
                "file": i.file,
                "line": i.line,
                "severity": i.severity,
                "reason": i.reason,
                "excerpt": i.excerpt,
            }
            for i in ingested.issues
        ],
    }


def _issues_frame(ingested: IngestResult) -> pd.DataFrame:
    rows = [
        {
            "file": i.file,
            "line": i.line,
            "severity": i.severity,
            "reason": i.reason,
            "excerpt": i.excerpt,
        }
        for i in ingested.issues
    ]
    return pd.DataFrame(rows, columns=["file", "line", "severity", "reason", "excerpt"])


def write_manifest(
    run_dir: Path,
    config: Config,
    *,
    inputs: list[tuple[str, Path]],
    timings: dict[str, float],
    stages: dict[str, str],
    cache: dict[str, dict[str, Any]],
    started: datetime,
    status: str,
    engine: dict[str, Any] | None = None,
    run_id: str | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    manifest = build_manifest(
        config,
        inputs=inputs,
        timings=timings,
        stages=stages,
        cache=cache,
        started=started,
        status=status,
        engine=engine,
        run_id=run_id,
        extra=extra,
    )
    atomic_write_json(run_dir / "manifest.json", manifest)
