"""What a caller can tune about the report, and what rendering it produced."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Self

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
    hover_abstract_chars : int, default=150
        Map tooltips show the start of each paper's abstract, cut to this
        length (0 for none); about 150 bytes per point on the index page.
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
    abstract_chars : int, default=600
        Each paper row shows its abstract (folded) cut to this length, and
        its authors; the full text is in ``data/papers.csv``.
    search_abstract_chars : int, default=200
        The search page (``papers/search.html``) holds every paper with the
        start of its abstract, cut to this length: about 2 MB for 6,000
        papers.
    max_papers : int, default=1_000
        Papers listed on a theme or topic page: a theme's best-scoring ones, a
        topic's most central ones (newest first when the run saved no
        ``topic_confidence``). A page that holds more says how many, and links
        a CSV of all of them written next to it (``themes/<slug>.csv``,
        ``topics/<id>.csv``). Keeps a theme of 20,000 papers a light page.
    """

    map_max_points: int = 50_000
    webgl_threshold: int = 5_000
    hover_title_chars: int = 90
    hover_abstract_chars: int = 150
    keyword_top_n: int = 12
    feeding_topics: int = 8
    near_misses: int = 25
    max_rows: int = 1_000
    max_papers: int = 1_000
    abstract_chars: int = 600
    search_abstract_chars: int = 200

    @classmethod
    def from_config(cls, section: Mapping[str, Any] | None) -> Self:
        """Options from a config's ``report`` section; keys this version lacks are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (section or {}).items() if k in known})

    @classmethod
    def from_run(cls, run_dir: Path) -> Self:
        """The options a run was configured with (its manifest's ``report`` section)."""
        try:
            manifest = json.loads((Path(run_dir) / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        config = manifest.get("config") if isinstance(manifest, dict) else None
        section = config.get("report") if isinstance(config, dict) else None
        return cls.from_config(section if isinstance(section, Mapping) else None)


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
