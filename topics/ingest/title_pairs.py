"""Title/abstract line pairs copied from a paper-listing site (seed 002).

The body is one line of title, then one line of abstract, repeated, with no
dates. The page chrome comes along: ``Get trending papers in your email
inbox!`` lines at the top, and the ``Subscribe`` button text glued to the
first title (``SubscribeRSINet: Inpainting ...``).

Titles and abstracts are told apart by their shape, not by their position,
so that one missing line does not shift every later pair: a title is short
and does not read as prose, an abstract is long or made of sentences. Known
chrome is removed and reported as info; anything else that does not form a
pair is reported with its line number.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from topics.ingest._base import ReaderOutput, ReadOptions, read_nonblank_lines
from topics.records import IngestIssue, Provenance, Record

__all__ = ["is_abstract_line", "read_title_pairs", "sniff", "strip_boilerplate"]

_PARSER = "title_pairs"

# Whole lines that are site chrome, not papers.
_BOILERPLATE_LINES = [
    re.compile(r"Get trending papers in your email inbox(?: once a day)?!?", re.IGNORECASE),
    re.compile(r"(?:Subscribe|Sign (?:in|up)|Log ?in|Load more|Show more|Back to top)", re.I),
    re.compile(r"(?:©|\(c\)|Copyright)\s*\d{4}.*", re.IGNORECASE),
    re.compile(r"(?:Terms(?: of (?:Service|Use))?|Privacy(?: Policy)?|Contact(?: us)?)", re.I),
]
# Button text glued to the first title: ``SubscribeRSINet: ...``.
_GLUED_PREFIX = re.compile(r"(?P<prefix>Subscribe|Sign up|Sign in)(?=[A-Z0-9\"'(])")
_MAX_TITLE_CHARS = 300
_MIN_ABSTRACT_CHARS = 200
_SENTENCE = re.compile(r"[a-z0-9)\]%][.!?]\s+[A-Z(]")
_SNIFF_LINES = 40
_SNIFF_MIN_PAIRS = 3
_SNIFF_MIN_PAIR_SHARE = 0.8


@dataclass(frozen=True, slots=True)
class _Line:
    number: int
    text: str


def sniff(text: str) -> bool:
    """True when the first lines are mostly title lines each followed by an abstract line.

    At least three pairs are required, and the pairs must cover 80 % of the
    lines: other scrape formats put headers or author lines between a title
    and its abstract, so fewer of their lines form pairs.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()][:_SNIFF_LINES]
    kinds = [is_abstract_line(line) for line in lines if not _is_boilerplate(line)]
    pairs = sum(1 for first, second in itertools.pairwise(kinds) if not first and second)
    return pairs >= _SNIFF_MIN_PAIRS and 2 * pairs >= _SNIFF_MIN_PAIR_SHARE * len(kinds)


def is_abstract_line(text: str) -> bool:
    """True for a line that reads as an abstract rather than a title.

    Titles in the seed are 16 to 154 characters long and abstracts 632 or
    more, so length separates them; in between, an abstract is made of
    sentences and a title is not.
    """
    if len(text) > _MAX_TITLE_CHARS:
        return True
    return len(text) >= _MIN_ABSTRACT_CHARS and _SENTENCE.search(text) is not None


def strip_boilerplate(text: str) -> tuple[str, str | None]:
    """Remove site button text glued to the start of a title; return it too."""
    match = _GLUED_PREFIX.match(text)
    if match is None:
        return text, None
    return text[match.end() :].strip(), match["prefix"]


def read_title_pairs(path: Path, options: ReadOptions) -> ReaderOutput:
    """Read title/abstract line pairs (see the module docstring for the layout).

    Parameters
    ----------
    path : pathlib.Path
        The file to read.
    options : ReadOptions
        ``display_path`` names the file in provenance and issues.

    Yields
    ------
    Record or IngestIssue
        One record per pair (undated: the listing prints no dates); info
        issues for removed site chrome; an error for a title without an
        abstract; a warning for an abstract without a title (kept, untitled).
    """
    file = options.display_path
    lines = [_Line(number, text) for number, text in read_nonblank_lines(path, file)]
    pending_title: _Line | None = None
    first = True
    for line in lines:
        if _is_boilerplate(line.text):
            yield IngestIssue(file, line.number, "site boilerplate skipped", "info", line.text)
            continue
        if first:
            first = False
            line, glued = _unglue_title(line, file)
            yield from glued
        if is_abstract_line(line.text):
            yield from _pair(pending_title, line, file)
            pending_title = None
            continue
        if pending_title is not None:
            yield _title_without_abstract(pending_title, file)
        pending_title = line
    if pending_title is not None:
        yield _title_without_abstract(pending_title, file)


def _unglue_title(line: _Line, file: str) -> tuple[_Line, list[IngestIssue]]:
    """Strip button text glued to the first line of the page, reporting it."""
    title, prefix = strip_boilerplate(line.text)
    if prefix is None:
        return line, []
    reason = f"site boilerplate {prefix!r} glued to the title removed"
    return _Line(line.number, title), [
        IngestIssue(file, line.number, reason, "info", line.text[:80])
    ]


def _pair(title: _Line | None, abstract: _Line, file: str) -> Iterator[Record | IngestIssue]:
    if title is None:
        yield IngestIssue(
            file,
            abstract.number,
            "abstract line without a title line before it; kept without a title",
            "warning",
            abstract.text[:80],
        )
    start = title.number if title else abstract.number
    yield Record(
        id=f"{file}:{start}",
        abstract=abstract.text,
        provenance=Provenance(file, start, abstract.number, _PARSER),
        title=title.text if title else "",
    )


def _title_without_abstract(title: _Line, file: str) -> IngestIssue:
    return IngestIssue(
        file,
        title.number,
        "line is not followed by an abstract line (a title without abstract, or a stray line)",
        "error",
        title.text[:80],
    )


def _is_boilerplate(text: str) -> bool:
    return any(pattern.fullmatch(text) for pattern in _BOILERPLATE_LINES)
