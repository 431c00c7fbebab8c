"""The data-quality and run-details sections: what went in, what was assumed, what ran.

A trend is only as good as the data under it, so the report puts in front of
the reader every input problem the run saw (with ``file:line``), the
duplicates it merged, the papers it could not date, and the assumptions that
shape the yearly shares (reference date, incomplete year, thin years). Long
lists are cut at ``max_rows`` with the full count and a link to the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from topics.report._load import RunData
from topics.report.tables import PaperRow

__all__ = ["DataQuality", "ExportFile", "RunDetails", "data_quality", "run_details"]


@dataclass(frozen=True, slots=True)
class MergeRow:
    """One record merged into a paper, with the paper's title and link."""

    paper_id: str
    title: str
    url: str
    record_id: str
    source: str
    rule: str
    similarity: float | None


@dataclass(frozen=True, slots=True)
class DataQuality:
    """Ingest problems, merges, undated papers and the dating assumptions."""

    sources: list[dict[str, Any]]
    n_records: int
    issues: list[dict[str, Any]]
    n_issues: int
    n_errors: int
    n_warnings: int
    merged_papers: int
    records_merged_away: int
    merge_rules: list[tuple[str, int]]
    merges: list[MergeRow]
    n_merges: int
    undated: list[dict[str, Any]]
    n_undated: int
    date_resolution: list[tuple[str, int]]
    reference_date: str | None
    incomplete_year: int | None
    incomplete_note: str | None
    low_years: list[tuple[int, int]]
    years: list[int]
    outside_range: int


@dataclass(frozen=True, slots=True)
class ExportFile:
    """A file of the run, linked from the report (path relative to the run dir)."""

    href: str
    size: int


@dataclass(frozen=True, slots=True)
class RunDetails:
    """What produced the run: config, versions, seed, machine and stage timings."""

    experiment: str
    status: str
    started: str
    finished: str
    seed: Any
    config_hash: str
    model_kind: str
    config_yaml: str
    versions: list[tuple[str, str]]
    timings: list[tuple[str, float, str]]
    total_seconds: float
    inputs: list[dict[str, Any]]
    machine: list[tuple[str, str]]
    exports: list[ExportFile]
    has_model: bool
    evaluation_json: str | None


def data_quality(run: RunData, papers: Mapping[str, PaperRow], max_rows: int) -> DataQuality:
    """Everything the data-quality section lists, cut at ``max_rows`` per table."""
    ingest, years = run.ingest, run.corpus_years
    issues = list(ingest.get("issues") or [])
    undated = list(ingest.get("undated") or [])
    totals = {int(y): int(n) for y, n in (years.get("totals") or {}).items()}
    return DataQuality(
        sources=list(ingest.get("sources") or []),
        n_records=int(ingest.get("records") or 0),
        issues=issues[:max_rows],
        n_issues=len(issues),
        n_errors=sum(i.get("severity") == "error" for i in issues),
        n_warnings=sum(i.get("severity") == "warning" for i in issues),
        merged_papers=int(ingest.get("merged_papers") or 0),
        records_merged_away=int(ingest.get("records_merged_away") or 0),
        merge_rules=_ranked(ingest.get("merge_rules") or {}),
        merges=_merge_rows(run, papers, max_rows),
        n_merges=len(run.merges),
        undated=undated[:max_rows],
        n_undated=int(years.get("undated", ingest.get("undated_papers", len(undated))) or 0),
        date_resolution=_ranked(ingest.get("date_resolution") or {}),
        reference_date=years.get("reference_date"),
        incomplete_year=years.get("incomplete_year"),
        incomplete_note=_why_incomplete(years.get("incomplete_note")),
        low_years=[(int(y), totals.get(int(y), 0)) for y in years.get("low_years") or []],
        years=[int(y) for y in years.get("years") or []],
        outside_range=int(years.get("outside_range") or 0),
    )


def _why_incomplete(note: object) -> str | None:
    """``data up to 2026-05-12`` from the flag ``incomplete year (data up to 2026-05-12)``.

    The page already says "Incomplete year: 2026"; the flag's own words
    would say it twice.
    """
    if not isinstance(note, str) or not note:
        return None
    inner = re.fullmatch(r"incomplete year \((.*)\)", note)
    return inner.group(1) if inner else note


def run_details(run: RunData) -> RunDetails:
    """The run-details section, from ``manifest.json`` and the files of the run."""
    m = run.manifest
    config = m.get("config") or {}
    timings = m.get("timings_s") or {}
    stages = m.get("stages") or {}
    return RunDetails(
        experiment=str(m.get("experiment") or config.get("experiment") or run.run_dir.name),
        status=str(m.get("status") or "unknown"),
        started=str(m.get("started") or ""),
        finished=str(m.get("finished") or ""),
        seed=m.get("seed", config.get("seed")),
        config_hash=str(m.get("config_hash") or ""),
        model_kind=str((config.get("model") or {}).get("kind") or ""),
        config_yaml=yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=100),
        versions=sorted(
            (str(k), str(v) if v else "not installed") for k, v in (m.get("versions") or {}).items()
        ),
        timings=[(str(k), float(v), str(stages.get(k, ""))) for k, v in timings.items()],
        total_seconds=float(sum(float(v) for v in timings.values())),
        inputs=list(m.get("inputs") or []),
        machine=[(str(k), str(v)) for k, v in (m.get("machine") or {}).items()],
        exports=_exports(run.run_dir),
        has_model=run.has_model,
        evaluation_json=json.dumps(run.evaluation, indent=2, ensure_ascii=False)
        if run.evaluation is not None
        else None,
    )


def _merge_rows(run: RunData, papers: Mapping[str, PaperRow], limit: int) -> list[MergeRow]:
    rows = []
    for record in run.merges.head(limit).to_dict(orient="records"):
        paper = papers.get(record["paper_id"])
        similarity = record.get("similarity")
        rows.append(
            MergeRow(
                paper_id=record["paper_id"],
                title=paper.title if paper else "",
                url=paper.url if paper else "",
                record_id=str(record["record_id"]),
                source=str(record["source"]),
                rule=str(record["rule"]),
                similarity=None if similarity is None or similarity != similarity else similarity,
            )
        )
    return rows


def _ranked(counts: Mapping[str, Any]) -> list[tuple[str, int]]:
    return sorted(((str(k), int(v)) for k, v in counts.items()), key=lambda kv: (-kv[1], kv[0]))


def _exports(run_dir: Path) -> list[ExportFile]:
    """The run's data exports and manifest, for download links."""
    files = [run_dir / "manifest.json", *sorted((run_dir / "data").iterdir())]
    return [
        ExportFile(href=path.relative_to(run_dir).as_posix(), size=path.stat().st_size)
        for path in files
        if path.is_file() and not path.name.startswith(".")
    ]
