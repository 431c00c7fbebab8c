"""The corpus stages: ingest (read every source), clean, and dedupe."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from topics._io import file_sha256
from topics.clean import clean_texts
from topics.config.schema import Config, SourceConfig
from topics.dedupe import dedupe_records
from topics.errors import IngestError
from topics.ingest import ReadOptions, display_path, expand_paths, read_source
from topics.records import IngestIssue, Record, SourceResult
from topics.results import CorpusResult, IngestResult

__all__ = [
    "CorpusResult",
    "IngestResult",
    "InputFile",
    "build_corpus",
    "check_input",
    "clean_records",
    "dedupe",
    "ingest",
    "input_digests",
    "list_inputs",
    "read_input",
]

log = logging.getLogger(__name__)

# Per source; the full list always goes to data/ingest_issues.csv.
_MAX_LOGGED_ISSUES = 10


@dataclass(frozen=True)
class InputFile:
    """One file a source names, with the display name used in reports and issues."""

    source_index: int
    display: str
    path: Path


def list_inputs(config: Config) -> list[InputFile]:
    """Every file the sources name, in config order; a missing file stays listed."""
    return [
        InputFile(index, display_path(path), path)
        for index, source in enumerate(config.sources)
        for path in expand_paths(source.path, Path.cwd())
    ]


def input_digests(inputs: Sequence[InputFile]) -> list[tuple[str, str]]:
    """(display name, SHA-256) of each input: what the ingest stage's cache key reads."""
    return [(f.display, file_sha256(f.path) if f.path.is_file() else "missing") for f in inputs]


def ingest(config: Config, inputs: Sequence[InputFile] | None = None) -> IngestResult:
    """Read every source; a file that fails is reported, not fatal, unless strict."""
    results: list[SourceResult] = []
    for file in inputs if inputs is not None else list_inputs(config):
        results.append(check_input(config, file, read_input(config, file)))
    return IngestResult(results)


def read_input(config: Config, file: InputFile) -> SourceResult:
    """One input file's records, those without a usable abstract reported and skipped."""
    source = config.sources[file.source_index]
    result = read_source(file.path, source.format, _read_options(config, source, file.display))
    return _drop_short_abstracts(result, config.ingest.min_abstract_chars)


def check_input(config: Config, file: InputFile, result: SourceResult) -> SourceResult:
    """Log a file's issues; stop the run on a failed file when ``ingest.strict`` is on."""
    _log_source(result, file.source_index)
    if config.ingest.strict and result.failed:
        first = next(i for i in result.issues if i.severity == "error")
        raise IngestError(f"{first} (ingest.strict is on, so the run stops here)")
    return result


def clean_records(config: Config, records: Sequence[Record]) -> list[str]:
    """The cleaned abstract of each record, in order."""
    return clean_texts((r.abstract for r in records), config.clean)


def dedupe(
    config: Config,
    records: Sequence[Record],
    texts: Sequence[str],
    keys: pd.DataFrame | None = None,
) -> CorpusResult:
    """Merge records of the same paper into one row each (``keys``: precomputed merge keys)."""
    result = dedupe_records(list(records), list(texts), config.dedupe, keys=keys)
    return CorpusResult(result.papers, result.merges)


def build_corpus(config: Config, ingested: IngestResult) -> CorpusResult:
    """Clean the abstracts and merge records of the same paper."""
    records = ingested.records
    return dedupe(config, records, clean_records(config, records))


def _read_options(config: Config, source: SourceConfig, display: str) -> ReadOptions:
    return ReadOptions(
        display_path=display,
        mapping=source.mapping,
        delimiter=source.delimiter,
        reference_date=source.reference_date or config.ingest.reference_date,
    )


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
    log.debug(
        "sources[%d] %s (%s): %d records, %d errors, %d warnings",
        index,
        result.path,
        result.format,
        len(result.records),
        errors,
        warnings,
    )
    for issue in result.issues[:_MAX_LOGGED_ISSUES]:
        level = {"error": logging.ERROR, "warning": logging.WARNING}.get(issue.severity, 20)
        log.log(level, "%s", issue)
    if len(result.issues) > _MAX_LOGGED_ISSUES:
        log.warning(
            "%s: %d more issues in data/ingest_issues.csv",
            result.path,
            len(result.issues) - _MAX_LOGGED_ISSUES,
        )
