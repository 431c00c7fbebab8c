"""What a caller can tune about the report, and what rendering it produced."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["ReportOptions", "ReportStats"]


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """Limits that keep a report of a large run fast to build and light to open.

    Parameters
    ----------
    map_max_points : int, default=50_000
        The 2-D map shows at most this many papers (a deterministic sample of
        them, seeded from the run's seed); the page says how many it shows.
    webgl_threshold : int, default=5_000
        From this many points on, the map is drawn with WebGL (``scattergl``),
        which stays fluid with 10k+ points; below it, SVG, which prints and
        works where WebGL is unavailable.
    hover_title_chars : int, default=90
        Titles in chart tooltips are cut to this length.
    keyword_top_n : int, default=12
        Distinctive terms and matched phrases listed per theme.
    feeding_topics : int, default=8
        Topics listed as feeding a theme (those holding most of its papers).
    near_misses : int, default=25
        Highest-scoring papers *not* assigned to a theme, listed on its page
        so a reader can judge the threshold.
    max_rows : int, default=1_000
        Rows shown in each data-quality table (ingest issues, merges, undated
        papers); the page gives the full count and links the complete file.
    """

    map_max_points: int = 50_000
    webgl_threshold: int = 5_000
    hover_title_chars: int = 90
    keyword_top_n: int = 12
    feeding_topics: int = 8
    near_misses: int = 25
    max_rows: int = 1_000


@dataclass(frozen=True, slots=True)
class ReportStats:
    """What :func:`~topics.report.render_report` wrote.

    Attributes
    ----------
    index : Path
        The report's entry page, ``<run_dir>/index.html``.
    pages : int
        HTML pages written (index, theme and topic pages).
    theme_pages, topic_pages : int
        Pages per theme and per topic.
    total_bytes : int
        Size of every file of the report (pages and assets; not the data).
    seconds : float
        Wall-clock time of the rendering.
    """

    index: Path
    pages: int
    theme_pages: int
    topic_pages: int
    total_bytes: int
    seconds: float
