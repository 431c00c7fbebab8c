"""Statistics per theme and per topic by year: shares, trends, bursts, keywords.

Pure functions over pandas DataFrames; no I/O. :func:`compute_trends` runs
them all and returns a :class:`TrendTables`; the pieces are public so that a
report or a notebook can recompute one table with other options.

``by_year`` → yearly counts, shares and Wilson intervals per group;
``trend_table`` → slope, test, status and key years per group;
``corpus_years`` → what the corpus covers; ``topic_keywords_by_year`` →
c-TF-IDF keywords per (topic, year).
"""

from __future__ import annotations

from topics.trends._classify import TREND_COLUMNS, trend_table
from topics.trends._compute import TrendTables, compute_trends
from topics.trends._keywords import KEYWORD_COLUMNS, topic_keywords_by_year
from topics.trends._options import TrendOptions
from topics.trends._stats import (
    BinomialTrend,
    binomial_trend_test,
    kleinberg_bursts,
    mann_kendall,
    theil_sen,
    wilson_intervals,
)
from topics.trends._tables import BY_YEAR_COLUMNS, auto_min_year_total, by_year, corpus_years

__all__ = [
    "BY_YEAR_COLUMNS",
    "KEYWORD_COLUMNS",
    "TREND_COLUMNS",
    "BinomialTrend",
    "TrendOptions",
    "TrendTables",
    "auto_min_year_total",
    "binomial_trend_test",
    "by_year",
    "compute_trends",
    "corpus_years",
    "kleinberg_bursts",
    "mann_kendall",
    "theil_sen",
    "topic_keywords_by_year",
    "trend_table",
    "wilson_intervals",
]
