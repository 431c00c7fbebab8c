"""Reading paper records from every supported source format.

:func:`read_source` reads one file with one reader and never raises for bad
content: problems become :class:`~topics.records.IngestIssue` entries on the
returned :class:`~topics.records.SourceResult`. Whether a failed file stops
the run is the caller's decision (``ingest.strict`` in the config).
"""

from __future__ import annotations

import glob
import importlib
import lzma
import re
import zlib
from dataclasses import replace
from pathlib import Path

from topics.errors import IngestError, UnknownFormatError
from topics.ingest._base import Reader, ReadOptions
from topics.ingest.arxiv_ids import arxiv_id_month
from topics.ingest.detect import detect_format
from topics.records import IngestIssue, Record, SourceResult

__all__ = [
    "READERS",
    "ReadOptions",
    "detect_format",
    "display_path",
    "expand_paths",
    "get_reader",
    "read_source",
]

# Reader name -> "module:function". Imported lazily so that, e.g., reading a
# CSV never imports the BibTeX library.
READERS: dict[str, str] = {
    "profile_listing": "topics.ingest.profile:read_profile_listing",
    "arxiv_listing": "topics.ingest.arxiv_listing:read_arxiv_listing",
    "title_pairs": "topics.ingest.title_pairs:read_title_pairs",
    "research_portal": "topics.ingest.portal:read_portal_record",
    "csv": "topics.ingest.tabular:read_csv",
    "tsv": "topics.ingest.tabular:read_tsv",
    "parquet": "topics.ingest.tabular:read_parquet",
    "jsonl": "topics.ingest.jsonl:read_jsonl",
    "arxiv_snapshot": "topics.ingest.jsonl:read_arxiv_snapshot",
    "bibtex": "topics.ingest.bibtex:read_bibtex",
}


def display_path(path: Path) -> str:
    """``seeds/000_….txt``: how a file is named in ``sources``, issues and reports.

    The parent folder and the name, stable across machines and working
    directories; ``topics assign`` names records the same way, so its
    ``source`` column matches ``papers.csv``'s ``sources``.
    """
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


def get_reader(name: str) -> Reader:
    """Return the reader function registered under ``name``."""
    try:
        target = READERS[name]
    except KeyError:
        known = ", ".join(sorted(READERS))
        raise UnknownFormatError(f"unknown format {name!r}; known formats: {known}") from None
    module_name, func_name = target.split(":")
    reader: Reader = getattr(importlib.import_module(module_name), func_name)
    return reader


def expand_paths(pattern: str, base_dir: Path) -> list[Path]:
    """Files named by a source's ``path``: a file, a directory or a glob, sorted.

    A pattern that matches nothing is returned as-is so that the reader
    reports it as a missing file with its name, rather than it vanishing.
    """
    full = (base_dir / Path(pattern).expanduser()).resolve() if pattern else base_dir
    if full.is_dir():
        return sorted(p for p in full.iterdir() if p.is_file() and not p.name.startswith("."))
    if glob.has_magic(str(full)):
        matches = sorted(Path(p) for p in glob.glob(str(full), recursive=True))
        return [p for p in matches if p.is_file()] or [full]
    return [full]


def read_source(path: Path, fmt: str, options: ReadOptions) -> SourceResult:
    """Read one file, turning every failure into an issue on the result."""
    result = SourceResult(path=options.display_path, format=fmt)
    try:
        if fmt == "auto":
            result.format = detect_format(path, options.display_path)
        reader = get_reader(result.format)
        for item in reader(path, options):
            if isinstance(item, IngestIssue):
                result.issues.append(item)
            else:
                result.records.append(_fill_date_from_arxiv_id(item))
    except IngestError as exc:
        result.issues.append(_issue_from_error(str(exc), options.display_path))
    except (OSError, UnicodeDecodeError, EOFError, lzma.LZMAError, zlib.error) as exc:
        # Truncated or corrupt compressed files surface as these.
        result.issues.append(
            IngestIssue(options.display_path, None, f"cannot read file: {exc}", "error")
        )
    return result


def _issue_from_error(message: str, display_path: str) -> IngestIssue:
    """Errors start with ``file[:line]:``; keep the location out of the reason."""
    line = None
    prefix = re.match(rf"^{re.escape(display_path)}(?::(\d+))?:\s*", message)
    if prefix:
        line = int(prefix.group(1)) if prefix.group(1) else None
        message = message[prefix.end() :]
    return IngestIssue(display_path, line, message, "error")


def _fill_date_from_arxiv_id(record: Record) -> Record:
    """An arXiv id implies the month of first submission when nothing else dates a paper."""
    if record.date or not record.arxiv_id:
        return record
    month = arxiv_id_month(record.arxiv_id)
    if month is None:
        return record
    year, mm = month
    return replace(
        record,
        date=f"{year:04d}-{mm:02d}",
        date_precision="month",
        year=year,
        date_resolution="from arXiv id",
    )
