"""The rows of the report's tables, built from a run's saved files.

Templates only format; every join, count and ordering happens here, in plain
typed rows, so that what a page shows can be tested without a browser.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pandas as pd

from topics.report._evidence import Evidence, parse_evidence
from topics.report._html import fmt_pp
from topics.report._load import RunData
from topics.results import UNASSIGNED

__all__ = [
    "FeedRow",
    "PaperRow",
    "ThemePaper",
    "ThemeView",
    "TopicView",
    "Trend",
    "build_papers",
    "build_themes",
    "build_topics",
    "feeding_topics",
    "paper_url",
    "shorten",
    "slugify",
    "theme_papers",
    "topic_themes",
    "unique_slugs",
]

OUTLIER_TOPIC = -1
# Columns of the full assignments format that evidence falls back on.
_SIGNAL_COLUMNS = ("description_similarity", "phrase_similarity", "topic_affinity")
_SLUG_STRIP = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Trend:
    """One row of ``data/trends.csv``, typed for display."""

    status: str
    rule: str
    slope: float | None
    slope_low: float | None
    slope_high: float | None
    p_value: float | None
    test: str
    first_year: int | None
    peak_year: int | None
    bursts: tuple[str, ...]
    n_years_used: int | None
    excluded_years: str = ""

    @property
    def css(self) -> str:
        """The status as a CSS class name ("insufficient data" → "insufficient-data")."""
        return slugify(self.status) or "unknown"

    @property
    def headline(self) -> str:
        """The slope as the page's Trend card states it.

        When the share jumps to or from zero (papers only on one side of a
        year), no finite slope fits and the slope is missing, but the test
        still bounds it on one side: the card then says "≤ −1.31 pp/yr"
        rather than "–" beside a significant p-value.
        """
        if self.slope is not None:
            return fmt_pp(self.slope)
        if self.slope_low is None and self.slope_high is not None:
            return f"≤ {fmt_pp(self.slope_high)}"
        if self.slope_high is None and self.slope_low is not None:
            return f"≥ {fmt_pp(self.slope_low)}"
        return "–"

    @property
    def interval(self) -> str:
        """``-0.42 pp/yr to +0.46 pp/yr``; an end the data do not bound is "unbounded"."""
        if self.slope_low is None and self.slope_high is None:
            return ""
        low = fmt_pp(self.slope_low) if self.slope_low is not None else "unbounded"
        high = fmt_pp(self.slope_high) if self.slope_high is not None else "unbounded"
        return f"{low} to {high}"


@dataclass(frozen=True, slots=True)
class PaperRow:
    """A paper as a table shows it: title, year, link, topic and themes.

    ``topic_score`` is how central the paper is to its topic (the run's
    ``topic_confidence``), ``None`` when the run did not save it. ``authors``
    and ``abstract`` are cut to what a table row can show (see
    :func:`build_papers`).
    """

    paper_id: str
    title: str
    year: int | None
    url: str
    link_label: str
    topic: int
    topic_label: str
    themes: tuple[str, ...]
    topic_score: float | None = None
    authors: str = ""
    abstract: str = ""


@dataclass(frozen=True, slots=True)
class ThemePaper:
    """A paper in a theme's table: the paper, its score and the evidence behind it."""

    paper: PaperRow
    score: float
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class ThemeView:
    """A theme with what its config says and what the run found."""

    name: str
    slug: str
    description: str
    phrases: tuple[str, ...]
    exclude: tuple[str, ...]
    threshold: float | None
    color: str
    n_papers: int
    share: float
    trend: Trend | None

    @property
    def href(self) -> str:
        return f"themes/{self.slug}.html"


@dataclass(frozen=True, slots=True)
class TopicView:
    """A topic of the fitted model with its size, years and trend."""

    id: int
    label: str
    keywords: tuple[str, ...]
    size: int
    first_year: int | None
    last_year: int | None
    trend: Trend | None
    representative: tuple[str, ...]
    color: str
    weights: tuple[float, ...] = ()
    phrases: tuple[str, ...] = ()
    label_source: str = ""

    @property
    def href(self) -> str:
        return f"topics/{self.id}.html"

    @property
    def is_outliers(self) -> bool:
        return self.id == OUTLIER_TOPIC

    @property
    def name(self) -> str:
        """The label without BERTopic's redundant id prefix: "3_graph_node" → "graph node"."""
        prefix = f"{self.id}_"
        text = self.label[len(prefix) :] if self.label.startswith(prefix) else self.label
        return text.replace("_", " ").strip() or f"topic {self.id}"

    @property
    def years(self) -> str:
        if self.first_year is None:
            return "undated"
        if self.first_year == self.last_year:
            return str(self.first_year)
        return f"{self.first_year}–{self.last_year}"


@dataclass(frozen=True, slots=True)
class FeedRow:
    """How much one theme and one topic overlap (papers in both)."""

    papers: int
    share_of_theme: float
    share_of_topic: float
    topic: TopicView | None = None
    theme: ThemeView | None = None
    topic_id: int = OUTLIER_TOPIC


def slugify(name: str) -> str:
    """A file-name-safe, lower-case ASCII form of ``name`` ('' if none is left)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return _SLUG_STRIP.sub("-", ascii_name.lower()).strip("-")[:80].strip("-")


def unique_slugs(names: Sequence[str]) -> dict[str, str]:
    """A distinct slug per name; clashes and empty slugs get a numeric suffix."""
    slugs: dict[str, str] = {}
    taken: set[str] = set()
    for index, name in enumerate(names, start=1):
        base = slugify(name) or f"theme-{index}"
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        taken.add(slug)
        slugs[name] = slug
    return slugs


def paper_url(arxiv_id: str, doi: str) -> tuple[str, str]:
    """The paper's arXiv abstract page, else its DOI resolver page, with a link label."""
    arxiv_id, doi = arxiv_id.strip(), doi.strip()
    if arxiv_id:
        return f"https://arxiv.org/abs/{quote(arxiv_id, safe='/.')}", "arXiv"
    if doi:
        return f"https://doi.org/{quote(doi, safe='/')}", "DOI"
    return "", ""


def build_papers(
    run: RunData, *, abstract_chars: int = 600, author_chars: int = 120
) -> dict[str, PaperRow]:
    """Every paper by id, with its abstract and authors cut for a table row.

    A reader judges from the abstract whether a paper belongs where the model
    put it; ``abstract_chars`` keeps a page of 1,000 papers near 1 MB.
    """
    p = run.papers
    rows = {}
    for pid, title, abstract, authors, year, arxiv_id, doi, topic, label, themes, confidence in zip(
        p["paper_id"],
        p["title"],
        p["abstract"],
        p["authors"],
        p["year"],
        p["arxiv_id"],
        p["doi"],
        p["topic"],
        p["topic_label"],
        p["themes"],
        p["topic_confidence"],
        strict=True,
    ):
        url, link_label = paper_url(arxiv_id, doi)
        rows[pid] = PaperRow(
            paper_id=pid,
            title=title or "(untitled)",
            year=None if pd.isna(year) else int(year),
            url=url,
            link_label=link_label,
            topic=int(topic),
            topic_label=label,
            themes=tuple(t for t in themes.split(";") if t and t != UNASSIGNED),
            topic_score=_float(confidence) if confidence else None,
            authors=shorten(_authors(authors), author_chars),
            abstract=shorten(abstract, abstract_chars),
        )
    return rows


def shorten(text: str, limit: int) -> str:
    """``text`` with white space collapsed, cut at a word boundary before ``limit`` with "…"."""
    text = " ".join(str(text or "").split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;.") + "…"


def _authors(value: str) -> str:
    """Authors as one readable line: "A. One, B. Two, C. Three"."""
    parts = [a.strip() for a in re.split(r";|\band\b|\n", str(value or "")) if a.strip()]
    return ", ".join(parts)


def build_themes(run: RunData, palette: Sequence[str]) -> list[ThemeView]:
    """The config's themes in order, then any theme only the outputs name."""
    configs = {str(t["name"]): t for t in run.theme_configs}
    names = list(configs)
    for name in [*run.assignments["theme"], *run.themes_by_year["name"]]:
        if name and name not in configs and name not in names:
            names.append(name)
    slugs = unique_slugs(names)
    assigned = run.assignments.loc[run.assignments["assigned"], "theme"].value_counts()
    trends = _trends_by_name(run.trends, "theme")
    n_total = max(len(run.papers), 1)
    views = []
    for index, name in enumerate(names):
        config = configs.get(name, {})
        n = int(assigned.get(name, 0))
        views.append(
            ThemeView(
                name=name,
                slug=slugs[name],
                description=str(config.get("description") or ""),
                phrases=tuple(str(p) for p in config.get("phrases") or ()),
                exclude=tuple(str(p) for p in config.get("exclude") or ()),
                threshold=_float(config.get("threshold")),
                color=palette[index % len(palette)],
                n_papers=n,
                share=n / n_total,
                trend=trends.get(name),
            )
        )
    return views


def build_topics(run: RunData, palette: Sequence[str]) -> list[TopicView]:
    """The topics of ``data/topics.csv``, outliers (-1) last, with years and trend."""
    years = run.papers.dropna(subset=["year"]).groupby("topic")["year"].agg(["min", "max"])
    trends = _trends_by_name(run.trends, "topic")
    views = []
    for row in run.topics.itertuples(index=False):
        topic = int(row.topic)
        trend = trends.get(str(topic)) or trends.get(str(row.label))
        has_years = topic in years.index
        views.append(
            TopicView(
                id=topic,
                label=str(row.label) or f"Topic {topic}",
                keywords=_split(row.keywords),
                size=int(row.size),
                first_year=int(years.at[topic, "min"]) if has_years else None,
                last_year=int(years.at[topic, "max"]) if has_years else None,
                trend=trend,
                representative=_split(row.representative_paper_ids),
                weights=tuple(_float(w) or 0.0 for w in _split(row.keyword_weights)),
                color="#9aa0a6" if topic == OUTLIER_TOPIC else palette[topic % len(palette)],
                phrases=_split(getattr(row, "phrases", "")),
                label_source=_text(getattr(row, "label_source", "")),
            )
        )
    return sorted(views, key=lambda v: (v.is_outliers, v.id))


def theme_papers(
    rows: pd.DataFrame, papers: Mapping[str, PaperRow], *, limit: int = 0
) -> list[ThemePaper]:
    """Rows of ``data/assignments.csv`` (one theme's) as table rows, highest score first.

    Parameters
    ----------
    rows : DataFrame
        The theme's assigned (or non-assigned) rows of :attr:`RunData.assignments`.
    papers : mapping of str to PaperRow
        Every paper by id; rows of unknown papers are skipped.
    limit : int, default=0
        Keep only the best ``limit`` rows (0 keeps all).
    """
    rows = rows.sort_values(["score", "paper_id"], ascending=[False, True], kind="stable")
    if limit:
        rows = rows.head(limit)
    extra = [c for c in _SIGNAL_COLUMNS if c in rows]
    out = []
    for record in rows.to_dict(orient="records"):
        paper = papers.get(record["paper_id"])
        if paper is None:
            continue
        out.append(
            ThemePaper(
                paper=paper,
                score=float(record["score"]) if not pd.isna(record["score"]) else math.nan,
                evidence=parse_evidence(record["evidence"], {c: record[c] for c in extra}),
            )
        )
    return out


def feeding_topics(
    members: Iterable[PaperRow], topics: Mapping[int, TopicView], limit: int
) -> list[FeedRow]:
    """The topics that hold most of a theme's papers."""
    members = list(members)
    counts: dict[int, int] = defaultdict(int)
    for paper in members:
        counts[paper.topic] += 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [
        FeedRow(
            papers=n,
            share_of_theme=n / len(members),
            share_of_topic=n / topics[t].size if t in topics and topics[t].size else math.nan,
            topic=topics.get(t),
            topic_id=t,
        )
        for t, n in ranked
    ]


def topic_themes(
    members: Sequence[PaperRow], themes: Sequence[ThemeView], topic_size: int
) -> list[FeedRow]:
    """The themes a topic's papers were assigned to, largest overlap first."""
    counts: dict[str, int] = defaultdict(int)
    for paper in members:
        for name in paper.themes:
            counts[name] += 1
    by_name = {t.name: t for t in themes}
    rows = [
        FeedRow(
            papers=n,
            share_of_theme=n / by_name[name].n_papers if by_name[name].n_papers else math.nan,
            share_of_topic=n / topic_size if topic_size else math.nan,
            theme=by_name[name],
        )
        for name, n in counts.items()
        if name in by_name
    ]
    return sorted(rows, key=lambda r: (-r.papers, r.theme.name if r.theme else ""))


def _trends_by_name(trends: pd.DataFrame, kind: str) -> dict[str, Trend]:
    rows = trends[trends["kind"] == kind]
    return {str(r["name"]): _trend(r) for r in rows.to_dict(orient="records")}


def _trend(row: Mapping[str, Any]) -> Trend:
    return Trend(
        status=str(row.get("status") or "unknown"),
        rule=str(row.get("rule") or ""),
        slope=_float(row.get("slope")),
        slope_low=_float(row.get("slope_low")),
        slope_high=_float(row.get("slope_high")),
        p_value=_float(row.get("p_value")),
        test=str(row.get("test") or ""),
        first_year=_int(row.get("first_year")),
        peak_year=_int(row.get("peak_year")),
        bursts=_split(row.get("bursts")),
        n_years_used=_int(row.get("n_years_used")),
        excluded_years=_text(row.get("excluded_years")),
    )


def _split(value: Any) -> tuple[str, ...]:
    if not isinstance(value, str):
        return ()
    return tuple(part.strip() for part in value.split(";") if part.strip())


def _text(value: Any) -> str:
    """A CSV cell as text; an empty cell (NaN) is ``""``."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return str(value)


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _int(value: Any) -> int | None:
    number = _float(value)
    return None if number is None else round(number)
