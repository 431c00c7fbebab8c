"""The "What changed" page: ``data/changes.json`` as typed rows for the template.

:mod:`topics.changes` writes the file when a run or an update replaces a run
(and ``topics compare`` for any two runs); the report only reads it, like
every other page. The page is rendered on its own (:func:`changes_page`)
from that file, the run's manifest and ``data/evaluation.json`` alone, so a
run can re-render it cheaply: it depends on the run it was compared with,
which the stage cache of the other pages does not know about, and the run
that is moved to ``<experiment>.previous`` re-renders it there so that it no
longer links to itself.

The link to the other run's report is shown only while that folder still
holds the run that was compared (its manifest's :func:`run_identity`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from topics.report import charts
from topics.report._html import script_json
from topics.report._saved import saved_int, saved_mapping, saved_number, saved_records
from topics.report.tables import paper_url, slugify, unique_slugs
from topics.results import (
    CHANGES_FILE,
    CHANGES_FORMAT,
    CHANGES_PAPERS_FILE,
    run_identity,
    same_run,
)

__all__ = ["ChangesView", "changes_page"]

# What made the newer run, and the command that does it.
_KIND_TEXT = {
    "run": ("a new run", "topics run"),
    "update": ("an update without refit", "topics update"),
    "refit": ("an update with refit", "topics update --refit"),
    "compare": ("two runs compared", "topics compare"),
}
# How a topic of one run was followed into the other.
_HOW_TEXT = {
    "same model": "Both runs have the same fitted model, so every topic is the same topic in both.",
    "refit": "The refit recorded which new topic continues which old one (by the papers they "
    "share); a continuing topic kept its label.",
    "shared papers": "The topics of the two fits are paired one to one by the papers they share.",
}


@dataclass(frozen=True, slots=True)
class RunRef:
    """One of the two runs compared: where its report is and what it held."""

    name: str
    href: str | None
    kept: bool
    experiment: str
    started: str
    finished: str
    papers: int
    topics: int


@dataclass(frozen=True, slots=True)
class Status:
    """A trend status with its CSS class ("insufficient data" → "insufficient-data")."""

    text: str

    @property
    def css(self) -> str:
        return slugify(self.text) or "unknown"


@dataclass(frozen=True, slots=True)
class GroupChange:
    """One theme or topic: papers before and after, added, gone, trend before and after."""

    name: str
    label: str
    href: str | None
    papers_before: int
    papers_after: int
    added: int
    gone: int
    status_before: Status | None
    status_after: Status | None
    slope_before: float | None
    slope_after: float | None
    new_bursts: tuple[str, ...]
    topic: int | None = None
    old_topic: int | None = None
    old_label: str = ""
    overlap: float | None = None

    @property
    def status_changed(self) -> bool:
        return (
            self.status_before is not None
            and self.status_after is not None
            and self.status_before.text != self.status_after.text
        )


@dataclass(frozen=True, slots=True)
class PaperChange:
    """A paper that was added, is gone, or moved to another topic or other themes."""

    title: str
    year: int | None
    url: str
    old_topic: str
    new_topic: str
    old_topic_href: str | None
    new_topic_href: str | None
    old_themes: tuple[str, ...]
    new_themes: tuple[str, ...]
    topic_moved: bool
    themes_moved: bool


@dataclass(frozen=True, slots=True)
class MappingRow:
    """How a topic of the old run continues in the new one."""

    old_topic: int
    old_label: str
    new_topic: int | None
    new_label: str
    new_href: str | None
    overlap: float | None
    similarity: float | None
    matched: bool


@dataclass(frozen=True, slots=True)
class DriftView:
    """``data/drift.json`` of an update: how many new papers fit the saved topics poorly."""

    threshold: float
    new_papers: int
    low_fit: int
    low_fit_share: float
    drifted: bool
    clusters: tuple[dict[str, Any], ...]


@dataclass(frozen=True, slots=True)
class ChangesView:
    """Everything the page shows; ``None`` fields are sections the record lacks."""

    kind: str
    how: str
    old: RunRef
    new: RunRef
    totals: Mapping[str, int]
    themes: tuple[GroupChange, ...]
    topics: tuple[GroupChange, ...]
    status_changes: tuple[GroupChange, ...]
    bursts: tuple[tuple[GroupChange, str, str | None], ...]
    mapping: tuple[MappingRow, ...]
    mapping_how: str
    min_overlap: float | None
    added: tuple[PaperChange, ...]
    gone: tuple[PaperChange, ...]
    moved: tuple[PaperChange, ...]
    papers_csv: str
    drift: DriftView | None


def changes_page(
    run_dir: Path,
    *,
    max_rows: int,
    previous_run: Path | None = None,
    compare: tuple[Path, Path] | None = None,
    theme_slugs: Mapping[str, str] | None = None,
    topic_ids: Iterable[int] | None = None,
) -> dict[str, Any]:
    """The template context of ``changes.html`` (a run) or of a comparison's ``index.html``.

    Parameters
    ----------
    run_dir : Path
        The run directory, or the folder ``topics compare`` writes.
    max_rows : int
        Papers listed per table; the CSV beside the JSON has all of them.
    previous_run : Path, optional
        Where the old run is while the page is rendered, when that is not
        where the page will link to: a run renders its report before the swap
        that moves the run it replaces to ``<experiment>.previous``.
    compare : (Path, Path), optional
        ``(RUN_A, RUN_B)`` for a comparison folder: its JSON sits at the top
        of ``run_dir``, theme and topic links go to RUN_B's report.
    theme_slugs : mapping, optional
        Theme name → page slug, as the report named the pages.
    topic_ids : iterable of int, optional
        The topics that have a page; by default those of the report on disk.
    """
    if compare is None:
        data, report_root, manifest_dir = run_dir / "data", "", run_dir
    else:
        data, manifest_dir = run_dir, compare[1]
        report_root = _relative(compare[1], run_dir) + "/"
    manifest = _read_json(manifest_dir / "manifest.json") or {}
    record = _read_json(data / CHANGES_FILE)
    if record is not None and record.get("format") != CHANGES_FORMAT:
        record = None
    has_report = (manifest_dir / "index.html").is_file() or compare is None
    slugs = dict(theme_slugs or _theme_slugs(manifest, record))
    pages = frozenset(topic_ids) if topic_ids is not None else _topic_pages(manifest_dir)
    links = _Links(report_root if has_report else None, slugs, pages)
    view = None
    if record is not None:
        view = _view(record, run_dir, links, max_rows, previous_run, compare)
    evaluation = _read_json(run_dir / "data" / "evaluation.json") if compare is None else None
    return {
        "root": "" if compare is None else report_root,
        "assets": "assets/",
        "experiment": str(manifest.get("experiment") or run_dir.name),
        "evaluation": bool(evaluation and evaluation.get("format") == "topics.evaluation"),
        "compare": compare is not None,
        "has_report": has_report,
        "changes": view,
        "kind_text": _KIND_TEXT.get(view.kind, (view.kind, ""))[0] if view else "",
        "kind_command": _KIND_TEXT.get(view.kind, ("", ""))[1] if view else "",
        "how_text": _HOW_TEXT.get(view.how, "") if view else "",
        "chart": _chart(view) if view else None,
        "papers_csv": (f"data/{CHANGES_PAPERS_FILE}" if compare is None else CHANGES_PAPERS_FILE),
        "changes_json": (f"data/{CHANGES_FILE}" if compare is None else CHANGES_FILE),
    }


@dataclass(frozen=True, slots=True)
class _Links:
    """Hrefs into the new run's report (``None``: no report to link)."""

    root: str | None
    theme_slugs: Mapping[str, str]
    topics: frozenset[int]

    def theme(self, name: str) -> str | None:
        slug = self.theme_slugs.get(name)
        return f"{self.root}themes/{slug}.html" if self.root is not None and slug else None

    def topic(self, topic: int | None) -> str | None:
        if self.root is None or topic is None or topic not in self.topics:
            return None
        return f"{self.root}topics/{topic}.html"


def _view(
    record: Mapping[str, Any],
    run_dir: Path,
    links: _Links,
    max_rows: int,
    previous_run: Path | None,
    compare: tuple[Path, Path] | None,
) -> ChangesView:
    old_info, new_info = saved_mapping(record.get("old")), saved_mapping(record.get("new"))
    old_here = previous_run or (compare[0] if compare else (run_dir / str(old_info.get("run"))))
    new_here = compare[1] if compare else run_dir
    mapping = saved_mapping(record.get("topic_mapping"))
    themes = tuple(_group(r, links, is_topic=False) for r in saved_records(record.get("themes")))
    topics = tuple(_group(r, links, is_topic=True) for r in saved_records(record.get("topics")))
    new_labels = {g.topic: g.label for g in topics if g.topic is not None}
    old_labels = {g.old_topic: g.old_label or g.label for g in topics if g.old_topic is not None}
    same_model = mapping.get("how") == "same model"
    continues = {
        saved_int(p.get("old_topic")): saved_int(p.get("new_topic"))
        for p in saved_records(mapping.get("pairs"))
        if p.get("matched")
    }

    def paper(row: Mapping[str, Any]) -> PaperChange:
        return _paper(row, links, None if same_model else continues)

    return ChangesView(
        kind=str(record.get("kind") or "run"),
        how=str(mapping.get("how") or ""),
        old=_run_ref(old_info, old_here, str(old_info.get("run") or "")),
        new=_run_ref(new_info, new_here, "" if compare is None else str(new_info.get("run"))),
        totals={k: saved_int(v) or 0 for k, v in saved_mapping(record.get("totals")).items()},
        themes=themes,
        topics=topics,
        status_changes=tuple(g for g in (*themes, *topics) if g.status_changed),
        bursts=tuple(
            (g, str(b.get("years")), _str(b.get("was")))
            for g, row in zip(
                (*themes, *topics),
                (*saved_records(record.get("themes")), *saved_records(record.get("topics"))),
                strict=True,
            )
            for b in saved_records(row.get("new_bursts"))
        ),
        mapping=tuple(
            _mapping_row(p, old_labels, new_labels, links)
            for p in saved_records(mapping.get("pairs"))
        ),
        mapping_how=str(mapping.get("how") or ""),
        min_overlap=saved_number(mapping.get("min_overlap")),
        added=tuple(paper(p) for p in saved_records(record.get("added"))[:max_rows]),
        gone=tuple(paper(p) for p in saved_records(record.get("gone"))[:max_rows]),
        moved=tuple(paper(p) for p in saved_records(record.get("moved"))[:max_rows]),
        papers_csv=str(record.get("papers_file") or CHANGES_PAPERS_FILE),
        drift=_drift(record.get("drift")),
    )


def _run_ref(info: Mapping[str, Any], here: Path, link: str) -> RunRef:
    """The run and a link to its report while the folder still holds that run."""
    manifest = _read_json(here / "manifest.json")
    kept = manifest is not None and same_run(run_identity(manifest), dict(info))
    href = None
    if link and kept:
        href = f"{link.rstrip('/')}/index.html" if link != "." else "index.html"
    if href is not None and not (here / "index.html").is_file():
        href = None
    return RunRef(
        name=link or ".",
        href=href,
        kept=kept,
        experiment=str(info.get("experiment") or ""),
        started=str(info.get("started") or ""),
        finished=str(info.get("finished") or ""),
        papers=saved_int(info.get("papers")) or 0,
        topics=saved_int(info.get("topics")) or 0,
    )


def _group(row: Mapping[str, Any], links: _Links, *, is_topic: bool) -> GroupChange:
    topic = saved_int(row.get("topic")) if is_topic else None
    name = str(row.get("name") or "")
    label = str(row.get("label") or name)
    return GroupChange(
        name=name,
        label=label if is_topic else name,
        href=links.topic(topic) if is_topic else links.theme(name),
        papers_before=saved_int(row.get("papers_before")) or 0,
        papers_after=saved_int(row.get("papers_after")) or 0,
        added=saved_int(row.get("added")) or 0,
        gone=saved_int(row.get("gone")) or 0,
        status_before=_status(row.get("status_before")),
        status_after=_status(row.get("status_after")),
        slope_before=saved_number(row.get("slope_before")),
        slope_after=saved_number(row.get("slope_after")),
        new_bursts=tuple(str(b.get("years")) for b in saved_records(row.get("new_bursts"))),
        topic=topic,
        old_topic=saved_int(row.get("old_topic")) if is_topic else None,
        old_label=str(row.get("old_label") or ""),
        overlap=saved_number(row.get("overlap")),
    )


def _mapping_row(
    pair: Mapping[str, Any],
    old_labels: Mapping[int, str],
    new_labels: Mapping[int, str],
    links: _Links,
) -> MappingRow:
    old_topic = saved_int(pair.get("old_topic"))
    new_topic = saved_int(pair.get("new_topic"))
    new_topic = new_topic if new_topic is not None and new_topic >= 0 else None
    return MappingRow(
        old_topic=old_topic if old_topic is not None else -1,
        old_label=old_labels.get(old_topic, f"topic {old_topic}"),
        new_topic=new_topic,
        new_label=new_labels.get(new_topic, "") if new_topic is not None else "",
        new_href=links.topic(new_topic),
        overlap=saved_number(pair.get("overlap")),
        similarity=saved_number(pair.get("similarity")),
        matched=bool(pair.get("matched")),
    )


def _paper(
    row: Mapping[str, Any], links: _Links, continues: Mapping[int | None, int | None] | None
) -> PaperChange:
    """A changed paper; ``continues`` maps old topic ids to new ones (None: ids are shared).

    Topic numbers of two different fits mean different topics, so a paper's
    earlier topic is shown by its label, with the number it had then and the
    one of the topic that continues it now (linked), or that it ended.
    """
    old_topic, new_topic = saved_int(row.get("old_topic")), saved_int(row.get("new_topic"))
    url, _ = paper_url(str(row.get("arxiv_id") or ""), str(row.get("doi") or ""))
    old_text = _topic_text(old_topic, row.get("old_topic_label"))
    old_href = links.topic(old_topic) if continues is None else None
    if continues is not None and old_topic is not None and old_topic >= 0:
        label = old_text.split(": ", 1)[-1]
        now = continues.get(old_topic)
        old_text = f"{label} (then {old_topic}, " + (f"now {now})" if now is not None else "ended)")
        old_href = links.topic(now)
    return PaperChange(
        title=str(row.get("title") or "(untitled)"),
        year=saved_int(row.get("year")),
        url=url,
        old_topic=old_text,
        new_topic=_topic_text(new_topic, row.get("new_topic_label")),
        old_topic_href=old_href,
        new_topic_href=links.topic(new_topic),
        old_themes=tuple(str(t) for t in row.get("old_themes") or ()),
        new_themes=tuple(str(t) for t in row.get("new_themes") or ()),
        topic_moved=bool(row.get("topic_moved")),
        themes_moved=bool(row.get("themes_moved")),
    )


def _topic_text(topic: int | None, label: Any) -> str:
    if topic is None:
        return ""
    if topic < 0:
        return "outliers (-1)"
    text = str(label or "")
    prefix = f"{topic}_"
    text = (text[len(prefix) :] if text.startswith(prefix) else text).replace("_", " ").strip()
    return f"{topic}: {text}" if text else str(topic)


def _drift(value: Any) -> DriftView | None:
    data = saved_mapping(value)
    if not data:
        return None
    return DriftView(
        threshold=saved_number(data.get("threshold")) or 0.0,
        new_papers=saved_int(data.get("new_papers")) or 0,
        low_fit=saved_int(data.get("low_fit")) or 0,
        low_fit_share=saved_number(data.get("low_fit_share")) or 0.0,
        drifted=bool(data.get("drifted")),
        clusters=tuple(
            {
                "size": saved_int(c.get("size")) or 0,
                "keywords": [str(k) for k in c.get("keywords") or ()],
                "example_titles": [str(t) for t in c.get("example_titles") or ()],
            }
            for c in saved_records(data.get("clusters"))
        ),
    )


def _chart(view: ChangesView) -> dict[str, Any] | None:
    """Added and gone papers per theme, as bars (the chart the page opens with)."""
    rows = [g for g in view.themes if g.added or g.gone]
    if not rows:
        return None
    figure = charts.changes_figure(
        [g.name for g in rows], [g.added for g in rows], [g.gone for g in rows]
    )
    return {
        "id": "chart-0",
        "figure": script_json(figure),
        "config": script_json(dict(charts.SMALL_CONFIG)),
        "css": "chart",
        "label": "papers added and gone per theme",
    }


def _theme_slugs(manifest: Mapping[str, Any], record: Mapping[str, Any] | None) -> dict[str, str]:
    """Theme page slugs as the report names them: config order, then other themes."""
    configured = [
        str(t.get("name"))
        for t in (saved_mapping(manifest.get("config")).get("themes") or [])
        if isinstance(t, Mapping) and t.get("name")
    ]
    others = [str(r.get("name")) for r in saved_records((record or {}).get("themes"))]
    names = list(dict.fromkeys([*configured, *(n for n in others if n not in configured)]))
    return unique_slugs(names)


def _topic_pages(report_dir: Path) -> frozenset[int]:
    """The topics whose page the report in ``report_dir`` has (``topics/<id>.html``)."""
    ids = set()
    for path in (report_dir / "topics").glob("*.html"):
        try:
            ids.add(int(path.stem))
        except ValueError:  # topics/index.html, the overview
            continue
    return frozenset(ids)


def _relative(target: Path, start: Path) -> str:
    return Path(os.path.relpath(Path(target).resolve(), Path(start).resolve())).as_posix()


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _status(value: Any) -> Status | None:
    return Status(str(value)) if value else None


def _str(value: Any) -> str | None:
    return str(value) if value else None
