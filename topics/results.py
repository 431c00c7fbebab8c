"""What a run produces, in memory and on disk: the module below pipeline, exports and report.

Data flows one way: the pipeline computes results and hands them to
:mod:`topics.exports`, which writes the run directory; :mod:`topics.report`
reads that directory back. All three need the same vocabulary (the result
types, the files each stage leaves, the shape of the yearly tables), so it
lives here, and this module imports none of them.

``pipeline → exports → results ← report`` (the report never sees the
pipeline's objects, only the files named here).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from topics.records import IngestIssue, Record, SourceResult

__all__ = [
    "ASSIGN_FILES",
    "CHANGES_FILE",
    "CHANGES_FORMAT",
    "CHANGES_PAGE",
    "CHANGES_PAPERS_FILE",
    "CORPUS_FILES",
    "PAPER_COLUMNS",
    "TREND_FILES",
    "UNASSIGNED",
    "CorpusResult",
    "IngestResult",
    "RunResult",
    "by_year_for_export",
    "by_year_from_export",
    "run_identity",
    "same_run",
]

# What each stage puts in the run directory: the stage cache stores and restores these.
CORPUS_FILES = (
    "data/papers.csv",
    "data/papers.parquet",
    "data/merges.csv",
    "data/ingest_issues.csv",
    "data/ingest_report.json",
)
ASSIGN_FILES = (
    "model",
    "data/papers.csv",
    "data/papers.parquet",
    "data/assignments.csv",
    "data/topics.csv",
    "data/map_2d.csv",
    "data/topic_similarity.csv",
    "data/model_summary.json",
)
TREND_FILES = (
    "data/themes_by_year.csv",
    "data/topics_by_year.csv",
    "data/trends.csv",
    "data/topic_keywords_by_year.csv",
    "data/corpus_years.json",
)

# "What changed" against another run (written by :mod:`topics.changes`, shown by the
# report): the summary and per-paper list, in ``data/`` of a run or at the top of a
# ``topics compare`` folder.
CHANGES_FILE = "changes.json"
CHANGES_PAPERS_FILE = "changes_papers.csv"
CHANGES_FORMAT = "topics.changes"
# The report page that shows it, at the top of the run directory beside index.html.
CHANGES_PAGE = "changes.html"

# The ``themes`` value of a paper on no theme, in papers.csv and everywhere after it.
UNASSIGNED = "unassigned"

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


@dataclass
class IngestResult:
    """Every source's records and issues, in config order."""

    sources: list[SourceResult]

    @property
    def records(self) -> list[Record]:
        return [r for s in self.sources for r in s.records]

    @property
    def issues(self) -> list[IngestIssue]:
        return [i for s in self.sources for i in s.issues]

    @property
    def failed_sources(self) -> list[SourceResult]:
        return [s for s in self.sources if s.failed]


@dataclass
class CorpusResult:
    """The deduplicated corpus (one row per paper) and every merge that made it."""

    papers: pd.DataFrame
    merges: pd.DataFrame


@dataclass
class RunResult:
    """What a run produced; the files themselves are under ``run_dir``.

    ``stages`` maps each stage that took part to ``"ran"`` or ``"cached"``.
    """

    run_dir: Path
    papers: pd.DataFrame
    ingest_report: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)
    stages: dict[str, str] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        """A run fails when any source could not be read at all."""
        return any(s["failed"] for s in self.ingest_report["sources"])


def by_year_for_export(table: pd.DataFrame, kind: str) -> pd.DataFrame:
    """``theme, year, count, total, share, ci_low, ci_high, flags``: the kind names the key.

    :func:`by_year_from_export` is the inverse, for readers of the files.
    """
    return table.drop(columns=["kind"]).rename(columns={"name": kind})


def by_year_from_export(table: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Back to the trends stage's ``kind, name, ...`` shape."""
    table = table.rename(columns={kind: "name"})
    table.insert(0, "kind", kind)
    return table


def run_identity(manifest: dict[str, Any]) -> dict[str, Any]:
    """What tells one run from every other: its id, or its experiment, start and config.

    ``run_id`` is a random id each run writes into its manifest; runs older
    than it are told apart by when they started and their config's hash.
    """
    return {key: manifest.get(key) for key in ("run_id", "experiment", "started", "config_hash")}


def same_run(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    """Whether two :func:`run_identity` records name the same run."""
    if not a or not b:
        return False
    if a.get("run_id") or b.get("run_id"):
        return a.get("run_id") == b.get("run_id")
    keys = ("experiment", "started", "config_hash")
    return all(a.get(k) is not None for k in keys) and all(a.get(k) == b.get(k) for k in keys)
