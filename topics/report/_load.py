"""Reading a run directory back: the report is rendered from saved files only.

That is what lets ``topics report RUN_DIR`` re-render a finished run without
refitting anything, and what guarantees that the report shows exactly what the
run exported. Every table is read as text first (so a title "NA" stays "NA"),
then the few numeric columns are converted; a file or column the report needs
but cannot find is an error that names it, never a silently empty section.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from topics.errors import TopicsError
from topics.results import by_year_from_export

__all__ = ["RunData", "load_run"]

# file → columns the report cannot do without (other columns are optional).
_REQUIRED_TABLES: dict[str, tuple[str, ...]] = {
    "papers.csv": ("paper_id", "title", "year", "topic", "themes"),
    "assignments.csv": ("paper_id", "theme", "score", "assigned", "evidence"),
    "topics.csv": ("topic", "label", "keywords", "size"),
    "themes_by_year.csv": ("theme", "year", "count", "total", "share", "ci_low", "ci_high"),
    "topics_by_year.csv": ("topic", "year", "count", "total", "share", "ci_low", "ci_high"),
    "trends.csv": ("kind", "name", "status"),
    "topic_keywords_by_year.csv": ("topic", "year", "count", "keywords"),
    "map_2d.csv": ("paper_id", "x", "y"),
    "merges.csv": ("paper_id", "record_id", "source", "rule"),
}
_REQUIRED_JSON = ("corpus_years.json", "ingest_report.json")
# Columns read from papers.csv; the cleaned text and provenance columns are not shown.
_PAPER_COLUMNS = (
    "paper_id",
    "title",
    "abstract",
    "authors",
    "year",
    "arxiv_id",
    "doi",
    "sources",
    "date_resolution",
    "topic",
    "topic_label",
    "topic_confidence",
    "themes",
)
_NUMERIC = ("year", "count", "total", "share", "ci_low", "ci_high", "score", "similarity", "size")
_NUMERIC_TRENDS = ("slope", "slope_low", "slope_high", "p_value", "first_year", "peak_year")


@dataclass(frozen=True, slots=True)
class RunData:
    """Everything a run saved that the report shows.

    Attributes
    ----------
    run_dir : Path
    manifest : dict
        ``manifest.json``: config, versions, seed, inputs, timings.
    papers : DataFrame
        ``data/papers.csv`` (identity, year, topic and themes columns only);
        ``year`` is nullable Int64, ``topic`` int.
    assignments : DataFrame
        ``data/assignments.csv``; ``score`` float, ``assigned`` bool.
    topics : DataFrame
        ``data/topics.csv``; ``topic`` and ``size`` int.
    themes_by_year, topics_by_year : DataFrame
        Yearly counts, shares and 95% intervals per theme and per topic.
    trends : DataFrame
        ``data/trends.csv``: one row per theme and per topic.
    topic_keywords_by_year : DataFrame
    corpus_years : dict
    map_2d : DataFrame
    ingest : dict
        ``data/ingest_report.json``.
    merges : DataFrame
    evaluation : dict or None
        ``data/evaluation.json`` when the run evaluated its model.
    has_model : bool
        Whether ``model/`` exists, so the report can link it.
    topic_similarity : DataFrame or None
        ``data/topic_similarity.csv`` (cosine similarity of topic centroids,
        a ``topic`` column then one per topic), or None for a run that
        predates it; the heat map and hierarchy then say so.
    """

    run_dir: Path
    manifest: dict[str, Any]
    papers: pd.DataFrame
    assignments: pd.DataFrame
    topics: pd.DataFrame
    themes_by_year: pd.DataFrame
    topics_by_year: pd.DataFrame
    trends: pd.DataFrame
    topic_keywords_by_year: pd.DataFrame
    corpus_years: dict[str, Any]
    map_2d: pd.DataFrame
    ingest: dict[str, Any]
    merges: pd.DataFrame
    evaluation: dict[str, Any] | None
    has_model: bool
    topic_similarity: pd.DataFrame | None = None

    @property
    def theme_configs(self) -> list[dict[str, Any]]:
        """The themes of the resolved config, in config order."""
        return list(self.manifest.get("config", {}).get("themes") or [])


def load_run(run_dir: Path) -> RunData:
    """Read the files of a finished run that the report is built from.

    Parameters
    ----------
    run_dir : Path
        A run directory: ``manifest.json`` and ``data/`` (``model/`` optional).

    Returns
    -------
    RunData

    Raises
    ------
    TopicsError
        If a file or column the report needs is missing or unreadable; the
        message lists every problem at once.
    """
    run_dir = Path(run_dir)
    data = run_dir / "data"
    _check_present(run_dir)
    tables = {name: _read_table(data / name, cols) for name, cols in _REQUIRED_TABLES.items()}
    evaluation_path = data / "evaluation.json"
    return RunData(
        run_dir=run_dir,
        manifest=_read_json(run_dir / "manifest.json"),
        papers=_papers(tables["papers.csv"]),
        assignments=_assignments(tables["assignments.csv"]),
        topics=_topics(tables["topics.csv"]),
        themes_by_year=_numeric(
            by_year_from_export(tables["themes_by_year.csv"], "theme"), _NUMERIC
        ),
        topics_by_year=_numeric(
            by_year_from_export(tables["topics_by_year.csv"], "topic"), _NUMERIC
        ),
        trends=_numeric(tables["trends.csv"], _NUMERIC_TRENDS),
        topic_keywords_by_year=_numeric(tables["topic_keywords_by_year.csv"], ("year", "count")),
        corpus_years=_read_json(data / "corpus_years.json"),
        map_2d=_numeric(tables["map_2d.csv"], ("x", "y")),
        ingest=_read_json(data / "ingest_report.json"),
        merges=_numeric(tables["merges.csv"], ("similarity",)),
        evaluation=_read_json(evaluation_path) if evaluation_path.is_file() else None,
        has_model=(run_dir / "model").is_dir(),
        topic_similarity=_similarity(data / "topic_similarity.csv"),
    )


def _similarity(path: Path) -> pd.DataFrame | None:
    """The square topic-similarity table, or None when the run did not write one."""
    if not path.is_file():
        return None
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise TopicsError(f"cannot read {path}: {exc}") from exc
    if "topic" not in frame.columns or len(frame.columns) != len(frame) + 1:
        raise TopicsError(
            f"{path} must be a square table: a 'topic' column, then one column per topic"
        )
    frame["topic"] = frame["topic"].astype(int)
    return frame.set_index("topic")


def _check_present(run_dir: Path) -> None:
    if not run_dir.is_dir():
        raise TopicsError(f"cannot render the report of {run_dir}: no such directory")
    expected = [
        run_dir / "manifest.json",
        *(run_dir / "data" / name for name in (*_REQUIRED_TABLES, *_REQUIRED_JSON)),
    ]
    missing = [str(p.relative_to(run_dir)) for p in expected if not p.is_file()]
    if missing:
        raise TopicsError(
            f"cannot render the report of {run_dir}: missing {', '.join(missing)}. "
            "Is this the output directory of a completed run?"
        )


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise TopicsError(f"cannot read {path}: {exc}") from exc
    if not isinstance(value, dict):
        raise TopicsError(f"{path} must hold a JSON object; got {type(value).__name__}")
    return value


def _read_table(path: Path, required: Sequence[str]) -> pd.DataFrame:
    """All columns as text ('' for empty cells), so no title turns into NaN."""
    wanted = set(_PAPER_COLUMNS) if path.name == "papers.csv" else None
    try:
        frame = pd.read_csv(
            path,
            dtype=object,  # plain Python str: arrow-backed strings iterate ~10x slower
            keep_default_na=False,
            na_filter=False,
            usecols=(lambda c: c in wanted) if wanted else None,
        )
    except (OSError, ValueError) as exc:
        raise TopicsError(f"cannot read {path}: {exc}") from exc
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise TopicsError(
            f"{path} lacks the column(s) {', '.join(missing)}; has {', '.join(frame.columns)}"
        )
    return frame


def _numeric(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    out = frame.copy()
    for column in columns:
        if column in out.columns:
            out[column] = pd.to_numeric(out[column].replace("", None), errors="coerce")
    for column in ("year", "count", "total", "first_year", "peak_year", "size"):
        if column in columns and column in out.columns:
            out[column] = out[column].round().astype("Int64")
    return out


def _papers(frame: pd.DataFrame) -> pd.DataFrame:
    out = _numeric(frame, ("year",))
    for column in _PAPER_COLUMNS:
        if column not in out.columns:
            out[column] = ""
    topic = pd.to_numeric(out["topic"].replace("", None), errors="coerce")
    out["topic"] = topic.fillna(-1).astype(int)
    return out.reset_index(drop=True)


def _assignments(frame: pd.DataFrame) -> pd.DataFrame:
    out = _numeric(frame, ("score",))
    out["assigned"] = out["assigned"].str.strip().str.lower().isin(("true", "1", "yes"))
    return out


def _topics(frame: pd.DataFrame) -> pd.DataFrame:
    out = _numeric(frame, ("size",))
    out["topic"] = pd.to_numeric(out["topic"], errors="coerce")
    bad = out["topic"].isna()
    if bad.any():
        raise TopicsError(
            f"data/topics.csv: topic must be an integer; got {frame.loc[bad, 'topic'].tolist()[:5]}"
        )
    out["topic"] = out["topic"].astype(int)
    out["size"] = out["size"].fillna(0).astype(int)
    for column in ("representative_paper_ids", "keyword_weights"):
        if column not in out.columns:
            out[column] = ""
    return out.sort_values("topic").reset_index(drop=True)
