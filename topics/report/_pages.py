"""What each page shows: the template context of the index, theme and topic pages.

Each page gets only its own data (a theme page embeds its papers, not the
corpus), which keeps a 10k-paper report within its size budget.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup

from topics.report import charts
from topics.report._changes import changes_page
from topics.report._details import data_quality, run_details
from topics.report._evaluation import evaluation_view
from topics.report._html import script_json
from topics.report._keywords import distinctive_terms, matched_phrase_counts
from topics.report._load import RunData
from topics.report._options import ReportOptions
from topics.report._structure import topic_structure
from topics.report.tables import (
    PaperRow,
    ThemePaper,
    ThemeView,
    TopicView,
    build_papers,
    build_themes,
    build_topics,
    feeding_topics,
    shorten,
    theme_papers,
    topic_themes,
)

__all__ = ["LOOSE_SHARE", "Chart", "Site", "build_site"]

# Topics whose term bars the overview page shows (the largest; each topic page has its own).
TERM_GRID = 24
# Papers below this quantile of topic fit (over the corpus) are marked "loose".
LOOSE_SHARE = 0.1


@dataclass(frozen=True, slots=True)
class Chart:
    """A figure ready for the page: its div id, figure JSON and plotly config JSON."""

    id: str
    figure: Markup
    config: Markup
    css: str = "chart"
    label: str = ""


@dataclass(frozen=True, slots=True)
class Site:
    """The contexts of every page of the report, keyed by output path.

    ``files`` are other files of the report (the full paper lists of pages
    that show only the first ``max_papers``), as text by output path.
    """

    pages: dict[str, tuple[str, dict[str, Any]]]
    files: dict[str, str]


def build_site(run: RunData, options: ReportOptions, *, previous_run: Path | None = None) -> Site:
    """Template name and context of every page, by path relative to the run dir.

    ``previous_run``: where the run that ``data/changes.json`` compares with is
    now (see :func:`~topics.report.render_report`).
    """
    papers = build_papers(run, abstract_chars=options.abstract_chars)
    themes = build_themes(run, charts.PALETTE)
    topics = build_topics(run, charts.PALETTE)
    topic_by_id = {t.id: t for t in topics}
    by_topic: dict[int, list[PaperRow]] = defaultdict(list)
    for paper in papers.values():
        by_topic[paper.topic].append(paper)
    details = run_details(run)
    loose_fit = _loose_fit(papers.values())
    theme_by_name = {t.name: t for t in themes}
    common = {
        "experiment": details.experiment,
        "themes": themes,
        "topics": topics,
        "topic_by_id": topic_by_id,
        "theme_by_name": theme_by_name,
        "incomplete_year": run.corpus_years.get("incomplete_year"),
        "evaluation": evaluation_view(run.evaluation, topic_by_id, theme_by_name, options.max_rows),
    }
    ids = count()
    by_theme = dict(iter(run.assignments.groupby(["theme", "assigned"], sort=False)))
    keywords = _keywords_by_year(run, topic_by_id)
    pages: dict[str, tuple[str, dict[str, Any]]] = {
        "index.html": (
            "index.html",
            {
                **common,
                **_index(run, options, papers, themes, topics, keywords, ids),
                "details": details,
            },
        )
    }
    terms = distinctive_terms(
        [p.title for p in papers.values()],
        _theme_rows(run, list(papers)),
        options.keyword_top_n,
    )
    files: dict[str, str] = {}
    for theme in themes:
        assigned = by_theme.get((theme.name, True), run.assignments.iloc[:0])
        rest = by_theme.get((theme.name, False), run.assignments.iloc[:0])
        context = _theme(run, options, theme, (assigned, rest), papers, topic_by_id, ids)
        context["terms"] = terms.get(theme.name, [])  # computed for all themes at once
        if context["papers_csv"]:
            files[f"themes/{context['papers_csv']}"] = _theme_papers_csv(context.pop("members"))
        context.pop("members", None)
        pages[f"themes/{theme.slug}.html"] = ("theme.html", {**common, **context})
    for topic in topics:
        context = _topic(run, options, topic, by_topic.get(topic.id, []), themes, papers, ids)
        context["loose_fit"] = loose_fit
        context["keywords_by_year"] = [r for r in keywords if r["topic"] is topic]  # read once
        if context["papers_csv"]:
            files[f"topics/{context['papers_csv']}"] = _topic_papers_csv(context.pop("members"))
        context.pop("members", None)
        pages[f"topics/{topic.id}.html"] = ("topic.html", {**common, **context})
    pages["topics/index.html"] = ("structure.html", {**common, **_structure(run, topics, ids)})
    pages["papers/search.html"] = (
        "search.html",
        {**common, **_search(papers, themes, topics, options)},
    )
    pages["changes.html"] = (
        "changes.html",
        changes_page(
            run.run_dir,
            max_rows=options.max_rows,
            previous_run=previous_run,
            theme_slugs={t.name: t.slug for t in themes},
            topic_ids=[t.id for t in topics],
        ),
    )
    return Site(pages=pages, files=files)


def _search(
    papers: Mapping[str, PaperRow],
    themes: Sequence[ThemeView],
    topics: Sequence[TopicView],
    options: ReportOptions,
) -> dict[str, Any]:
    """The search page: every paper in one compact JSON index, searched in the browser.

    One row per paper as a list, ``[title, authors, year, topic, [theme
    numbers], abstract start, url]``, and the theme and topic names once, so
    that 6,000 papers cost about 2 MB. The index goes through
    :func:`script_json`, so no text in it can end its ``<script>`` block.
    """
    theme_number = {t.name: i for i, t in enumerate(themes)}
    rows = [
        [
            p.title,
            shorten(p.authors, 80),
            p.year,
            p.topic,
            [theme_number[t] for t in p.themes if t in theme_number],
            shorten(p.abstract, options.search_abstract_chars),
            p.url,
        ]
        for p in sorted(papers.values(), key=lambda p: (-(p.year or 0), p.title, p.paper_id))
    ]
    index = {
        "themes": [t.name for t in themes],
        "topics": {str(t.id): t.name for t in topics},
        "papers": rows,
    }
    return {
        "root": "../",
        "n_papers": len(rows),
        "years": sorted({p.year for p in papers.values() if p.year}),
        "search_index": script_json(index),
    }


def _structure(run: RunData, topics: Sequence[TopicView], ids: count[int]) -> dict[str, Any]:
    """The topic overview page: similarity heat map, merge tree, term bars of the largest."""
    structure = topic_structure(run.topic_similarity, topics)
    largest = sorted((t for t in topics if not t.is_outliers), key=lambda t: (-t.size, t.id))
    return {
        "root": "../",
        "structure": structure,
        "has_similarity": run.topic_similarity is not None,
        "similarity_chart": _chart(structure.similarity, ids, label="topic similarity heat map")
        if structure
        else None,
        "hierarchy_chart": _chart(structure.hierarchy, ids, label="topic hierarchy")
        if structure
        else None,
        "term_charts": [
            (
                t,
                _chart(
                    charts.terms_figure(t.keywords, t.weights, t.color),
                    ids,
                    css="chart multiple",
                    config=charts.SMALL_CONFIG,
                    label=f"keyword weights of topic {t.id}",
                ),
            )
            for t in largest[:TERM_GRID]
            if t.weights and len(t.weights) == len(t.keywords)
        ],
        "n_term_topics": len(largest),
    }


def _index(
    run: RunData,
    options: ReportOptions,
    papers: Mapping[str, PaperRow],
    themes: Sequence[ThemeView],
    topics: Sequence[TopicView],
    keywords: list[dict[str, Any]],
    ids: count[int],
) -> dict[str, Any]:
    years = run.corpus_years
    assigned = {p.paper_id for p in papers.values() if p.themes}
    map_chart, map_note = _map(run, options, papers, themes, topics, ids)
    return {
        "root": "",
        "quality": data_quality(run, papers, options.max_rows),
        "n_papers": len(papers),
        "n_unassigned": len(papers) - len(assigned),
        "first_year": years.get("first_year") or (years.get("years") or [None])[0],
        "last_year": years.get("last_year") or (years.get("years") or [None])[-1],
        "n_undated": int(years.get("undated") or 0),
        "sparklines": {
            t.name: _chart(
                charts.sparkline_figure(
                    _complete(run, t.name), t.color, excluded=years.get("low_years") or []
                ),
                ids,
                css="sparkline",
                config=charts.SPARK_CONFIG,
                label=f"share of {t.name} by year",
            )
            for t in themes
        },
        "multiples": _multiples(run, themes, ids),
        "map_chart": map_chart,
        "map_note": map_note,
        "topic_keywords": keywords,
    }


def _multiples(
    run: RunData, themes: Sequence[ThemeView], ids: count[int]
) -> list[tuple[ThemeView, Chart]]:
    """One small share-by-year chart per theme, on one scale so that they compare.

    Eleven lines with their bands in one chart are unreadable; side by side
    each theme's shape and interval stay visible. The scale's top holds every
    share and interval of the years that count, so no band is cut off; a
    year left out of the trends (few papers, incomplete) that rises above it
    is pinned to the top as a triangle (see ``charts.trend_figure``).
    """
    years = run.corpus_years
    low = [int(y) for y in years.get("low_years") or []]
    excluded = [*low, *([years["incomplete_year"]] if years.get("incomplete_year") else [])]
    rows = {t.name: _rows(run.themes_by_year, t.name) for t in themes}
    top = [
        float(r.loc[~r["year"].isin(excluded), column].max())
        for r in rows.values()
        if len(r) and (~r["year"].isin(excluded)).any()
        for column in ("share", "ci_high")
    ]
    y_max = min(1.0, max([v for v in top if math.isfinite(v)] or [0.0]) * 1.05) or None
    return [
        (
            t,
            _chart(
                charts.trend_figure(
                    [charts.Series(t.name, t.color, rows[t.name])],
                    incomplete_year=years.get("incomplete_year"),
                    low_years=low,
                    compact=True,
                    height=190,
                    y_max=y_max,
                ),
                ids,
                config=charts.SMALL_CONFIG,
                css="chart multiple",
                label=f"share of papers in {t.name} by year",
            ),
        )
        for t in themes
        if len(rows[t.name])
    ]


def _theme(
    run: RunData,
    options: ReportOptions,
    theme: ThemeView,
    assignments: tuple[pd.DataFrame, pd.DataFrame],
    papers: Mapping[str, PaperRow],
    topic_by_id: Mapping[int, TopicView],
    ids: count[int],
) -> dict[str, Any]:
    """A theme page; ``assignments`` are its assigned rows and its other rows."""
    assigned, others = assignments
    members = theme_papers(assigned, papers)  # best score first
    rows = _rows(run.themes_by_year, theme.name)
    return {
        "root": "../",
        "theme": theme,
        "chart": _own_trend_chart(
            run, theme.name, theme.color, rows, ids, f"share of papers in {theme.name} by year"
        ),
        **_paper_list(members, options.max_papers, f"{theme.slug}.csv"),
        "near_misses": theme_papers(others, papers, limit=options.near_misses),
        "feeding": feeding_topics((m.paper for m in members), topic_by_id, options.feeding_topics),
        "matched": matched_phrase_counts((m.evidence for m in members), options.keyword_top_n),
    }


def _paper_list(members: Sequence[Any], limit: int, csv_name: str) -> dict[str, Any]:
    """A page's paper table, cut at ``limit``; a longer list also goes to ``csv_name``.

    ``members`` (all of them) is for the caller to write the CSV from and pop.
    """
    return {
        "papers": members[:limit],
        "n_papers": len(members),
        "papers_csv": csv_name if len(members) > limit else "",
        "members": members,
    }


def _own_trend_chart(
    run: RunData, name: str, color: str, rows: pd.DataFrame, ids: count[int], label: str
) -> Chart | None:
    """The trend chart of one theme or topic page; None when it has no yearly rows."""
    if not len(rows):
        return None
    figure = charts.trend_figure(
        [charts.Series(name, color, rows)],
        incomplete_year=run.corpus_years.get("incomplete_year"),
        low_years=[int(y) for y in run.corpus_years.get("low_years") or []],
    )
    return _chart(figure, ids, label=label)


def _topic(
    run: RunData,
    options: ReportOptions,
    topic: TopicView,
    members: list[PaperRow],
    themes: Sequence[ThemeView],
    papers: Mapping[str, PaperRow],
    ids: count[int],
) -> dict[str, Any]:
    rows = _topic_rows(run, topic)
    members = _by_centrality(members)
    return {
        "root": "../",
        "topic": topic,
        "chart": _own_trend_chart(
            run, topic.name, topic.color, rows, ids, f"share of papers in topic {topic.id} by year"
        ),
        **_paper_list(members, options.max_papers, f"{topic.id}.csv"),
        "by_score": any(p.topic_score is not None for p in members),
        "terms_chart": _chart(
            charts.terms_figure(topic.keywords, topic.weights, topic.color),
            ids,
            label=f"keyword weights of topic {topic.id}",
        )
        if topic.weights and len(topic.weights) == len(topic.keywords)
        else None,
        "representative": [papers[i] for i in topic.representative if i in papers],
        "feeds": topic_themes(members, themes, topic.size or len(members)),
    }


def _loose_fit(papers: Iterable[PaperRow]) -> float:
    """The fit below which a paper is marked loose: the corpus's 10% least central papers.

    A share of the corpus rather than of each topic, so that a tight topic
    shows no loose papers and one made of folded outliers shows many.
    """
    scores = [p.topic_score for p in papers if p.topic_score is not None]
    return float(np.quantile(scores, LOOSE_SHARE)) if scores else -math.inf


def _by_centrality(members: Iterable[PaperRow]) -> list[PaperRow]:
    """Most central to the topic first when the run saved scores; else newest first."""
    return sorted(
        members,
        key=lambda p: (
            -(p.topic_score if p.topic_score is not None else -math.inf),
            -(p.year or 0),
            p.title,
            p.paper_id,
        ),
    )


def _theme_papers_csv(members: Sequence[ThemePaper]) -> str:
    """Every paper of a theme, best score first, for a page that lists only the first ones."""
    return _csv(
        ("paper_id", "title", "year", "score", "topic", "url"),
        (
            (m.paper.paper_id, m.paper.title, m.paper.year, m.score, m.paper.topic, m.paper.url)
            for m in members
        ),
    )


def _topic_papers_csv(members: Sequence[PaperRow]) -> str:
    """Every paper of a topic, in the page's order, for a page that lists only the first ones."""
    return _csv(
        ("paper_id", "title", "year", "topic_confidence", "themes", "url"),
        ((p.paper_id, p.title, p.year, p.topic_score, ";".join(p.themes), p.url) for p in members),
    )


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(("" if v is None else v for v in row) for row in rows)
    return buffer.getvalue()


def _map(
    run: RunData,
    options: ReportOptions,
    papers: Mapping[str, PaperRow],
    themes: Sequence[ThemeView],
    topics: Sequence[TopicView],
    ids: count[int],
) -> tuple[Chart | None, str]:
    """The 2-D map of the papers, sampled to ``map_max_points``, and a note saying so."""
    coords = run.map_2d[run.map_2d["paper_id"].isin(papers.keys())].dropna(subset=["x", "y"])
    total = len(coords)
    if not total:
        return None, "This run saved no 2-D coordinates (data/map_2d.csv is empty)."
    if total > options.map_max_points:
        seed = int(run.manifest.get("seed") or 0)
        keep = np.sort(np.random.default_rng(seed).choice(total, options.map_max_points, False))
        coords = coords.iloc[keep]
    main_theme = _main_theme(run)
    rows = [papers[pid] for pid in coords["paper_id"]]
    limit = options.hover_title_chars
    points = charts.MapPoints(
        x=coords["x"].to_numpy(dtype=float).round(3),
        y=coords["y"].to_numpy(dtype=float).round(3),
        title=np.array(
            [
                charts.map_hover(
                    p.title if len(p.title) <= limit else p.title[: limit - 1] + "…",
                    p.year,
                    shorten(p.abstract, options.hover_abstract_chars),
                )
                for p in rows
            ],
            dtype=object,
        ),
        topic=np.array([p.topic for p in rows]),
        theme=np.array([main_theme.get(p.paper_id, "") for p in rows], dtype=object),
    )
    webgl = len(rows) >= options.webgl_threshold
    figure = charts.map_figure(
        points,
        [(t.id, t.name, t.color) for t in topics],
        [(t.name, t.color) for t in themes],
        webgl=webgl,
    )
    shown = (
        f"{len(rows):,} of {total:,} papers (a random sample)"
        if len(rows) < total
        else (f"all {total:,} papers")
    )
    note = (
        f"Showing {shown}. A paper in several themes takes the colour of its best-scoring one. "
        "Click a legend entry to hide a topic or fade a theme, double-click to show only it."
    )
    return _chart(figure, ids, label="map of the papers"), note


def _main_theme(run: RunData) -> dict[str, str]:
    """Each assigned paper's best-scoring theme."""
    a = run.assignments[run.assignments["assigned"]]
    if not len(a):
        return {}
    best = a.sort_values(["score", "theme"], ascending=[False, True]).drop_duplicates("paper_id")
    return dict(zip(best["paper_id"], best["theme"], strict=True))


def _theme_rows(run: RunData, paper_ids: Sequence[str]) -> dict[str, list[int]]:
    """Row positions (in ``paper_ids`` order) of each theme's assigned papers."""
    position = {pid: i for i, pid in enumerate(paper_ids)}
    a = run.assignments[run.assignments["assigned"]]
    groups: dict[str, list[int]] = defaultdict(list)
    for pid, theme in zip(a["paper_id"], a["theme"], strict=True):
        if pid in position:
            groups[theme].append(position[pid])
    return groups


def _topic_rows(run: RunData, topic: TopicView) -> pd.DataFrame:
    """A topic's yearly rows: ``name`` may hold the topic id or its label."""
    frame = run.topics_by_year
    rows = frame[frame["name"] == str(topic.id)]
    return rows if len(rows) else frame[frame["name"] == topic.label]


def _keywords_by_year(run: RunData, topics: Mapping[int, TopicView]) -> list[dict[str, Any]]:
    """Rows of the keywords-per-year tables; a year without keywords says why."""
    frame = run.topic_keywords_by_year
    trends = run.manifest.get("config", {}).get("trends") or {}
    threshold = trends.get("keyword_min_papers")
    thin = (
        f"too few papers for keywords (fewer than {threshold}; trends.keyword_min_papers)"
        if threshold
        else "no keywords"
    )
    out = []
    for record in frame.to_dict(orient="records"):
        try:
            tid = int(record["topic"])
        except ValueError:
            tid = next((t.id for t in topics.values() if t.label == record["topic"]), None)
        if tid not in topics:
            continue
        out.append(
            {
                "topic": topics[tid],
                "year": None if pd.isna(record["year"]) else int(record["year"]),
                "count": record["count"],
                "keywords": [k for k in _text_or_empty(record["keywords"]).split(";") if k],
                "note": thin,
            }
        )
    return sorted(out, key=lambda r: (r["topic"].id, -(r["year"] or 0)))


def _text_or_empty(value: Any) -> str:
    """A CSV cell as text; an empty cell (read as NaN) is ``""``, not ``"nan"``."""
    return "" if pd.isna(value) else str(value)


def _complete(run: RunData, theme: str) -> pd.DataFrame:
    """A theme's yearly rows without the incomplete year, whose low share would mislead."""
    rows = _rows(run.themes_by_year, theme)
    return rows[rows["year"] != run.corpus_years.get("incomplete_year")]


def _rows(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    return frame[frame["name"] == name]


def _chart(
    figure: charts.Figure,
    ids: count[int],
    *,
    css: str = "chart",
    config: Mapping[str, Any] = charts.CHART_CONFIG,
    label: str = "",
) -> Chart:
    """Deterministic ids (chart-0, chart-1, …) keep re-rendered pages byte-identical."""
    return Chart(
        id=f"chart-{next(ids)}",
        figure=script_json(figure),
        config=script_json(dict(config)),
        css=css,
        label=label,
    )
