"""What ``topics validate`` checks in the sources before anything runs.

Schema validation proves that a config is well formed; it cannot see that a
source's path matches no file, or that a CSV has no column the mapping can
read a date from. Reading the whole corpus to find out takes minutes, so this
checks what a header tells: every source names at least one file, each
file's format is known, the mapping's columns exist, and something dates the
papers. Only the header row of CSV/TSV files and the schema of Parquet files
are read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from topics.config.schema import Config
from topics.errors import IngestError, UnknownFormatError
from topics.ingest import READERS, detect_format, expand_paths
from topics.ingest._fields import resolve_mapping, undated_source_issue

__all__ = ["SourceCheck", "check_sources"]

_HEADER_FORMATS = ("csv", "tsv", "parquet")


@dataclass
class SourceCheck:
    """Problems (the run would fail or lose data) and warnings, as printable lines."""

    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_sources(config: Config) -> SourceCheck:
    """Check every source of ``config``; see the module docstring for what is checked."""
    from topics.ingest.tabular import column_names

    check = SourceCheck()
    for index, source in enumerate(config.sources):
        key = f"sources[{index}]"
        if source.format != "auto" and source.format not in READERS:
            check.problems.append(
                f"{key}.format: unknown format {source.format!r}; known formats: auto, "
                f"{', '.join(sorted(READERS))}"
            )
            continue
        files = [p for p in expand_paths(source.path, Path.cwd()) if p.is_file()]
        if not files:
            check.problems.append(f"{key}.path: no file matches {source.path}")
            continue
        for path in files:
            try:
                fmt = detect_format(path, str(path)) if source.format == "auto" else source.format
                if fmt not in _HEADER_FORMATS:
                    continue
                names = column_names(path, fmt, source.delimiter, str(path))
                columns = resolve_mapping(names, source.mapping, str(path))
            except (UnknownFormatError, IngestError) as exc:
                check.problems.append(f"{key}: {exc}")
                continue
            undated = undated_source_issue(columns, names, str(path))
            if undated is not None:
                check.warnings.append(f"{key}: {undated}")
    return check
