"""A research-portal output page (seed 003), as copied from a Pure-style portal.

One paper per file: title, authors, the output type, an ``Abstract /
Description of output`` section, then a table whose labels are glued to
their values when copied as text::

    Title of host publicationIEEE Conference on Computer Vision and Pattern ...
    Publication statusPublished - 17 Dec 2018
    EventComputer Vision and Pattern Recognition 2018 - Salt Lake City, United States

Labels are matched against a fixed list, longest first, so ``Publication
status`` is not read as ``Publication`` and a value is never cut inside a
word. The publication-status date becomes the record date; the host
publication becomes the venue; the event goes to ``extra`` and ``comments``.
Lines that match no label are reported, so new portal fields are noticed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from topics.ingest._base import ReaderOutput, ReadOptions, read_nonblank_lines
from topics.ingest.dates import (
    MONTH_PATTERN,
    ResolvedDate,
    parse_date,
    reference_date_issue,
    resolve_dates,
)
from topics.records import IngestIssue, Provenance, Record

__all__ = ["PortalFields", "parse_portal_fields", "read_portal_record", "sniff"]

_PARSER = "research_portal"

_ABSTRACT_HEADING = "Abstract / Description of output"
_OUTPUT_TYPE = re.compile(r"Research output:\s*(?P<type>.+)")
# Labels of the portal's detail table -> key in ``PortalFields.values``.
_LABELS: dict[str, str] = {
    "Original language": "language",
    "Title of host publication": "host_publication",
    "Publisher": "publisher",
    "Pages": "pages",
    "Number of pages": "number_of_pages",
    "ISBN (Electronic)": "isbn_electronic",
    "ISBN (Print)": "isbn_print",
    "ISSN (Electronic)": "issn_electronic",
    "ISSN (Print)": "issn_print",
    "DOIs": "doi",
    "DOI": "doi",
    "Publication status": "publication_status",
    "Event": "event",
    "Duration:": "event_duration",
    "Name": "series_name",
    "Volume": "volume",
    "Edition": "edition",
    "Journal": "journal",
    "Article number": "article_number",
    "Place of Publication": "place_of_publication",
    "Editors": "editors",
    "Conference": "conference",
    "Abbreviated title": "event_short",
    "Country/Territory": "country",
    "City": "city",
    "Period": "event_period",
    "Internet address": "internet_address",
    "Keywords": "keywords",
    "Early online date": "early_online",
    "Peer-reviewed": "peer_reviewed",
}
_LABELS_LONGEST_FIRST = sorted(_LABELS, key=len, reverse=True)
# Section headings and page chrome after the table: recognised, carry no data.
_SECTIONS = frozenset(
    {"Publication series", "Conference", "Fingerprint", "Cite this", "Access to Document", "Links"}
)
_FINGERPRINT = re.compile(
    r"Dive into the research topics of '(?P<title>.+)'\. Together they form a unique fingerprint\."
)
_STATUS = re.compile(r"(?P<status>[A-Za-z][A-Za-z -]*?)\s+-\s+(?P<date>.+)")
_DAY_DATE = rf"\d{{1,2}} {MONTH_PATTERN} \d{{4}}"
_GLUED_RANGE = re.compile(rf"(?P<start>{_DAY_DATE})\s*(?:-|–|to)?\s*(?P<end>{_DAY_DATE})")
_SHORT_RANGE = re.compile(r"(?P<start>\d{2}/\d{2}/\d{2})\s*(?:-|–)?\s*(?P<end>\d{2}/\d{2}/\d{2})")
_CASE_GLUE = re.compile(r"(?<=[a-z])(?=[A-Z])")
_URL = re.compile(r"https?://\S+")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


@dataclass(slots=True)
class PortalFields:
    """The label/value table of a portal page.

    Attributes
    ----------
    values : dict of str to (int, str)
        Field key (see ``_LABELS``) -> (line number, value). The first
        occurrence wins.
    urls : list of str
        Distinct URLs not claimed by an empty label (the event links), in order.
    unknown : list of (int, str)
        Lines that match no label, section or known chrome.
    fingerprint_title : str or None
        The title repeated in the "Dive into the research topics" line.
    last_line : int
        The last non-blank line that belongs to the page.
    """

    values: dict[str, tuple[int, str]] = field(default_factory=dict)
    urls: list[str] = field(default_factory=list)
    unknown: list[tuple[int, str]] = field(default_factory=list)
    fingerprint_title: str | None = None
    last_line: int = 0

    def get(self, key: str) -> str | None:
        """The value of ``key``, or None when absent or printed empty."""
        entry = self.values.get(key)
        return entry[1] if entry and entry[1] else None


def sniff(text: str) -> bool:
    """True when the text has the portal's abstract heading or output-type line."""
    lines = {line.strip() for line in text.splitlines()}
    return _ABSTRACT_HEADING in lines or (
        any(_OUTPUT_TYPE.fullmatch(line) for line in lines)
        and any(line.startswith("Publication status") for line in lines)
    )


def parse_portal_fields(lines: list[tuple[int, str]]) -> PortalFields:
    """Split glued ``LabelValue`` lines into fields.

    Parameters
    ----------
    lines : list of (int, str)
        Line number and stripped text of every non-blank line after the abstract.

    Returns
    -------
    PortalFields
    """
    fields = PortalFields()
    awaiting_value: str | None = None
    for number, text in lines:
        fields.last_line = number
        if text in _SECTIONS:
            awaiting_value = None
            continue
        if _URL.fullmatch(text):
            # A link printed under an empty label (``DOIs``) is that label's value.
            if awaiting_value is not None:
                fields.values[awaiting_value] = (number, text)
            elif text not in fields.urls:
                fields.urls.append(text)
            awaiting_value = None
            continue
        fingerprint = _FINGERPRINT.fullmatch(text)
        if fingerprint:
            fields.fingerprint_title = fingerprint["title"]
            continue
        label = next((lab for lab in _LABELS_LONGEST_FIRST if text.startswith(lab)), None)
        if label is None:
            fields.unknown.append((number, text))
            continue
        key = _LABELS[label]
        value = text[len(label) :].strip()
        fields.values.setdefault(key, (number, value))
        awaiting_value = key if not value and fields.values[key][1] == "" else None
    return fields


def read_portal_record(path: Path, options: ReadOptions) -> ReaderOutput:
    """Read one research-portal output page (see the module docstring).

    Parameters
    ----------
    path : pathlib.Path
        The file to read.
    options : ReadOptions
        ``display_path`` names the file in provenance and issues.

    Yields
    ------
    Record or IngestIssue
        The paper; warnings for unrecognised lines and for a title that
        differs from the one the page repeats in its fingerprint line; an
        error if there is no abstract section.
    """
    file = options.display_path
    lines = read_nonblank_lines(path, file)
    heading_index = next((i for i, (_, t) in enumerate(lines) if t == _ABSTRACT_HEADING), None)
    if heading_index is None:
        yield IngestIssue(file, None, f"no '{_ABSTRACT_HEADING}' section found", "error")
        return
    head, body = lines[:heading_index], lines[heading_index + 1 :]
    abstract_lines, table = _split_abstract(body)
    if not abstract_lines or len(head) < 1:
        line = lines[heading_index][0]
        yield IngestIssue(file, line, "portal page without title or abstract", "error")
        return
    fields = parse_portal_fields(table)
    yield from _field_issues(fields, head, file)
    status = _publication_status(fields)
    printed = [parse_date(status[1])] if status else [None]
    resolved, reference = resolve_dates(printed, options.reference_date)
    yield reference_date_issue(file, reference, printed)
    if status and printed[0] is None:
        yield IngestIssue(file, fields.values["publication_status"][0], "unreadable date")
    yield _build_record(head, abstract_lines, fields, status, resolved[0], file)


def _split_abstract(
    body: list[tuple[int, str]],
) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The abstract runs until the first line that starts with a table label.

    Labels are glued to capitalised values or digits; an abstract line that
    merely begins with a label word (``Event cameras ...``) continues in
    lower case, which is how the two are told apart.
    """
    for index, (_, text) in enumerate(body):
        if text in _SECTIONS or any(_starts_with_label(text, label) for label in _LABELS):
            return body[:index], body[index:]
    return body, []


def _starts_with_label(text: str, label: str) -> bool:
    """``Original languageEnglish`` yes; ``Event cameras are ...`` (prose) no."""
    if not text.startswith(label):
        return False
    rest = text[len(label) :].lstrip()
    return not rest[:1].islower()


def _field_issues(
    fields: PortalFields, head: list[tuple[int, str]], file: str
) -> Iterator[IngestIssue]:
    for number, text in fields.unknown:
        yield IngestIssue(file, number, "unrecognised line in the portal table", "warning", text)
    for number, text in head[3:]:
        yield IngestIssue(file, number, "unrecognised line before the abstract", "warning", text)
    title = head[0][1]
    if fields.fingerprint_title is not None and fields.fingerprint_title != title:
        yield IngestIssue(
            file,
            head[0][0],
            f"title differs from the one repeated in the fingerprint line: "
            f"{fields.fingerprint_title!r}",
            "warning",
            title,
        )


def _publication_status(fields: PortalFields) -> tuple[str, str] | None:
    """``Published - 17 Dec 2018`` -> (``Published``, ``17 Dec 2018``)."""
    value = fields.get("publication_status")
    match = _STATUS.fullmatch(value) if value else None
    return (match["status"], match["date"]) if match else None


def _build_record(
    head: list[tuple[int, str]],
    abstract_lines: list[tuple[int, str]],
    fields: PortalFields,
    status: tuple[str, str] | None,
    when: ResolvedDate | None,
    file: str,
) -> Record:
    start = head[0][0]
    authors_line = head[1][1] if len(head) > 1 and not _OUTPUT_TYPE.fullmatch(head[1][1]) else ""
    output_type = next((m["type"] for _, t in head if (m := _OUTPUT_TYPE.fullmatch(t))), None)
    extra = _extra(fields, status, output_type)
    return Record(
        id=f"{file}:{start}",
        abstract="\n".join(text for _, text in abstract_lines),
        provenance=Provenance(file, start, fields.last_line or abstract_lines[-1][0], _PARSER),
        title=head[0][1],
        authors=tuple(a.strip() for a in re.split(r",|\band\b", authors_line) if a.strip()),
        date=when.iso if when else None,
        date_precision=when.precision if when else None,
        year=when.year if when else None,
        date_resolution=when.resolution if when else None,
        venue=fields.get("host_publication") or fields.get("journal"),
        doi=_doi(fields.get("doi")),
        comments=_event_comment(extra),
        keywords=tuple(k.strip() for k in (fields.get("keywords") or "").split(",") if k.strip()),
        extra=extra,
    )


def _extra(
    fields: PortalFields, status: tuple[str, str] | None, output_type: str | None
) -> dict[str, str]:
    skip = {"host_publication", "doi", "keywords", "publication_status"}
    extra = {key: value for key, (_, value) in fields.values.items() if value and key not in skip}
    if output_type:
        # ``Chapter in Book/Report/Conference proceedingConference contribution``:
        # the type and the sub-type are glued where a lower-case letter meets a capital.
        parts = _CASE_GLUE.split(output_type)
        extra["output_type"] = parts[0]
        if len(parts) == 2:
            extra["output_subtype"] = parts[1]
        else:
            extra["output_type"] = output_type
    if status:
        extra["publication_status"] = status[0]
    if fields.urls:
        extra["event_url"] = fields.urls[0]
    duration = _GLUED_RANGE.fullmatch(extra.get("event_duration", ""))
    if duration:
        for side in ("start", "end"):
            parsed = parse_date(duration[side])
            day = parsed.as_date() if parsed is not None else None
            if day is not None:
                extra[f"event_{side}"] = day.isoformat()
        extra["event_duration"] = f"{duration['start']} - {duration['end']}"
    period = _SHORT_RANGE.fullmatch(extra.get("event_period", ""))
    if period:
        extra["event_period"] = f"{period['start']} - {period['end']}"
    return extra


def _event_comment(extra: dict[str, str]) -> str | None:
    """``Event: CVPR 2018 ...; 18 Jun 2018 - 22 Jun 2018``, for readers of the report."""
    event = extra.get("event") or extra.get("conference")
    if not event:
        return None
    parts = [f"Event: {event}", extra.get("event_short"), extra.get("event_duration")]
    return "; ".join(part for part in parts if part)


def _doi(value: str | None) -> str | None:
    if not value:
        return None
    doi = _DOI_PREFIX.sub("", value.split()[0])
    return doi if doi.startswith("10.") else None
