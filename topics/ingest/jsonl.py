"""JSON Lines, and the arXiv metadata snapshot that is written in it.

One JSON object per line, read line by line so that the 4 GB arXiv snapshot
streams. A line that is not valid JSON, or not an object, becomes an error
issue with its line number and the parser's reason; reading goes on.

Objects need not all have the same keys (exporters often omit null fields),
so the mapping is checked against the keys of the first
:data:`MAPPING_SAMPLE` objects rather than against the first one alone: a
mapped key absent from all of them is a typo, not an optional field.

The arXiv snapshot (``arxiv-metadata-oai-snapshot.json``) has a fixed layout::

    {"id": "0704.0001", "authors": "C. Bal\\'azs, E. L. Berger, ...",
     "title": "Calculation of ... at Tevatron and\\n  LHC energies",
     "categories": "hep-ph", "journal-ref": "Phys.Rev.D76:013009,2007",
     "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}, ...],
     "update_date": "2008-11-13", "authors_parsed": [["Balázs", "C.", ""], ...], ...}

Its record date is the day of version 1, the first public appearance.
``update_date`` is the last revision, years later for some papers, so it is
used only when a line has neither versions nor a usable id; with an id and no
versions, :func:`topics.ingest.read_source` dates the record by the id's month.
Names come from ``authors_parsed``, where arXiv has already decoded LaTeX
accents (``Balázs``); the ``authors`` string is the fallback.
"""

from __future__ import annotations

import json
import lzma
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import chain
from pathlib import Path
from typing import IO, Any

from topics.errors import IngestError
from topics.ingest._base import ReaderOutput, ReadOptions, check_text_file, open_text
from topics.ingest._fields import DEFAULT_ALIASES, map_source
from topics.ingest.arxiv_ids import normalize_arxiv_id
from topics.records import IngestIssue

__all__ = ["MAPPING_SAMPLE", "read_arxiv_snapshot", "read_jsonl", "snapshot_fields"]

MAPPING_SAMPLE = 1000
_EXCERPT_CHARS = 120
_READ_ERRORS = (EOFError, lzma.LZMAError, zlib.error, OSError)

_VERSION_DAY = re.compile(r"(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?\s+(\d{4})")
_SPACE_BEFORE_HYPHEN = re.compile(r"\s+-")
_MONTH_NUMBERS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}

# Derived keys added by ``snapshot_fields`` carry the record field's own name,
# so the default aliases find them first; the user's mapping may still name
# any raw snapshot key instead.
_SNAPSHOT_ALIASES: Mapping[str, tuple[str, ...]] = {
    **DEFAULT_ALIASES,
    "arxiv_id": ("arxiv_id", "id"),
    "date": ("date",),
    "venue": ("venue", "journal_ref"),
}

JsonObject = dict[str, Any]
Prepare = Callable[[JsonObject], JsonObject]


def read_jsonl(path: Path, options: ReadOptions) -> ReaderOutput:
    """Read JSON Lines: one object per line, fields chosen by the mapping.

    Parameters
    ----------
    path : Path
        The file, plain or compressed (.gz, .xz, .bz2).
    options : ReadOptions
        ``mapping``: record field -> object key; unmapped fields are found by
        name and common aliases (``summary``, ``published``, ...).

    Yields
    ------
    Record or IngestIssue
        A record per object with an abstract; an error for each line that is
        not a JSON object or has no abstract, naming the line.
    """
    return _read_objects(path, options, parser="jsonl", aliases=DEFAULT_ALIASES, prepare=None)


def read_arxiv_snapshot(path: Path, options: ReadOptions) -> ReaderOutput:
    """Read arXiv's metadata snapshot (``arxiv-metadata-oai-snapshot.json``).

    Parameters
    ----------
    path : Path
        The snapshot, plain or compressed.
    options : ReadOptions
        ``mapping`` may override any field with a raw snapshot key.

    Yields
    ------
    Record or IngestIssue
        Records dated by version 1 (day precision), with the first listed
        category as ``category`` and ``journal-ref`` as ``venue``.
    """
    return _read_objects(
        path, options, parser="arxiv_snapshot", aliases=_SNAPSHOT_ALIASES, prepare=snapshot_fields
    )


def snapshot_fields(obj: JsonObject) -> JsonObject:
    """Add the record fields a snapshot object implies, keeping its own keys.

    Examples
    --------
    >>> fields = snapshot_fields({
    ...     "id": "0704.0001", "categories": "hep-ph hep-ex",
    ...     "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}],
    ...     "authors_parsed": [["Yuan", "C. -P.", ""]]})
    >>> fields["date"], fields["category"], fields["authors"]
    ('2007-04-02', 'hep-ph', ['C.-P. Yuan'])
    """
    fields = dict(obj)
    fields["arxiv_id"] = obj.get("id")
    fields["date"] = _first_version_day(obj.get("versions"))
    if fields["date"] is None and normalize_arxiv_id(obj.get("id")) is None:
        fields["date"] = obj.get("update_date")
    categories = obj.get("categories")
    fields["category"] = (
        categories.split()[0] if isinstance(categories, str) and categories.strip() else None
    )
    fields["venue"] = obj.get("journal-ref")
    parsed = obj.get("authors_parsed")
    fields["authors"] = _parsed_names(parsed) if parsed else obj.get("authors")
    return fields


def _first_version_day(versions: object) -> str | None:
    """``2007-04-02`` from ``[{"version": "v1", "created": "Mon, 2 Apr 2007 ..."}]``."""
    if not isinstance(versions, list) or not versions:
        return None
    first = next(
        (v for v in versions if isinstance(v, dict) and v.get("version") == "v1"), versions[0]
    )
    created = first.get("created") if isinstance(first, dict) else None
    match = _VERSION_DAY.search(created) if isinstance(created, str) else None
    if match is None:
        return created if isinstance(created, str) else None
    day, month, year = match.groups()
    number = _MONTH_NUMBERS.get(month.lower())
    return f"{year}-{number:02d}-{int(day):02d}" if number else created


def _parsed_names(parsed: object) -> list[str] | object:
    """``[["Yuan", "C. -P.", ""]]`` -> ``["C.-P. Yuan"]``; other shapes pass through."""
    if not isinstance(parsed, list):
        return parsed
    names = []
    for item in parsed:
        if not isinstance(item, list) or not item:
            continue
        last, first, suffix = ([str(part or "").strip() for part in item] + ["", ""])[:3]
        first = _SPACE_BEFORE_HYPHEN.sub("-", first)
        name = " ".join(part for part in (first, last, suffix) if part)
        if name:
            names.append(name)
    return names


def _read_objects(
    path: Path,
    options: ReadOptions,
    *,
    parser: str,
    aliases: Mapping[str, tuple[str, ...]],
    prepare: Prepare | None,
) -> ReaderOutput:
    display = options.display_path
    check_text_file(path, display)
    with open_text(path) as text:
        items = _parsed_lines(text.buffer, display, prepare)
        sample = _take_objects(items, MAPPING_SAMPLE)
        keys = _keys_in_order(item for item in sample if not isinstance(item, IngestIssue))
        if not keys:
            yield from sample
            return
        columns, builder = map_source(keys, options, parser, aliases=aliases, noun="key")
        yield from builder.source_issues
        for item in chain(sample, items):
            if isinstance(item, IngestIssue):
                yield item
                continue
            line, obj = item
            values = {field: obj.get(key) for field, key in columns.items()}
            record, issues = builder.build(values, line, line, label="object")
            yield from issues
            if record is not None:
                yield record


def _take_objects(
    items: Iterator[tuple[int, JsonObject] | IngestIssue], count: int
) -> list[tuple[int, JsonObject] | IngestIssue]:
    """The first ``count`` objects and the issues among them; all of it if fewer."""
    taken: list[tuple[int, JsonObject] | IngestIssue] = []
    objects = 0
    for item in items:
        taken.append(item)
        if not isinstance(item, IngestIssue):
            objects += 1
            if objects == count:
                break
    return taken


def _keys_in_order(objects: Iterable[tuple[int, JsonObject]]) -> list[str]:
    seen: dict[str, None] = {}
    for _, obj in objects:
        seen.update(dict.fromkeys(obj))
    return list(seen)


def _parsed_lines(
    raw: IO[bytes], display: str, prepare: Prepare | None
) -> Iterator[tuple[int, JsonObject] | IngestIssue]:
    """``(line, object)`` for each JSON object; an error issue for each bad line.

    Lines are decoded one by one, so that a stray non-UTF-8 byte costs one
    line and is reported at its own line (a text wrapper decodes ahead in
    chunks and would report it lines too early).
    """
    line_number = 0
    started = False
    try:
        for line_number, data in enumerate(raw, start=1):
            try:
                line = data.decode("utf-8").strip()
            except UnicodeDecodeError as exc:
                yield _line_issue(display, line_number, f"not valid UTF-8 ({exc.reason})", data)
                continue
            line = line.removeprefix("\ufeff") if line_number == 1 else line
            if not line:
                continue
            if not started:
                started = True
                _refuse_json_document(line, display, line_number)
            yield _parsed_object(line, line_number, display, prepare)
    except _READ_ERRORS as exc:
        yield IngestIssue(
            display,
            line_number + 1,
            f"the file is truncated or corrupt ({exc}); nothing after this line was read",
            "error",
        )


def _parsed_object(
    line: str, line_number: int, display: str, prepare: Prepare | None
) -> tuple[int, JsonObject] | IngestIssue:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        reason = f"invalid JSON ({exc.msg}, column {exc.colno})"
        return _line_issue(display, line_number, reason, line)
    if not isinstance(obj, dict):
        reason = f"expected a JSON object, got {type(obj).__name__}"
        return _line_issue(display, line_number, reason, line)
    return line_number, prepare(obj) if prepare else obj


def _line_issue(display: str, line: int, reason: str, text: str | bytes) -> IngestIssue:
    excerpt = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return IngestIssue(
        display, line, f"{reason}; line skipped", "error", excerpt=excerpt.strip()[:_EXCERPT_CHARS]
    )


def _refuse_json_document(first_line: str, display: str, line: int) -> None:
    """A pretty-printed JSON array is one document, not one object per line.

    Reading it line by line would report every line as invalid; say what the
    file is instead.
    """
    if first_line in ("[", "{") or (first_line.startswith("[") and not _is_json(first_line)):
        raise IngestError(
            f"{display}:{line}: this is a JSON document spread over several lines, not JSON "
            "Lines (one object per line); convert it, e.g. `jq -c '.[]' in.json > out.jsonl`"
        )


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return False
    return True
