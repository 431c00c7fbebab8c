"""One row per group: direction, strength, significance, status and key years.

Which years count (``usable`` years): years inside the analysed range whose
corpus total reaches ``min_year_total``, minus the incomplete last year when
``exclude_incomplete_last_year`` is set. The slope, the test, the peak and the
status use only those; every exclusion is named in the ``rule`` column so a
reader knows what the status rests on.

The status, its p-value, the slope and its interval come from one fit: the
quasi-binomial GLM of :func:`binomial_trend_test` over the years the status
rests on (all usable years, or those from the peak on for ``fading`` and a
decline since the peak). The slope is the fit's change of share per year and
its interval inverts the same test, so a p-value below ``alpha`` is exactly
an interval that excludes zero. A direction is called only when it is also
visible at the precision the report prints (0.01 percentage points a year):
the interval's end nearest zero must not round to zero. The peak is the
usable year with the highest share, the same years the chart draws as solid
points (excluded years are drawn open and named in ``excluded_years``).

The status rules, checked in this order (the first that holds wins):

1. ``insufficient data``: fewer than ``min_usable_years`` usable years, no
   paper of the group in them, or papers in only one of them (no finite
   slope exists then).
2. ``emerging``: the first paper falls in the last ``emerging_years`` years of
   the range, the group was absent from at least one usable year before, and
   its share rises (as above).
3. ``fading``: the pooled share of the last ``fading_recent_years`` usable
   years is below ``fading_ratio`` times the peak share, and the share falls
   from the peak year on (at least ``min_usable_years`` years).
4. ``growing`` / ``declining``: the share rises or falls over all usable
   years; ``declining`` also when only the fall since an earlier peak does.
5. ``stable``: none of the above; the rule gives the p-value, and says so when
   a significant slope is too small to print.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from topics.trends._options import TrendOptions
from topics.trends._stats import (
    BinomialTrend,
    binomial_trend_test,
    kleinberg_bursts,
    mann_kendall,
    theil_sen,
)
from topics.trends._tables import (
    FLAG_INCOMPLETE,
    incomplete_note,
    incomplete_years,
    resolve_options,
)

__all__ = ["TREND_COLUMNS", "trend_table"]

TREND_COLUMNS = (
    "kind",
    "name",
    "slope",
    "slope_low",
    "slope_high",
    "p_value",
    "test",
    "status",
    "rule",
    "first_year",
    "peak_year",
    "bursts",
    "n_years_used",
    "undated",
    "logit_slope",
    "dispersion",
    "mk_tau",
    "mk_p_value",
    "papers",
    "excluded_years",
    "theil_sen",
)

# The report prints slopes as percentage points a year with two decimals.
_PRINTED_SLOPE = 0.00005

TEST_NAME = "quasi-binomial GLM, F test (logit share ~ year)"


@dataclass(frozen=True, slots=True)
class _Series:
    """One group's yearly series, with which years are usable and why others are not."""

    years: np.ndarray
    counts: np.ndarray
    totals: np.ndarray
    usable: np.ndarray
    notes: tuple[str, ...]
    undated: int

    def used(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.years[self.usable], self.counts[self.usable], self.totals[self.usable]


def trend_table(
    by_year_df: pd.DataFrame,
    options: TrendOptions | None = None,
    reference_date: date | None = None,
) -> pd.DataFrame:
    """Trend statistics and status of every group in a :func:`by_year` table.

    Parameters
    ----------
    by_year_df : DataFrame
        Output of :func:`by_year` (one or both kinds).
    options : TrendOptions, optional
        Thresholds of the rules.
    reference_date : date or None
        Newest date of the data. A year ending after it is incomplete; so is
        a year already flagged ``"incomplete year"`` in ``by_year_df``.

    Returns
    -------
    DataFrame
        Columns :data:`TREND_COLUMNS`: ``slope`` (Theil–Sen, share per year,
        over the usable years) with its ``1 - alpha`` interval; ``p_value``
        of the test the status rests on, which ``test`` names with its years
        (all usable years, or those from the peak on for ``fading`` and for a
        decline since the peak); ``status`` and the ``rule`` behind it;
        ``first_year`` (first year with a paper), ``peak_year`` (highest share
        among usable years), ``bursts``
        (``"2016-2018;2019-2019"``), ``n_years_used`` (the years of the test
        behind ``p_value``, as ``test`` lists them), ``undated`` papers,
        then supporting columns: ``logit_slope``, ``dispersion``,
        ``mk_tau``/``mk_p_value`` (Mann–Kendall) and ``papers`` (dated).
    """
    options = options or TrendOptions()
    dated = by_year_df[by_year_df["year"].notna()]
    options = resolve_options(options, dated.groupby("year")["total"].first())
    all_years = sorted(int(y) for y in dated["year"].unique())
    incomplete = set(incomplete_years(all_years, reference_date))
    flagged = dated.loc[
        dated["flags"].fillna("").str.contains(FLAG_INCOMPLETE, regex=False), "year"
    ]
    incomplete |= {int(y) for y in flagged}
    rows = []
    for (kind, name), group in by_year_df.groupby(["kind", "name"], sort=False):
        series = _series(group, options, incomplete, reference_date)
        rows.append({"kind": kind, "name": name, **_summarise(series, all_years, options)})
    table = pd.DataFrame(rows, columns=list(TREND_COLUMNS))
    return table.astype({"first_year": "Int64", "peak_year": "Int64", "n_years_used": "int64"})


def _series(
    group: pd.DataFrame, options: TrendOptions, incomplete: set[int], reference_date: date | None
) -> _Series:
    dated = group[group["year"].notna()].sort_values("year")
    years = dated["year"].to_numpy(dtype=np.int64)
    totals = dated["total"].to_numpy(dtype=np.int64)
    too_few = totals < options.min_year_total
    dropped_incomplete = np.isin(years, sorted(incomplete)) & options.exclude_incomplete_last_year
    notes = []
    if too_few.any():
        notes.append(
            f"{_year_list(years[too_few])} excluded: too few papers "
            f"(under trends.min_year_total={options.min_year_total} in the corpus)"
        )
    dropped_incomplete &= ~too_few
    if dropped_incomplete.any():
        note = incomplete_note(reference_date) if reference_date else FLAG_INCOMPLETE
        notes.append(f"{_year_list(years[dropped_incomplete])} excluded: {note}")
    return _Series(
        years=years,
        counts=dated["count"].to_numpy(dtype=np.int64),
        totals=totals,
        usable=~too_few & ~dropped_incomplete,
        notes=tuple(notes),
        undated=int(group.loc[group["year"].isna(), "count"].sum()),
    )


@dataclass(frozen=True, slots=True)
class _Verdict:
    """A status, the rule behind it, and the test (and its years) it rests on."""

    status: str
    rule: str
    trend: BinomialTrend
    tested_years: np.ndarray


def _summarise(series: _Series, all_years: list[int], options: TrendOptions) -> dict[str, Any]:
    years, counts, totals = series.used()
    shares = counts / totals if len(totals) else np.array([])
    theil, _, _ = theil_sen(years, shares, confidence=1 - options.alpha)
    tau, mk_p = mann_kendall(years, shares)
    verdict = _classify(series, all_years, options)
    insufficient = verdict.status == "insufficient data"
    trend = verdict.trend
    return {
        "slope": math.nan if insufficient else trend.slope,
        "slope_low": math.nan if insufficient else trend.slope_low,
        "slope_high": math.nan if insufficient else trend.slope_high,
        "p_value": math.nan if insufficient else trend.p_value,
        "test": f"{TEST_NAME}, {_span(verdict.tested_years)}",
        "status": verdict.status,
        "rule": "; ".join([verdict.rule, *series.notes]),
        "first_year": _first_year(series),
        "peak_year": _peak_year(series),
        # Bursts beside "insufficient data" would claim what the status denies.
        "bursts": "" if insufficient else _bursts(series, options),
        # The years of the test behind p_value: a page prints them under it.
        "n_years_used": len(verdict.tested_years),
        "undated": series.undated,
        "logit_slope": trend.logit_slope,
        "dispersion": trend.dispersion,
        "mk_tau": tau,
        "mk_p_value": mk_p,
        "papers": int(series.counts.sum()),
        "excluded_years": _year_list(series.years[~series.usable])
        if (~series.usable).any()
        else "",
        "theil_sen": theil,
    }


def _direction(trend: BinomialTrend, options: TrendOptions) -> int:
    """+1 rising, -1 falling, 0 neither: significant, and visible at the printed precision.

    The interval inverts the test, so "significant" and "the interval excludes
    zero" agree; the end nearest zero must also print as nonzero.
    """
    if math.isnan(trend.p_value) or trend.p_value >= options.alpha:
        return 0
    if trend.slope_low >= _PRINTED_SLOPE:
        return 1
    if trend.slope_high <= -_PRINTED_SLOPE:
        return -1
    return 0


def _classify(series: _Series, all_years: list[int], options: TrendOptions) -> _Verdict:
    years, counts, totals = series.used()
    trend = binomial_trend_test(years, counts, totals, confidence=1 - options.alpha)
    span = _span(years)
    first_year, peak_year = _first_year(series), _peak_year(series)
    if len(years) < options.min_usable_years:
        rule = (
            f"insufficient data: {_usable_years(years, series)} (need "
            f"trends.min_usable_years={options.min_usable_years})"
        )
        return _Verdict("insufficient data", rule, trend, years)
    if first_year is None or peak_year is None:
        rule = f"insufficient data: no papers in the usable years {span}"
        return _Verdict("insufficient data", rule, trend, years)
    with_papers = years[counts > 0]
    if len(with_papers) < 2:
        rule = (
            f"insufficient data: papers in only one usable year ({with_papers[0]}) of {span}; "
            f"a trend needs papers in two"
        )
        return _Verdict("insufficient data", rule, trend, years)
    direction = _direction(trend, options)
    emerging_from = all_years[-1] - options.emerging_years + 1
    if first_year >= emerging_from and np.any(years < first_year) and direction > 0:
        rule = (
            f"emerging: first appeared {first_year} (within the last {options.emerging_years} "
            f"years, {emerging_from}–{all_years[-1]}) and rising ({_slope(trend)}, {_p(trend)}) "
            f"over {span}"
        )
        return _Verdict("emerging", rule, trend, years)
    fading = _fading(series, peak_year, options)
    if fading is not None:
        return fading
    if direction:
        status, verb = ("growing", "rises") if direction > 0 else ("declining", "falls")
        rule = f"{status}: share {verb} ({_slope(trend)}, {_p(trend)}) over {span}"
        return _Verdict(status, rule, trend, years)
    since_peak = _decline_since_peak(series, peak_year, options)
    if since_peak is not None:
        after = years[years >= peak_year]
        rule = (
            f"declining since the {peak_year} peak: {_slope(since_peak)}, {_p(since_peak)} "
            f"over {_span(after)}, with no clear trend over {span} ({_p(trend)})"
        )
        return _Verdict("declining", rule, since_peak, after)
    if not math.isnan(trend.p_value) and trend.p_value < options.alpha:
        rule = (
            f"stable: {_p(trend)} over {span}, but the slope's interval ({_slope(trend)}) "
            f"does not clear zero at 0.01 pp/yr"
        )
    else:
        rule = f"stable: no significant trend over {span} ({_p(trend)})"
    return _Verdict("stable", rule, trend, years)


def _usable_years(years: np.ndarray, series: _Series) -> str:
    """``only 2 usable years (2018, 2019) of 2014–2019``, naming what is left."""
    listed = f" ({_year_list(years)})" if len(years) else ""
    total = len(series.years)
    noun = "year" if len(years) == 1 else "years"
    of = f" of {_span(series.years)}" if total else ""
    return f"only {len(years)} usable {noun}{listed}{of}"


def _fading(series: _Series, peak_year: int, options: TrendOptions) -> _Verdict | None:
    """Fading: the recent share has collapsed from the peak, and the fall is significant."""
    years, counts, totals = series.used()
    recent = slice(len(years) - options.fading_recent_years, None)
    if peak_year >= years[recent][0]:
        return None
    peak_share = float(np.max(counts / totals))
    recent_share = counts[recent].sum() / totals[recent].sum()
    if recent_share >= options.fading_ratio * peak_share:
        return None
    decline = _decline_since_peak(series, peak_year, options)
    if decline is None:
        return None
    after = years[years >= peak_year]
    rule = (
        f"fading: share in {_span(years[recent])} is {recent_share / peak_share:.0%} of the "
        f"{peak_year} peak (below {options.fading_ratio:.0%}) and falls since the peak: "
        f"{_slope(decline)}, {_p(decline)} over {_span(after)}"
    )
    return _Verdict("fading", rule, decline, after)


def _decline_since_peak(
    series: _Series, peak_year: int, options: TrendOptions
) -> BinomialTrend | None:
    """The trend test from the peak year on, if it shows a significant decline.

    Like any trend here it needs ``min_usable_years`` years from the peak on.
    """
    years, counts, totals = series.used()
    after = years >= peak_year
    if after.sum() < options.min_usable_years or after.all():
        return None
    trend = binomial_trend_test(
        years[after], counts[after], totals[after], confidence=1 - options.alpha
    )
    return trend if _direction(trend, options) < 0 else None


def _peak_year(series: _Series) -> int | None:
    """Year of the highest share among usable years (the earliest if tied)."""
    years, counts, totals = series.used()
    if not counts.sum():
        return None
    return int(years[int(np.argmax(counts / totals))])


def _first_year(series: _Series) -> int | None:
    present = series.years[series.counts > 0]
    return int(present[0]) if len(present) else None


def _bursts(series: _Series, options: TrendOptions) -> str:
    """Kleinberg bursts over every year with papers, incomplete and thin years included.

    The automaton weighs each year by its total, so a thin year cannot fake a
    burst and needs no exclusion.
    """
    has_papers = series.totals > 0
    years = series.years[has_papers]
    runs = kleinberg_bursts(
        series.counts[has_papers],
        series.totals[has_papers],
        s=options.burst_s,
        gamma=options.burst_gamma,
    )
    return ";".join(f"{years[start]}-{years[end]}" for start, end in runs)


def _span(years: np.ndarray) -> str:
    if not len(years):
        return "no years"
    return f"{years[0]}–{years[-1]} ({len(years)} years)"


def _year_list(years: np.ndarray) -> str:
    """``1991–1993, 1995`` for the years given."""
    parts: list[str] = []
    start = previous = int(years[0])
    for year in [*(int(y) for y in years[1:]), None]:
        if year is not None and year == previous + 1:
            previous = year
            continue
        parts.append(str(start) if start == previous else f"{start}–{previous}")
        if year is not None:
            start = previous = year
    return ", ".join(parts)


def _p(trend: BinomialTrend) -> str:
    if math.isnan(trend.p_value):
        return "p not computable"
    return "p<0.001" if trend.p_value < 0.001 else f"p={trend.p_value:.3f}"


def _pp(slope: float) -> str:
    return "unbounded" if math.isnan(slope) else f"{slope * 100:+.2f}"


def _slope(trend: BinomialTrend) -> str:
    """``+1.52 pp/yr, interval +0.87 to +2.49``: the fitted slope and its interval.

    When the share steps to or from zero no finite slope fits, but the
    interval still has one finite end: the text states that bound instead
    of an "unbounded pp/yr" headline.
    """
    interval = f"interval {_pp(trend.slope_low)} to {_pp(trend.slope_high)}"
    step = "a step too sharp for a fitted rate"
    if math.isnan(trend.slope):
        if math.isnan(trend.slope_low) and not math.isnan(trend.slope_high):
            return f"≤ {_pp(trend.slope_high)} pp/yr, {step} ({interval})"
        if math.isnan(trend.slope_high) and not math.isnan(trend.slope_low):
            return f"≥ {_pp(trend.slope_low)} pp/yr, {step} ({interval})"
    return f"{_pp(trend.slope)} pp/yr, {interval}"
