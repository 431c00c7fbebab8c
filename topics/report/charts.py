"""Plotly figures of the report, built in Python and drawn by plotly.js in the page.

Every builder returns a figure as a plotly figure dict (``{"data": [...],
"layout": {...}}``); the page embeds its JSON and ``assets/report.js`` hands
it to ``Plotly.newPlot``. Switching views (share ↔ count, colour by topic ↔
by theme) uses plotly's own update menus, so no chart logic is written in
JavaScript.

Plain dicts rather than :class:`plotly.graph_objects.Figure`: a 10k-paper
report has some 80 figures, and graph objects' validation of every property
alone took longer than the whole time budget of the report. The tests pass
every figure through ``go.Figure`` so that an invalid property still fails.
Numpy arrays stay arrays: plotly's JSON encoder writes them as compact typed
arrays.

Plotly reads a small set of HTML tags in trace names and hover text; corpus
text (titles, labels, theme names) is therefore HTML-escaped before it goes
into a figure, so that it shows as written and cannot inject markup.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from colorcet import glasbey_category10

__all__ = [
    "CHART_CONFIG",
    "PALETTE",
    "SMALL_CONFIG",
    "SPARK_CONFIG",
    "Figure",
    "MapPoints",
    "Series",
    "changes_figure",
    "escape_plotly",
    "hierarchy_figure",
    "map_figure",
    "map_hover",
    "similarity_figure",
    "sparkline_figure",
    "terms_figure",
    "trend_figure",
]

# Glasbey colours (colorcet): each one as far from all before it as the eye can tell,
# starting with the ten of category10. 256 distinct colours, so up to ~60 topics on
# the map never share one (plotly's qualitative sets give 34 at most).
PALETTE: tuple[str, ...] = tuple(
    "#{:02x}{:02x}{:02x}".format(*(round(c * 255) for c in rgb)) for rgb in glasbey_category10
)
# Topics labelled on the map at their centre (the largest ones when there are more).
MAP_LABELS = 60
NO_GROUP_COLOR = "#9aa0a6"
# plotly.js 4 shows a "Share chart..." button by default that uploads the figure (the
# map: every title) to Plotly Cloud; the logo links to plotly.com. A report is offline.
CHART_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "responsive": True,
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "plotlyServerURL": "",
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d", "sendChartToCloud"],
}
SPARK_CONFIG: dict[str, Any] = {"staticPlot": True, "responsive": False}
# Small multiples and term bars: hover, but no toolbar over a panel this small.
SMALL_CONFIG: dict[str, Any] = {"displayModeBar": False, "responsive": True}
_FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif", "size": 13}
Figure = dict[str, Any]
# ".1~%": a share axis in steps of 0.5% reads 0.5%, 1%, 1.5% (".0%" printed 1%, 1%, 2%).
_SHARE_TICKS = ".1~%"
_SHARE_AXIS = {"title.text": "Share of papers", "tickformat": _SHARE_TICKS}
_COUNT_AXIS = {"title.text": "Papers", "tickformat": ",d"}
_SHARE_HOVER = (
    "<b>%{fullData.name}</b><br>%{x}: %{y:.1%} of papers"
    "<br>95% interval %{customdata[0]:.1%} – %{customdata[1]:.1%}"
    "<br>%{customdata[2]:,} of %{customdata[3]:,} papers%{customdata[4]}<extra></extra>"
)
_COUNT_HOVER = (
    "<b>%{fullData.name}</b><br>%{x}: %{y:,} papers"
    "<br>(of %{customdata[3]:,} in the corpus)%{customdata[4]}<extra></extra>"
)


@dataclass(frozen=True, slots=True)
class Series:
    """One group's yearly rows (``year, count, total, share, ci_low, ci_high, flags``)."""

    name: str
    color: str
    rows: pd.DataFrame


@dataclass(frozen=True, slots=True)
class MapPoints:
    """Papers placed on the 2-D map: coordinates, hover text and groups.

    ``title`` is each paper's hover text, already escaped for plotly (title,
    year and the start of the abstract; see :func:`map_hover`).
    """

    x: np.ndarray
    y: np.ndarray
    title: np.ndarray
    topic: np.ndarray
    theme: np.ndarray


def map_hover(title: str, year: int | None, abstract: str, width: int = 70) -> str:
    """A paper's map tooltip: bold title, year, and the abstract's start wrapped to ``width``.

    Plotly does not wrap hover text, so lines are broken here, at word boundaries.
    """
    lines = [f"<b>{line}</b>" for line in _wrap(escape_plotly(title), width)]
    lines.append(str(year) if year else "undated")
    if abstract:
        lines.extend(f"<i>{line}</i>" for line in _wrap(escape_plotly(abstract), width))
    return "<br>".join(lines)


def _wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return [*lines, line] if line else lines


def escape_plotly(text: str) -> str:
    """Corpus text as plotly shows it literally (it parses ``<b>``, ``<a>``, ``&...;``)."""
    return html.escape(str(text), quote=False)


def trend_figure(
    series: Sequence[Series],
    *,
    incomplete_year: int | None = None,
    height: int = 420,
    low_years: Sequence[int] = (),
    compact: bool = False,
    y_max: float | None = None,
) -> Figure:
    """Share by year with its 95% interval band, and count by year, behind a toggle.

    Parameters
    ----------
    series : sequence of Series
        One per theme or topic; each becomes a legend entry.
    incomplete_year : int, optional
        A year the data does not cover to its end; it is shaded and labelled.
    height : int, default=420
        Pixel height of the chart.
    low_years : sequence of int
        Years with too few papers in the corpus (``trends.min_year_total``):
        their interval spans most of 0–100% and says nothing, so no band is
        drawn there; the point stays, as an open circle.
    compact : bool, default=False
        One panel of the small multiples: shares only, no legend or toggle.
    y_max : float, optional
        A fixed top of the share axis, so that small multiples compare.

    Returns
    -------
    dict
        A plotly figure. Shares are shown first; the "Count" button shows
        counts instead.
    """
    traces: list[dict[str, Any]] = []
    share_visible: list[bool] = []
    # Many overlapping bands turn into a grey wash; fainter bands keep lines readable.
    band_alpha = 0.1 if compact else 0.18 if len(series) <= 2 else 0.05
    if compact:
        series = _from_first_counted_year(series, low_years)
    # The share scale of a full chart: every counted year's share and interval. A
    # thin excluded year (one paper of one: 100%) would otherwise flatten them.
    share_top = None if compact else _counted_top(series)
    for s in series:
        own = _series_traces(
            s, show_legend=len(series) > 1, band_alpha=band_alpha, low_years=low_years
        )
        if compact:
            traces.extend(_within_scale(own[:3], y_max))
        else:
            traces.extend([*_within_scale(own[:3], share_top), own[3]])
        share_visible.extend([True, True, True] if compact else [True, True, True, False])
    count_visible = [not v for v in share_visible]
    if compact:
        return _compact_layout(traces, height, incomplete_year, y_max)
    share_axis: dict[str, Any] = {
        **_axis_update(_SHARE_AXIS),
        "yaxis.autorange": share_top is None,
    }
    if share_top is not None:
        share_axis["yaxis.range"] = [0, share_top]
    layout = {
        **_base_layout(height),
        "xaxis": {"tickformat": "d", "title": {"text": "Year"}, "showgrid": False},
        "yaxis": {
            "rangemode": "tozero",
            "gridcolor": "#e8eaed",
            "tickformat": _SHARE_TICKS,
            "title": {"text": "Share of papers"},
            **({"range": [0, share_top]} if share_top is not None else {}),
        },
        "hovermode": "closest",
        "showlegend": len(series) > 1,
        "legend": {"orientation": "v", "x": 1.02, "y": 1, "font": {"size": 12}},
        "updatemenus": [
            _toggle_menu(
                ("Share", {"visible": share_visible}, share_axis),
                (
                    "Count",
                    {"visible": count_visible},
                    {**_axis_update(_COUNT_AXIS), "yaxis.autorange": True},
                ),
            )
        ],
    }
    if incomplete_year is not None:
        layout["shapes"] = [_incomplete_shape(incomplete_year)]
        layout["annotations"] = [
            {
                "text": "incomplete year",
                "xref": "x",
                "yref": "paper",
                "x": incomplete_year,
                "y": 1,
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 11, "color": "#5f6368"},
            }
        ]
    return {"data": traces, "layout": layout}


def sparkline_figure(rows: pd.DataFrame, color: str, excluded: Sequence[int] = ()) -> Figure:
    """A tiny share-by-year line for the overview table (no axes, no interaction).

    Years left out of the trend (``excluded``: too few papers in the corpus)
    are drawn as a thin grey dotted line, the counted years in the theme's
    colour, so that the highest coloured point is the table's "Peak" year:
    a thin early year's 100% no longer looks like the theme's peak.
    """
    hidden = {"visible": False, "fixedrange": True}
    years = rows["year"].to_numpy(dtype=float)
    shares = rows["share"].to_numpy(dtype=float)
    counted = ~np.isin(years, np.asarray(list(excluded), dtype=float))
    data: list[dict[str, Any]] = []
    if not counted.all():
        data.append(
            {
                "type": "scatter",
                "x": years,
                "y": shares,
                "mode": "lines",
                "line": {"color": NO_GROUP_COLOR, "width": 1, "dash": "dot"},
                "hoverinfo": "skip",
            }
        )
    data.append(
        {
            "type": "scatter",
            "x": years,
            "y": np.where(counted, shares, np.nan),
            "mode": "lines",
            "line": {"color": color, "width": 2},
            "fill": "tozeroy",
            "fillcolor": _rgba(color, 0.15),
            "hoverinfo": "skip",
        }
    )
    return {
        "data": data,
        "layout": {
            "width": 140,
            "height": 36,
            "margin": {"l": 1, "r": 1, "t": 2, "b": 2},
            "xaxis": hidden,
            "yaxis": {**hidden, "rangemode": "tozero"},
            "showlegend": False,
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
        },
    }


def map_figure(
    points: MapPoints,
    topics: Sequence[tuple[int, str, str]],
    themes: Sequence[tuple[str, str]],
    *,
    webgl: bool,
    height: int = 620,
) -> Figure:
    """The papers in 2-D, coloured by topic, or by theme after a click.

    One trace per topic holds the points; "Colour by theme" recolours them
    in place and swaps the legend for one of themes, so each point's title
    and coordinates are stored once (a second set of traces per theme would
    add about 1 MB to a 10k-paper report). The tooltip names both the topic
    and the main theme.

    Parameters
    ----------
    points : MapPoints
        ``theme`` holds each paper's main theme ('' when it has none).
    topics : sequence of (id, label, colour)
    themes : sequence of (name, colour)
    webgl : bool
        Draw with ``scattergl`` (for 10k+ points) instead of SVG ``scatter``.
    height : int, default=620

    Returns
    -------
    dict
        A plotly figure.
    """
    kind = "scattergl" if webgl else "scatter"
    theme_color = {name: color for name, color in themes}
    theme_index = {name: i for i, (name, _) in enumerate(themes)}
    traces, topic_colors, theme_colors, centres = [], [], [], []
    for tid, label, color in topics:
        mask = points.topic == tid
        if not mask.any():
            continue
        trace = _map_trace(kind, points, mask, _legend_name(f"{tid}: {label}"), color)
        # Which theme key each point answers to when the legend shows themes (report.js).
        trace["meta"] = {
            "themes": [theme_index.get(t, len(themes)) for t in points.theme[mask]],
        }
        traces.append(trace)
        topic_colors.append(color)
        theme_colors.append([theme_color.get(t, NO_GROUP_COLOR) for t in points.theme[mask]])
        if tid != -1:
            centres.append((int(mask.sum()), tid, label, mask))
    keys = [
        {
            "type": kind,
            "x": [None],
            "y": [None],
            "mode": "markers",
            "name": _legend_name(name),
            "marker": {"color": color, "size": 8},
            "visible": False,
            "hoverinfo": "skip",
            "meta": {"theme_key": index},
        }
        for index, (name, color) in enumerate([*themes, ("", NO_GROUP_COLOR)])
    ]
    n_points, n_keys = len(traces), len(keys)
    topic_labels = _centre_labels(points, centres)
    opacity = [_POINT_OPACITY] * n_points + [1.0] * n_keys
    hidden_axis = {"showticklabels": False, "showgrid": False, "zeroline": False}
    layout = {
        **_base_layout(height),
        "xaxis": hidden_axis,
        "yaxis": hidden_axis,
        "hovermode": "closest",
        "meta": {"legend": "themes"},
        "legend": {"itemsizing": "constant", "font": {"size": 11}, "x": 1.01, "y": 1},
        "annotations": topic_labels,
        "updatemenus": [
            _toggle_menu(
                (
                    "Colour by topic",
                    {
                        "marker.color": topic_colors,
                        "marker.opacity": opacity,
                        "showlegend": [True] * n_points + [False] * n_keys,
                        "visible": [True] * n_points + [False] * n_keys,
                    },
                    {"annotations": topic_labels},
                ),
                (
                    "Colour by theme",
                    {
                        "marker.color": [*theme_colors, *(k["marker"]["color"] for k in keys)],
                        "marker.opacity": opacity,
                        "showlegend": [False] * n_points + [True] * n_keys,
                        "visible": [True] * (n_points + n_keys),
                    },
                    {"annotations": []},
                ),
            )
        ],
    }
    return {"data": [*traces, *keys], "layout": layout}


_POINT_OPACITY = 0.75


# The map's plot area on a desktop screen, in pixels: labels are spaced for it.
_MAP_PLOT_PX = (800.0, 540.0)
_LABEL_CHAR_PX, _LABEL_HEIGHT_PX = 6.2, 15.0
# Vertical nudges tried, in pixels, before a label that would cover another is left out.
_LABEL_SHIFTS = (0.0, 15.0, -15.0, 30.0, -30.0, 45.0, -45.0)


def _centre_labels(
    points: MapPoints, centres: list[tuple[int, int, str, np.ndarray]]
) -> list[dict[str, Any]]:
    """A label at the median point of each of the largest topics ("12: graph neural networks").

    A label is the topic's first phrase (the legend has all of them). Labels
    are placed largest topic first; one that would cover a placed label is
    nudged up or down a line or two, and left out if that does not free it
    (its topic keeps its legend entry and hover). On 6,000 arXiv papers with
    28 topics the unspaced labels covered each other in the middle of the map.
    """
    if not len(points.x):
        return []
    x0, x1 = float(np.nanmin(points.x)), float(np.nanmax(points.x))
    y0, y1 = float(np.nanmin(points.y)), float(np.nanmax(points.y))
    scale_x = _MAP_PLOT_PX[0] / max(x1 - x0, 1e-9)
    scale_y = _MAP_PLOT_PX[1] / max(y1 - y0, 1e-9)
    placed: list[tuple[float, float, float, float]] = []
    labels = []
    for _, tid, label, mask in sorted(centres, key=lambda c: (-c[0], c[1]))[:MAP_LABELS]:
        x, y = float(np.median(points.x[mask])), float(np.median(points.y[mask]))
        text = _legend_name(f"{tid}: {label.split(' · ')[0]}", 30)
        half_w = (len(text) * _LABEL_CHAR_PX + 6) / 2
        px, py = (x - x0) * scale_x, (y - y0) * scale_y
        for shift in _LABEL_SHIFTS:
            box = (
                px - half_w,
                py + shift - _LABEL_HEIGHT_PX / 2,
                px + half_w,
                py + shift + _LABEL_HEIGHT_PX / 2,
            )
            if not any(_overlaps(box, other) for other in placed):
                break
        else:
            continue
        placed.append(box)
        labels.append(
            {
                "x": x,
                "y": y,
                "yshift": shift,
                "text": text,
                "showarrow": False,
                "font": {"size": 10, "color": "#202124"},
                "bgcolor": "rgba(255,255,255,0.75)",
                "borderpad": 1,
            }
        )
    return labels


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _counted_top(series: Sequence[Series]) -> float | None:
    """The top of a share axis that holds every counted year, or None when all fit anyway.

    A year flagged in ``flags`` (too few papers, incomplete) is left out of
    the trend; when its share rises above every counted year's share and
    interval, the axis stops at those and the year is pinned to its top
    (:func:`_within_scale`).
    """
    counted, excluded = [], []
    for s in series:
        flags = s.rows["flags"].fillna("") if "flags" in s.rows else pd.Series([""] * len(s.rows))
        flagged = (flags != "").to_numpy()
        values = s.rows[["share", "ci_high"]].to_numpy(dtype=float)
        counted.extend(values[~flagged].ravel())
        excluded.extend(values[flagged, 0])
    top = max([v for v in counted if np.isfinite(v)], default=0.0)
    if not top or not any(np.isfinite(v) and v > top * 1.05 for v in excluded):
        return None
    return min(1.0, top * 1.05)


def _from_first_counted_year(series: Sequence[Series], low_years: Sequence[int]) -> list[Series]:
    """The series from the first year with enough papers on.

    The sparse early years of a corpus would otherwise take most of a small
    panel; they are cut, not drawn past the axis's edge.
    """
    low = {int(y) for y in low_years}
    years = sorted({int(y) for s in series for y in s.rows["year"].dropna()})
    start = next((y for y in years if y not in low), years[0] if years else None)
    if start is None:
        return list(series)
    return [Series(s.name, s.color, s.rows[s.rows["year"] >= start]) for s in series]


def _within_scale(traces: list[dict[str, Any]], y_max: float | None) -> list[dict[str, Any]]:
    """Band edges and share line of one panel, with shares above ``y_max`` pinned to it.

    The panels share one scale, set by the years that count; an excluded year
    (a handful of papers, or an incomplete year) can have a higher share. Its
    point is drawn at the top as a triangle, and its tooltip gives the true
    share, rather than a line that leaves the panel.
    """
    high, low, line = (dict(t) for t in traces)
    shares = np.asarray(line["y"], dtype=float)
    line["customdata"] = [[*c, _num(v)] for c, v in zip(line["customdata"], shares, strict=True)]
    line["hovertemplate"] = _SHARE_HOVER.replace("%{y:.1%}", "%{customdata[5]:.1%}")
    if y_max is not None:
        over = np.nan_to_num(shares, nan=-1.0) > y_max
        if over.any():
            line["y"] = np.where(over, y_max, shares)
            symbols = line["marker"]["symbol"]
            line["marker"] = {
                **line["marker"],
                "symbol": [
                    ("triangle-up-open" if s.endswith("open") else "triangle-up") if o else s
                    for s, o in zip(symbols, over, strict=True)
                ],
            }
            line["cliponaxis"] = False
    return [high, low, line]


def _compact_layout(
    traces: list[dict[str, Any]],
    height: int,
    incomplete_year: int | None,
    y_max: float | None,
) -> Figure:
    """A small-multiples panel: share axis from 0 to ``y_max``, no legend, no toggle."""
    years = sorted({float(x) for t in traces for x in t["x"] if np.isfinite(x)})
    xaxis: dict[str, Any] = {"tickformat": "d", "showgrid": False, "nticks": 6}
    if years:
        xaxis["range"] = [years[0] - 0.5, years[-1] + 0.5]
    layout = {
        **_base_layout(height),
        "margin": {"l": 44, "r": 8, "t": 10, "b": 26},
        "xaxis": xaxis,
        "yaxis": {
            "gridcolor": "#e8eaed",
            "tickformat": _SHARE_TICKS,
            "range": [0, y_max] if y_max else None,
            "rangemode": "tozero",
            "nticks": 4,
        },
        "hovermode": "closest",
        "showlegend": False,
    }
    if layout["yaxis"]["range"] is None:
        del layout["yaxis"]["range"]
    if incomplete_year is not None:
        layout["shapes"] = [_incomplete_shape(incomplete_year)]
    return {"data": traces, "layout": layout}


def _incomplete_shape(year: int) -> dict[str, Any]:
    return {
        "type": "rect",
        "xref": "x",
        "yref": "paper",
        "x0": year - 0.5,
        "x1": year + 0.5,
        "y0": 0,
        "y1": 1,
        "fillcolor": "#f1f3f4",
        "line": {"width": 0},
        "layer": "below",
    }


def _series_traces(
    s: Series, *, show_legend: bool, band_alpha: float = 0.18, low_years: Sequence[int] = ()
) -> list[dict[str, Any]]:
    """Upper band edge, lower band edge (filled up to it), share line, count line.

    The band has gaps at ``low_years``: an interval from a handful of papers
    spans most of the axis and would hide the lines.
    """
    rows = s.rows.sort_values("year")
    enough = ~rows["year"].isin(list(low_years)).to_numpy()
    name = escape_plotly(s.name)
    x = rows["year"].to_numpy(dtype=float)
    flags = rows["flags"].fillna("") if "flags" in rows else pd.Series([""] * len(rows))
    # A flagged year (too few papers, incomplete) is left out of the slope, test and peak.
    notes = [
        f"<br><i>{escape_plotly(f.replace(';', '; '))}: not counted in the trend</i>" if f else ""
        for f in flags
    ]
    custom = [
        [_num(lo), _num(hi), _num(n), _num(total), note]
        for lo, hi, n, total, note in zip(
            rows["ci_low"], rows["ci_high"], rows["count"], rows["total"], notes, strict=True
        )
    ]
    marker = {"symbol": ["circle-open" if f else "circle" for f in flags], "size": 7}
    band = {
        "type": "scatter",
        "x": x,
        "mode": "lines",
        "line": {"width": 0, "color": s.color},
        "hoverinfo": "skip",
        "showlegend": False,
        "legendgroup": name,
        "name": name,
    }
    line = {
        "type": "scatter",
        "x": x,
        "name": name,
        "legendgroup": name,
        "mode": "lines+markers",
        "line": {"color": s.color, "width": 2},
        "marker": marker,
        "customdata": custom,
        "showlegend": show_legend,
    }
    return [
        {**band, "y": np.where(enough, rows["ci_high"].to_numpy(dtype=float), np.nan)},
        {
            **band,
            "y": np.where(enough, rows["ci_low"].to_numpy(dtype=float), np.nan),
            "fill": "tonexty",
            "fillcolor": _rgba(s.color, band_alpha),
        },
        {**line, "y": rows["share"].to_numpy(dtype=float), "hovertemplate": _SHARE_HOVER},
        {
            **line,
            "y": rows["count"].to_numpy(dtype=float),
            "hovertemplate": _COUNT_HOVER,
            "visible": False,
        },
    ]


def _map_trace(
    kind: str, points: MapPoints, mask: np.ndarray, name: str, color: str
) -> dict[str, Any]:
    return {
        "type": kind,
        "x": points.x[mask],
        "y": points.y[mask],
        "mode": "markers",
        "name": name,
        "marker": {"color": color, "size": 5, "opacity": _POINT_OPACITY},
        "hovertext": points.title[mask].tolist(),
        "text": [escape_plotly(t) if t else "no theme" for t in points.theme[mask]],
        "hovertemplate": "%{hovertext}<br>topic %{fullData.name} · %{text}<extra></extra>",
    }


def _num(value: Any) -> float | None:
    """A JSON-safe number: ``None`` for missing values (``pd.NA``, NaN)."""
    if value is None or pd.isna(value):
        return None
    return float(value)


def _legend_name(text: str, limit: int = 40) -> str:
    text = text or "no theme"
    return escape_plotly(text if len(text) <= limit else text[: limit - 1] + "…")


def _toggle_menu(*buttons: tuple[str, dict[str, Any], dict[str, Any]]) -> dict[str, Any]:
    """Plotly buttons that switch trace properties (and axis settings) in place."""
    return {
        "type": "buttons",
        "direction": "right",
        "showactive": True,
        "active": 0,
        "x": 0,
        "xanchor": "left",
        "y": 1.02,
        "yanchor": "bottom",
        "pad": {"t": 0, "b": 4},
        "bgcolor": "#ffffff",
        "bordercolor": "#dadce0",
        "font": {"size": 12},
        "buttons": [
            {"label": label, "method": "update", "args": [data, layout]}
            for label, data, layout in buttons
        ],
    }


def _axis_update(axis: dict[str, str]) -> dict[str, str]:
    return {f"yaxis.{key}": value for key, value in axis.items()}


def _base_layout(height: int) -> dict[str, Any]:
    """Explicit styling and no plotly template (it would add kilobytes to every chart)."""
    return {
        "height": height,
        "margin": {"l": 60, "r": 20, "t": 44, "b": 48},
        "font": {**_FONT, "color": "#202124"},
        "colorway": list(PALETTE),
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "hoverlabel": {"font": {"size": 12}, "align": "left"},
    }


def _rgba(color: str, alpha: float) -> str:
    """``#rrggbb`` with transparency, for interval bands."""
    value = color.lstrip("#")
    r, g, b = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def terms_figure(terms: Sequence[str], weights: Sequence[float], color: str) -> Figure:
    """A topic's keywords as horizontal bars of their c-TF-IDF weight, best on top."""
    terms, weights = list(terms)[::-1], [float(w) for w in weights][::-1]
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "x": weights,
                "y": [escape_plotly(t) for t in terms],
                "marker": {"color": color},
                "hovertemplate": "%{y}: %{x:.4f}<extra></extra>",
            }
        ],
        "layout": {
            **_base_layout(40 + 24 * len(terms)),
            "margin": {"l": 8, "r": 12, "t": 8, "b": 30},
            "xaxis": {"gridcolor": "#e8eaed", "title": {"text": "weight"}, "nticks": 4},
            "yaxis": {"automargin": True, "ticksuffix": " "},
            "bargap": 0.25,
        },
    }


def changes_figure(names: Sequence[str], added: Sequence[int], gone: Sequence[int]) -> Figure:
    """Papers added (right) and gone (left) per theme, as bars: where the new papers went."""
    names = [_legend_name(n, 48) for n in names][::-1]
    added, gone = [int(n) for n in added][::-1], [-int(n) for n in gone][::-1]
    traces = [
        {
            "type": "bar",
            "orientation": "h",
            "name": "new papers",
            "x": added,
            "y": names,
            "marker": {"color": PALETTE[0]},
            "hovertemplate": "%{y}: %{x:,} new papers<extra></extra>",
        }
    ]
    if any(gone):
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": "gone",
                "x": gone,
                "y": names,
                "marker": {"color": NO_GROUP_COLOR},
                "customdata": [-n for n in gone],
                "hovertemplate": "%{y}: %{customdata:,} papers gone<extra></extra>",
            }
        )
    return {
        "data": traces,
        "layout": {
            **_base_layout(60 + 26 * len(names)),
            "margin": {"l": 8, "r": 12, "t": 8, "b": 36},
            "barmode": "relative",
            "showlegend": len(traces) > 1,
            "legend": {"orientation": "h", "y": -0.15},
            "xaxis": {"gridcolor": "#e8eaed", "title": {"text": "papers"}, "tickformat": ",d"},
            "yaxis": {"automargin": True, "ticksuffix": " "},
            "bargap": 0.25,
        },
    }


def similarity_figure(labels: Sequence[str], matrix: np.ndarray) -> Figure:
    """Topic × topic cosine similarity as a heat map, in the order of the hierarchy's leaves.

    With more than 40 topics the axis labels are left out (they would
    overlap); the tooltip names both topics.
    """
    names = [_legend_name(label, 48) for label in labels]
    off_diagonal = matrix[~np.eye(len(matrix), dtype=bool)]
    low = float(np.nanmin(off_diagonal)) if off_diagonal.size else 0.0
    show_ticks = len(names) <= 40
    size = max(320, min(1000, 22 * len(names) + 120))
    axis = {"showticklabels": show_ticks, "showgrid": False, "ticks": "", "automargin": True}
    # Columns are labelled by topic number only; the rows and the tooltip give the names.
    short = [label.split(":", 1)[0] for label in labels]
    # On a phone the row names would take the plot's width: numbers, and square cells.
    narrow = {"yaxis": {"tickvals": names, "ticktext": short}, "square": True}
    return {
        "data": [
            {
                "type": "heatmap",
                "z": matrix.round(3),
                "x": names,
                "y": names,
                "zmin": round(low, 3),
                "zmax": 1.0,
                "colorscale": "Blues",
                "reversescale": True,
                "colorbar": {"title": {"text": "cosine"}, "thickness": 12},
                "hovertemplate": "%{y}<br>%{x}<br>similarity %{z:.2f}<extra></extra>",
            }
        ],
        "layout": {
            **_base_layout(size),
            "margin": {"l": 8, "r": 8, "t": 8, "b": 8},
            "xaxis": {**axis, "tickvals": names, "ticktext": short, "side": "top"},
            "yaxis": {**axis, "autorange": "reversed"},
            "meta": {"narrow": narrow},
        },
    }


def hierarchy_figure(labels: Sequence[str], linkage: np.ndarray, colors: Sequence[str]) -> Figure:
    """The merge tree of the topics (a dendrogram drawn from a scipy linkage matrix).

    Leaves are the topics, top to bottom in the tree's order; each merge is
    drawn at its distance (1 − cosine similarity of the centroids, averaged
    over the two groups). Hovering a merge lists the topics under it.

    Parameters
    ----------
    labels : sequence of str
        Topic labels, in the linkage's leaf numbering.
    linkage : ndarray of shape (n - 1, 4)
        As from :func:`scipy.cluster.hierarchy.linkage`.
    colors : sequence of str
        Each topic's colour, for its leaf marker.
    """
    from scipy.cluster.hierarchy import leaves_list

    n = len(labels)
    order = leaves_list(linkage) if n > 1 else np.arange(n)
    y = {int(leaf): float(i) for i, leaf in enumerate(order)}
    x = dict.fromkeys(range(n), 0.0)
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    xs: list[float | None] = []
    ys: list[float | None] = []
    node_x, node_y, node_text = [], [], []
    for step, (a, b, distance, _) in enumerate(linkage):
        a, b, node = int(a), int(b), n + step
        x[node], y[node] = float(distance), (y[a] + y[b]) / 2
        members[node] = members[a] + members[b]
        xs += [x[a], x[node], x[node], x[b], None]
        ys += [y[a], y[a], y[b], y[b], None]
        node_x.append(x[node])
        node_y.append(y[node])
        node_text.append(_members_text(members[node], labels))
    names = [_legend_name(labels[i], 44) for i in order]
    # On a phone 44-character names left the tree a sliver: the first phrase, shorter.
    short_names = [_legend_name(labels[i].split(" · ")[0], 22) for i in order]
    return {
        "data": [
            {
                "type": "scatter",
                "x": xs,
                "y": ys,
                "mode": "lines",
                "line": {"color": "#5f6368", "width": 1.2},
                "hoverinfo": "skip",
            },
            {
                "type": "scatter",
                "x": node_x,
                "y": node_y,
                "mode": "markers",
                "marker": {"size": 6, "color": "#1a73e8"},
                "text": node_text,
                "hovertemplate": "distance %{x:.3f}<br>%{text}<extra></extra>",
            },
            {
                "type": "scatter",
                "x": [0.0] * n,
                "y": [y[int(i)] for i in order],
                "mode": "markers",
                "marker": {"size": 9, "color": [colors[int(i)] for i in order]},
                "text": names,
                "hovertemplate": "%{text}<extra></extra>",
            },
        ],
        "layout": {
            **_base_layout(max(300, 60 + 20 * n)),
            "margin": {"l": 8, "r": 16, "t": 8, "b": 40},
            "showlegend": False,
            "hovermode": "closest",
            "xaxis": {
                "title": {"text": "distance at merge (1 − cosine similarity)"},
                "gridcolor": "#e8eaed",
                "zeroline": False,
            },
            "yaxis": {
                "tickvals": list(range(n)),
                "ticktext": names,
                "autorange": "reversed",
                "showgrid": False,
                "zeroline": False,
                "automargin": True,
                "ticksuffix": " ",
            },
            "meta": {"narrow": {"yaxis": {"ticktext": short_names}}},
        },
    }


def _members_text(members: Sequence[int], labels: Sequence[str], limit: int = 8) -> str:
    names = [_legend_name(labels[i], 44) for i in members[:limit]]
    more = f"<br>… and {len(members) - limit} more" if len(members) > limit else ""
    return f"{len(members)} topics:<br>" + "<br>".join(names) + more
