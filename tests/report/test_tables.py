"""Table rows: slugs, links, topic names, overlaps between themes and topics."""

from __future__ import annotations

from pathlib import Path

import pytest

from topics.report import load_run
from topics.report.charts import PALETTE
from topics.report.tables import (
    build_papers,
    build_themes,
    build_topics,
    feeding_topics,
    paper_url,
    slugify,
    topic_themes,
    unique_slugs,
)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("adversarial robustness", "adversarial-robustness"),
        ("Fairness & Bias (ML)", "fairness-bias-ml"),
        ("Über-Lernen", "uber-lernen"),
        ("../../etc/passwd", "etc-passwd"),
        ("机器学习", ""),
    ],
)
def test_tables_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_tables_unique_slugs_resolve_clashes_and_empty_names() -> None:
    assert unique_slugs(["A b", "a-b", "机器学习", "a b!"]) == {
        "A b": "a-b",
        "a-b": "a-b-2",
        "机器学习": "theme-3",
        "a b!": "a-b-3",
    }


def test_tables_paper_url_prefers_arxiv_and_quotes_ids() -> None:
    assert paper_url("1706.06083", "10.1/x") == ("https://arxiv.org/abs/1706.06083", "arXiv")
    assert paper_url("cs/9808003", "") == ("https://arxiv.org/abs/cs/9808003", "arXiv")
    assert paper_url("", "10.1145/3292500.3330701") == (
        "https://doi.org/10.1145/3292500.3330701",
        "DOI",
    )
    assert paper_url('1" onmouseover="x', "")[0] == (
        "https://arxiv.org/abs/1%22%20onmouseover%3D%22x"
    )
    assert paper_url(" ", "") == ("", "")


def test_tables_topics_have_years_trends_and_readable_names(run_dir: Path) -> None:
    topics = {t.id: t for t in build_topics(load_run(run_dir), PALETTE)}
    assert list(topics) == [0, 1, 2, 3, -1]
    assert topics[0].name == "adversarial attacks robustness"
    assert topics[-1].name == "outliers"
    assert topics[-1].is_outliers
    assert topics[0].years == "2013–2019"
    assert topics[0].size == 9
    assert topics[3].trend is not None
    assert topics[3].trend.status == "declining"
    assert topics[-1].trend.css == "insufficient-data"
    assert topics[0].representative == ("p000", "p001", "p005")


def test_tables_themes_follow_config_order_with_counts(run_dir: Path) -> None:
    run = load_run(run_dir)
    themes = build_themes(run, PALETTE)
    assert [t.name for t in themes] == [
        "adversarial robustness",
        "continual learning",
        "graph neural networks",
    ]
    assert [t.n_papers for t in themes] == [11, 9, 6]
    assert themes[1].threshold == 0.55
    assert themes[0].exclude == ("generative adversarial network",)
    assert themes[1].trend.status == "emerging"
    assert themes[1].trend.bursts == ("2016-2017",)


def test_tables_overlaps_between_themes_and_topics(run_dir: Path) -> None:
    run = load_run(run_dir)
    papers = build_papers(run)
    themes = build_themes(run, PALETTE)
    topics = {t.id: t for t in build_topics(run, PALETTE)}
    adversarial = [p for p in papers.values() if "adversarial robustness" in p.themes]
    feed = feeding_topics(adversarial, topics, limit=2)
    assert [(f.topic_id, f.papers) for f in feed] == [(0, 9), (-1, 1)]
    assert feed[0].share_of_theme == pytest.approx(9 / 11)
    assert feed[0].share_of_topic == 1.0
    graph_topic = [p for p in papers.values() if p.topic == 2]
    rows = topic_themes(graph_topic, themes, topic_size=6)
    assert [(r.theme.name, r.papers) for r in rows] == [
        ("graph neural networks", 6),
        ("adversarial robustness", 1),
    ]


def test_a_step_trend_shows_its_bound_on_the_card_not_a_dash(run_dir: Path) -> None:
    """Issue 15: "fading, p=0.033" beside a Trend card of "–" (no finite slope fits a step)."""
    import math

    import pandas as pd

    from topics.report import render_report

    trends = pd.read_csv(run_dir / "data" / "trends.csv")
    row = (trends["kind"] == "topic") & (trends["name"].astype(str) == "3")
    trends.loc[row, ["status", "slope", "slope_low", "slope_high", "p_value"]] = [
        "fading", math.nan, math.nan, -0.0131, 0.033,
    ]  # fmt: skip
    trends.to_csv(run_dir / "data" / "trends.csv", index=False)
    render_report(run_dir)
    html = (run_dir / "topics" / "3.html").read_text(encoding="utf-8")
    card = html.split("<dt>Trend</dt>", 1)[1].split("</div>", 1)[0]
    assert "≤ -1.31 pp/yr" in card
    assert "95%: unbounded to -1.31 pp/yr" in card
    stats = (run_dir / "index.html").read_text(encoding="utf-8")
    assert "unbounded to" not in stats  # the themes' finite intervals are unchanged
