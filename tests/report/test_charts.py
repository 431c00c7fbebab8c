"""Plotly figures: valid for plotly, toggles wired, corpus text escaped."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from topics.report import charts


def yearly(name: str = "continual learning") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": name,
            "year": [2017, 2018, 2019, 2020],
            "count": [3, 5, 9, 1],
            "total": [40, 50, 60, 12],
            "share": [0.075, 0.1, 0.15, 1 / 12],
            "ci_low": [0.026, 0.043, 0.081, 0.015],
            "ci_high": [0.199, 0.214, 0.262, 0.354],
            "flags": ["", "", "", "incomplete year (data up to 2020-03-31)"],
        }
    )


def points(n: int = 6) -> charts.MapPoints:
    return charts.MapPoints(
        x=np.linspace(0, 1, n).round(3),
        y=np.linspace(1, 0, n).round(3),
        title=np.array([f"Paper {i}" for i in range(n)], dtype=object),
        topic=np.array([0, 0, 1, 1, -1, 1]),
        theme=np.array(["a", "", "b", "a", "", "b"], dtype=object),
    )


@pytest.mark.parametrize(
    "figure",
    [
        charts.trend_figure([charts.Series("a", "#636EFA", yearly())], incomplete_year=2020),
        charts.trend_figure(
            [charts.Series("a", "#636EFA", yearly()), charts.Series("b", "#EF553B", yearly("b"))]
        ),
        charts.sparkline_figure(yearly(), "#636EFA"),
        charts.sparkline_figure(yearly(), "#636EFA", excluded=[2017]),
        charts.map_figure(
            points(),
            [(0, "zero", "#636EFA"), (1, "one", "#EF553B"), (-1, "outliers", "#9aa0a6")],
            [("a", "#00CC96"), ("b", "#AB63FA")],
            webgl=False,
        ),
        charts.map_figure(
            points(),
            [(0, "zero", "#636EFA"), (1, "one", "#EF553B")],
            [("a", "#00CC96")],
            webgl=True,
        ),
    ],
)
def test_charts_figures_are_valid_plotly(figure: dict) -> None:
    validated = go.Figure(figure)  # raises on any property plotly does not know
    assert len(validated.data) == len(figure["data"]) > 0


def test_charts_trend_toggle_switches_share_and_count() -> None:
    fig = charts.trend_figure(
        [charts.Series("a", "#636EFA", yearly()), charts.Series("b", "#EF553B", yearly("b"))]
    )
    share, count = fig["layout"]["updatemenus"][0]["buttons"]
    assert share["label"] == "Share"
    assert count["label"] == "Count"
    shown = share["args"][0]["visible"]
    assert shown == [True, True, True, False] * 2
    assert count["args"][0]["visible"] == [not v for v in shown]
    assert [t.get("visible", True) for t in fig["data"]] == shown
    assert count["args"][1] == {
        "yaxis.title.text": "Papers",
        "yaxis.tickformat": ",d",
        "yaxis.autorange": True,
    }
    band_low = fig["data"][1]
    assert band_low["fill"] == "tonexty"
    assert list(band_low["y"]) == list(yearly()["ci_low"])


def test_charts_trend_marks_flagged_years() -> None:
    fig = charts.trend_figure([charts.Series("a", "#636EFA", yearly())], incomplete_year=2020)
    share_line = fig["data"][2]
    assert share_line["marker"]["symbol"] == ["circle", "circle", "circle", "circle-open"]
    assert "incomplete year" in share_line["customdata"][3][4]
    assert fig["layout"]["shapes"][0]["x0"] == 2019.5
    assert fig["layout"]["annotations"][0]["text"] == "incomplete year"


def test_charts_escape_corpus_text_for_plotly() -> None:
    fig = charts.trend_figure([charts.Series("<b>bold</b> & co", "#636EFA", yearly())])
    assert fig["data"][2]["name"] == "&lt;b&gt;bold&lt;/b&gt; &amp; co"
    mapped = charts.map_figure(points(), [(0, "<i>x</i>", "#636EFA")], [], webgl=False)
    assert mapped["data"][0]["name"] == "0: &lt;i&gt;x&lt;/i&gt;"


def test_charts_map_colours_by_theme_in_place() -> None:
    fig = charts.map_figure(
        points(),
        [(0, "zero", "#636EFA"), (1, "one", "#EF553B")],
        [("a", "#00CC96"), ("b", "#AB63FA")],
        webgl=False,
    )
    by_topic, by_theme = fig["layout"]["updatemenus"][0]["buttons"]
    data = fig["data"]
    assert [t["name"] for t in data] == ["0: zero", "1: one", "a", "b", "no theme"]
    # Topic 0 holds papers 0 (theme a) and 1 (no theme); topic 1 holds papers 2, 3, 5.
    colours = by_theme["args"][0]["marker.color"]
    assert colours[0] == ["#00CC96", charts.NO_GROUP_COLOR]
    assert colours[1] == ["#AB63FA", "#00CC96", "#AB63FA"]
    assert by_topic["args"][0]["marker.color"] == ["#636EFA", "#EF553B"]
    assert by_theme["args"][0]["showlegend"] == [False, False, True, True, True]
    assert data[0]["text"] == ["a", "no theme"]


def test_charts_palette_gives_60_topics_distinct_colours() -> None:
    assert len(set(charts.PALETTE[:60])) == 60
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in charts.PALETTE)


def test_charts_map_labels_topics_and_hover_wraps_escaped_text() -> None:
    fig = charts.map_figure(
        points(), [(0, "zero", "#636EFA"), (1, "one", "#EF553B")], [("a", "#00CC96")], webgl=False
    )
    labels = {a["text"]: (a["x"], a["y"]) for a in fig["layout"]["annotations"]}
    assert labels == {"1: one": (0.6, 0.4), "0: zero": (0.1, 0.9)}  # medians of their points
    by_theme = fig["layout"]["updatemenus"][0]["buttons"][1]
    assert by_theme["args"][1] == {"annotations": []}
    assert fig["data"][0]["meta"] == {"themes": [0, 1]}  # theme "a", then no theme
    hover = charts.map_hover("A <b> title", 2019, "word " * 30, width=20)
    assert hover.startswith("<b>A &lt;b&gt; title</b><br>2019<br><i>word word word word</i>")
    assert hover.count("<br>") == 2 + 30 // 4


def test_charts_small_multiple_has_no_band_in_low_years_and_a_shared_scale() -> None:
    fig = charts.trend_figure(
        [charts.Series("a", "#636EFA", yearly())], low_years=[2017], compact=True, y_max=0.3
    )
    go.Figure(fig)
    high, low, share = fig["data"]
    assert list(high["y"]) == list(yearly()["ci_high"][1:])
    assert list(low["y"]) == list(yearly()["ci_low"][1:])
    assert list(share["y"]) == list(yearly()["share"][1:])
    assert fig["layout"]["yaxis"]["range"] == [0, 0.3]
    assert fig["layout"]["xaxis"]["range"] == [2017.5, 2020.5]  # from the first year with enough
    assert "updatemenus" not in fig["layout"]


def test_charts_small_multiple_draws_nothing_outside_its_panel() -> None:
    """Issue 15, seeds: early thin years were drawn left of the axis, and an incomplete year's
    100% share ran off the top of the shared scale."""
    rows = yearly()
    rows.loc[3, "share"] = 1.0  # the incomplete 2020: one paper of one
    fig = charts.trend_figure(
        [charts.Series("a", "#636EFA", rows)], low_years=[2017], compact=True, y_max=0.3
    )
    go.Figure(fig)
    start, end = fig["layout"]["xaxis"]["range"]
    assert all(start < x < end for t in fig["data"] for x in t["x"])
    share = fig["data"][2]
    assert max(share["y"]) == 0.3  # pinned to the top of the scale
    assert share["marker"]["symbol"][-1] == "triangle-up-open"
    assert share["marker"]["symbol"][:-1] == ["circle", "circle"]
    assert share["customdata"][-1][5] == 1.0  # the tooltip tells the true share
    assert "%{customdata[5]:.1%}" in share["hovertemplate"]


def test_charts_sparkline_draws_excluded_years_apart_so_its_peak_is_the_tables() -> None:
    """Issue 15, seeds: a sparkline peaked in a thin 2016 while the table said "Peak 2020"."""
    rows = yearly()
    rows.loc[0, "share"] = 0.9  # 2017: one paper of two, left out of the trend
    fig = charts.sparkline_figure(rows, "#636EFA", excluded=[2017])
    go.Figure(fig)
    excluded, counted = fig["data"]
    assert excluded["line"]["dash"] == "dot"
    assert np.isnan(counted["y"][0])
    assert counted["x"][int(np.nanargmax(counted["y"]))] == 2019  # the counted peak
    assert len(charts.sparkline_figure(yearly(), "#636EFA")["data"]) == 1


def test_charts_map_labels_do_not_cover_each_other() -> None:
    """Issue 15, 6k arXiv papers: 28 topic labels covered each other mid-map."""
    n = 40
    rng = np.random.default_rng(0)
    topic = np.repeat(np.arange(8), n // 8)
    # Eight topics whose centres nearly coincide, and one far away.
    x = np.where(topic == 7, 10.0, rng.normal(0, 0.01, n))
    y = np.where(topic == 7, 10.0, rng.normal(0, 0.01, n))
    points = charts.MapPoints(
        x=x, y=y, title=np.array([""] * n, dtype=object), topic=topic,
        theme=np.array([""] * n, dtype=object),
    )  # fmt: skip
    names = [(t, f"topic number {t} · second phrase", charts.PALETTE[t]) for t in range(8)]
    labels = charts.map_figure(points, names, [], webgl=False)["layout"]["annotations"]
    assert "7: topic number 7" in {a["text"] for a in labels}  # room of its own
    assert all("second phrase" not in a["text"] for a in labels)  # the legend has it
    near = [a for a in labels if a["x"] < 5]
    assert 1 < len(near) < 7  # nudged apart, and the ones with no room left out
    shifts = [a["yshift"] for a in near]
    assert len(set(shifts)) == len(shifts)


def test_charts_share_axis_never_prints_two_ticks_alike() -> None:
    """Issue 15, 6k arXiv run: a theme under 4% got ticks at 0.5% steps printed 1%, 1%, 2%, 2%."""
    fig = charts.trend_figure([charts.Series("a", "#636EFA", yearly())])
    assert fig["layout"]["yaxis"]["tickformat"] == ".1~%"
    share_button = fig["layout"]["updatemenus"][0]["buttons"][0]
    assert share_button["args"][1]["yaxis.tickformat"] == ".1~%"


def test_charts_trend_scale_follows_the_counted_years() -> None:
    """Issue 15, seeds topic 3: an excluded 2015 (one paper of one, 100%) set the axis of a
    topic whose counted years stay under 60%; it is pinned to the top instead."""
    rows = yearly()
    rows.loc[0, ["share", "flags"]] = [1.0, "too few papers"]
    fig = charts.trend_figure([charts.Series("a", "#636EFA", rows)], low_years=[2017])
    go.Figure(fig)
    top = max(rows.loc[1:2, "ci_high"]) * 1.05  # 2020 is flagged incomplete: not counted
    assert fig["layout"]["yaxis"]["range"] == [0, pytest.approx(top)]
    share = fig["data"][2]
    assert share["y"][0] == pytest.approx(top)
    assert share["marker"]["symbol"][0] == "triangle-up-open"
    assert share["customdata"][0][5] == 1.0
    share_button, count_button = fig["layout"]["updatemenus"][0]["buttons"]
    assert share_button["args"][1]["yaxis.range"] == [0, pytest.approx(top)]
    assert share_button["args"][1]["yaxis.autorange"] is False
    assert count_button["args"][1]["yaxis.autorange"] is True
    # Without such a year the axis is plotly's own.
    plain = charts.trend_figure([charts.Series("a", "#636EFA", yearly())])
    assert "range" not in plain["layout"]["yaxis"]
