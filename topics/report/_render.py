"""Rendering the pages and swapping them into the run directory.

The report is written next to the data it shows: ``index.html`` and
``changes.html`` at the top of the run directory, ``themes/``, ``topics/`` and
``assets/`` beside it. All of it is rendered first into a hidden temporary
directory inside the run directory (same file system, so renames are atomic);
then each of ``assets/``, ``themes/`` and ``topics/`` is swapped in whole,
then ``changes.html``, and ``index.html`` is replaced last. A reader
therefore never sees a half-written file, and an index only ever links pages
that already exist. A failed render leaves the previous report untouched.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import jinja2

from topics._io import atomic_write_text
from topics.report import _html
from topics.report._changes import changes_page
from topics.report._load import load_run
from topics.report._options import ReportOptions, ReportStats
from topics.report._pages import build_site
from topics.results import CHANGES_PAGE

__all__ = ["REPORT_ENTRIES", "render_changes_page", "render_comparison", "render_report"]

log = logging.getLogger(__name__)

# What the report owns inside a run directory; nothing else there is touched.
_REPORT_DIRS = ("assets", "papers", "themes", "topics")
# The pages that depend only on the run's own files (the stage cache keeps them);
# changes.html also depends on the run it was compared with, so a run renders it itself.
REPORT_ENTRIES = (*_REPORT_DIRS, "index.html")
_STATIC_FILES = ("report.css", "report.js")


def render_report(
    run_dir: Path, *, options: ReportOptions | None = None, previous_run: Path | None = None
) -> ReportStats:
    """Render the HTML report of a run from the files the run saved.

    Parameters
    ----------
    run_dir : Path
        A run directory with ``manifest.json`` and ``data/`` (see
        :func:`~topics.report.load_run`). Nothing is refitted.
    options : ReportOptions, optional
        Size limits of the map and tables.
    previous_run : Path, optional
        Where the run that ``data/changes.json`` compares with is now, when
        that is not yet where the "What changed" page links to (a run renders
        before it moves the run it replaces to ``<experiment>.previous``).

    Returns
    -------
    ReportStats
        Pages written, report size and time taken.

    Raises
    ------
    TopicsError
        If a file or column the report needs is missing.

    Examples
    --------
    >>> stats = render_report(Path("reports/my-experiment"))  # doctest: +SKIP
    >>> stats.index
    PosixPath('reports/my-experiment/index.html')
    """
    started = time.perf_counter()
    run_dir = Path(run_dir)
    options = options or ReportOptions()
    run = load_run(run_dir)
    site = build_site(run, options, previous_run=previous_run)
    env = _environment()
    with _staging(run_dir) as stage:
        for path, (template, context) in site.pages.items():
            target = stage / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(env.get_template(template).render(context), encoding="utf-8")
        for path, text in site.files.items():
            (stage / path).write_text(text, encoding="utf-8")
        _copy_assets(stage / "assets")
        for name in _REPORT_DIRS:
            (stage / name).mkdir(exist_ok=True)
        total = sum(f.stat().st_size for f in stage.rglob("*") if f.is_file())
        _swap_in(stage, run_dir)
    pages = site.pages.keys()
    stats = ReportStats(
        index=run_dir / "index.html",
        pages=len(pages),
        theme_pages=sum(p.startswith("themes/") for p in pages),
        topic_pages=sum(p.startswith("topics/") and p != "topics/index.html" for p in pages),
        total_bytes=total,
        seconds=time.perf_counter() - started,
    )
    # No path: inside a run the report is rendered in the staging directory,
    # whose name means nothing to the user; the run prints its final place.
    log.info(
        "report: %d pages, %.1f MB in %.1f s", stats.pages, stats.total_bytes / 1e6, stats.seconds
    )
    return stats


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("topics.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        pct=_html.fmt_pct,
        pp=_html.fmt_pp,
        pvalue=_html.fmt_p,
        num=_html.fmt_num,
        filesize=_html.fmt_bytes,
        tojson_script=_html.script_json,
    )
    return env


@contextlib.contextmanager
def _staging(run_dir: Path) -> Iterator[Path]:
    """A hidden temporary directory inside ``run_dir``, removed whatever happens."""
    run_dir.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".report-", suffix=".tmp", dir=run_dir))
    try:
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _copy_assets(target: Path) -> None:
    """Our CSS and JS, and the one copy of plotly.js that every page shares."""
    target.mkdir(parents=True, exist_ok=True)
    static = resources.files("topics.report") / "static"
    for name in _STATIC_FILES:
        (target / name).write_bytes((static / name).read_bytes())
    plotly_js = resources.files("plotly") / "package_data" / "plotly.min.js"
    with resources.as_file(plotly_js) as source:
        shutil.copyfile(source, target / "plotly.min.js")


def _swap_in(stage: Path, run_dir: Path) -> None:
    """Move the rendered report into place: directories first, the index last.

    If a rename fails half-way, the directories already swapped are put back,
    so the previous report stays whole.
    """
    previous = stage / ".previous"
    previous.mkdir()
    swapped: list[str] = []
    try:
        for name in _REPORT_DIRS:
            if (run_dir / name).exists():
                os.replace(run_dir / name, previous / name)
            swapped.append(name)
            os.replace(stage / name, run_dir / name)
        if (stage / CHANGES_PAGE).exists():
            if (run_dir / CHANGES_PAGE).exists():
                os.replace(run_dir / CHANGES_PAGE, previous / CHANGES_PAGE)
            swapped.append(CHANGES_PAGE)
            os.replace(stage / CHANGES_PAGE, run_dir / CHANGES_PAGE)
        os.replace(stage / "index.html", run_dir / "index.html")
    except OSError:
        for name in reversed(swapped):
            if not (stage / name).exists():  # the new one is in place: take it out again
                os.replace(run_dir / name, stage / name)
            if (previous / name).exists():
                os.replace(previous / name, run_dir / name)
        raise


def render_changes_page(
    run_dir: Path, *, options: ReportOptions | None = None, previous_run: Path | None = None
) -> Path:
    """Render only the "What changed" page of a run (``changes.html``), atomically.

    It reads ``manifest.json``, ``data/changes.json`` and
    ``data/evaluation.json``, not the run's tables, so it takes milliseconds:
    a run whose other pages came from the stage cache renders it, and so does
    the run that moves another one to ``<experiment>.previous``, there.
    """
    run_dir = Path(run_dir)
    options = options or ReportOptions()
    context = changes_page(run_dir, max_rows=options.max_rows, previous_run=previous_run)
    target = run_dir / CHANGES_PAGE
    atomic_write_text(target, _environment().get_template("changes.html").render(context))
    return target


def render_comparison(
    out_dir: Path, run_a: Path, run_b: Path, *, options: ReportOptions | None = None
) -> Path:
    """The page of ``topics compare``: ``out_dir/index.html`` and its own ``assets/``.

    ``out_dir`` holds the comparison's ``changes.json`` already; the page
    links to both runs' reports (relative links, so the folders may move
    together) and works offline on its own.
    """
    out_dir = Path(out_dir)
    options = options or ReportOptions()
    context = changes_page(out_dir, max_rows=options.max_rows, compare=(Path(run_a), Path(run_b)))
    _copy_assets(out_dir / "assets")
    target = out_dir / "index.html"
    atomic_write_text(target, _environment().get_template("changes.html").render(context))
    return target
