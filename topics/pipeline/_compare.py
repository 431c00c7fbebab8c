"""``topics compare RUN_A RUN_B``: the "What changed" page for any two finished runs.

A run compares itself with the run it replaces; an analyst may want two other
runs side by side (this month against last quarter's, two configs, a run and
its ``.previous``). The comparison is computed from the files both runs
saved (:mod:`topics.changes`) and written to a folder of its own, with the
page (``index.html``), the data (``changes.json``, ``changes_papers.csv``)
and the page's assets, so it works offline and can be sent on. It links to
both runs' reports by relative paths.

The folder is built under a temporary name beside it and swapped in whole;
a folder at that place that ``topics compare`` did not write (no
``changes.json`` of ours) is never replaced.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from topics._io import atomic_directory
from topics.changes import MIN_OVERLAP, require_finished_run, write_changes
from topics.errors import ConfigError
from topics.results import CHANGES_FILE, CHANGES_FORMAT

if TYPE_CHECKING:
    from topics.report import ReportOptions

__all__ = ["compare", "default_compare_dir"]

log = logging.getLogger("topics.pipeline")


def default_compare_dir(run_a: Path, run_b: Path) -> Path:
    """``<RUN_B>--vs--<RUN_A>`` beside RUN_B: next to the runs, never inside one.

    A run directory is replaced whole by the next run, so a comparison kept
    inside it would vanish with it.
    """
    return Path(run_b).parent / f"{Path(run_b).name}--vs--{Path(run_a).name}"


def compare(
    run_a: Path,
    run_b: Path,
    out: Path | None = None,
    *,
    min_overlap: float = MIN_OVERLAP,
    options: ReportOptions | None = None,
) -> Path:
    """Compare two finished runs and write the "What changed" page and its data.

    Parameters
    ----------
    run_a, run_b : Path
        The older and the newer run directory.
    out : Path, optional
        The folder to write (default :func:`default_compare_dir`).
    min_overlap : float
        Topics of two different fits are paired when they share at least this
        Jaccard overlap of their papers.
    options : ReportOptions, optional
        How the page is rendered (default: RUN_B's own report options).

    Returns
    -------
    Path
        The folder written; its ``index.html`` is the page.

    Raises
    ------
    TopicsError
        Either folder is not a finished run (the message names it).
    ConfigError
        ``out`` is a file, or a folder that ``topics compare`` did not write.
    """
    from topics.report import ReportOptions, render_comparison

    run_a, run_b = Path(run_a), Path(run_b)
    for run_dir in (run_a, run_b):
        require_finished_run(run_dir)  # fails early, naming the folder that is not a run
    out = Path(out) if out is not None else default_compare_dir(run_a, run_b)
    refuse_foreign_compare_dir(out, (run_a, run_b))
    with atomic_directory(out) as staging:
        write_changes(
            run_a,
            run_b,
            kind="compare",
            old_link=_relative(run_a, out),
            new_link=_relative(run_b, out),
            out_dir=staging,
            min_overlap=min_overlap,
        )
        render_comparison(staging, run_a, run_b, options=options or ReportOptions.from_run(run_b))
    log.info("compare: %s", out / "index.html")
    return out


def refuse_foreign_compare_dir(out: Path, runs: tuple[Path, Path]) -> None:
    """Refuse to replace anything at ``out`` but an earlier comparison's folder."""
    resolved = out.resolve()
    for run_dir in runs:
        if resolved == run_dir.resolve() or resolved in run_dir.resolve().parents:
            raise ConfigError(
                f"--out {out} would replace the run {run_dir} (or a folder that holds it); "
                "choose another folder"
            )
    if not out.exists() and not out.is_symlink():
        return
    marker = out / CHANGES_FILE
    if out.is_dir() and not out.is_symlink() and _is_ours(marker):
        return
    what = "folder" if out.is_dir() else "file"
    raise ConfigError(
        f"--out {out} is a {what} that topics compare did not write (it has no {CHANGES_FILE} "
        "of a comparison), and the comparison replaces its folder whole; refusing to overwrite "
        "it. Choose another --out or move it away"
    )


def _is_ours(marker: Path) -> bool:
    try:
        record = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(record, dict) and record.get("format") == CHANGES_FORMAT


def _relative(target: Path, start: Path) -> str:
    """Where ``target`` is seen from ``start`` (relative, so the folders may move together)."""
    return Path(os.path.relpath(Path(target).resolve(), Path(start).resolve())).as_posix()
