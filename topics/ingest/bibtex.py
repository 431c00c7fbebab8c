"""BibTeX files, parsed with bibtexparser v2.

bibtexparser splits the file into blocks and records the line each starts on,
so every record and every issue points at its entry. A block it cannot parse
(a missing comma after the key, an unbalanced brace, a key used twice) comes
back as a failed block; we report it as an error with the parser's reason and
keep every other entry. bibtexparser also logs those failures; its splitter's
log lines are held back because the issues already say the same with file
and line.

Entries are mapped onto records like any other structured source (see
:mod:`topics.ingest._fields`), after deriving what BibTeX spreads over
several fields: the date from ``date`` or ``year`` + ``month``, the venue from
``journal``/``journaltitle``/``booktitle``, the arXiv id from ``eprint``
(when ``archiveprefix``/``eprinttype`` is arXiv or absent) or from an
``arXiv:`` reference in ``journal``, ``url`` or ``note``. Title braces, which
only protect capitals, are stripped; ``Last, First`` names become
``First Last`` with LaTeX accents decoded (pylatexenc, which bibtexparser
itself depends on), as in arXiv metadata, so that sources agree on names.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import bibtexparser
from bibtexparser.library import Library
from bibtexparser.middlewares.names import (
    parse_single_name_into_parts,
    split_multiple_persons_names,
)
from bibtexparser.model import (
    Block,
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    ParsingFailedBlock,
)
from pylatexenc.latex2text import LatexNodes2Text

from topics.ingest._base import ReaderOutput, ReadOptions, read_text
from topics.ingest._fields import DEFAULT_ALIASES, RecordBuilder, map_source
from topics.ingest.arxiv_ids import normalize_arxiv_id
from topics.ingest.dates import parse_date
from topics.records import IngestIssue

__all__ = ["entry_fields", "read_bibtex"]

_PARSER = "bibtex"
_EXCERPT_CHARS = 120

_UNESCAPED_BRACE = re.compile(r"(?<!\\)[{}]")
_ARXIV_REFERENCE = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf)/|arXiv:\s*)([a-z\-]+(?:\.[A-Z]{2})?/\d{7}|\d{4}\.\d{4,5})",
    re.IGNORECASE,
)
_ARXIV_VENUE = re.compile(r"^\s*arxiv\b", re.IGNORECASE)
# Names only: ``{\L}ukasz`` and ``Bal\'azs`` must match the decoded names of
# arXiv metadata. Titles and abstracts keep their LaTeX for the clean stage.
_LATEX = LatexNodes2Text()
_ENTRY_HEAD = re.compile(r"@\s*\w+\s*[{(]\s*([^,\s{}()]+)")

# Derived keys carry the record field's name; raw BibTeX keys stay available
# to ``sources[].mapping`` (e.g. ``abstract: annote``).
_BIBTEX_ALIASES: Mapping[str, tuple[str, ...]] = {
    **DEFAULT_ALIASES,
    "authors": ("authors",),
    "date": ("date",),
    "venue": ("venue",),
    "arxiv_id": ("arxiv_id",),
    "category": ("category", "primaryclass"),
}


def read_bibtex(path: Path, options: ReadOptions) -> ReaderOutput:
    """Read a BibTeX file: a record per entry that has an abstract.

    Parameters
    ----------
    path : Path
        The ``.bib`` file, plain or compressed.
    options : ReadOptions
        ``mapping``: record field -> BibTeX field, for files that keep, e.g.,
        the abstract in ``annote``.

    Yields
    ------
    Record or IngestIssue
        An error for each block bibtexparser could not parse and for each
        entry without an abstract (naming its key and line).
    """
    display = options.display_path
    text = read_text(path, display)
    with _quiet_bibtexparser():
        library = bibtexparser.parse_string(text)
    prepared = [(block, *_prepare(block)) for block in library.blocks]
    keys = _field_keys(fields for _, entry, fields, _ in prepared if entry is not None)
    if not keys:
        for block, *_ in prepared:
            yield from _failed_block_issues(block, library, display)
        yield IngestIssue(display, None, "no BibTeX entries found")
        return
    columns, builder = map_source(keys, options, _PARSER, aliases=_BIBTEX_ALIASES, noun="field")
    yield from builder.source_issues
    for block, entry, fields, repeated in prepared:
        if entry is None:
            yield from _failed_block_issues(block, library, display)
        else:
            yield from _entry_output(entry, fields, repeated, columns, builder)


def _prepare(block: Block) -> tuple[Entry | None, dict[str, object], list[str]]:
    """The entry in a block (also one with a repeated field) and its fields."""
    if isinstance(block, Entry):
        return block, *entry_fields(block)
    if isinstance(block, DuplicateFieldKeyBlock) and isinstance(block.ignore_error_block, Entry):
        # The parse stack skips failed blocks, so their values are still enclosed.
        entry = block.ignore_error_block
        return entry, *entry_fields(entry, enclosed=True)
    return None, {}, []


def entry_fields(entry: Entry, *, enclosed: bool = False) -> tuple[dict[str, object], list[str]]:
    """An entry's fields by lower-case key, plus the record fields they imply.

    Parameters
    ----------
    entry : bibtexparser.model.Entry
        A parsed entry.
    enclosed : bool, default=False
        True when values still carry their ``{}`` or ``""``.

    Returns
    -------
    fields : dict of str to object
        Raw fields (first value wins) and the derived ``authors``, ``date``,
        ``venue``, ``arxiv_id`` and a brace-free ``title``.
    repeated : list of str
        Field keys that appeared more than once, ignoring case.
    """
    raw: dict[str, str] = {}
    repeated: list[str] = []
    for field in entry.fields:
        key = field.key.lower()
        value = field.value if isinstance(field.value, str) else str(field.value)
        if key in raw:
            repeated.append(key)
            continue
        raw[key] = _unenclose(value) if enclosed else value
    fields: dict[str, object] = dict(raw)
    fields["title"] = _strip_braces(raw.get("title", ""))
    fields["authors"] = _person_names(raw.get("author", ""))
    fields["date"] = _entry_date(raw)
    venue = raw.get("journal") or raw.get("journaltitle") or raw.get("booktitle")
    fields["venue"] = None if venue is None or _ARXIV_VENUE.match(venue) else _strip_braces(venue)
    fields["arxiv_id"] = _entry_arxiv_id(raw)
    fields["keywords"] = _strip_braces(raw.get("keywords", "")) or None
    return fields, sorted(set(repeated))


def _unenclose(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and (value[0], value[-1]) in (("{", "}"), ('"', '"')):
        return value[1:-1]
    return value


def _strip_braces(text: str) -> str:
    """``{BERT}: Pre-training of {Deep}`` -> ``BERT: Pre-training of Deep``."""
    return " ".join(_UNESCAPED_BRACE.sub("", text).split())


def _person_names(author: str) -> list[str]:
    """``Devlin, Jacob and Chang, Ming-Wei and others`` -> first-name-first names."""
    names = []
    for person in split_multiple_persons_names(author):
        if person.strip().lower() == "others":
            continue
        parts = parse_single_name_into_parts(person, strict=False)
        name = parts.merge_first_name_first
        name = _LATEX.latex_to_text(name) if "\\" in name else _strip_braces(name)
        if name:
            names.append(name)
    return names


def _entry_date(raw: Mapping[str, str]) -> str | None:
    """``date`` as given, else ``year`` with ``month`` (``mar``, ``3`` or ``March``)."""
    if raw.get("date", "").strip():
        return raw["date"].strip()
    year = _strip_braces(raw.get("year", ""))
    if not year:
        return None
    month = _strip_braces(raw.get("month", ""))
    if month.isdigit() and 1 <= int(month) <= 12:
        return f"{year}-{int(month):02d}"
    parsed = parse_date(f"{month} {year}") if month else None
    if parsed is not None and parsed.month is not None:
        return f"{year}-{parsed.month:02d}"
    return year


def _entry_arxiv_id(raw: Mapping[str, str]) -> str | None:
    """The raw arXiv id, for the builder to normalise (and to report if invalid).

    An ``eprint`` declared as arXiv is passed on as is; one without a
    declared archive only if it reads as an arXiv id (it may be a HAL id).
    """
    prefix = (raw.get("archiveprefix") or raw.get("eprinttype") or "").strip().lower()
    eprint = raw.get("eprint", "").strip()
    if eprint and (prefix == "arxiv" or (not prefix and normalize_arxiv_id(eprint))):
        return eprint
    for key in ("journal", "url", "note", "howpublished"):
        match = _ARXIV_REFERENCE.search(raw.get(key, ""))
        if match and normalize_arxiv_id(match.group(1)):
            return match.group(1)
    return None


def _field_keys(entries: Iterator[dict[str, object]]) -> list[str]:
    seen: dict[str, None] = {}
    for fields in entries:
        seen.update(dict.fromkeys(fields))
    return list(seen)


def _entry_output(
    entry: Entry,
    fields: dict[str, object],
    repeated: list[str],
    columns: Mapping[str, str],
    builder: RecordBuilder,
) -> ReaderOutput:
    start = _line(entry)
    end = start + (entry.raw or "").rstrip().count("\n")
    label = f"entry '{entry.key}'"
    if repeated:
        yield IngestIssue(
            builder.display_path,
            start,
            f"{label} repeats the field(s) {', '.join(repeated)}; the first value is used",
        )
    values = {field: fields.get(key) for field, key in columns.items()}
    record, issues = builder.build(
        values,
        start,
        end,
        label=label,
        extra={"bibtex_key": entry.key, "bibtex_type": entry.entry_type},
    )
    yield from issues
    if record is not None:
        yield record


def _failed_block_issues(block: Block, library: Library, display: str) -> ReaderOutput:
    if not isinstance(block, ParsingFailedBlock):
        return  # @string, @preamble, @comment and text between entries
    line = _line(block)
    excerpt = (block.raw or "").strip().splitlines()[0][:_EXCERPT_CHARS] if block.raw else ""
    if isinstance(block, DuplicateBlockKeyBlock):
        first = library.entries_dict.get(block.key) or library.strings_dict.get(block.key)
        where = f" (first used at line {_line(first)})" if first is not None else ""
        kind = "entry" if isinstance(block.ignore_error_block, Entry) else "@string"
        yield IngestIssue(
            display,
            line,
            f"duplicate {kind} key '{block.key}'{where}; this one is skipped",
            "error",
            excerpt=excerpt,
        )
        return
    reason = getattr(block.error, "abort_reason", None) or str(block.error)
    head = _ENTRY_HEAD.match(block.raw or "")
    label = f"entry '{head.group(1)}'" if head else "block"
    yield IngestIssue(
        display,
        line,
        f"{label} cannot be parsed: {' '.join(reason.split())}; skipped",
        "error",
        excerpt=excerpt,
    )


def _line(block: Block) -> int:
    """bibtexparser counts lines from 0; provenance counts from 1."""
    return (block.start_line or 0) + 1


class _DropRecords(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return False


@contextmanager
def _quiet_bibtexparser() -> Iterator[None]:
    logger = logging.getLogger("bibtexparser.splitter")
    drop = _DropRecords()
    logger.addFilter(drop)
    try:
        yield
    finally:
        logger.removeFilter(drop)
