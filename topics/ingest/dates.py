"""Dates as scraped pages print them, and how a missing year is filled in.

Listings print ``Apr 18, 2023``, ``2020-06-10`` or ``17 Dec 2018``, but also
``Jan 22`` with no year at all: sites drop the year for recent entries. A
trend analysis needs the year, so a yearless date is resolved against a
reference date, and the record says how (``Record.date_resolution``) so that
a reader of the report can tell a stated date from an inferred one.

Two sources of a reference date, in this order:

* ``reference_date`` from the config: the day the page was scraped. A
  yearless month-day gets the latest year that does not put it after that day
  (a page cannot list a paper from the future).
* Otherwise the document itself: its newest fully dated entry. Sites omit the
  year only for entries newer than the ones they print in full, so a yearless
  month-day gets the earliest year that puts it after that entry. In the
  author-profile seed the newest dated entry is 2025-12-18 and ``Jan 22`` is
  arXiv 2601.16140, first posted on 2026-01-22: resolving to a year *not
  after* the newest entry would have dated it a year too early.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from topics.records import DatePrecision, IngestIssue

__all__ = [
    "MONTH_PATTERN",
    "PartialDate",
    "ReferenceDate",
    "ResolvedDate",
    "choose_reference_date",
    "parse_date",
    "reference_date_issue",
    "resolve_date",
    "resolve_dates",
]

_MONTHS: dict[str, int] = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
MONTH_PATTERN = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_ISO = re.compile(r"(?P<year>\d{4})(?:-(?P<month>\d{1,2})(?:-(?P<day>\d{1,2}))?)?")
_MONTH_DAY_YEAR = re.compile(
    rf"(?P<month>{MONTH_PATTERN})\.?\s+(?P<day>\d{{1,2}})(?:,?\s+(?P<year>\d{{4}}))?",
    re.IGNORECASE,
)
_DAY_MONTH_YEAR = re.compile(
    rf"(?P<day>\d{{1,2}})\s+(?P<month>{MONTH_PATTERN})\.?(?:,?\s+(?P<year>\d{{4}}))?",
    re.IGNORECASE,
)
_MONTH_YEAR = re.compile(rf"(?P<month>{MONTH_PATTERN})\.?,?\s+(?P<year>\d{{4}})", re.IGNORECASE)

ReferenceOrigin = Literal["config", "document"]


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A date exactly as printed: the year may be missing, the day too.

    Attributes
    ----------
    year : int or None
        None when the page printed no year (``Jan 22``).
    month : int or None
        None for a bare year.
    day : int or None
        None for month or year precision.
    """

    year: int | None
    month: int | None
    day: int | None

    @property
    def precision(self) -> DatePrecision:
        """``day``, ``month`` or ``year``: how much of the date was printed."""
        if self.day is not None:
            return "day"
        return "month" if self.month is not None else "year"

    def as_date(self) -> date | None:
        """The calendar day, or None unless year, month and day were all printed.

        Only such complete dates can anchor a reference date.
        """
        if self.year is None or self.month is None or self.day is None:
            return None
        return date(self.year, self.month, self.day)


@dataclass(frozen=True, slots=True)
class ReferenceDate:
    """The day that yearless dates are resolved against, and where it came from.

    Attributes
    ----------
    value : datetime.date
        The reference day.
    origin : {"config", "document"}
        ``config`` when the user set ``reference_date``; ``document`` when it
        is the newest fully dated entry of the file.
    """

    value: date
    origin: ReferenceOrigin

    def describe(self) -> str:
        """Human-readable statement of the reference date and its origin."""
        if self.origin == "config":
            return f"{self.value.isoformat()} (reference_date from the config)"
        return f"{self.value.isoformat()} (newest dated entry in file)"


@dataclass(frozen=True, slots=True)
class ResolvedDate:
    """A date ready for a :class:`~topics.records.Record`.

    Attributes
    ----------
    iso : str
        ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``, its length matching ``precision``.
    precision : {"day", "month", "year"}
    year : int
    resolution : str
        ``"explicit"`` or how the year was obtained.
    """

    iso: str
    precision: DatePrecision
    year: int
    resolution: str


def parse_date(text: str) -> PartialDate | None:
    """Parse a printed date, keeping a missing year missing.

    Parameters
    ----------
    text : str
        The whole date text: ``Apr 18, 2023``, ``Jan 22``, ``2020-06-10``,
        ``17 Dec 2018``, ``Dec 2018`` or ``2018``.

    Returns
    -------
    PartialDate or None
        None when ``text`` is not one of these forms or not a calendar date
        (``Feb 30, 2023``). A yearless ``Feb 29`` is accepted: it exists in
        leap years.

    Examples
    --------
    >>> parse_date("Apr 18, 2023")
    PartialDate(year=2023, month=4, day=18)
    >>> parse_date("Jan 22")
    PartialDate(year=None, month=1, day=22)
    """
    cleaned = " ".join(text.split())
    iso = _ISO.fullmatch(cleaned)
    if iso:
        return _checked(_int_or_none(iso["year"]), _int_or_none(iso["month"]), iso["day"])
    for pattern in (_MONTH_DAY_YEAR, _DAY_MONTH_YEAR):
        match = pattern.fullmatch(cleaned)
        if match:
            month = _MONTHS[match["month"].lower()]
            return _checked(_int_or_none(match["year"]), month, match["day"])
    match = _MONTH_YEAR.fullmatch(cleaned)
    if match:
        return _checked(int(match["year"]), _MONTHS[match["month"].lower()], None)
    return None


def choose_reference_date(
    configured: date | None, parsed: Iterable[PartialDate | None]
) -> ReferenceDate | None:
    """The configured reference date, else the newest fully dated entry, else None."""
    if configured is not None:
        return ReferenceDate(configured, "config")
    full = [day for p in parsed if p is not None and (day := p.as_date()) is not None]
    return ReferenceDate(max(full), "document") if full else None


def resolve_date(parsed: PartialDate, reference: ReferenceDate | None) -> ResolvedDate | None:
    """Turn a printed date into a record date; None if its year cannot be known.

    Parameters
    ----------
    parsed : PartialDate
        As returned by :func:`parse_date`.
    reference : ReferenceDate or None
        From :func:`choose_reference_date`; only used when the year is missing.

    Returns
    -------
    ResolvedDate or None
        None only for a yearless date without a reference date.
    """
    if parsed.year is not None:
        return ResolvedDate(_iso(parsed.year, parsed), parsed.precision, parsed.year, "explicit")
    if reference is None or parsed.month is None:
        return None
    day = parsed.day or 1
    if reference.origin == "config":
        year = _latest_year_not_after(parsed.month, day, reference.value)
        how = f"year from config reference date {reference.value.isoformat()}"
    else:
        year = _earliest_year_after(parsed.month, day, reference.value)
        how = f"year inferred: next after reference date {reference.describe()}"
    return ResolvedDate(_iso(year, parsed), parsed.precision, year, how)


def resolve_dates(
    parsed: Sequence[PartialDate | None], configured: date | None
) -> tuple[list[ResolvedDate | None], ReferenceDate | None]:
    """Resolve every date of one file against one reference date.

    Returns the resolved dates in input order (None where nothing was printed
    or the year cannot be known) and the reference date that was used.
    """
    reference = choose_reference_date(configured, parsed)
    resolved = [None if p is None else resolve_date(p, reference) for p in parsed]
    return resolved, reference


def reference_date_issue(
    file: str, reference: ReferenceDate | None, parsed: Sequence[PartialDate | None]
) -> IngestIssue:
    """The one info issue per file that states which reference date was used.

    It is a warning instead when yearless dates could not be resolved, since
    those records then have no date at all.
    """
    yearless = sum(1 for p in parsed if p is not None and p.year is None)
    if not yearless:
        used = f"reference date {reference.describe()}" if reference else "no reference date"
        return IngestIssue(file, None, f"{used}; every date was printed with its year", "info")
    if reference is None:
        return IngestIssue(
            file,
            None,
            f"{yearless} date(s) printed without a year were left undated: the file has "
            "no fully dated entry and no reference_date is configured; set "
            "`reference_date:` on this source",
            "warning",
        )
    rule = (
        "latest year not after it"
        if reference.origin == "config"
        else "earliest year after it, since sites omit the year only for newer entries"
    )
    return IngestIssue(
        file,
        None,
        f"reference date {reference.describe()}; {yearless} date(s) printed without a year "
        f"resolved to the {rule}",
        "info",
    )


def _checked(year: int | None, month: int | None, day: str | None) -> PartialDate | None:
    day_number = _int_or_none(day)
    if month is not None and not 1 <= month <= 12:
        return None
    if day_number is not None:
        # 2000 is a leap year, so a yearless Feb 29 passes this check.
        try:
            date(year if year is not None else 2000, month or 1, day_number)
        except ValueError:
            return None
    return PartialDate(year, month, day_number)


def _int_or_none(text: str | None) -> int | None:
    return None if text is None else int(text)


def _iso(year: int, parsed: PartialDate) -> str:
    if parsed.month is None:
        return f"{year:04d}"
    if parsed.day is None:
        return f"{year:04d}-{parsed.month:02d}"
    return f"{year:04d}-{parsed.month:02d}-{parsed.day:02d}"


def _latest_year_not_after(month: int, day: int, reference: date) -> int:
    year = reference.year
    while not _exists(year, month, day) or date(year, month, day) > reference:
        year -= 1
    return year


def _earliest_year_after(month: int, day: int, reference: date) -> int:
    year = reference.year
    while not _exists(year, month, day) or date(year, month, day) <= reference:
        year += 1
    return year


def _exists(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True
