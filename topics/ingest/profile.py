"""Author-profile listings scraped from a paper-tracking site (seeds 000 and 004).

Each paper starts with a header line that glues together an optional score,
the arXiv category, the date and an optional ``Code`` flag::

    CVApr 18, 2023          category CV, full date
    97.0CRMay 12            score 97.0, category CR, no year
    STR-ELApr 8, 2023       compound category
    LGOct 23, 2025Code      the paper links to code

Then come the title, the authors (``Ira Ktena, Olivia Wiles et al. · deepmind``,
the part after ``·`` being organisations) and the abstract. Two layouts exist:
blank-line separated with the authors on their own line (000), and three
lines per paper with the title glued to the authors (004:
``...Pre-TrainingXiaohua Zhai, Basil Mustafa et al. · deepmind``). The glued
split is in :func:`split_title_authors`.

A page header may precede the papers (profile name, ``h-index117``,
``25 Papers``); an announced paper count is checked against what was parsed,
because a scrape that stopped early would otherwise lose papers silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from topics.ingest._base import ReaderOutput, ReadOptions, read_text
from topics.ingest.dates import (
    MONTH_PATTERN,
    PartialDate,
    ResolvedDate,
    parse_date,
    reference_date_issue,
    resolve_dates,
)
from topics.records import IngestIssue, Provenance, Record

__all__ = [
    "AuthorList",
    "parse_author_list",
    "parse_header",
    "read_profile_listing",
    "sniff",
    "split_title_authors",
]

_PARSER = "profile_listing"

_HEADER = re.compile(
    r"(?P<score>\d{1,3}(?:\.\d+)?)?"
    r"(?P<category>[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*)"
    rf"(?P<date>{MONTH_PATTERN} \d{{1,2}}(?:, \d{{4}})?)"
    r"(?P<code>Code)?"
)
_ANNOUNCED = [
    re.compile(r"(?P<n>\d[\d,]*) Papers"),
    re.compile(r"(?P<n>\d[\d,]*)papers"),
]
_PAGE_STATS = [
    re.compile(r"h-index\d+"),
    re.compile(r"\d[\d,]*citations"),
    re.compile(r"Novelty\d+%"),
    re.compile(r"AI Score\d+"),
    re.compile(r"[A-Z]{2,}(?:-[A-Z]+)*"),
]
_ORG_SEPARATOR = " · "
_ET_AL = re.compile(r"\s+et al\.?$")
_PARTICLES = frozenset(
    {"van", "von", "der", "den", "de", "del", "della", "di", "da", "das", "dos", "du"}
    | {"la", "le", "ten", "ter", "bin", "ibn", "al", "el", "y"}
)
_NAME_PREFIXES = ("Mac", "Mc", "O'", "O’", "D'", "D’", "d'", "d’")
_NO_GLUE_BEFORE = frozenset("-'’ \t")
_PROSE_MIN_CHARS = 300


@dataclass(frozen=True, slots=True)
class AuthorList:
    """An author line split into names and organisations.

    Attributes
    ----------
    names : tuple of str
        The listed authors, in order.
    organisations : tuple of str
        The part after `` · ``, split at commas.
    et_al : bool
        True when the site cut the list short with ``et al.``.
    """

    names: tuple[str, ...]
    organisations: tuple[str, ...] = ()
    et_al: bool = False


@dataclass(slots=True)
class _Block:
    """The lines of one paper: its header and the non-blank lines after it."""

    header: re.Match[str]
    header_line: int
    lines: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Parsed:
    title: str
    authors: AuthorList
    abstract: str
    notes: tuple[str, ...]


def sniff(text: str) -> bool:
    """True when ``text`` starts like an author-profile listing.

    Two header lines are required (one if the sample is tiny), so a stray
    line that happens to look like ``CVApr 18, 2023`` is not enough.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    headers = sum(1 for line in lines if parse_header(line) is not None)
    return headers >= 2 or (headers == 1 and len(lines) <= 4)


def parse_header(line: str) -> re.Match[str] | None:
    """Match a paper header line; groups ``score``, ``category``, ``date``, ``code``."""
    return _HEADER.fullmatch(line.strip())


def parse_author_list(text: str) -> AuthorList | None:
    """Parse ``Name, Name et al. · org, org``; None unless every name looks like one.

    A name is one to six space-separated tokens, each a capitalised word
    (hyphenated parts and ``Mc``/``O'`` prefixes allowed, accents too),
    initials (``J.``, ``AJ``) or, after the first token, a particle (``van``).

    Examples
    --------
    >>> parse_author_list("Lucas Beyer, Olivier J. Hénaff et al. · deepmind")
    AuthorList(names=('Lucas Beyer', 'Olivier J. Hénaff'), organisations=('deepmind',), et_al=True)
    """
    body, _, orgs_text = text.strip().partition(_ORG_SEPARATOR)
    organisations = tuple(o.strip() for o in orgs_text.split(",") if o.strip())
    if orgs_text and not organisations:
        return None
    et_al = _ET_AL.search(body) is not None
    body = _ET_AL.sub("", body)
    names = tuple(name.strip() for name in body.split(","))
    if not all(_is_name(name) for name in names):
        return None
    return AuthorList(names, organisations, et_al)


def split_title_authors(text: str) -> tuple[str, AuthorList] | None:
    """Split a title glued to its author list, or None if no split works.

    The authors start where an upper-case letter directly follows a
    non-space character and everything from there parses as an author list.
    The leftmost such point wins. Any point inside the title leaves the glued
    token (``TrainingXiaohua``) in the remainder, which is not a name, so it
    fails; choosing the leftmost point keeps names such as ``McDonald`` whole.

    Examples
    --------
    >>> title, authors = split_title_authors("Are we done with ImageNet?Lucas Beyer et al.")
    >>> title, authors.names
    ('Are we done with ImageNet?', ('Lucas Beyer',))
    """
    for index in range(1, len(text)):
        if not text[index].isupper() or text[index - 1] in _NO_GLUE_BEFORE:
            continue
        authors = parse_author_list(text[index:])
        title = text[:index].strip()
        if authors is not None and title:
            return title, authors
    return None


def read_profile_listing(path: Path, options: ReadOptions) -> ReaderOutput:
    """Read an author-profile listing (see the module docstring for the layout).

    Parameters
    ----------
    path : pathlib.Path
        The file to read.
    options : ReadOptions
        ``display_path`` names the file in provenance and issues;
        ``reference_date`` resolves dates printed without a year.

    Yields
    ------
    Record or IngestIssue
        One record per paper; issues for blocks that cannot be used, an
        announced paper count that does not match, and one info issue that
        states the reference date used for yearless dates.
    """
    file = options.display_path
    lines = read_text(path, file).split("\n")
    preamble_end, blocks = _split_blocks(lines)
    if not blocks:
        yield IngestIssue(
            file, None, "no paper header line such as 'CVApr 18, 2023' found", "error"
        )
        return
    page = _PageHeader.parse(lines[:preamble_end], file)
    yield from page.issues
    dates = [parse_date(block.header["date"]) for block in blocks]
    resolved, reference = resolve_dates(dates, options.reference_date)
    yield reference_date_issue(file, reference, dates)
    n_records = 0
    for block, printed, when in zip(blocks, dates, resolved, strict=True):
        for item in _block_to_items(block, printed, when, page.profile, file):
            n_records += isinstance(item, Record)
            yield item
    yield from page.count_issues(n_records, len(blocks), file)


def _split_blocks(lines: list[str]) -> tuple[int, list[_Block]]:
    """Cut the file at header lines; return where the first header is and the blocks."""
    blocks: list[_Block] = []
    preamble_end = len(lines)
    for number, line in enumerate(lines, start=1):
        header = parse_header(line)
        if header is not None:
            preamble_end = min(preamble_end, number - 1)
            blocks.append(_Block(header, number))
        elif blocks and line.strip():
            blocks[-1].lines.append((number, line.strip()))
    return preamble_end, blocks


@dataclass(slots=True)
class _PageHeader:
    """What the lines before the first paper say about the page."""

    profile: str | None = None
    announced: list[tuple[int, int]] = field(default_factory=list)
    issues: list[IngestIssue] = field(default_factory=list)

    @classmethod
    def parse(cls, lines: list[str], file: str) -> _PageHeader:
        page = cls()
        for number, raw in enumerate(lines, start=1):
            line = raw.strip()
            count = next((m for p in _ANNOUNCED if (m := p.fullmatch(line))), None)
            if not line or any(p.fullmatch(line) for p in _PAGE_STATS):
                continue
            if count is not None:
                page.announced.append((number, int(count["n"].replace(",", ""))))
            elif page.profile is None and not any(ch.isdigit() for ch in line):
                page.profile = line
            else:
                reason = "unrecognised line before the first paper"
                page.issues.append(IngestIssue(file, number, reason, "info", line))
        return page

    def count_issues(self, n_records: int, n_blocks: int, file: str) -> Iterator[IngestIssue]:
        """Warn once for every announced paper count that differs from what was parsed."""
        reported: set[int] = set()
        for number, announced in self.announced:
            if announced != n_records and announced not in reported:
                reported.add(announced)
                yield IngestIssue(
                    file,
                    number,
                    f"the page announces {announced} papers but {n_records} were parsed from "
                    f"{n_blocks} paper headers; the scrape may be incomplete",
                    "warning",
                )


def _block_to_items(
    block: _Block,
    printed: PartialDate | None,
    when: ResolvedDate | None,
    profile: str | None,
    file: str,
) -> Iterator[Record | IngestIssue]:
    header_text = block.header.group(0)
    parsed = _parse_body(block)
    if parsed is None:
        reason = (
            "paper header without title or abstract"
            if not block.lines
            else "paper has a title line but no abstract"
        )
        yield IngestIssue(file, block.header_line, reason, "error", header_text)
        return
    line_end = block.lines[-1][0]
    for note in parsed.notes:
        yield IngestIssue(file, block.header_line, note, "warning", block.lines[0][1][:80])
    if printed is not None and when is None:
        yield IngestIssue(
            file, block.header_line, "date printed without a year left undated", "warning"
        )
    yield Record(
        id=f"{file}:{block.header_line}",
        abstract=parsed.abstract,
        provenance=Provenance(file, block.header_line, line_end, _PARSER),
        title=parsed.title,
        authors=parsed.authors.names,
        organisations=parsed.authors.organisations,
        date=when.iso if when else None,
        date_precision=when.precision if when else None,
        year=when.year if when else None,
        date_resolution=when.resolution if when else None,
        category=block.header["category"],
        extra=_extra(block.header, parsed, profile),
    )


def _parse_body(block: _Block) -> _Parsed | None:
    """Title, authors and abstract from the lines after a header, in either layout."""
    texts = [text for _, text in block.lines]
    if len(texts) >= 3:
        authors = parse_author_list(texts[1])
        if authors is not None:
            return _Parsed(texts[0], authors, "\n".join(texts[2:]), ())
    if len(texts) >= 2:
        glued = split_title_authors(texts[0])
        if glued is not None:
            return _Parsed(glued[0], glued[1], "\n".join(texts[1:]), ())
    if len(texts) >= 3 and len(texts[1]) < _PROSE_MIN_CHARS:
        names = tuple(n.strip() for n in _ET_AL.sub("", texts[1]).split(",") if n.strip())
        note = "author line does not look like a list of names; split at commas as written"
        return _Parsed(texts[0], AuthorList(names), "\n".join(texts[2:]), (note,))
    if len(texts) >= 2:
        note = "no author list found, neither on its own line nor glued to the title"
        return _Parsed(texts[0], AuthorList(()), "\n".join(texts[1:]), (note,))
    return None


def _extra(header: re.Match[str], parsed: _Parsed, profile: str | None) -> dict[str, str]:
    extra = {"date_text": header["date"]}
    if header["score"]:
        extra["score"] = header["score"]
    if header["code"]:
        extra["code"] = "true"
    if parsed.authors.et_al:
        extra["et_al"] = "true"
    if parsed.abstract.rstrip().endswith(("…", "...")):
        extra["truncated"] = "true"
    if profile:
        extra["profile"] = profile
    return extra


def _is_name(name: str) -> bool:
    tokens = name.split(" ")
    if not 1 <= len(tokens) <= 6 or tokens[0] in _PARTICLES:
        return False
    return all(token in _PARTICLES or _is_name_token(token) for token in tokens)


def _is_name_token(token: str) -> bool:
    """A capitalised word or an initial; hyphenated parts are checked one by one."""
    return bool(token) and all(_is_name_part(part) for part in token.split("-"))


def _is_name_part(part: str) -> bool:
    letters = part.removesuffix(".")
    if 1 <= len(letters) <= 3 and letters.isalpha() and letters.isupper():
        return True  # initials: "J.", "H", "AJ"
    for prefix in _NAME_PREFIXES:
        if part.startswith(prefix) and len(part) > len(prefix) and part[len(prefix)].isupper():
            part = part[len(prefix) :]
            break
    rest = part[1:]
    return len(part) >= 2 and part[0].isupper() and rest.isalpha() and rest.islower()
