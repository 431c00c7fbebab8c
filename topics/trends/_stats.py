"""Statistics on short yearly series of counts out of totals.

A group's series is a handful of years (5 to 30), each with ``k`` papers of the
group out of ``n`` dated papers of that year, where ``n`` varies a lot (an
arXiv sample has 170 papers in 2005 and 8,500 in 2019). The choices below
follow from that:

* **Wilson interval** per year, from :func:`scipy.stats.binomtest`: unlike the
  normal approximation it stays inside [0, 1] and is honest for small ``n`` or
  ``k = 0``.
* **Trend test**: a binomial GLM (logit share ~ year) fitted to the counts out of
  the totals, so a year with 8,000 papers weighs more than one with 170, and a
  year with no paper of the group is information, not a missing value. Yearly
  shares of a real corpus vary more than binomial sampling alone allows
  (conference cycles, category changes), and with thousands of papers a year a
  plain binomial test calls every wobble significant. So the test is
  quasi-binomial: the deviance drop is divided by the Pearson dispersion
  (floored at 1, so never more confident than the binomial model) and
  referred to an F(1, m-2) distribution, which accounts for estimating the
  dispersion from only ``m`` points.
* **Theil–Sen slope** of the shares, with its interval: a robust, readable
  strength (share points per year) that one outlying year cannot drive.
* **Mann–Kendall** (Kendall's tau of share against year) as a distribution-free
  cross-check; it ignores the totals, so it is reported, not used to classify.
* **Kleinberg bursts**: the two-state automaton for batched data (Kleinberg
  2002, "Bursty and hierarchical structure in streams", section 4), solved
  exactly by dynamic programming. The package ``burst_detection`` implements
  it but has had no release since 2018, so it is written out here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, stats
from scipy.special import expit, log_expit, xlogy

__all__ = [
    "BinomialTrend",
    "binomial_trend_test",
    "kleinberg_bursts",
    "mann_kendall",
    "theil_sen",
    "wilson_intervals",
]

FloatArray = NDArray[np.float64]

_MAX_NEWTON_STEPS = 100
_PROB_CLIP = 1e-12


def wilson_intervals(
    counts: ArrayLike, totals: ArrayLike, *, confidence: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Wilson score interval of ``counts / totals``, element by element.

    Each interval comes from ``scipy.stats.binomtest(k, n).proportion_ci``;
    pairs repeat a lot (zero counts of a year), so each distinct pair is
    computed once. ``n = 0`` gives NaN bounds: there is no share to bound.

    Parameters
    ----------
    counts, totals : array-like of int
        Successes and trials, same length.
    confidence : float, default=0.95
        Confidence level of the interval.

    Returns
    -------
    low, high : ndarray of float
    """
    k = np.asarray(counts, dtype=np.int64)
    n = np.asarray(totals, dtype=np.int64)
    low = np.full(k.shape, np.nan)
    high = np.full(k.shape, np.nan)
    cache: dict[tuple[int, int], tuple[float, float]] = {}
    for i, (ki, ni) in enumerate(zip(k.tolist(), n.tolist(), strict=True)):
        if ni <= 0:
            continue
        if (ki, ni) not in cache:
            ci = stats.binomtest(ki, ni).proportion_ci(confidence_level=confidence, method="wilson")
            cache[ki, ni] = (float(ci.low), float(ci.high))
        low[i], high[i] = cache[ki, ni]
    return low, high


@dataclass(frozen=True, slots=True)
class BinomialTrend:
    """Result of :func:`binomial_trend_test`: one fit gives the test, the slope and its interval.

    Attributes
    ----------
    logit_slope : float
        Change of the log-odds of the share per year (NaN if not estimable).
        ``exp(logit_slope)`` is the odds ratio per year.
    p_value : float
        Two-sided p-value of the quasi-binomial F test of ``logit_slope = 0``.
    dispersion : float
        Pearson dispersion used to scale the test (at least 1).
    n_points : int
        Number of years used.
    slope, slope_low, slope_high : float
        The fitted change of the share per year (the average over the years,
        weighted by their totals, of the GLM's derivative ``b p (1 - p)``) and
        its ``confidence`` interval: the slopes at the ends of the profile
        likelihood interval of ``b``, the values the same F test does not
        reject. So ``p_value < 1 - confidence`` exactly when the interval
        excludes zero. An end the data do not bound (a share that is zero in
        every year but the last) is NaN.
    """

    logit_slope: float
    p_value: float
    dispersion: float
    n_points: int
    slope: float = math.nan
    slope_low: float = math.nan
    slope_high: float = math.nan


def _log_likelihood(eta: FloatArray, k: FloatArray, n: FloatArray) -> float:
    return float(np.sum(k * log_expit(eta) + (n - k) * log_expit(-eta)))


def _fit_logistic(x: FloatArray, k: FloatArray, n: FloatArray) -> tuple[FloatArray, float]:
    """Maximum-likelihood ``(intercept, slope)`` of logit(p) = a + b*x by Newton steps.

    With step halving the log-likelihood never decreases, so even when the
    estimate runs off to infinity (a group present only in the last year:
    quasi-separation) the log-likelihood, and hence the test, converges.
    """
    pooled = k.sum() / n.sum()
    beta = np.array([math.log(pooled / (1 - pooled)), 0.0])
    design = np.column_stack([np.ones_like(x), x])
    ll = _log_likelihood(design @ beta, k, n)
    for _ in range(_MAX_NEWTON_STEPS):
        p = expit(design @ beta)
        weights = n * p * (1 - p)
        gradient = design.T @ (k - n * p)
        hessian = design.T @ (design * weights[:, None])
        step = np.linalg.lstsq(hessian, gradient, rcond=None)[0]
        scale = 1.0
        while scale > 1e-8:
            candidate = beta + scale * step
            candidate_ll = _log_likelihood(design @ candidate, k, n)
            if candidate_ll >= ll - 1e-12:
                break
            scale /= 2
        else:
            break
        gained = candidate_ll - ll
        beta, ll = candidate, candidate_ll
        if gained < 1e-10 * (1 + abs(ll)):
            break
    return beta, ll


def binomial_trend_test(
    years: ArrayLike, counts: ArrayLike, totals: ArrayLike, *, confidence: float = 0.95
) -> BinomialTrend:
    """Quasi-binomial GLM test of a linear trend in the logit of ``counts / totals``.

    Parameters
    ----------
    years, counts, totals : array-like
        One entry per year; every total must be positive.
    confidence : float, default=0.95
        Level of the slope interval; the test at ``alpha = 1 - confidence``
        rejects exactly when the interval excludes zero.

    Returns
    -------
    BinomialTrend
        NaN slope and p-value when there are fewer than 3 years or when the
        group has no paper (or only papers) in them: then there is nothing
        to test.
    """
    x = np.asarray(years, dtype=np.float64)
    k = np.asarray(counts, dtype=np.float64)
    n = np.asarray(totals, dtype=np.float64)
    m = len(x)
    if m < 3 or k.sum() == 0 or k.sum() == n.sum():
        return BinomialTrend(math.nan, math.nan, math.nan, m)
    x = x - x.mean()
    pooled = k.sum() / n.sum()
    null_ll = float(np.sum(xlogy(k, pooled) + xlogy(n - k, 1 - pooled)))
    beta, full_ll = _fit_logistic(x, k, n)
    deviance_drop = max(0.0, 2 * (full_ll - null_ll))
    p = np.clip(expit(beta[0] + beta[1] * x), _PROB_CLIP, 1 - _PROB_CLIP)
    pearson = float(np.sum((k - n * p) ** 2 / (n * p * (1 - p))))
    dispersion = max(1.0, pearson / (m - 2))
    p_value = float(stats.f.sf(deviance_drop / dispersion, 1, m - 2))
    # The interval inverts the same test: b is inside while 2 * (ll_max - ll_profile(b)),
    # scaled by the dispersion, stays below the F critical value.
    drop = float(stats.f.isf(1 - confidence, 1, m - 2)) * dispersion / 2
    low, high = _profile_interval(x, k, n, float(beta[1]), full_ll, drop)
    return BinomialTrend(
        logit_slope=float(beta[1]),
        p_value=p_value,
        dispersion=dispersion,
        n_points=m,
        # At an unbounded slope (papers only at one end) no finite estimate exists.
        slope=_share_slope(x, k, n, float(beta[1]), float(beta[0]))
        if abs(beta[1]) < _UNBOUNDED_LOGIT_SLOPE
        else math.nan,
        slope_low=_share_slope(x, k, n, low),
        slope_high=_share_slope(x, k, n, high),
    )


# Log-odds per year beyond which a slope counts as unbounded (the odds grow e^20-fold a year).
_UNBOUNDED_LOGIT_SLOPE = 20.0


def _profile_ll(x: FloatArray, k: FloatArray, n: FloatArray, b: float) -> tuple[float, float]:
    """``(intercept, log-likelihood)`` maximised over the intercept for a fixed slope ``b``."""
    offset = b * x
    pooled = k.sum() / n.sum()
    a = math.log(pooled / (1 - pooled)) - float(np.average(offset, weights=n))
    ll = _log_likelihood(a + offset, k, n)
    for _ in range(_MAX_NEWTON_STEPS):
        p = expit(a + offset)
        curvature = float(np.sum(n * p * (1 - p)))
        if curvature <= 0:
            break
        step = max(-5.0, min(5.0, float(np.sum(k - n * p)) / curvature))
        candidate_ll = _log_likelihood(a + step + offset, k, n)
        while candidate_ll < ll - 1e-12 and abs(step) > 1e-12:
            step /= 2
            candidate_ll = _log_likelihood(a + step + offset, k, n)
        gained = candidate_ll - ll
        a, ll = a + step, max(ll, candidate_ll)
        if abs(step) < 1e-10 or gained < 1e-12 * (1 + abs(ll)):
            break
    return a, ll


def _profile_interval(
    x: FloatArray, k: FloatArray, n: FloatArray, b_hat: float, full_ll: float, drop: float
) -> tuple[float, float]:
    """The ends of the slopes ``b`` whose profile log-likelihood is within ``drop`` of the best.

    An end beyond ``_UNBOUNDED_LOGIT_SLOPE`` is NaN: the data do not bound it.
    """
    limit = _UNBOUNDED_LOGIT_SLOPE
    b_hat = float(np.clip(b_hat, -limit, limit))

    def excess(b: float) -> float:
        return full_ll - _profile_ll(x, k, n, b)[1] - drop

    ends = []
    for direction in (-1.0, 1.0):
        inner, step = b_hat, 0.01
        outer = float(np.clip(b_hat + direction * step, -limit, limit))
        while excess(outer) < 0 and abs(outer) < limit:
            inner, step = outer, step * 2
            outer = float(np.clip(b_hat + direction * step, -limit, limit))
        if excess(outer) < 0:
            ends.append(math.nan)
        elif excess(inner) >= 0:
            ends.append(inner)
        else:
            ends.append(float(optimize.brentq(excess, inner, outer, xtol=1e-10)))
    return ends[0], ends[1]


def _share_slope(
    x: FloatArray, k: FloatArray, n: FloatArray, b: float, a: float | None = None
) -> float:
    """The GLM's change of share per year at logit slope ``b``, averaged over the years.

    ``d p / d year = b p (1 - p)``, weighted by each year's total, with the
    intercept that best fits the data for this ``b`` (profiled when not given).
    """
    if math.isnan(b):
        return math.nan
    if a is None:
        a = _profile_ll(x, k, n, b)[0]
    p = expit(a + b * x)
    return float(b * np.average(p * (1 - p), weights=n))


def theil_sen(
    years: ArrayLike, shares: ArrayLike, *, confidence: float = 0.95
) -> tuple[float, ...]:
    """Theil–Sen slope of ``shares`` over ``years`` and its confidence interval.

    Returns
    -------
    slope, low, high : float
        Share per year; NaN with fewer than 2 points.
    """
    x = np.asarray(years, dtype=np.float64)
    y = np.asarray(shares, dtype=np.float64)
    if len(x) < 2:
        return (math.nan, math.nan, math.nan)
    result = stats.theilslopes(y, x, alpha=confidence)
    return (float(result.slope), float(result.low_slope), float(result.high_slope))


def mann_kendall(years: ArrayLike, shares: ArrayLike) -> tuple[float, float]:
    """Kendall's tau of ``shares`` against ``years`` and its two-sided p-value.

    This is the Mann–Kendall trend statistic (tau-b, whose variance accounts
    for tied shares). NaN for fewer than 3 points or a constant series.
    """
    x = np.asarray(years, dtype=np.float64)
    y = np.asarray(shares, dtype=np.float64)
    if len(x) < 3 or np.all(y == y[0]):
        return (math.nan, math.nan)
    result = stats.kendalltau(x, y)
    return (float(result.statistic), float(result.pvalue))


def kleinberg_bursts(
    counts: ArrayLike, totals: ArrayLike, *, s: float = 2.0, gamma: float = 1.0
) -> list[tuple[int, int]]:
    """Burst periods of a batched stream by Kleinberg's two-state automaton.

    Batch ``t`` has ``counts[t]`` relevant items out of ``totals[t]``. State 0
    emits relevant items at the base rate ``p0 = sum(counts) / sum(totals)``,
    state 1 at ``p1 = s * p0``. A state's cost in a batch is the negative
    binomial log-likelihood of the batch under its rate; moving up from 0 to 1
    costs ``gamma * ln(number of batches)`` and moving down is free. The
    cheapest state sequence, starting in state 0, is found by the Viterbi
    recursion; the bursts are its maximal runs in state 1.

    Parameters
    ----------
    counts, totals : array-like of int
        Same length; batches with a zero total cost nothing in either state.
    s : float, default=2.0
        Rate multiplier of the burst state, > 1.
    gamma : float, default=1.0
        Weight of the cost of entering the burst state, > 0.

    Returns
    -------
    list of (start, end)
        Inclusive batch indices of each burst, in order.
    """
    k = np.asarray(counts, dtype=np.float64)
    n = np.asarray(totals, dtype=np.float64)
    if len(k) == 0 or k.sum() == 0 or k.sum() == n.sum():
        return []
    p0 = k.sum() / n.sum()
    p1 = min(s * p0, 1 - 1e-9)
    cost = np.stack(
        [-(xlogy(k, p) + xlogy(n - k, 1 - p)) for p in (p0, p1)], axis=1
    )  # shape (batches, 2)
    entry = gamma * math.log(len(k)) if len(k) > 1 else gamma
    states = _viterbi_two_states(cost, entry)
    return _runs_of_ones(states)


def _viterbi_two_states(cost: FloatArray, entry: float) -> list[int]:
    """Cheapest 0/1 state path for per-batch ``cost`` with an up-move cost ``entry``."""
    batches = len(cost)
    best = np.empty((batches, 2))
    came_from = np.zeros((batches, 2), dtype=np.int64)
    previous = (0.0, math.inf)  # the automaton starts in the base state
    for t in range(batches):
        stay_low = (previous[0], previous[1])  # moving down is free
        to_low = int(np.argmin(stay_low))
        to_high_options = (previous[0] + entry, previous[1])
        to_high = int(np.argmin(to_high_options))
        best[t, 0] = cost[t, 0] + stay_low[to_low]
        best[t, 1] = cost[t, 1] + to_high_options[to_high]
        came_from[t] = (to_low, to_high)
        previous = (best[t, 0], best[t, 1])
    state = int(np.argmin(best[-1]))
    path = [state]
    for t in range(batches - 1, 0, -1):
        state = int(came_from[t, state])
        path.append(state)
    return path[::-1]


def _runs_of_ones(states: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for i, state in enumerate([*states, 0]):
        if state == 1 and start is None:
            start = i
        elif state == 0 and start is not None:
            runs.append((start, i - 1))
            start = None
    return runs
