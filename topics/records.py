"""Typed records that flow between the pipeline stages.

A :class:`Record` is one paper exactly as one source describes it. Records are
frozen so that a later stage can never change what an earlier stage saw; a
stage that needs a different record makes a new one with
:func:`dataclasses.replace`.

Readers never raise on a single bad record. They yield an :class:`IngestIssue`
instead, so that the run can report it with its reason and location and carry
on with the rest of the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "DatePrecision",
    "IngestIssue",
    "Provenance",
    "Record",
    "Severity",
    "SourceResult",
]

DatePrecision = Literal["day", "month", "year"]
Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a record came from: enough to open the file at the right line."""

    file: str
    line_start: int
    line_end: int
    parser: str

    @property
    def location(self) -> str:
        """``file:line`` as used in ``papers.csv``'s ``sources`` column."""
        return f"{self.file}:{self.line_start}"


@dataclass(frozen=True, slots=True)
class Record:
    """One paper as parsed from one source.

    ``date`` is an ISO string whose length matches ``date_precision``
    (``2023-04-18``, ``2023-04`` or ``2023``). ``date_resolution`` says how the
    date was obtained, e.g. ``"explicit"``, ``"year inferred from reference
    date 2026-01-22"`` or ``"from arXiv id"``, because a reader of the report
    must be able to tell a stated date from a guessed one.
    """

    id: str
    abstract: str
    provenance: Provenance
    title: str = ""
    authors: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()
    date: str | None = None
    date_precision: DatePrecision | None = None
    year: int | None = None
    date_resolution: str | None = None
    category: str | None = None
    venue: str | None = None
    arxiv_id: str | None = None
    doi: str | None = None
    comments: str | None = None
    keywords: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class IngestIssue:
    """A problem found while reading a source: never silently dropped.

    ``severity="error"`` means data was lost (a block could not be turned into
    a record); ``"warning"`` means the data was kept but something is off
    (an announced count that does not match, a record without a date).
    """

    file: str
    line: int | None
    reason: str
    severity: Severity = "warning"
    excerpt: str = ""

    @property
    def location(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"

    def __str__(self) -> str:
        text = f"{self.location}: {self.reason}"
        return f"{text} ({self.excerpt!r})" if self.excerpt else text


@dataclass(slots=True)
class SourceResult:
    """Everything one source yielded: its records, its issues and its format."""

    path: str
    format: str
    records: list[Record] = field(default_factory=list)
    issues: list[IngestIssue] = field(default_factory=list)
    meta: dict[str, object] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        """True when the source produced no record and at least one error."""
        return not self.records and any(i.severity == "error" for i in self.issues)
