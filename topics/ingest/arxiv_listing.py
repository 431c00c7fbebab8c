"""arXiv abstract listings without titles (seed 001).

Each paper is an abstract, optionally followed by arXiv "comments" lines, and
closed by its identifier and submission date; paragraphs are separated by
blank lines::

    Image deconvolution is the process of recovering ...

    In Proceedings of the 2019 IEEE International Conference on Computer ...

    arXiv:1910.08386
    Created: 2019-10-18

The comments field mixes several things. Page and figure counts stay in
``comments``; a venue that is stated clearly (``Accepted at CVPR 2020``,
``ICCV 2019``, ``In Proceedings of ...``) goes to ``venue``; a bare list of
short phrases is the authors' keywords. The comment text exactly as printed
is kept in ``extra["arxiv_comments"]``, so a wrong guess loses nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from topics.ingest._base import ReaderOutput, ReadOptions, read_text
from topics.ingest.arxiv_ids import normalize_arxiv_id
from topics.ingest.dates import (
    PartialDate,
    ResolvedDate,
    parse_date,
    reference_date_issue,
    resolve_dates,
)
from topics.records import IngestIssue, Provenance, Record

__all__ = ["CommentParts", "read_arxiv_listing", "sniff", "split_comments"]

_PARSER = "arxiv_listing"

_ID_LINE = re.compile(r"arXiv:\s*(?P<id>\S+)", re.IGNORECASE)
_CREATED_LINE = re.compile(r"Created:\s*(?P<date>.+)", re.IGNORECASE)
_SNIFF = re.compile(r"^arXiv:\s*\S+[ \t]*\r?\n[ \t]*Created:[ \t]*\S", re.MULTILINE | re.IGNORECASE)

# A paragraph this long after the abstract is more abstract, not a comment.
_MAX_COMMENT_CHARS = 300
_COUNT_UNIT = r"(?:pages?|pp\.?|figures?|figs?\.?|tables?|appendi(?:x|ces))"
_PAGE_COUNTS = re.compile(
    rf"\b\d+\s*{_COUNT_UNIT}(?:\s*(?:,|;|and|\+|&)\s*\d+\s*{_COUNT_UNIT})*",
    re.IGNORECASE,
)
# Sentence ends, but not after abbreviations common in venue names.
_SENTENCE_END = re.compile(
    r"(?<!\bProc)(?<!\bTrans)(?<!\bConf)(?<!\bInt)(?<!\bIntl)(?<!\bVol)(?<!\bNo)"
    r"(?<!\bJ)(?<!\bAnal)(?<!\bMach)(?<!\bIntell)(?<!\bSymp)(?<!\bWorksh)"
    r"\.\s+(?=[A-Z])"
)
_VENUE_LEAD_IN = re.compile(
    r"(?:accepted|published|presented|to appear|appeared|appears|camera[- ]ready"
    r"|oral|poster|spotlight)\b[^.]*?\b(?:at|in|to|by|for)\s+(?P<venue>\S.*)",
    re.IGNORECASE,
)
_VENUE_IN = re.compile(
    r"In\s+(?P<venue>(?:Proc(?:eedings|\.)|.*\b(?:Conference|Workshops?|Symposium|Journal"
    r"|Transactions|[Pp]roceedings)\b).*)"
)
_VENUE_ACRONYM_YEAR = re.compile(
    r"(?P<venue>[A-Z][A-Za-z]*[A-Z][A-Za-z-]*\s*'?(?:19|20)?\d{2})"
    r"(?:\s*[(\[](?i:oral|poster|spotlight|workshop|main)[^)\]]*[)\]])?"
)
_VENUE_WORDS = re.compile(
    r"\b(?:Conference|Workshops?|Symposium|Journal|Transactions|Proceedings)\b", re.IGNORECASE
)
_KEYWORDS_LABEL = re.compile(r"(?:key ?words|index terms)\s*[:\-—]\s*(?P<list>.+)", re.IGNORECASE)
_MAX_KEYWORD_WORDS = 5
_YEAR = re.compile(r"(?:19|20)\d{2}|'\d{2}\b")


@dataclass(frozen=True, slots=True)
class CommentParts:
    """An arXiv comments text sorted into what it contains.

    Attributes
    ----------
    comments : str or None
        Page and figure counts and anything not recognised as venue or keywords.
    venue : str or None
        The first clearly stated venue.
    keywords : tuple of str
        Author keywords.
    """

    comments: str | None
    venue: str | None
    keywords: tuple[str, ...]


@dataclass(slots=True)
class _Pending:
    """Lines of the paper being read, until its ``Created:`` line closes it."""

    paragraphs: list[list[tuple[int, str]]] = field(default_factory=list)
    arxiv: tuple[int, str] | None = None
    created: tuple[int, str] | None = None

    def add(self, number: int, text: str, new_paragraph: bool) -> None:
        if new_paragraph or not self.paragraphs:
            self.paragraphs.append([])
        self.paragraphs[-1].append((number, text))

    @property
    def empty(self) -> bool:
        return not self.paragraphs and self.arxiv is None and self.created is None

    @property
    def first_line(self) -> int:
        return min(self._line_numbers())

    @property
    def last_line(self) -> int:
        return max(self._line_numbers())

    def _line_numbers(self) -> list[int]:
        numbers = [number for paragraph in self.paragraphs for number, _ in paragraph]
        return numbers + [x[0] for x in (self.arxiv, self.created) if x is not None]


def sniff(text: str) -> bool:
    """True when an ``arXiv:`` line is directly followed by a ``Created:`` line."""
    return _SNIFF.search(text) is not None


def split_comments(text: str) -> CommentParts:
    """Sort an arXiv comments text into comments, venue and keywords.

    Examples
    --------
    >>> split_comments("12 pages, 4 figures. Accepted at CVPR 2020")
    CommentParts(comments='12 pages, 4 figures', venue='CVPR 2020', keywords=())
    """
    kept: list[str] = []
    venue: str | None = None
    keywords: tuple[str, ...] = ()
    for sentence in _SENTENCE_END.split(" ".join(text.split())):
        counts = [m.group(0) for m in _PAGE_COUNTS.finditer(sentence)]
        rest = _PAGE_COUNTS.sub("", sentence).strip(" ,;.:")
        found_venue = _venue_of(rest) if rest and venue is None else None
        found_keywords = _keywords_of(rest) if rest and not found_venue and not keywords else ()
        if found_venue or found_keywords:
            venue = venue or found_venue
            keywords = keywords or found_keywords
            kept.extend(counts)
        else:
            kept.append(sentence.strip(" ;."))
    return CommentParts("; ".join(kept) or None, venue, keywords)


def read_arxiv_listing(path: Path, options: ReadOptions) -> ReaderOutput:
    """Read an arXiv abstract listing (see the module docstring for the layout).

    Parameters
    ----------
    path : pathlib.Path
        The file to read.
    options : ReadOptions
        ``display_path`` names the file in provenance and issues.

    Yields
    ------
    Record or IngestIssue
        One record per abstract (``title`` is empty: the listing has none);
        issues for identifiers without an abstract, abstracts without an
        identifier or date, and one info issue stating the reference date.
    """
    file = options.display_path
    pending = list(_group_papers(read_text(path, file).split("\n")))
    dates = [parse_date(p.created[1]) if p.created else None for p in pending]
    resolved, reference = resolve_dates(dates, options.reference_date)
    yield reference_date_issue(file, reference, dates)
    for paper, printed, when in zip(pending, dates, resolved, strict=True):
        yield from _paper_to_items(paper, printed, when, file)


def _group_papers(lines: list[str]) -> Iterator[_Pending]:
    """Group lines into papers; a ``Created:`` line (or a new abstract) closes one."""
    current = _Pending()
    after_blank = True
    for number, raw in enumerate(lines, start=1):
        text = raw.strip()
        if not text:
            after_blank = True
            continue
        id_match = _ID_LINE.fullmatch(text)
        created_match = _CREATED_LINE.fullmatch(text)
        if id_match:
            if current.arxiv is not None:
                yield current
                current = _Pending()
            current.arxiv = (number, id_match["id"])
        elif created_match:
            current.created = (number, created_match["date"].strip())
            yield current
            current = _Pending()
        else:
            if current.arxiv is not None:
                yield current
                current = _Pending()
            current.add(number, text, after_blank)
        after_blank = False
    if not current.empty:
        yield current


def _paper_to_items(
    paper: _Pending, printed: PartialDate | None, when: ResolvedDate | None, file: str
) -> Iterator[Record | IngestIssue]:
    start = paper.first_line
    if not paper.paragraphs:
        yield IngestIssue(file, start, "arXiv id or date without an abstract before it", "error")
        return
    abstract_parts = [paper.paragraphs[0]]
    comment_parts = []
    for paragraph in paper.paragraphs[1:]:
        text = " ".join(t for _, t in paragraph)
        target = comment_parts if len(text) <= _MAX_COMMENT_CHARS else abstract_parts
        target.append(paragraph)
    abstract = "\n\n".join(" ".join(t for _, t in p) for p in abstract_parts)
    raw_comments = "\n".join(" ".join(t for _, t in p) for p in comment_parts)
    parts = split_comments(raw_comments) if raw_comments else CommentParts(None, None, ())
    arxiv_id = normalize_arxiv_id(paper.arxiv[1]) if paper.arxiv else None
    yield from _paper_issues(paper, printed, arxiv_id, file)
    extra = {"arxiv_comments": raw_comments} if raw_comments else {}
    if paper.arxiv and arxiv_id is None:
        extra["arxiv_id_raw"] = paper.arxiv[1]
    yield Record(
        id=f"{file}:{start}",
        abstract=abstract,
        provenance=Provenance(file, start, paper.last_line, _PARSER),
        date=when.iso if when else None,
        date_precision=when.precision if when else None,
        year=when.year if when else None,
        date_resolution=when.resolution if when else None,
        venue=parts.venue,
        arxiv_id=arxiv_id,
        comments=parts.comments,
        keywords=parts.keywords,
        extra=extra,
    )


def _paper_issues(
    paper: _Pending, printed: PartialDate | None, arxiv_id: str | None, file: str
) -> Iterator[IngestIssue]:
    start = paper.first_line
    if paper.arxiv is None:
        yield IngestIssue(file, start, "abstract without an 'arXiv:' line; kept without an id")
    elif arxiv_id is None:
        yield IngestIssue(file, paper.arxiv[0], "not a valid arXiv id", excerpt=paper.arxiv[1])
    if paper.created is None:
        yield IngestIssue(file, start, "abstract without a 'Created:' date line")
    elif printed is None:
        yield IngestIssue(file, paper.created[0], "unreadable date", excerpt=paper.created[1])


def _venue_of(text: str) -> str | None:
    """The venue if ``text`` states one clearly, else None."""
    for pattern in (_VENUE_LEAD_IN, _VENUE_IN):
        match = pattern.fullmatch(text)
        if match:
            return match["venue"].strip(" .;,")
    if _VENUE_ACRONYM_YEAR.fullmatch(text) or (_VENUE_WORDS.search(text) and "," not in text):
        return text
    return None


def _keywords_of(text: str) -> tuple[str, ...]:
    """Keywords from ``Keywords: a, b`` or a bare list of at least two short phrases."""
    labelled = _KEYWORDS_LABEL.fullmatch(text)
    items = [i.strip() for i in re.split(r"[,;]", labelled["list"] if labelled else text)]
    if not all(items) or (len(items) < 2 and not labelled):
        return ()
    if any(_not_a_keyword(item) for item in items):
        return ()
    return tuple(items)


def _not_a_keyword(item: str) -> bool:
    """Sentences, long phrases and anything with a year are not keywords."""
    return (
        len(item.split()) > _MAX_KEYWORD_WORDS
        or item.endswith((".", "!", "?"))
        or _YEAR.search(item) is not None
        or "://" in item
    )
