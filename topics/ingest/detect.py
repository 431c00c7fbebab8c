"""Automatic format detection.

Structured formats are recognised by their extension (compression suffixes
are looked through). Plain ``.txt`` scrapes, and files whose extension we do
not know, have nothing to go by but their content, so each scrape format is
recognised by a content signature that the format's reader module exposes
as ``sniff(text) -> bool``, tried on the first 64 KB of the file.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

from topics.errors import UnknownFormatError
from topics.ingest._base import check_text_file, open_text

__all__ = ["SNIFF_BYTES", "detect_format", "sniff_format"]

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
# Most specific signature first: the title/abstract-pair test only looks at
# line shapes, so it must not get a chance to claim a file another format owns.
_SNIFFERS: tuple[tuple[str, str], ...] = (
    ("arxiv_listing", "topics.ingest.arxiv_listing"),
    ("research_portal", "topics.ingest.portal"),
    ("profile_listing", "topics.ingest.profile"),
    ("title_pairs", "topics.ingest.title_pairs"),
)
SNIFF_BYTES = 65536


def detect_format(path: Path, display_path: str) -> str:
    """Return the reader name for ``path`` or raise UnknownFormatError.

    Parameters
    ----------
    path : pathlib.Path
        The source file, possibly compressed (``.gz``, ``.xz``, ``.bz2``).
    display_path : str
        Name used in error messages.

    Raises
    ------
    UnknownFormatError
        When neither the extension nor the content identifies a format.
    IngestError
        When the content must be sniffed but the file is missing, empty,
        binary or not UTF-8.
    """
    suffixes = [s.lower() for s in path.suffixes]
    while suffixes and suffixes[-1] in _COMPRESSION:
        suffixes.pop()
    ext = suffixes[-1] if suffixes else ""
    if ext in _BY_EXTENSION:
        return _BY_EXTENSION[ext]
    if ext == ".json":
        return _detect_json_flavour(path)
    fmt = sniff_format(_read_head(path, display_path))
    if fmt is None:
        known = ", ".join(name for name, _ in _SNIFFERS)
        raise UnknownFormatError(
            f"{display_path}: cannot detect the format: the extension {ext or '(none)'!r} "
            f"names no structured format and the content matches none of the text layouts "
            f"({known}); set `format:` on this source"
        )
    return fmt


def sniff_format(text: str) -> str | None:
    """The first text format whose ``sniff`` accepts ``text``, or None."""
    for name, module_name in _SNIFFERS:
        sniff: Callable[[str], bool] = importlib.import_module(module_name).sniff
        if sniff(text):
            return name
    return None


def _read_head(path: Path, display_path: str) -> str:
    """The first 64 KB as text, after the same checks a reader makes."""
    check_text_file(path, display_path, SNIFF_BYTES)
    with open_text(path) as fh:
        head = fh.buffer.read(SNIFF_BYTES)
    # check_text_file validated these bytes; only a character cut at the end can fail.
    text = head.decode("utf-8-sig", errors="ignore")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _detect_json_flavour(path: Path) -> str:
    """``arxiv-metadata-oai-snapshot.json`` is JSON Lines despite its extension."""
    return "arxiv_snapshot" if "arxiv" in path.name.lower() else "jsonl"
