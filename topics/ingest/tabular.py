"""Tables (CSV, TSV, Parquet) and the field mapping every structured reader shares.

A table names its columns; a :class:`~topics.records.Record` names its fields.
``sources[].mapping`` says which column holds which field (``date: created``).
A field left unmapped is looked up by its own name and a few common aliases,
ignoring case (``summary`` for ``abstract``, ``author_text`` for ``authors``).
A mapping that names a column the file lacks fails before any row is read:
reading every date as missing would silently skew every trend.

CSV and TSV are streamed block by block with pyarrow's CSV reader, so a large
dump never sits in memory as Python objects. A record's id points at the
physical line where its row starts, which differs from the row number as soon
as a quoted field spans lines (the 2019 archive's ``comments`` do). That line
is the header's lines plus the lines of every earlier row, a row taking one
line plus the newlines inside its values, which Arrow counts per column.

pyarrow rather than pandas' C parser: both read the 2019 archive in about the
time xz takes to decompress it, but pandas pads a row that has too few fields
with empty values without a word, while pyarrow hands every malformed row to a
callback with its row number and raw text. We report it at its line and keep
counting lines exactly.
"""

from __future__ import annotations

import csv
import lzma
import re
import zlib
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from topics.errors import IngestError
from topics.ingest._base import ReaderOutput, ReadOptions, check_text_file, open_text
from topics.ingest.arxiv_ids import normalize_arxiv_id
from topics.ingest.dates import ReferenceDate, ResolvedDate, parse_date, resolve_date
from topics.records import IngestIssue, Provenance, Record

__all__ = [
    "DEFAULT_ALIASES",
    "MAPPABLE_FIELDS",
    "RecordBuilder",
    "map_source",
    "read_csv",
    "read_parquet",
    "read_tsv",
    "resolve_mapping",
    "split_authors",
]

MAPPABLE_FIELDS: tuple[str, ...] = (
    "abstract",
    "arxiv_id",
    "authors",
    "category",
    "comments",
    "date",
    "doi",
    "keywords",
    "organisations",
    "title",
    "venue",
    "year",
)

# Field -> column names tried when the mapping does not name one, in order,
# compared after case folding. ``update_date`` comes last among the dates: it
# is when a paper was last revised, a fallback for files without anything
# closer to first publication.
DEFAULT_ALIASES: Mapping[str, tuple[str, ...]] = {
    "abstract": ("abstract", "summary", "abstract_text"),
    "title": ("title",),
    "authors": ("authors", "author", "author_text", "author_names"),
    "date": ("date", "created", "published", "publication_date", "update_date"),
    "year": ("year",),
    "category": ("category", "primary_cat", "primary_category", "categories"),
    "venue": ("venue", "journal", "journal_ref", "booktitle"),
    "arxiv_id": ("arxiv_id", "arxivid", "arxiv", "eprint"),
    "doi": ("doi",),
    "comments": ("comments", "comment"),
    "keywords": ("keywords", "keyword", "tags"),
    "organisations": ("organisations", "organizations", "affiliations"),
}

_BLOCK_BYTES = 4 << 20
_PARQUET_BATCH_ROWS = 8192
_MAX_LISTED_COLUMNS = 40
_EXCERPT_CHARS = 120
_READ_ERRORS = (pa.ArrowInvalid, EOFError, lzma.LZMAError, zlib.error, OSError)
_ARROW_ROW = re.compile(r"Row #(\d+)")

_FOLD = re.compile(r"[\s\-]+")
_ISO_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]\d.*$")
_AUTHOR_SEPARATOR = re.compile(r"\s*(?:,\s*and\s+|,\s*&\s*|,|\s+and\s+|\s+&\s+)\s*")
_NAME_SUFFIX = re.compile(r"^(?:Jr|Sr|II|III|IV)\.?$", re.IGNORECASE)
_PARENTHESISED = re.compile(r"\s*\((?:[^()]|\([^()]*\))*\)")
_ITEM_SEPARATOR = re.compile(r"\s*[;,]\s*")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_LIST_SEPARATOR = re.compile(r"[\s,]+")


def _fold(name: str) -> str:
    """``Journal-Ref`` and ``journal_ref`` name the same column."""
    return _FOLD.sub("_", name.strip().lower())


def resolve_mapping(
    available: Sequence[str],
    mapping: Mapping[str, str],
    display_path: str,
    *,
    aliases: Mapping[str, tuple[str, ...]] = DEFAULT_ALIASES,
    noun: str = "column",
) -> dict[str, str]:
    """Decide which source column feeds each record field.

    Parameters
    ----------
    available : sequence of str
        Column (or field) names present in the source.
    mapping : mapping of str to str
        ``sources[].mapping`` from the config: record field -> column name.
        Names are matched exactly first, then ignoring case.
    display_path : str
        File name used in error messages.
    aliases : mapping of str to tuple of str, default=DEFAULT_ALIASES
        Names tried, in order, for fields the mapping leaves out.
    noun : str, default="column"
        What the source calls its names, for messages ("column", "field").

    Returns
    -------
    dict of str to str
        Record field -> name in ``available``. Always contains ``abstract``.

    Raises
    ------
    IngestError
        If the mapping uses an unknown field or names a column that is not
        in ``available``, or if no column holds the abstract.
    """
    unknown = sorted(set(mapping) - set(MAPPABLE_FIELDS))
    if unknown:
        keys = ", ".join(f"sources[].mapping.{key}" for key in unknown)
        raise IngestError(
            f"{display_path}: {keys}: not a record field; fields that can be mapped: "
            f"{', '.join(MAPPABLE_FIELDS)}"
        )
    by_fold: dict[str, str] = {}
    for name in available:
        by_fold.setdefault(_fold(name), name)
    resolved: dict[str, str] = {}
    missing: list[tuple[str, str]] = []
    for field, name in mapping.items():
        found = name if name in available else by_fold.get(_fold(name))
        if found is None:
            missing.append((field, name))
        else:
            resolved[field] = found
    if missing:
        wanted = ", ".join(f"{name!r} (sources[].mapping.{field})" for field, name in missing)
        raise IngestError(
            f"{display_path}: the mapping names {noun}s that are not in the file: {wanted}; "
            f"{noun}s in the file: {_list_names(available)}"
        )
    for field, names in aliases.items():
        if field not in resolved:
            found = next((by_fold[alias] for alias in names if alias in by_fold), None)
            if found is not None:
                resolved[field] = found
    if "abstract" not in resolved:
        tried = ", ".join(aliases.get("abstract", ()))
        raise IngestError(
            f"{display_path}: no abstract {noun}: none of {tried} is present; set "
            f"sources[].mapping.abstract to one of the {noun}s in the file: "
            f"{_list_names(available)}"
        )
    return resolved


def _list_names(names: Sequence[str]) -> str:
    shown = ", ".join(repr(name) for name in names[:_MAX_LISTED_COLUMNS])
    more = len(names) - _MAX_LISTED_COLUMNS
    return f"{shown} and {more} more" if more > 0 else shown


def split_authors(text: str) -> tuple[str, ...]:
    """Split an author string into names.

    Handles the arXiv form ``"A, B and C"`` (also with an Oxford comma or
    ``&``), and the reference-manager form ``"Last, First; Last, First"``,
    which becomes ``First Last``. Parenthesised affiliations are dropped and
    a trailing ``Jr.`` stays with its name.

    Examples
    --------
    >>> split_authors("Donald E. Knuth, C. Gordon Bell and Jim Gray")
    ('Donald E. Knuth', 'C. Gordon Bell', 'Jim Gray')
    >>> split_authors("Vaswani, Ashish; Shazeer, Noam")
    ('Ashish Vaswani', 'Noam Shazeer')
    """
    if "(" in text:
        text = _PARENTHESISED.sub("", text)
    text = " ".join(text.split()).strip(" ,;")
    if not text:
        return ()
    if ";" in text:
        parts = [part.strip(" ,") for part in text.split(";")]
        parts = [part for part in parts if part]
        if all(part.count(",") == 1 for part in parts):
            return tuple(_first_name_first(part) for part in parts)
        text = ", ".join(parts)
    names: list[str] = []
    for part in _AUTHOR_SEPARATOR.split(text):
        if not part:
            continue
        if names and _NAME_SUFFIX.match(part):
            names[-1] = f"{names[-1]} {part}"
        else:
            names.append(part)
    return tuple(names)


def _first_name_first(name: str) -> str:
    last, first = (piece.strip() for piece in name.split(","))
    return f"{first} {last}".strip()


def _text(value: object) -> str:
    """A value as stripped text; missing and non-text values become ``""``."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "" if value != value else str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, date):
        return value.isoformat()[:10]
    return ""


def _names(value: object) -> tuple[str, ...]:
    """Authors from a string, a list of names, or parsed ``[last, first, suffix]`` lists."""
    if isinstance(value, str):
        return split_authors(value)
    if not isinstance(value, list | tuple):
        return ()
    names: list[str] = []
    for item in value:
        if isinstance(item, str):
            name = " ".join(item.split())
        elif isinstance(item, dict):
            name = " ".join(_text(item.get("name")).split())
        elif isinstance(item, list | tuple) and item:
            last, first, *rest = [_text(part) for part in item] + [""]
            name = " ".join(part for part in (first, last, *rest[:1]) if part)
        else:
            name = ""
        if name:
            names.append(name)
    return tuple(names)


def _items(value: object) -> tuple[str, ...]:
    if not value:
        return ()
    if isinstance(value, list | tuple):
        return tuple(text for item in value if (text := _text(item)))
    return tuple(item for item in _ITEM_SEPARATOR.split(_text(value)) if item)


def _doi(value: object) -> str | None:
    return _DOI_PREFIX.sub("", _text(value)) or None


@dataclass(frozen=True, slots=True)
class _DateLookup:
    resolved: ResolvedDate | None
    problem: str | None


class RecordBuilder:
    """Turns the mapped values of one row, object or entry into a :class:`Record`.

    Every structured reader maps its source onto record fields and leaves the
    rest here, so that ids, dates, authors and issues mean the same in every
    format. Dates are resolved once per distinct text: a large table repeats
    the same few thousand days.

    Parameters
    ----------
    columns : mapping of str to str
        From :func:`resolve_mapping`: record field -> source name. Used to
        name the source in messages and to know that a ``categories`` list
        holds the primary category first.
    display_path : str
        File name for ids, provenance and issues.
    parser : str
        Reader name recorded in provenance.
    reference_date : datetime.date or None, default=None
        Resolves dates printed without a year (``sources[].reference_date``).
    noun : str, default="column"
        What the source calls its names, for messages.
    """

    def __init__(
        self,
        columns: Mapping[str, str],
        *,
        display_path: str,
        parser: str,
        reference_date: date | None = None,
        noun: str = "column",
    ) -> None:
        self.columns = dict(columns)
        self.display_path = display_path
        self.parser = parser
        self.noun = noun
        self._reference = ReferenceDate(reference_date, "config") if reference_date else None
        self._first_category = _fold(self.columns.get("category", "")) == "categories"
        self._dates: dict[str, _DateLookup] = {}

    def build(
        self,
        values: Mapping[str, object],
        line_start: int,
        line_end: int,
        *,
        label: str = "row",
        extra: Mapping[str, str] | None = None,
    ) -> tuple[Record | None, list[IngestIssue]]:
        """Build one record from field -> raw value.

        Parameters
        ----------
        values : mapping of str to object
            Raw values by record field: text, numbers, dates or lists.
        line_start, line_end : int
            1-based lines (or row numbers) the record spans in the source.
        label : str, default="row"
            How messages name the item, e.g. ``"entry 'vaswani2017'"``.
        extra : mapping of str to str, optional
            Stored in ``Record.extra``.

        Returns
        -------
        record : Record or None
            None when the item has no abstract: it is then reported as an error.
        issues : list of IngestIssue
            Warnings about kept data (unreadable date, invalid arXiv id), or
            the error that explains a missing record.
        """
        issues: list[IngestIssue] = []
        abstract = _text(values.get("abstract"))
        title = " ".join(_text(values.get("title")).split())
        if not abstract:
            where = f"{self.noun} {self.columns['abstract']!r}"
            issues.append(
                IngestIssue(
                    self.display_path,
                    line_start,
                    f"{label} has no abstract ({where} is empty or missing); skipped",
                    "error",
                    excerpt=title[:_EXCERPT_CHARS],
                )
            )
            return None, issues
        when = self._date(values, line_start, issues)
        record = Record(
            id=f"{self.display_path}:{line_start}",
            abstract=abstract,
            provenance=Provenance(self.display_path, line_start, line_end, self.parser),
            title=title,
            authors=_names(values.get("authors")),
            organisations=_items(values.get("organisations")),
            date=when.iso if when else None,
            date_precision=when.precision if when else None,
            year=when.year if when else None,
            date_resolution=when.resolution if when else None,
            category=self._category(values.get("category")),
            venue=" ".join(_text(values.get("venue")).split()) or None,
            arxiv_id=self._arxiv_id(values.get("arxiv_id"), line_start, issues),
            doi=_doi(values.get("doi")),
            comments=_text(values.get("comments")) or None,
            keywords=_items(values.get("keywords")),
            extra=dict(extra) if extra else {},
        )
        return record, issues

    def _date(
        self, values: Mapping[str, object], line: int, issues: list[IngestIssue]
    ) -> ResolvedDate | None:
        field = "date"
        raw = _text(values.get("date"))
        if not raw:
            field, raw = "year", _text(values.get("year"))
            if not raw:
                return None
        lookup = self._dates.get(raw)
        if lookup is None:
            lookup = self._dates[raw] = self._lookup_date(raw)
        if lookup.problem:
            where = f"{self.noun} {self.columns.get(field, field)!r}"
            issues.append(
                IngestIssue(
                    self.display_path,
                    line,
                    f"{lookup.problem} in {where}; record kept without a date",
                    "warning",
                    excerpt=raw[:_EXCERPT_CHARS],
                )
            )
        return lookup.resolved

    def _lookup_date(self, raw: str) -> _DateLookup:
        parsed = parse_date(_ISO_DATETIME.sub(r"\1", raw))
        if parsed is None:
            return _DateLookup(None, "unreadable date")
        resolved = resolve_date(parsed, self._reference)
        if resolved is None:
            return _DateLookup(None, "date without a year and no sources[].reference_date")
        return _DateLookup(resolved, None)

    def _category(self, value: object) -> str | None:
        text = _text(value)
        if self._first_category and text:
            text = _LIST_SEPARATOR.split(text)[0]
        return text or None

    def _arxiv_id(self, value: object, line: int, issues: list[IngestIssue]) -> str | None:
        raw = _text(value)
        if not raw:
            return None
        arxiv_id = normalize_arxiv_id(raw)
        if arxiv_id is None:
            where = f"{self.noun} {self.columns.get('arxiv_id', 'arxiv_id')!r}"
            issues.append(
                IngestIssue(
                    self.display_path,
                    line,
                    f"not an arXiv id in {where}; record kept without one",
                    excerpt=raw[:_EXCERPT_CHARS],
                )
            )
        return arxiv_id


def map_source(
    available: Sequence[str],
    options: ReadOptions,
    parser: str,
    *,
    aliases: Mapping[str, tuple[str, ...]] = DEFAULT_ALIASES,
    noun: str = "column",
) -> tuple[dict[str, str], RecordBuilder]:
    """Resolve a source's names against the config and make the record builder for them.

    Every structured reader needs both, from the same options; doing it in one
    place keeps the mapping and the builder's messages naming the source's
    names with the same ``noun``.

    Parameters
    ----------
    available : sequence of str
        Column (or field, or key) names present in the source.
    options : ReadOptions
        ``mapping``, ``display_path`` and ``reference_date`` are used.
    parser : str
        Reader name recorded in provenance.
    aliases : mapping of str to tuple of str, default=DEFAULT_ALIASES
        Passed to :func:`resolve_mapping`.
    noun : str, default="column"
        What the source calls its names, for messages.

    Returns
    -------
    columns : dict of str to str
        Record field -> source name, from :func:`resolve_mapping`.
    builder : RecordBuilder
        Builds records from values mapped with ``columns``.
    """
    display = options.display_path
    columns = resolve_mapping(available, options.mapping, display, aliases=aliases, noun=noun)
    builder = RecordBuilder(
        columns,
        display_path=display,
        parser=parser,
        reference_date=options.reference_date,
        noun=noun,
    )
    return columns, builder


def read_csv(path: Path, options: ReadOptions) -> ReaderOutput:
    """Read a comma-separated file (plain, .gz, .xz or .bz2) with a header row.

    Parameters
    ----------
    path : Path
        The file.
    options : ReadOptions
        ``mapping`` picks the columns, ``delimiter`` overrides ``,``.

    Yields
    ------
    Record or IngestIssue
        One record per row with an abstract; an issue for every row that
        has no abstract or the wrong number of fields, naming its line.
    """
    return _read_delimited(path, options, default_delimiter=",", parser="csv")


def read_tsv(path: Path, options: ReadOptions) -> ReaderOutput:
    """Read a tab-separated file; see :func:`read_csv`.

    The 2019 arXiv archive is such a file: xz-compressed, quoted fields that
    span lines, and a first column without a name (a pandas index).
    """
    return _read_delimited(path, options, default_delimiter="\t", parser="tsv")


@dataclass(frozen=True, slots=True)
class _SkippedRow:
    """A row the CSV parser rejected: wrong number of fields."""

    number: int
    text: str
    fields: int
    expected: int

    @property
    def lines(self) -> int:
        return 1 + self.text.count("\n")


class _LineTracker:
    """Physical start line of each row, from the lines of all rows before it.

    Arrow numbers rows (header = 1, blank lines included) but not lines, so
    rows are counted here: a row takes one line plus the newlines in its
    values, a rejected row one line plus the newlines in its raw text.
    """

    def __init__(self, header_lines: int) -> None:
        self.next_row = 2
        self.next_line = header_lines + 1

    def place(
        self, newlines: np.ndarray, pending: deque[_SkippedRow]
    ) -> tuple[np.ndarray, list[tuple[int, _SkippedRow]]]:
        """Start lines of one batch's rows, and of the rejected rows among them.

        Rejected rows are taken from the front of ``pending`` while they come
        before the batch's last row; later ones stay for the next batch.
        """
        count = len(newlines)
        numbers = self.next_row + np.arange(count, dtype=np.int64)
        taken: list[_SkippedRow] = []
        while pending and count and pending[0].number <= numbers[-1]:
            row = pending.popleft()
            numbers[numbers >= row.number] += 1
            taken.append(row)
        lines_before_row = _cumulative(newlines + 1)
        lines_before_skip = _cumulative(np.array([row.lines for row in taken], dtype=np.int64))
        skipped_before = np.searchsorted(np.array([row.number for row in taken]), numbers)
        starts = self.next_line + lines_before_row[:-1] + lines_before_skip[skipped_before]
        placed = [
            (
                int(
                    self.next_line
                    + lines_before_row[np.searchsorted(numbers, row.number)]
                    + lines_before_skip[j]
                ),
                row,
            )
            for j, row in enumerate(taken)
        ]
        self.next_line += int(lines_before_row[-1] + lines_before_skip[-1])
        if count:
            self.next_row = int(numbers[-1]) + 1
        return starts, placed

    def place_rest(self, pending: deque[_SkippedRow]) -> list[tuple[int, _SkippedRow]]:
        """Rejected rows after the last good row."""
        placed = []
        while pending:
            row = pending.popleft()
            placed.append((self.next_line, row))
            self.next_line += row.lines
        return placed


def _cumulative(counts: np.ndarray) -> np.ndarray:
    """``out[i]`` = sum of ``counts[:i]``, for ``i`` in ``0..len(counts)``."""
    out = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=out[1:])
    return out


def _read_delimited(
    path: Path, options: ReadOptions, *, default_delimiter: str, parser: str
) -> ReaderOutput:
    display = options.display_path
    delimiter = options.delimiter or default_delimiter
    if len(delimiter) != 1:
        raise IngestError(
            f"{display}: sources[].delimiter must be one character, got {delimiter!r}"
        )
    check_text_file(path, display)
    header = _read_header(path, delimiter, display)
    columns, builder = map_source(header, options, parser)
    indices = {field: header.index(name) for field, name in columns.items()}
    first_line = 2 + sum(name.count("\n") for name in header)
    tracker = _LineTracker(header_lines=first_line - 1)
    pending: deque[_SkippedRow] = deque()

    def reject(row: pa_csv.InvalidRow) -> Literal["skip"]:
        number = row.number if row.number is not None else tracker.next_row
        pending.append(_SkippedRow(number, row.text, row.actual_columns, row.expected_columns))
        return "skip"

    with open_text(path) as text:
        batches = _open_csv_stream(text.buffer, header, delimiter, reject, display, tracker)
        for batch in _with_location(batches, display, tracker):
            newlines, blank = _newlines_and_blanks(batch)
            starts, skipped = tracker.place(newlines, pending)
            yield from (_skipped_issue(display, line, row) for line, row in skipped)
            yield from _batch_records(batch, indices, builder, starts, newlines, blank)
    yield from (_skipped_issue(display, line, row) for line, row in tracker.place_rest(pending))
    if tracker.next_line == first_line:
        yield IngestIssue(display, None, "no rows after the header")


def _read_header(path: Path, delimiter: str, display: str) -> list[str]:
    """The header row, read with the csv module so that quoted names may span lines."""
    with open_text(path) as text:
        try:
            header = next(csv.reader(text, delimiter=delimiter), None)
        except csv.Error as exc:
            raise IngestError(f"{display}:1: cannot read the header row ({exc})") from exc
    if not header or not any(name.strip() for name in header):
        raise IngestError(f"{display}:1: the first line must be a header row naming the columns")
    return header


def _open_csv_stream(
    raw: IO[bytes],
    header: list[str],
    delimiter: str,
    reject: Callable[[pa_csv.InvalidRow], str],
    display: str,
    tracker: _LineTracker,
) -> pa_csv.CSVStreamingReader:
    try:
        reader = pa_csv.open_csv(
            raw,
            read_options=pa_csv.ReadOptions(block_size=_BLOCK_BYTES, use_threads=False),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter,
                newlines_in_values=True,
                ignore_empty_lines=False,
                invalid_row_handler=reject,
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except _READ_ERRORS as exc:
        raise _read_error(exc, display, tracker) from exc
    if reader.schema.names != header:
        raise IngestError(
            f"{display}:1: the header could not be read consistently: the csv module found "
            f"{len(header)} columns, Arrow {len(reader.schema.names)}; check the quoting"
        )
    return reader


def _with_location(
    batches: pa_csv.CSVStreamingReader, display: str, tracker: _LineTracker
) -> Iterator[pa.RecordBatch]:
    """The batches, with a failure turned into an error that says where it happened."""
    iterator = iter(batches)
    while True:
        try:
            batch = next(iterator)
        except StopIteration:
            return
        except _READ_ERRORS as exc:
            raise _read_error(exc, display, tracker) from exc
        yield batch


def _read_error(exc: Exception, display: str, tracker: _LineTracker) -> IngestError:
    """Arrow names a bad row by its number, not its line; say which one it gives."""
    if isinstance(exc, pa.ArrowInvalid):
        row = _ARROW_ROW.search(str(exc))
        if "UTF8" in str(exc):
            where = f"in row {row.group(1)} (the header is row 1)" if row else "in the file"
            return IngestError(f"{display}: not valid UTF-8 {where}; re-encode the file as UTF-8")
        return IngestError(
            f"{display}:{tracker.next_line}: cannot read the rows from this line on ({exc})"
        )
    # Arrow reads ahead, so the failure surfaces some blocks after the rows yielded so far.
    return IngestError(
        f"{display}: the file is truncated or corrupt ({exc}); rows after line "
        f"{tracker.next_line - 1} were not read"
    )


def _newlines_and_blanks(batch: pa.RecordBatch) -> tuple[np.ndarray, np.ndarray]:
    """Newlines inside each row's values, and which rows are blank lines."""
    newlines = np.zeros(batch.num_rows, dtype=np.int64)
    lengths = np.zeros(batch.num_rows, dtype=np.int64)
    for column in batch.columns:
        newlines += pc.count_substring(column, "\n").to_numpy(zero_copy_only=False)
        lengths += pc.binary_length(column).to_numpy(zero_copy_only=False)
    return newlines, lengths == 0


def _batch_records(
    batch: pa.RecordBatch,
    indices: Mapping[str, int],
    builder: RecordBuilder,
    starts: np.ndarray,
    newlines: np.ndarray,
    blank: np.ndarray,
) -> ReaderOutput:
    fields = list(indices)
    columns = [batch.column(indices[field]).to_pylist() for field in fields]
    rows = zip(starts.tolist(), (starts + newlines).tolist(), blank.tolist(), *columns, strict=True)
    for start, end, is_blank, *values in rows:
        if is_blank:
            continue
        record, issues = builder.build(dict(zip(fields, values, strict=True)), start, end)
        yield from issues
        if record is not None:
            yield record


def _skipped_issue(display: str, line: int, row: _SkippedRow) -> IngestIssue:
    hint = " (an unclosed quote may have joined it to the lines after it)" if row.lines > 1 else ""
    return IngestIssue(
        display,
        line,
        f"row has {row.fields} fields but the header has {row.expected}{hint}; row skipped",
        "error",
        excerpt=row.text[:_EXCERPT_CHARS],
    )


def read_parquet(path: Path, options: ReadOptions) -> ReaderOutput:
    """Read a Parquet file batch by batch; "line" is the 1-based row number.

    Parameters
    ----------
    path : Path
        The file.
    options : ReadOptions
        ``mapping`` picks the columns. Only mapped columns are read.

    Yields
    ------
    Record or IngestIssue
    """
    display = options.display_path
    if not path.is_file():
        raise IngestError(f"{display}: file not found")
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise IngestError(f"{display}: not a readable Parquet file ({exc})") from exc
    with parquet:
        names = parquet.schema_arrow.names
        columns, builder = map_source(names, options, "parquet")
        wanted = sorted(set(columns.values()))
        row = 0
        batches = parquet.iter_batches(batch_size=_PARQUET_BATCH_ROWS, columns=wanted)
        for batch in _parquet_batches(batches, display):
            values = {name: batch.column(name).to_pylist() for name in wanted}
            for i in range(batch.num_rows):
                row += 1
                mapped = {field: values[name][i] for field, name in columns.items()}
                record, issues = builder.build(mapped, row, row)
                yield from issues
                if record is not None:
                    yield record
    if row == 0:
        yield IngestIssue(display, None, "no rows")


def _parquet_batches(batches: Iterator[pa.RecordBatch], display: str) -> Iterator[pa.RecordBatch]:
    """The batches, with a damaged row group turned into an error after the rows read."""
    rows = 0
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except (pa.ArrowException, OSError) as exc:
            raise IngestError(f"{display}: cannot read the rows after row {rows} ({exc})") from exc
        rows += batch.num_rows
        yield batch
