"""The whole trends stage in one call: every table the report needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from topics.trends._classify import trend_table
from topics.trends._keywords import KEYWORD_COLUMNS, topic_keywords_by_year
from topics.trends._options import TrendOptions
from topics.trends._tables import by_year, corpus_years

__all__ = ["TrendTables", "compute_trends"]


@dataclass(frozen=True, slots=True)
class TrendTables:
    """Everything the trends stage produces; each table is written as one CSV.

    Attributes
    ----------
    corpus : dict
        :func:`corpus_years`: years covered, totals, undated and incomplete years.
    themes_by_year, topics_by_year : DataFrame
        :func:`by_year` for each kind.
    trends : DataFrame
        :func:`trend_table` of themes then topics.
    topic_keywords : DataFrame
        :func:`topic_keywords_by_year` of the topic memberships.
    """

    corpus: dict[str, Any]
    themes_by_year: pd.DataFrame
    topics_by_year: pd.DataFrame
    trends: pd.DataFrame
    topic_keywords: pd.DataFrame


def compute_trends(
    papers: pd.DataFrame,
    memberships: pd.DataFrame,
    *,
    reference_date: date | None,
    options: TrendOptions | None = None,
) -> TrendTables:
    """Yearly shares, trend statistics and topic keywords of every theme and topic.

    Parameters
    ----------
    papers : DataFrame
        ``paper_id`` (str), ``year`` (nullable Int64; ``<NA>`` = undated) and
        ``text`` (cleaned abstract).
    memberships : DataFrame
        Long table ``kind`` ("theme" | "topic"), ``name``, ``paper_id``.
    reference_date : date or None
        Newest date of the data; a year ending after it is flagged incomplete.
    options : TrendOptions, optional
        Thresholds and year range.

    Returns
    -------
    TrendTables
    """
    options = options or TrendOptions()
    themes = by_year(papers, memberships, "theme", options, reference_date=reference_date)
    topics = by_year(papers, memberships, "topic", options, reference_date=reference_date)
    trends = trend_table(pd.concat([themes, topics], ignore_index=True), options, reference_date)
    topic_rows = memberships[memberships["kind"] == "topic"]
    if len(topic_rows):
        topic_of_paper = pd.Series(
            topic_rows["name"].astype(str).to_numpy(),
            index=topic_rows["paper_id"].astype(str).to_numpy(),
        )
        keywords = topic_keywords_by_year(
            papers,
            topic_of_paper,
            options.keyword_top_n,
            min_papers=options.keyword_min_papers,
        )
    else:
        keywords = pd.DataFrame({c: pd.Series(dtype=object) for c in KEYWORD_COLUMNS})
    return TrendTables(
        corpus=corpus_years(papers, reference_date, options),
        themes_by_year=themes,
        topics_by_year=topics,
        trends=trends,
        topic_keywords=keywords,
    )
