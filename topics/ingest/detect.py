"""Automatic format detection.

Structured formats are recognised by their extension (compression suffixes
are looked through). Plain ``.txt`` scrapes have no extension to go by, so
each seed format is recognised by a content signature that the format's
reader module exposes as ``sniff(text) -> bool``.
"""

from __future__ import annotations

from pathlib import Path

from topics.errors import UnknownFormatError

__all__ = ["detect_format"]

_BY_EXTENSION = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".bib": "bibtex",
    ".bibtex": "bibtex",
}
_COMPRESSION = {".gz", ".xz", ".bz2"}


def detect_format(path: Path, display_path: str) -> str:
    """Return the reader name for ``path`` or raise UnknownFormatError."""
    suffixes = [s.lower() for s in path.suffixes]
    while suffixes and suffixes[-1] in _COMPRESSION:
        suffixes.pop()
    ext = suffixes[-1] if suffixes else ""
    if ext in _BY_EXTENSION:
        return _BY_EXTENSION[ext]
    if ext == ".json":
        return _detect_json_flavour(path)
    raise UnknownFormatError(
        f"{display_path}: cannot detect the format from the extension {ext or '(none)'!r}; "
        "set `format:` on this source"
    )


def _detect_json_flavour(path: Path) -> str:
    """``arxiv-metadata-oai-snapshot.json`` is JSON Lines despite its extension."""
    return "arxiv_snapshot" if "arxiv" in path.name.lower() else "jsonl"
