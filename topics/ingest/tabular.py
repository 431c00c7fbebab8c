"""Tables: CSV, TSV and Parquet.

Columns are mapped onto record fields by :mod:`topics.ingest._fields`, which
every structured reader shares; this module only reads the rows.

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

import contextlib
import csv
import heapq
import io
import lzma
import re
import zlib
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from topics.errors import IngestError
from topics.ingest._base import (
    TRUNCATION_ERRORS,
    ReaderOutput,
    ReadOptions,
    TruncationTolerant,
    check_text_file,
    is_compressed,
    open_text,
)
from topics.ingest._fields import RecordBuilder, map_source
from topics.records import IngestIssue, Record

__all__ = ["column_names", "read_csv", "read_parquet", "read_tsv"]

_BLOCK_BYTES = 4 << 20
_PARQUET_BATCH_ROWS = 8192
_EXCERPT_CHARS = 120
_READ_ERRORS = (pa.ArrowInvalid, EOFError, lzma.LZMAError, zlib.error, OSError)
_ARROW_ROW = re.compile(r"Row #(\d+)")


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
    yield from builder.source_issues
    indices = {field: header.index(name) for field, name in columns.items()}
    first_line = 2 + sum(name.count("\n") for name in header)
    tracker = _LineTracker(header_lines=first_line - 1)
    pending: deque[_SkippedRow] = deque()

    def reject(row: pa_csv.InvalidRow) -> Literal["skip"]:
        number = row.number if row.number is not None else tracker.next_row
        pending.append(_SkippedRow(number, row.text, row.actual_columns, row.expected_columns))
        return "skip"

    recheck = _QuoteRecheck(path, len(header), delimiter, indices, builder, display)
    with open_text(path) as text, contextlib.closing(recheck):
        stream = TruncationTolerant(text.buffer) if is_compressed(path) else None
        raw = text.buffer if stream is None else io.BufferedReader(stream, _BLOCK_BYTES)
        batches = _open_csv_stream(raw, header, delimiter, reject, display, tracker)
        held: Record | None = None  # the latest record, held back in case a cut shortened it
        for batch in _with_location(batches, display, tracker):
            newlines, blank = _newlines_and_blanks(batch)
            starts, skipped = tracker.place(newlines, pending)
            rejected = [item for line, row in skipped for item in recheck.skipped(line, row)]
            rows = _batch_records(
                batch, indices, builder, starts, newlines, blank, _quote_suspects(batch), recheck
            )
            # In file order: a row recovered from a rejected one goes where its line is.
            for item in heapq.merge(rejected, rows, key=_line_of):
                if isinstance(item, Record):
                    item, held = held, item
                if item is not None:
                    yield item
    rest = tracker.place_rest(pending)
    if held is not None:
        last_row = not rest and held.provenance.line_end == tracker.next_line - 1
        if stream is not None and stream.ended_mid_line and last_row:
            yield _cut_row_issue(display, held)
        else:
            yield held
    for line, row in rest:
        yield from recheck.skipped(line, row)
    if stream is not None and stream.error is not None:
        yield IngestIssue(
            display,
            tracker.next_line,
            f"the file is truncated or corrupt ({stream.error}); the rows before this line "
            "were kept, nothing from it on could be read",
            "error",
        )
    elif tracker.next_line == first_line:
        yield IngestIssue(display, None, "no rows after the header")


def _line_of(item: Record | IngestIssue) -> int:
    if isinstance(item, Record):
        return item.provenance.line_start
    return item.line or 0


def _cut_row_issue(display: str, record: Record) -> IngestIssue:
    return IngestIssue(
        display,
        record.provenance.line_start,
        "row cut short where the file is truncated; row skipped",
        "error",
        excerpt=(record.title or record.abstract)[:_EXCERPT_CHARS],
    )


def column_names(path: Path, fmt: str, delimiter: str | None, display: str) -> list[str]:
    """The column names of a CSV, TSV or Parquet file, without reading its rows.

    For ``topics validate``, which checks a source's mapping against them.
    """
    if fmt == "parquet":
        try:
            return list(pq.ParquetFile(path).schema_arrow.names)
        except (pa.ArrowInvalid, OSError) as exc:
            raise IngestError(f"{display}: not a readable Parquet file ({exc})") from exc
    check_text_file(path, display)
    return _read_header(path, delimiter or ("," if fmt == "csv" else "\t"), display)


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


@dataclass(frozen=True, slots=True)
class _Suspect:
    """A row spanning lines with a quote inside after a newline: maybe two rows joined."""

    start: int
    end: int
    values: dict[str, object]


# A quote opened by mistake at the start of a field is closed by the next
# row's opening quote (``"Bad,...\n"Next",...``), and the lenient parser then
# keeps that row's first value and its closing quote in the bad field. The
# joined row can have the right number of fields; what betrays it is a value
# that spans lines and ends in a quote with no partner (an odd number of
# them). Legitimate values rarely look so (the 2019 archive has none), and a
# suspect is only checked, never dropped on suspicion.
def _quote_suspects(batch: pa.RecordBatch) -> np.ndarray:
    """Rows of ``batch`` with a value that may hold a row joined to it by a stray quote."""
    suspect = np.zeros(batch.num_rows, dtype=bool)
    for column in batch.columns:
        ends = pc.and_(pc.ends_with(column, '"'), pc.match_substring(column, "\n"))
        if not pc.any(ends).as_py():
            continue
        odd = pc.equal(pc.bit_wise_and(pc.count_substring(column, '"'), 1), 1)
        suspect |= pc.and_(ends, odd).to_numpy(zero_copy_only=False).astype(bool)
    return suspect


def _batch_records(
    batch: pa.RecordBatch,
    indices: Mapping[str, int],
    builder: RecordBuilder,
    starts: np.ndarray,
    newlines: np.ndarray,
    blank: np.ndarray,
    suspect: np.ndarray,
    recheck: _QuoteRecheck,
) -> ReaderOutput:
    """The rows' records; suspect rows are checked against the file's lines first."""
    fields = list(indices)
    columns = [batch.column(indices[field]).to_pylist() for field in fields]
    rows = zip(
        starts.tolist(),
        (starts + newlines).tolist(),
        blank.tolist(),
        suspect.tolist(),
        *columns,
        strict=True,
    )
    for start, end, is_blank, is_suspect, *values in rows:
        if is_blank:
            continue
        mapped = dict(zip(fields, values, strict=True))
        if is_suspect:
            yield from recheck(_Suspect(start, end, mapped))
            continue
        record, issues = builder.build(mapped, start, end)
        yield from issues
        if record is not None:
            yield record


class _QuoteRecheck:
    """Read a suspect row's lines again, strictly: keep a real row, split a joined one.

    Only files with suspect rows pay for this second read, which moves forward
    through the file with the parser and stops at the last suspect line. A
    row whose lines parse strictly as one row is kept as read; otherwise each
    of its lines is read on its own: the line whose quote is never closed is
    reported, and the rows it swallowed are kept.
    """

    def __init__(
        self,
        path: Path,
        n_columns: int,
        delimiter: str,
        indices: Mapping[str, int],
        builder: RecordBuilder,
        display: str,
    ) -> None:
        self.path, self.n_columns, self.delimiter = path, n_columns, delimiter
        self.indices, self.builder, self.display = indices, builder, display
        self._text: IO[str] | None = None
        self._lines: Iterator[str] = iter(())
        self._line = 0

    def __call__(self, suspect: _Suspect) -> ReaderOutput:
        raw = self._read(suspect.start, suspect.end)
        if _strict_rows("".join(raw), self.delimiter) == [self.n_columns]:
            yield from self._build(suspect.values, suspect.start, suspect.end)
            return
        for number, text in enumerate(raw, start=suspect.start):
            row = _strict_row(text, self.delimiter, self.n_columns)
            if row is not None:
                mapped = {field: row[index] for field, index in self.indices.items()}
                yield from self._build(mapped, number, number)
                continue
            yield IngestIssue(
                self.display,
                number,
                f"a quote opened on this line is not closed on it and joined the lines after "
                f"it (to line {suspect.end}) into one row; this line's row skipped, the lines "
                "after it read on their own",
                "error",
                excerpt=text[:_EXCERPT_CHARS],
            )

    def skipped(self, line: int, row: _SkippedRow) -> ReaderOutput:
        """A row with the wrong number of fields: one error, unless it is rows a quote joined.

        When a quote left open on the row's first line took the next lines in,
        and each of those lines is a whole row on its own, they are kept and
        only the first line is reported; anything less certain stays one error.
        """
        parts = row.text.split("\n")
        rows = [_strict_row(part, self.delimiter, self.n_columns) for part in parts]
        if len(parts) < 2 or rows[0] is not None or any(r is None for r in rows[1:]):
            yield _skipped_issue(self.display, line, row)
            return
        yield IngestIssue(
            self.display,
            line,
            f"a quote opened on this line is not closed on it and joined the lines after it "
            f"(to line {line + len(parts) - 1}) into one row; this line's row skipped, the "
            "lines after it read on their own",
            "error",
            excerpt=parts[0][:_EXCERPT_CHARS],
        )
        for number, fields in enumerate(rows[1:], start=line + 1):
            assert fields is not None
            mapped = {field: fields[index] for field, index in self.indices.items()}
            yield from self._build(mapped, number, number)

    def _build(self, values: Mapping[str, object], start: int, end: int) -> ReaderOutput:
        record, issues = self.builder.build(values, start, end)
        yield from issues
        if record is not None:
            yield record

    def _read(self, start: int, end: int) -> list[str]:
        """Lines ``start..end`` (1-based, newline kept), reading on from the last call."""
        if self._text is None:
            self._text = open_text(self.path)
            self._lines = _physical_lines(self._text)
        found = []
        with contextlib.suppress(*TRUNCATION_ERRORS):
            while self._line < end:
                line = next(self._lines, None)
                if line is None:
                    break
                self._line += 1
                if self._line >= start:
                    found.append(line)
        return found

    def close(self) -> None:
        if self._text is not None:
            self._text.close()


def _physical_lines(text: IO[str]) -> Iterator[str]:
    """Lines split at ``\\n`` only, as the parser counts them (a lone ``\\r`` is not one)."""
    rest = ""
    while chunk := text.read(1 << 16):
        parts = (rest + chunk).split("\n")
        rest = parts.pop()
        yield from (part + "\n" for part in parts)
    if rest:
        yield rest


def _strict_rows(text: str, delimiter: str) -> list[int] | None:
    """Field counts of the rows in ``text`` under strict CSV rules; None if it breaks them."""
    try:
        return [len(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)]
    except csv.Error:
        return None


def _strict_row(text: str, delimiter: str, n_columns: int) -> list[str] | None:
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter, strict=True))
    except csv.Error:
        return None
    return rows[0] if len(rows) == 1 and len(rows[0]) == n_columns else None


def _skipped_issue(display: str, line: int, row: _SkippedRow) -> IngestIssue:
    hint = (
        f" (an unclosed quote may have joined lines {line}-{line + row.lines - 1} into it; "
        "each of them is lost)"
        if row.lines > 1
        else ""
    )
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
        yield from builder.source_issues
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
