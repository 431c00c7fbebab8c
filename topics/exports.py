"""Writing a run's data exports: the files users and scripts rely on.

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

if TYPE_CHECKING:
    from topics.pipeline import CorpusResult, IngestResult

__all__ = ["PAPER_COLUMNS", "ingest_report", "write_corpus_outputs", "write_manifest"]

# The export contract of papers.csv, in order.
PAPER_COLUMNS = (
    "paper_id",
    "title",
    "abstract",
    "year",
    "date",
    "date_precision",
    "authors",
    "category",
    "venue",
    "arxiv_id",
    "sources",
)


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
    started: datetime,
    status: str,
) -> None:
    manifest = build_manifest(
        config, inputs=inputs, timings=timings, stages=stages, started=started, status=status
    )
    atomic_write_json(run_dir / "manifest.json", manifest)
