"""Yearly counts and shares per group, and what the corpus covers.

The share of a group in a year is its papers out of *all dated papers of that
year*, because the corpus is a sample whose size changes from year to year
(see the arXiv archive's README): raw counts would show the sampling, shares
show the field. Papers without a year are never dropped: they are counted per
group in a row whose ``year`` is ``<NA>`` and whose flag is ``"undated"``.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any, Literal

import numpy as np
import pandas as pd

from topics.trends._options import TrendOptions
from topics.trends._stats import wilson_intervals

__all__ = [
    "BY_YEAR_COLUMNS",
    "auto_min_year_total",
    "by_year",
    "corpus_years",
    "incomplete_years",
    "resolve_options",
]

Kind = Literal["theme", "topic"]

BY_YEAR_COLUMNS = (
    "kind",
    "name",
    "year",
    "count",
    "total",
    "share",
    "ci_low",
    "ci_high",
    "flags",
)

FLAG_TOO_FEW = "too few papers"
FLAG_INCOMPLETE = "incomplete year"
FLAG_UNDATED = "undated"


AUTO_MIN_YEAR_TOTAL_RANGE = (3, 20)


def auto_min_year_total(dated_papers: int, n_years: int) -> int:
    """``trends.min_year_total: auto``: a quarter of the average year, within 3..20.

    A fixed 20 left a 60-paper corpus over 6 years (10 a year) without a single
    usable year. A quarter of the average keeps every ordinary year of a small
    corpus and still drops a year with a handful of papers in a large one
    (the 2019 arXiv archive's years before ~1995); 3 is the least from which a
    share means anything, 20 the most a year ever needs (the GLM weighs years
    by their totals, and the Wilson interval shows a thin year's uncertainty).

    >>> auto_min_year_total(60, 6), auto_min_year_total(6042, 20)
    (3, 20)
    """
    low, high = AUTO_MIN_YEAR_TOTAL_RANGE
    if n_years <= 0:
        return low
    return int(min(high, max(low, math.ceil(dated_papers / n_years / 4))))


def resolve_options(options: TrendOptions, totals: pd.Series) -> TrendOptions:
    """``options`` with ``min_year_total: auto`` replaced by its value for these yearly totals."""
    if options.min_year_total != "auto":
        return options
    value = auto_min_year_total(int(totals.sum()), len(totals))
    return options.model_copy(update={"min_year_total": value})


def incomplete_note(reference_date: date) -> str:
    """The flag text of a year the data does not cover to its end."""
    return f"{FLAG_INCOMPLETE} (data up to {reference_date.isoformat()})"


def incomplete_years(years: list[int], reference_date: date | None) -> list[int]:
    """Years in ``years`` that end after ``reference_date`` (none if it is unknown)."""
    if reference_date is None:
        return []
    return [y for y in years if reference_date < date(y, 12, 31)]


def paper_years(papers: pd.DataFrame) -> pd.Series:
    """``year`` (nullable Int64) indexed by ``paper_id``; rejects duplicate ids."""
    missing = {"paper_id", "year"} - set(papers.columns)
    if missing:
        raise ValueError(f"papers must have columns paper_id and year; missing {sorted(missing)}")
    ids = papers["paper_id"].astype(str)
    duplicated = ids[ids.duplicated()]
    if len(duplicated):
        raise ValueError(
            f"papers has {len(duplicated)} duplicate paper_id values, "
            f"e.g. {duplicated.iloc[0]!r}; dedupe the corpus first"
        )
    index = pd.Index(ids.to_numpy(dtype=object), dtype=object)
    return pd.Series(papers["year"].astype("Int64").array, index=index, name="year")


def year_span(years: pd.Series, options: TrendOptions) -> list[int]:
    """Every year from the first to the last dated paper, clipped to the options' range."""
    dated = years.dropna()
    if not len(dated):
        return []
    first, last = int(dated.min()), int(dated.max())
    if options.min_year is not None:
        first = max(first, options.min_year)
    if options.max_year is not None:
        last = min(last, options.max_year)
    return list(range(first, last + 1))


def corpus_years(
    papers: pd.DataFrame,
    reference_date: date | None,
    options: TrendOptions | None = None,
) -> dict[str, Any]:
    """What the corpus covers in time, as plain JSON-ready values.

    Parameters
    ----------
    papers : DataFrame
        With ``paper_id`` and ``year`` (nullable Int64; ``<NA>`` = undated).
    reference_date : date or None
        Newest date of the data; a year ending after it is incomplete.
    options : TrendOptions, optional
        For the year range and ``min_year_total``.

    Returns
    -------
    dict
        ``first_year``, ``last_year``, ``years`` (list), ``totals``
        ({year: papers}), ``n_papers``, ``dated``, ``undated``,
        ``outside_range`` (dated but outside ``min_year``/``max_year``),
        ``reference_date`` (ISO or None), ``incomplete_year`` (int or None),
        ``incomplete_note``, ``low_years`` (totals below ``min_year_total``),
        ``min_year_total`` (resolved) and ``min_year_total_auto``.
    """
    options = options or TrendOptions()
    years = paper_years(papers)
    span = year_span(years, options)
    totals = _totals(years, span)
    auto = options.min_year_total == "auto"
    options = resolve_options(options, totals)
    incomplete = incomplete_years(span, reference_date)
    in_span = int(totals.sum())
    undated = int(years.isna().sum())
    return {
        "first_year": span[0] if span else None,
        "last_year": span[-1] if span else None,
        "years": span,
        "totals": {int(y): int(n) for y, n in totals.items()},
        "n_papers": len(years),
        "dated": len(years) - undated,
        "undated": undated,
        "outside_range": len(years) - undated - in_span,
        "reference_date": reference_date.isoformat() if reference_date else None,
        "incomplete_year": incomplete[0] if incomplete else None,
        "incomplete_note": incomplete_note(reference_date)
        if incomplete and reference_date
        else None,
        "low_years": [int(y) for y, n in totals.items() if n < options.min_year_total],
        "min_year_total": options.min_year_total,
        "min_year_total_auto": auto,
    }


def _totals(years: pd.Series, span: list[int]) -> pd.Series:
    dated = years.dropna().astype(np.int64)
    return dated.value_counts().reindex(span, fill_value=0).sort_index()


def _members(memberships: pd.DataFrame, kind: str, years: pd.Series) -> pd.DataFrame:
    """The (name, paper_id, year) rows of ``kind``; unknown paper ids are an error, not a drop."""
    missing = {"kind", "name", "paper_id"} - set(memberships.columns)
    if missing:
        raise ValueError(f"memberships must have columns kind, name, paper_id; missing {missing}")
    rows = memberships.loc[memberships["kind"] == kind, ["name", "paper_id"]]
    rows = rows.astype({"name": str, "paper_id": str}).drop_duplicates()
    # get_indexer on the object index: Series.isin on arrow strings is ten times slower.
    positions = years.index.get_indexer(rows["paper_id"].to_numpy(dtype=object))
    if (positions < 0).any():
        unknown = rows["paper_id"].to_numpy()[positions < 0]
        raise ValueError(
            f"{len(unknown)} {kind} memberships name papers that are not in papers, "
            f"e.g. paper_id {unknown[0]!r}"
        )
    return rows.assign(year=years.to_numpy()[positions])


def name_sort_key(name: str) -> tuple[int, float, str]:
    """Order numeric topic ids numerically (``2`` before ``10``), other names alphabetically."""
    try:
        return (0, float(name), name)
    except ValueError:
        return (1, 0.0, name.casefold())


def by_year(
    papers: pd.DataFrame,
    memberships: pd.DataFrame,
    kind: Kind,
    options: TrendOptions | None = None,
    *,
    reference_date: date | None = None,
) -> pd.DataFrame:
    """Count and share of each group of ``kind`` per year, with 95% Wilson intervals.

    Every year of the corpus range appears for every group, zero counts
    included, so that a chart shows the gaps. A last row per group with
    ``year = <NA>`` and flag ``"undated"`` holds its undated papers out of all
    undated papers (only when the corpus has undated papers).

    Parameters
    ----------
    papers : DataFrame
        ``paper_id`` (str) and ``year`` (nullable Int64).
    memberships : DataFrame
        Long table with ``kind``, ``name``, ``paper_id``; a paper may be in
        several groups of a kind.
    kind : {"theme", "topic"}
        Which memberships to count.
    options : TrendOptions, optional
        Year range and ``min_year_total``.
    reference_date : date or None, keyword-only
        Newest date of the data, to flag an incomplete year.

    Returns
    -------
    DataFrame
        Columns :data:`BY_YEAR_COLUMNS`. ``flags`` joins ``"too few papers"``
        (total below ``min_year_total``), ``"incomplete year (data up to …)"``
        and ``"undated"`` with ``;``.
    """
    options = options or TrendOptions()
    years = paper_years(papers)
    span = year_span(years, options)
    options = resolve_options(options, _totals(years, span))
    members = _members(memberships, kind, years)
    names = sorted(members["name"].unique(), key=name_sort_key)
    if not names:
        return _empty_by_year()
    member_years = members["year"].to_numpy()
    dated_rows = _dated_rows(members["name"].to_numpy(), member_years, names, span, years)
    dated_rows["flags"] = _year_flags(dated_rows, options, reference_date)
    frames = [dated_rows]
    undated_total = int(years.isna().sum())
    if undated_total:
        frames.append(_undated_rows(members["name"].to_numpy(), member_years, names, undated_total))
    table = pd.concat(frames, ignore_index=True)
    table.insert(0, "kind", kind)
    order = np.lexsort((table["year"].isna().to_numpy(), table["_order"].to_numpy()))
    table = table.iloc[order].drop(columns="_order").reset_index(drop=True)
    table["ci_low"], table["ci_high"] = wilson_intervals(table["count"], table["total"])
    table["share"] = _shares(table["count"], table["total"])
    return table[list(BY_YEAR_COLUMNS)]


def _dated_rows(
    member_names: np.ndarray,
    member_years: np.ndarray,
    names: list[str],
    span: list[int],
    years: pd.Series,
) -> pd.DataFrame:
    frame = pd.DataFrame({"name": member_names, "year": member_years}).dropna()
    counts = (
        frame.groupby(["name", "year"]).size().unstack(fill_value=0)
        if len(frame)
        else pd.DataFrame(index=pd.Index([], name="name"))
    )
    counts = counts.reindex(index=names, columns=span, fill_value=0)
    totals = _totals(years, span)
    n_years = len(span)
    return pd.DataFrame(
        {
            "name": np.repeat(names, n_years),
            "_order": np.repeat(np.arange(len(names)), n_years),
            "year": pd.array(np.tile(span, len(names)), dtype="Int64"),
            "count": counts.to_numpy(dtype=np.int64).ravel(),
            "total": np.tile(totals.to_numpy(dtype=np.int64), len(names)),
        }
    )


def _undated_rows(
    member_names: np.ndarray, member_years: np.ndarray, names: list[str], undated_total: int
) -> pd.DataFrame:
    undated = pd.Series(member_names[pd.isna(member_years)]).value_counts()
    return pd.DataFrame(
        {
            "name": names,
            "_order": np.arange(len(names)),
            "year": pd.array([pd.NA] * len(names), dtype="Int64"),
            "count": undated.reindex(names, fill_value=0).to_numpy(dtype=np.int64),
            "total": np.full(len(names), undated_total, dtype=np.int64),
            "flags": FLAG_UNDATED,
        }
    )


def _year_flags(
    rows: pd.DataFrame, options: TrendOptions, reference_date: date | None
) -> list[str]:
    incomplete = set(incomplete_years(sorted(set(rows["year"].dropna().tolist())), reference_date))
    flags = []
    for year, total in zip(rows["year"].tolist(), rows["total"].tolist(), strict=True):
        parts = []
        if year in incomplete and reference_date is not None:
            parts.append(incomplete_note(reference_date))
        if total < options.min_year_total:
            parts.append(FLAG_TOO_FEW)
        flags.append(";".join(parts))
    return flags


def _shares(counts: pd.Series, totals: pd.Series) -> np.ndarray:
    k = counts.to_numpy(dtype=np.float64)
    n = totals.to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, k / n, np.nan)


def _empty_by_year() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "kind": pd.Series(dtype=str),
            "name": pd.Series(dtype=str),
            "year": pd.Series(dtype="Int64"),
            "count": pd.Series(dtype=np.int64),
            "total": pd.Series(dtype=np.int64),
            "share": pd.Series(dtype=np.float64),
            "ci_low": pd.Series(dtype=np.float64),
            "ci_high": pd.Series(dtype=np.float64),
            "flags": pd.Series(dtype=str),
        }
    )
