"""Wiring the stages together: the only module that knows the whole flow.

``sources → records → cleaned texts → deduplicated corpus → …``

Each stage function takes typed inputs and returns typed outputs; this module
calls them in order, times them, decides what a failure means (``strict``),
and hands the results to :mod:`topics.exports` for writing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from topics.clean import clean_texts
from topics.config.schema import Config, SourceConfig
from topics.dedupe import dedupe_records
from topics.errors import IngestError
from topics.exports import write_corpus_outputs, write_manifest
from topics.ingest import ReadOptions, expand_paths, read_source
from topics.records import IngestIssue, Record, SourceResult

__all__ = ["CorpusResult", "IngestResult", "RunResult", "build_corpus", "ingest", "run"]

log = logging.getLogger(__name__)


@dataclass
class IngestResult:
    """Every source's records and issues, in config order."""

    sources: list[SourceResult]
    inputs: list[tuple[str, Path]]

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
    papers: pd.DataFrame
    merges: pd.DataFrame


@dataclass
class RunResult:
    run_dir: Path
    ingest: IngestResult
    corpus: CorpusResult
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        """A run fails when any source could not be read at all."""
        return bool(self.ingest.failed_sources)


class _StageTimer:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self.stages: dict[str, str] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        log.info("stage %s: running", name)
        yield
        self.timings[name] = time.perf_counter() - start
        self.stages[name] = "ran"
        log.info("stage %s: done in %.2f s", name, self.timings[name])


def ingest(config: Config) -> IngestResult:
    """Read every source; a file that fails is reported, not fatal, unless strict."""
    results: list[SourceResult] = []
    inputs: list[tuple[str, Path]] = []
    for index, source in enumerate(config.sources):
        for path in expand_paths(source.path, Path.cwd()):
            display = _display_path(path)
            result = read_source(path, source.format, _read_options(config, source, display))
            results.append(_drop_short_abstracts(result, config.ingest.min_abstract_chars))
            inputs.append((display, path))
            _log_source(result, index)
            if config.ingest.strict and result.failed:
                first = next(i for i in result.issues if i.severity == "error")
                raise IngestError(f"{first} (ingest.strict is on, so the run stops here)")
    return IngestResult(results, inputs)


def build_corpus(config: Config, ingested: IngestResult) -> CorpusResult:
    """Clean the abstracts and merge records of the same paper."""
    records = ingested.records
    texts = clean_texts((r.abstract for r in records), config.clean)
    result = dedupe_records(records, texts, config.dedupe)
    return CorpusResult(result.papers, result.merges)


def run(config: Config, *, until: str = "corpus") -> RunResult:
    """Run the pipeline on ``config`` and write everything under ``config.run_dir``."""
    started = datetime.now(UTC)
    timer = _StageTimer()
    with timer.stage("ingest"):
        ingested = ingest(config)
    with timer.stage("corpus"):
        corpus = build_corpus(config, ingested)
    run_dir = config.run_dir
    with timer.stage("export"):
        write_corpus_outputs(run_dir, ingested, corpus)
    result = RunResult(run_dir, ingested, corpus, timer.timings)
    write_manifest(
        run_dir,
        config,
        inputs=ingested.inputs,
        timings=timer.timings,
        stages=timer.stages,
        started=started,
        status="failed" if result.failed else "ok",
    )
    return result


def _read_options(config: Config, source: SourceConfig, display: str) -> ReadOptions:
    return ReadOptions(
        display_path=display,
        mapping=source.mapping,
        delimiter=source.delimiter,
        reference_date=source.reference_date or config.ingest.reference_date,
    )


def _display_path(path: Path) -> str:
    """``seeds/000_….txt``: stable across machines and working directories."""
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


def _drop_short_abstracts(result: SourceResult, min_chars: int) -> SourceResult:
    """Records without a usable abstract cannot be modelled: report each one."""
    kept: list[Record] = []
    for record in result.records:
        if len(record.abstract.strip()) >= min_chars:
            kept.append(record)
            continue
        reason = (
            "record has no abstract"
            if not record.abstract.strip()
            else f"abstract shorter than ingest.min_abstract_chars={min_chars}"
        )
        result.issues.append(
            IngestIssue(
                record.provenance.file,
                record.provenance.line_start,
                f"{reason}; record skipped",
                "error",
                excerpt=(record.title or record.abstract)[:80],
            )
        )
    result.records = kept
    return result


def _log_source(result: SourceResult, index: int) -> None:
    errors = sum(i.severity == "error" for i in result.issues)
    warnings = sum(i.severity == "warning" for i in result.issues)
    log.info(
        "sources[%d] %s (%s): %d records, %d errors, %d warnings",
        index,
        result.path,
        result.format,
        len(result.records),
        errors,
        warnings,
    )
    for issue in result.issues:
        level = {"error": logging.ERROR, "warning": logging.WARNING}.get(issue.severity, 20)
        log.log(level, "%s", issue)
