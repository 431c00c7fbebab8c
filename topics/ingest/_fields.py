"""Field mapping and record building, shared by every structured reader.

A table names its columns; a :class:`~topics.records.Record` names its fields.
``sources[].mapping`` says which column holds which field (``date: created``).
A field left unmapped is looked up by its own name and a few common aliases,
ignoring case (``summary`` for ``abstract``, ``author_text`` for ``authors``).
A mapping that names a column the file lacks fails before any row is read:
reading every date as missing would silently skew every trend.

The CSV, TSV, Parquet, JSON Lines and BibTeX readers all map their source
with :func:`map_source` and hand the mapped values to :class:`RecordBuilder`,
so that ids, dates, authors and issues mean the same in every format.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from topics.config.schema import MAPPABLE_FIELDS
from topics.errors import IngestError
from topics.ingest._base import ReadOptions
from topics.ingest.arxiv_ids import normalize_arxiv_id
from topics.ingest.dates import ReferenceDate, ResolvedDate, parse_date, resolve_date
from topics.records import IngestIssue, Provenance, Record

__all__ = [
    "DEFAULT_ALIASES",
    "MAPPABLE_FIELDS",
    "RecordBuilder",
    "map_source",
    "resolve_mapping",
    "split_authors",
]


# Field -> column names tried when the mapping does not name one, in order,
# compared after case folding. ``update_date`` comes last among the dates: it
# is when a paper was last revised, a fallback for files without anything
# closer to first publication.
DEFAULT_ALIASES: Mapping[str, tuple[str, ...]] = {
    "abstract": ("abstract", "summary", "abstract_text"),
    "title": ("title",),
    "authors": ("authors", "author", "author_text", "author_names"),
    "date": ("date", "created", "published", "publication_date", "update_date"),
    "year": ("year", "publication_year", "pub_year"),
    "category": ("category", "primary_cat", "primary_category", "categories"),
    "venue": ("venue", "journal", "journal_ref", "booktitle"),
    "arxiv_id": ("arxiv_id", "arxivid", "arxiv", "eprint"),
    "doi": ("doi",),
    "comments": ("comments", "comment"),
    "keywords": ("keywords", "keyword", "tags"),
    "organisations": ("organisations", "organizations", "affiliations"),
}

_MAX_LISTED_COLUMNS = 40
_EXCERPT_CHARS = 120
# The first scientific journals date from 1665; an earlier year is a typo or a placeholder.
_EARLIEST_YEAR = 1600

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
        # Issues about the source as a whole, found while mapping it; the reader
        # yields them before any record.
        self.source_issues: list[IngestIssue] = []

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
        latest = date.today().year + 1
        if not _EARLIEST_YEAR <= resolved.year <= latest:
            # A typo such as 3000 would otherwise stretch every trend axis.
            return _DateLookup(
                None, f"implausible year {resolved.year} (outside {_EARLIEST_YEAR}-{latest})"
            )
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
    undated = undated_source_issue(columns, available, display, aliases=aliases, noun=noun)
    if undated is not None:
        builder.source_issues.append(undated)
    return columns, builder


def undated_source_issue(
    columns: Mapping[str, str],
    available: Sequence[str],
    display_path: str,
    *,
    aliases: Mapping[str, tuple[str, ...]] = DEFAULT_ALIASES,
    noun: str = "column",
) -> IngestIssue | None:
    """A warning when no column feeds ``date`` or ``year``: every paper would be undated.

    Undated papers are kept and counted, but a file whose date column has an
    unexpected name (``Year of publication``) would otherwise be read without
    a single date and no trend, with nothing saying why. The warning lists the
    names tried, the file's names (those that look like dates first) and the
    ``mapping:`` line that fixes it.
    """
    if "date" in columns or "year" in columns:
        return None
    tried = [*aliases.get("date", ()), *aliases.get("year", ())]
    likely = [n for n in available if re.search(r"date|year|published|time", n, re.IGNORECASE)]
    example = likely[0] if likely else f"<{noun} name>"
    field = "year" if re.search("year", example, re.IGNORECASE) else "date"
    dated_by_id = " (except those whose arXiv id gives a month)" if "arxiv_id" in columns else ""
    return IngestIssue(
        display_path,
        None,
        f"no date or year {noun}: none of {', '.join(tried)} is present, so every paper "
        f"is undated{dated_by_id} and has no trend; {noun}s in the file: "
        f"{_list_names([*likely, *(n for n in available if n not in likely)])}; "
        f"if one holds the date, map it in the config: `mapping: {{{field}: {example}}}` "
        f"(sources[].mapping.{field})",
        "warning",
    )
