"""What changed between two finished runs, from the files they saved.

An analyst who adds a month of papers wants to know what the new papers did
to the picture: how many landed in each theme and topic, which trends changed
status (stable → emerging), which bursts are new, and which papers the model
now files elsewhere. This module answers that from two run directories alone
(``manifest.json``, ``data/papers.parquet``, ``data/topics.csv``,
``data/trends.csv`` and ``data/drift.json`` when there is one), so it works
for a run and the run it replaced, for an update, and for any two runs that
``topics compare`` is given.

It sits beside the stages, below the pipeline and above :mod:`topics.results`:
the pipeline calls :func:`write_changes` once a run's trends are saved; the
report reads only the JSON it writes (``data/changes.json``) and the paper
list beside it (``data/changes_papers.csv``).

Papers of the two runs are matched as ``topics update`` matches them (by the
records they merge, then by paper id, arXiv id and DOI). Topics are compared
through a mapping from the old run's topics to the new run's:

* the same fitted model (an update without refit, or a rerun whose fit came
  from the cache): every topic is itself;
* an update with ``--refit``: the mapping the refit recorded in its manifest
  (the new topics that took an old topic's label);
* otherwise: the old and new topics that share most papers, paired one to
  one (:func:`match_topics`).

A paper *moved* when its topic is not the one its old topic maps to, or its
set of themes changed.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from topics._io import atomic_write_json, atomic_write_with
from topics.errors import TopicsError
from topics.results import (
    CHANGES_FILE,
    CHANGES_FORMAT,
    CHANGES_PAPERS_FILE,
    UNASSIGNED,
    run_identity,
    same_run,
)

__all__ = [
    "CHANGE_PAPER_COLUMNS",
    "MIN_OVERLAP",
    "SavedRun",
    "compute_changes",
    "match_papers",
    "match_topics",
    "missing_files",
    "read_run",
    "require_finished_run",
    "write_changes",
]

log = logging.getLogger("topics.changes")

FORMAT_VERSION = 1
# Two topics of different fits are the same topic when the Jaccard overlap of
# their papers (those both runs have) reaches this: more shared than not.
MIN_OVERLAP = 0.5
# Papers listed by name in changes.json per kind of change; the CSV has all of them.
LISTED = 2000
OUTLIERS = -1
# A topic of the old run that no topic of the new run continues.
NO_TOPIC = -2

_PAPER_COLUMNS = (
    "paper_id",
    "title",
    "year",
    "topic",
    "topic_label",
    "themes",
    "record_ids",
    "arxiv_id",
    "doi",
)
CHANGE_PAPER_COLUMNS = (
    "change",
    "paper_id",
    "old_paper_id",
    "title",
    "year",
    "arxiv_id",
    "doi",
    "old_topic",
    "old_topic_label",
    "new_topic",
    "new_topic_label",
    "old_themes",
    "new_themes",
    "topic_moved",
    "themes_moved",
)


# -- reading a run back ------------------------------------------------------


@dataclass(frozen=True)
class SavedRun:
    """The files of a finished run that the comparison reads.

    ``papers`` has ``paper_id, title, year (Int64), topic (int), topic_label,
    themes`` and, when the run saved them, ``record_ids, arxiv_id, doi``;
    ``topics`` has ``topic, label, size``; ``trends`` ``kind, name, status,
    slope, bursts``.
    """

    run_dir: Path
    manifest: dict[str, Any]
    papers: pd.DataFrame
    topics: pd.DataFrame
    trends: pd.DataFrame
    drift: dict[str, Any] | None

    @property
    def identity(self) -> dict[str, Any]:
        return run_identity(self.manifest)


def missing_files(run_dir: Path) -> list[str]:
    """The files a comparison needs that ``run_dir`` lacks (empty for a finished run)."""
    needed = ["manifest.json", "data/topics.csv", "data/trends.csv"]
    missing = [name for name in needed if not (run_dir / name).is_file()]
    if (
        not (run_dir / "data" / "papers.parquet").is_file()
        and not (run_dir / "data" / "papers.csv").is_file()
    ):
        missing.append("data/papers.parquet")
    return missing


def require_finished_run(run_dir: Path) -> Path:
    """``run_dir`` if it holds every file a comparison reads; checked without reading them.

    Raises
    ------
    TopicsError
        ``run_dir`` is not a directory, or not a run that got as far as its
        trends; the message names the folder and every missing file.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise TopicsError(f"{run_dir}: no such directory (expected a run directory of topics)")
    missing = missing_files(run_dir)
    if missing:
        raise TopicsError(
            f"{run_dir} is not a finished run of topics: missing {', '.join(missing)} "
            "(a run directory is what `topics run` writes, e.g. reports/default)"
        )
    return run_dir


def read_run(run_dir: Path) -> SavedRun:
    """Read what the comparison needs from a finished run directory.

    Raises
    ------
    TopicsError
        ``run_dir`` is not a directory, or not a run that got as far as its
        trends; the message names the folder and every missing file.
    """
    run_dir = require_finished_run(run_dir)
    try:
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
        papers = _read_papers(run_dir / "data")
        topics = _read_topics(run_dir / "data" / "topics.csv")
        trends = _read_trends(run_dir / "data" / "trends.csv")
        drift_path = run_dir / "data" / "drift.json"
        drift = json.loads(drift_path.read_text(encoding="utf-8")) if drift_path.is_file() else None
    except (OSError, ValueError, KeyError) as exc:
        raise TopicsError(f"{run_dir}: cannot read the run's files ({exc})") from exc
    if not isinstance(manifest, dict):
        raise TopicsError(f"{run_dir / 'manifest.json'} must hold a JSON object")
    return SavedRun(run_dir, manifest, papers, topics, trends, drift)


def _read_papers(data: Path) -> pd.DataFrame:
    parquet = data / "papers.parquet"
    if parquet.is_file():
        import pyarrow.parquet as pq

        present = set(pq.read_schema(parquet).names)
        frame = pd.read_parquet(parquet, columns=[c for c in _PAPER_COLUMNS if c in present])
    else:
        frame = pd.read_csv(
            data / "papers.csv",
            dtype=str,
            keep_default_na=False,
            usecols=lambda c: c in _PAPER_COLUMNS,
        )
    for column in ("paper_id", "title", "year", "topic", "themes"):
        if column not in frame.columns:
            raise KeyError(f"data/papers: no {column!r} column")
    for column in _PAPER_COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    frame["paper_id"] = frame["paper_id"].astype(str)
    frame["title"] = frame["title"].fillna("").astype(str)
    frame["themes"] = frame["themes"].fillna(UNASSIGNED).astype(str)
    frame["topic_label"] = frame["topic_label"].fillna("").astype(str)
    frame["year"] = pd.to_numeric(frame["year"].replace("", None), errors="coerce").astype("Int64")
    topic = pd.to_numeric(frame["topic"].replace("", None), errors="coerce")
    frame["topic"] = topic.fillna(OUTLIERS).astype(np.int64)
    for column in ("record_ids", "arxiv_id", "doi"):
        values = frame[column].astype(object)
        frame[column] = values.where(values.notna() & (values.astype(str) != ""), None)
    return frame.reset_index(drop=True)


def _read_topics(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for column in ("topic", "label"):
        if column not in frame.columns:
            raise KeyError(f"data/topics.csv: no {column!r} column")
    frame["topic"] = pd.to_numeric(frame["topic"], errors="coerce").astype("Int64")
    frame = frame.dropna(subset=["topic"])
    frame["topic"] = frame["topic"].astype(np.int64)
    size = frame["size"] if "size" in frame else pd.Series(0, index=frame.index)
    frame["size"] = pd.to_numeric(size, errors="coerce").fillna(0).astype(np.int64)
    return frame[["topic", "label", "size"]].reset_index(drop=True)


def _read_trends(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for column in ("kind", "name", "status"):
        if column not in frame.columns:
            raise KeyError(f"data/trends.csv: no {column!r} column")
    for column in ("slope", "bursts"):
        if column not in frame.columns:
            frame[column] = ""
    frame["slope"] = pd.to_numeric(frame["slope"].replace("", None), errors="coerce")
    return frame[["kind", "name", "status", "slope", "bursts"]]


# -- which paper is which, which topic is which --------------------------------


def match_papers(papers: pd.DataFrame, old: pd.DataFrame) -> np.ndarray:
    """For each paper, the row of the old run's paper it is (``-1``: a paper the old run lacked).

    First by the records it merges (``record_ids``, ``file:line``): dedupe over
    every source has already joined a new record to the old paper it
    duplicates, by any key. Then by paper id, arXiv id and DOI, for sources
    whose files moved. Each old paper is matched at most once.
    """
    match = np.full(len(papers), -1, dtype=np.int64)
    if "record_ids" in papers.columns and "record_ids" in old.columns:
        theirs = _explode(old["record_ids"])
        owner = pd.Series(theirs.index.to_numpy(), index=theirs.to_numpy())
        owner = owner[~owner.index.duplicated()]
        found = _explode(papers["record_ids"]).map(owner).dropna()
        first = found.groupby(level=0).min()
        match[first.index.to_numpy()] = first.to_numpy(dtype=np.int64)
    for column in ("paper_id", "arxiv_id", "doi"):
        if column not in papers.columns or column not in old.columns:
            continue
        open_rows = np.flatnonzero(match < 0)
        if not len(open_rows):
            break
        taken = np.zeros(len(old), dtype=bool)
        taken[match[match >= 0]] = True
        owner = _first_row_of(old[column].where(~taken))
        values = papers[column].iloc[open_rows]
        hits = values.map(owner)
        ok = hits.notna().to_numpy() & values.notna().to_numpy()
        match[open_rows[ok]] = hits.to_numpy()[ok].astype(np.int64)
    return match


def _explode(record_ids: pd.Series) -> pd.Series:
    """Each paper's record ids (``file:line``), one per row, indexed by the paper's row."""
    lists = record_ids.fillna("").astype(str).str.split(";")
    ids = lists.explode().str.strip()
    ids.index = np.repeat(np.arange(len(record_ids)), lists.str.len().to_numpy())
    return ids[ids != ""]


def _first_row_of(values: pd.Series) -> pd.Series:
    present = values.dropna()
    present = present[present.astype(str) != ""]
    rows = pd.Series(present.index.to_numpy(), index=present.to_numpy())
    return rows[~rows.index.duplicated()]


def match_topics(
    old_topics: np.ndarray, new_topics: np.ndarray, *, min_overlap: float = MIN_OVERLAP
) -> pd.DataFrame:
    """Pair the topics of two fits one to one by the papers they share.

    Parameters
    ----------
    old_topics, new_topics : ndarray of int
        The topic of the same papers in the two fits (``-1``: none).
    min_overlap : float
        A pair counts as the same topic (``matched``) when the Jaccard overlap
        of the two topics' papers reaches this. The Hungarian method pairs each
        topic at most once, maximising the total overlap; a weaker pair is
        kept in the table (so a reader sees the closest candidate) but not
        matched, so that unrelated topics are never forced together.

    Returns
    -------
    DataFrame
        One row per old topic (outliers excluded): ``old_topic``,
        ``new_topic`` (``-1`` when every new topic is taken), ``overlap``
        and ``matched``.
    """
    from scipy.optimize import linear_sum_assignment

    old_topics = np.asarray(old_topics, dtype=np.int64)
    new_topics = np.asarray(new_topics, dtype=np.int64)
    old_ids = np.unique(old_topics[old_topics >= 0])
    new_ids = np.unique(new_topics[new_topics >= 0])
    columns = ["old_topic", "new_topic", "overlap", "matched"]
    if not len(old_ids) or not len(new_ids):
        return pd.DataFrame([(int(t), OUTLIERS, 0.0, False) for t in old_ids], columns=columns)
    both = (old_topics >= 0) & (new_topics >= 0)
    shared = pd.crosstab(old_topics[both], new_topics[both]).reindex(
        index=old_ids, columns=new_ids, fill_value=0
    )
    counts = shared.to_numpy(dtype=np.float64)
    old_size = pd.Series(old_topics).value_counts().reindex(old_ids).to_numpy(np.float64)
    new_size = pd.Series(new_topics).value_counts().reindex(new_ids).to_numpy(np.float64)
    jaccard = counts / (old_size[:, None] + new_size[None, :] - counts)
    pick_old, pick_new = linear_sum_assignment(-jaccard)
    best = dict(zip(pick_old.tolist(), pick_new.tolist(), strict=True))
    rows = []
    for i, topic in enumerate(old_ids):
        j = best.get(i)
        overlap = float(jaccard[i, j]) if j is not None else 0.0
        rows.append(
            (
                int(topic),
                int(new_ids[j]) if j is not None else OUTLIERS,
                round(overlap, 4),
                bool(j is not None and overlap > 0 and overlap >= min_overlap),
            )
        )
    return pd.DataFrame(rows, columns=columns)


# -- the comparison ----------------------------------------------------------------


@dataclass(frozen=True)
class _TopicMap:
    """Old topic id → new topic id (``NO_TOPIC`` when no new topic continues it)."""

    how: str
    pairs: list[dict[str, Any]]
    min_overlap: float | None

    def forward(self) -> dict[int, int]:
        out = {OUTLIERS: OUTLIERS}
        for pair in self.pairs:
            out[int(pair["old_topic"])] = int(pair["new_topic"]) if pair["matched"] else NO_TOPIC
        return out


def compute_changes(
    old: SavedRun,
    new: SavedRun,
    *,
    kind: str,
    old_link: str,
    new_link: str = ".",
    min_overlap: float = MIN_OVERLAP,
) -> tuple[dict[str, Any], pd.DataFrame]:
    """The "What changed" record from ``old`` to ``new``, and every changed paper.

    Parameters
    ----------
    old, new : SavedRun
        The two runs (:func:`read_run`).
    kind : str
        ``"run"``, ``"update"``, ``"refit"`` or ``"compare"``: what made the
        new run, as the page says it.
    old_link, new_link : str
        Where each run directory is, relative to the folder the record is
        shown from (``../default.previous`` for a run's own page).
    min_overlap : float
        For topics matched by shared papers (:func:`match_topics`).

    Returns
    -------
    (dict, DataFrame)
        The JSON record (see the README, "What changed") and one row per
        added, gone or moved paper (:data:`CHANGE_PAPER_COLUMNS`).
    """
    if kind == "compare" and _is_update_of(new, old):
        kind = "refit" if _refit_update(new) else "update"
    match = match_papers(new.papers, old.papers)
    kept = match >= 0
    gone = np.ones(len(old.papers), dtype=bool)
    gone[match[kept]] = False
    topic_map = _topic_map(old, new, match, min_overlap)
    forward = topic_map.forward()

    old_rows = match[kept]
    old_topic = old.papers["topic"].to_numpy()[old_rows]
    new_topic = new.papers["topic"].to_numpy()[kept]
    continued = np.array([forward.get(int(t), NO_TOPIC) for t in old_topic], dtype=np.int64)
    topic_moved = continued != new_topic
    old_sets = [_theme_set(t) for t in old.papers["themes"].to_numpy()[old_rows]]
    new_sets = [_theme_set(t) for t in new.papers["themes"].to_numpy()[kept]]
    themes_moved = np.array([a != b for a, b in zip(old_sets, new_sets, strict=True)], dtype=bool)

    old_labels = _labels(old)
    new_labels = _labels(new)
    added_frame = new.papers.loc[~kept]
    gone_frame = old.papers.loc[gone]
    themes = _theme_rows(old, new, added_frame, gone_frame)
    topics = _topic_rows(old, new, added_frame, gone_frame, topic_map, old_labels, new_labels)
    status_changes = [
        {
            "kind": kind_,
            "name": row["name"],
            "topic": row.get("topic"),
            "old_topic": row.get("old_topic"),
            "label": row.get("label") or row["name"],
            "status_before": row["status_before"],
            "status_after": row["status_after"],
            "slope_before": row["slope_before"],
            "slope_after": row["slope_after"],
        }
        for kind_, rows in (("theme", themes), ("topic", topics))
        for row in rows
        if row["status_before"]
        and row["status_after"]
        and row["status_before"] != row["status_after"]
    ]
    new_bursts = [
        {
            "kind": kind_,
            "name": row["name"],
            "topic": row.get("topic"),
            "label": row.get("label") or row["name"],
            "years": burst["years"],
            "was": burst["was"],
        }
        for kind_, rows in (("theme", themes), ("topic", topics))
        for row in rows
        for burst in row["new_bursts"]
    ]
    moved_rows = np.flatnonzero(kept)[topic_moved | themes_moved]
    moved_index = np.flatnonzero(topic_moved | themes_moved)
    papers = _changed_papers(
        new,
        old,
        added=np.flatnonzero(~kept),
        gone=np.flatnonzero(gone),
        moved=(moved_rows, match[moved_rows], topic_moved[moved_index], themes_moved[moved_index]),
        labels=(old_labels, new_labels),
    )
    drift = new.drift if _is_update_of(new, old) and not _refit_update(new) else None
    record = {
        "format": CHANGES_FORMAT,
        "format_version": FORMAT_VERSION,
        "kind": kind,
        "old": _run_summary(old, old_link),
        "new": _run_summary(new, new_link),
        "totals": {
            "papers_before": len(old.papers),
            "papers_after": len(new.papers),
            "kept": int(kept.sum()),
            "added": int((~kept).sum()),
            "gone": int(gone.sum()),
            "moved": len(moved_rows),
            "moved_topic": int(topic_moved.sum()),
            "moved_themes": int(themes_moved.sum()),
            "added_unassigned": int(
                sum(not _theme_set(t) for t in added_frame["themes"].to_numpy())
            ),
            "topics_before": int((old.topics["topic"] >= 0).sum()),
            "topics_after": int((new.topics["topic"] >= 0).sum()),
            "topics_continued": sum(bool(p["matched"]) for p in topic_map.pairs),
            "status_changes": len(status_changes),
            "new_bursts": len(new_bursts),
        },
        "topic_mapping": {
            "how": topic_map.how,
            "min_overlap": topic_map.min_overlap,
            "pairs": topic_map.pairs,
        },
        "themes": themes,
        "topics": topics,
        "status_changes": status_changes,
        "new_bursts": new_bursts,
        "added": _listed(papers, "added"),
        "gone": _listed(papers, "gone"),
        "moved": _listed(papers, "moved"),
        "listed_at_most": LISTED,
        "papers_file": CHANGES_PAPERS_FILE,
        "drift": drift,
    }
    return _clean(record), papers


def write_changes(
    old_dir: Path,
    new_dir: Path,
    *,
    kind: str,
    old_link: str,
    new_link: str = ".",
    out_dir: Path | None = None,
    min_overlap: float = MIN_OVERLAP,
) -> dict[str, Any]:
    """Compare two run directories and save the result, each file atomically.

    ``out_dir`` (default ``new_dir/data``) receives :data:`CHANGES_FILE` and
    :data:`CHANGES_PAPERS_FILE`. Returns the record.
    """
    old, new = read_run(old_dir), read_run(new_dir)
    record, papers = compute_changes(
        old, new, kind=kind, old_link=old_link, new_link=new_link, min_overlap=min_overlap
    )
    target = Path(out_dir) if out_dir is not None else Path(new_dir) / "data"
    atomic_write_with(target / CHANGES_PAPERS_FILE, lambda tmp: papers.to_csv(tmp, index=False))
    atomic_write_json(target / CHANGES_FILE, record)
    totals = record["totals"]
    log.info(
        "changes: %d papers added, %d gone, %d moved; %d trend statuses changed, %d new bursts",
        totals["added"],
        totals["gone"],
        totals["moved"],
        totals["status_changes"],
        totals["new_bursts"],
    )
    return record


def _is_update_of(new: SavedRun, old: SavedRun) -> bool:
    section = new.manifest.get("update")
    return isinstance(section, dict) and same_run(section.get("from"), old.identity)


def _refit_update(new: SavedRun) -> bool:
    section = new.manifest.get("update")
    return isinstance(section, dict) and bool(section.get("refit"))


def _topic_map(old: SavedRun, new: SavedRun, match: np.ndarray, min_overlap: float) -> _TopicMap:
    """How the old run's topics continue in the new run (see the module docstring)."""
    kept = match >= 0
    old_topic = old.papers["topic"].to_numpy()[match[kept]]
    new_topic = new.papers["topic"].to_numpy()[kept]
    overlap = _overlaps(old_topic, new_topic)
    old_ids = sorted(int(t) for t in old.topics["topic"] if t >= 0)
    new_ids = {int(t) for t in new.topics["topic"] if t >= 0}
    if _is_update_of(new, old) and _refit_update(new):
        recorded = new.manifest["update"].get("topic_mapping") or []
        by_old = {int(p["old_topic"]): p for p in recorded}
        pairs = []
        for t in old_ids:
            p = by_old.get(t, {})
            target = int(p.get("new_topic", OUTLIERS))
            pairs.append(
                {
                    "old_topic": t,
                    "new_topic": target,
                    "overlap": _num(p.get("overlap")),
                    "similarity": _num(p.get("similarity")),
                    "matched": bool(p.get("matched")) and target in new_ids,
                }
            )
        threshold = new.manifest["update"].get("min_overlap")
        return _TopicMap("refit", pairs, _num(threshold))
    same = (_is_update_of(new, old) and not _refit_update(new)) or _same_fit(old, new)
    if same:
        pairs = [
            {
                "old_topic": t,
                "new_topic": t if t in new_ids else OUTLIERS,
                "overlap": overlap.get((t, t), 0.0),
                "similarity": None,
                "matched": t in new_ids,
            }
            for t in old_ids
        ]
        return _TopicMap("same model", pairs, None)
    table = match_topics(old_topic, new_topic, min_overlap=min_overlap)
    found = {int(r.old_topic): r for r in table.itertuples(index=False)}
    pairs = []
    for t in old_ids:
        row = found.get(t)
        pairs.append(
            {
                "old_topic": t,
                "new_topic": int(row.new_topic) if row is not None else OUTLIERS,
                "overlap": float(row.overlap) if row is not None else 0.0,
                "similarity": None,
                "matched": bool(row.matched) if row is not None else False,
            }
        )
    return _TopicMap("shared papers", pairs, float(min_overlap))


def _overlaps(old_topic: np.ndarray, new_topic: np.ndarray) -> dict[tuple[int, int], float]:
    """Jaccard overlap of every (old topic, new topic) pair that shares a paper."""
    if not len(old_topic):
        return {}
    old_size = pd.Series(old_topic).value_counts()
    new_size = pd.Series(new_topic).value_counts()
    pairs = pd.Series(list(zip(old_topic.tolist(), new_topic.tolist(), strict=True)))
    out = {}
    for (a, b), n in pairs.value_counts().items():
        out[(int(a), int(b))] = round(float(n / (old_size[a] + new_size[b] - n)), 4)
    return out


def _same_fit(old: SavedRun, new: SavedRun) -> bool:
    """Whether both runs hold the same fitted topic model, so that topic ids mean the same.

    A rerun whose fit came from the stage cache has the same fit key; failing
    that, byte-identical saved models (an update without refit copies its
    model whole).
    """
    keys = [r.manifest.get("cache", {}).get("fit", {}).get("key") for r in (old, new)]
    if keys[0] and keys[0] == keys[1]:
        return True
    files = [_model_files(r.run_dir / "model") for r in (old, new)]
    if not files[0] or files[0] != files[1]:
        return False
    return _model_digest(old.run_dir / "model") == _model_digest(new.run_dir / "model")


def _model_files(model_dir: Path) -> list[tuple[str, int]]:
    """Every file of a saved model with its size: a cheap test before hashing."""
    if not model_dir.is_dir():
        return []
    return sorted(
        (p.relative_to(model_dir).as_posix(), p.stat().st_size)
        for p in model_dir.rglob("*")
        if p.is_file()
    )


def _model_digest(model_dir: Path) -> str:
    """A digest of every file of a saved model."""
    digest = hashlib.sha256()
    for path in sorted(p for p in model_dir.rglob("*") if p.is_file()):
        digest.update(path.relative_to(model_dir).as_posix().encode())
        with path.open("rb") as handle:
            digest.update(hashlib.file_digest(handle, "sha256").digest())
    return digest.hexdigest()


def _labels(run: SavedRun) -> dict[int, str]:
    """Each topic's label: ``topics.csv`` first, then the papers' ``topic_label``."""
    labels = {
        int(t): str(label)
        for t, label in zip(run.topics["topic"], run.topics["label"], strict=True)
    }
    papers = run.papers.drop_duplicates("topic")
    for topic, label in zip(papers["topic"], papers["topic_label"], strict=True):
        labels.setdefault(int(topic), str(label))
    labels.setdefault(OUTLIERS, "outliers")
    return labels


def _theme_set(value: Any) -> frozenset[str]:
    if not isinstance(value, str):
        return frozenset()
    return frozenset(t for t in value.split(";") if t and t != UNASSIGNED)


def _theme_counts(themes: Iterable[Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in themes:
        for name in _theme_set(value):
            counts[name] = counts.get(name, 0) + 1
    return counts


def _theme_names(run: SavedRun) -> list[str]:
    configured = run.manifest.get("config", {}).get("themes") or []
    return [str(t.get("name")) for t in configured if isinstance(t, dict) and t.get("name")]


def _trend_rows(run: SavedRun, kind: str) -> dict[str, dict[str, Any]]:
    rows = run.trends[run.trends["kind"] == kind]
    return {
        str(r["name"]): {"status": r["status"], "slope": r["slope"], "bursts": r["bursts"]}
        for r in rows.to_dict(orient="records")
    }


def _theme_rows(
    old: SavedRun, new: SavedRun, added: pd.DataFrame, gone: pd.DataFrame
) -> list[dict[str, Any]]:
    before, after = _theme_counts(old.papers["themes"]), _theme_counts(new.papers["themes"])
    plus, minus = _theme_counts(added["themes"]), _theme_counts(gone["themes"])
    trends_before, trends_after = _trend_rows(old, "theme"), _trend_rows(new, "theme")
    names = _ordered(
        _theme_names(new), _theme_names(old), sorted(after), sorted(before), sorted(trends_after)
    )
    return [
        {
            "name": name,
            "in_old": name in before or name in trends_before or name in _theme_names(old),
            "in_new": name in after or name in trends_after or name in _theme_names(new),
            "papers_before": before.get(name, 0),
            "papers_after": after.get(name, 0),
            "added": plus.get(name, 0),
            "gone": minus.get(name, 0),
            **_trend_change(trends_before.get(name), trends_after.get(name)),
        }
        for name in names
    ]


def _topic_rows(
    old: SavedRun,
    new: SavedRun,
    added: pd.DataFrame,
    gone: pd.DataFrame,
    topic_map: _TopicMap,
    old_labels: Mapping[int, str],
    new_labels: Mapping[int, str],
) -> list[dict[str, Any]]:
    """A row per topic of the new run, then per old topic that no new topic continues."""
    forward = topic_map.forward()
    backward = {to: was for was, to in forward.items() if to >= OUTLIERS}
    size_before = old.papers["topic"].value_counts()
    size_after = new.papers["topic"].value_counts()
    plus = added["topic"].value_counts()
    gone_mapped = gone["topic"].map(lambda t: forward.get(int(t), NO_TOPIC)).value_counts()
    trends_before, trends_after = _trend_rows(old, "topic"), _trend_rows(new, "topic")
    overlap = {int(p["new_topic"]): p for p in topic_map.pairs if p["matched"]}
    new_ids = sorted(
        {int(t) for t in new.topics["topic"]} | {int(t) for t in new.papers["topic"]},
        key=lambda t: (t < 0, t),
    )
    rows = []
    for topic in new_ids:
        if topic == OUTLIERS and not size_after.get(topic, 0) and not size_before.get(topic, 0):
            continue
        was = backward.get(topic)
        rows.append(
            {
                "name": str(topic),
                "topic": topic,
                "label": new_labels.get(topic, f"topic {topic}"),
                "old_topic": was,
                "old_label": old_labels.get(was) if was is not None else None,
                "overlap": _num(overlap[topic]["overlap"]) if topic in overlap else None,
                "papers_before": int(size_before.get(was, 0)) if was is not None else 0,
                "papers_after": int(size_after.get(topic, 0)),
                "added": int(plus.get(topic, 0)),
                "gone": int(gone_mapped.get(topic, 0)),
                **_trend_change(
                    trends_before.get(str(was)) if was is not None else None,
                    trends_after.get(str(topic)),
                ),
            }
        )
    for pair in topic_map.pairs:
        if pair["matched"]:
            continue
        was = int(pair["old_topic"])
        rows.append(
            {
                "name": str(was),
                "topic": None,
                "label": old_labels.get(was, f"topic {was}"),
                "old_topic": was,
                "old_label": old_labels.get(was),
                "overlap": None,
                "papers_before": int(size_before.get(was, 0)),
                "papers_after": 0,
                "added": 0,
                "gone": int((gone["topic"] == was).sum()),
                **_trend_change(trends_before.get(str(was)), None),
            }
        )
    return rows


def _trend_change(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict:
    """Statuses and slopes before and after, and the bursts the new run has that are new."""
    bursts_before = _bursts(before["bursts"]) if before else []
    bursts_after = _bursts(after["bursts"]) if after else []
    new_bursts = []
    for run in bursts_after:
        if run in bursts_before:
            continue
        overlapping = [b for b in bursts_before if _overlap(b, run)]
        new_bursts.append({"years": run, "was": ", ".join(overlapping) or None})
    return {
        "status_before": (before or {}).get("status") or None,
        "status_after": (after or {}).get("status") or None,
        "slope_before": _num((before or {}).get("slope")),
        "slope_after": _num((after or {}).get("slope")),
        "bursts_before": bursts_before,
        "bursts_after": bursts_after,
        "new_bursts": new_bursts,
    }


def _bursts(value: Any) -> list[str]:
    if not isinstance(value, str):
        return []
    return [b.strip() for b in value.split(";") if b.strip()]


def _overlap(a: str, b: str) -> bool:
    """Whether two burst runs (``2016-2017``) share a year."""
    try:
        a0, a1 = (int(x) for x in a.split("-"))
        b0, b1 = (int(x) for x in b.split("-"))
    except ValueError:
        return False
    return a0 <= b1 and b0 <= a1


def _changed_papers(
    new: SavedRun,
    old: SavedRun,
    *,
    added: np.ndarray,
    gone: np.ndarray,
    moved: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    labels: tuple[Mapping[int, str], Mapping[int, str]],
) -> pd.DataFrame:
    """One row per added, gone and moved paper; newest first within each kind."""
    old_labels, new_labels = labels
    moved_rows, moved_old, topic_moved, themes_moved = moved
    a, o = new.papers, old.papers

    def block(change: str, frame: pd.DataFrame, before: pd.DataFrame | None, flags) -> pd.DataFrame:
        n = len(frame)
        source = before if before is not None else frame
        empty = pd.Series([None] * n, dtype=object)
        new_side = change != "gone"
        old_side = change != "added"
        return pd.DataFrame(
            {
                "change": [change] * n,
                "paper_id": frame["paper_id"].to_numpy(),
                "old_paper_id": source["paper_id"].to_numpy() if old_side else empty,
                "title": frame["title"].to_numpy(),
                "year": frame["year"].to_numpy(),
                "arxiv_id": frame["arxiv_id"].to_numpy(),
                "doi": frame["doi"].to_numpy(),
                "old_topic": source["topic"].to_numpy() if old_side else empty,
                "old_topic_label": [old_labels.get(int(t), "") for t in source["topic"]]
                if old_side
                else empty,
                "new_topic": frame["topic"].to_numpy() if new_side else empty,
                "new_topic_label": [new_labels.get(int(t), "") for t in frame["topic"]]
                if new_side
                else empty,
                "old_themes": source["themes"].to_numpy() if old_side else empty,
                "new_themes": frame["themes"].to_numpy() if new_side else empty,
                "topic_moved": flags[0],
                "themes_moved": flags[1],
            }
        )

    no = np.zeros(len(added), dtype=bool)
    blocks = [
        block("added", a.iloc[added].reset_index(drop=True), None, (no, no)),
        block(
            "moved",
            a.iloc[moved_rows].reset_index(drop=True),
            o.iloc[moved_old].reset_index(drop=True),
            (topic_moved, themes_moved),
        ),
    ]
    gone_frame = o.iloc[gone].reset_index(drop=True)
    no = np.zeros(len(gone), dtype=bool)
    blocks.append(block("gone", gone_frame, gone_frame, (no, no)))
    frame = (
        pd.concat([b for b in blocks if len(b)], ignore_index=True)
        if any(len(b) for b in blocks)
        else pd.DataFrame(columns=list(CHANGE_PAPER_COLUMNS))
    )
    order = {"added": 0, "moved": 1, "gone": 2}
    key = pd.DataFrame(
        {
            "kind": frame["change"].map(order),
            "year": -pd.to_numeric(frame["year"], errors="coerce").fillna(0),
            "title": frame["title"].astype(str).str.lower(),
            "id": frame["paper_id"].astype(str),
        }
    )
    frame = frame.iloc[key.sort_values(["kind", "year", "title", "id"], kind="stable").index]
    frame["year"] = pd.array(frame["year"], dtype="Int64")
    return frame[list(CHANGE_PAPER_COLUMNS)].reset_index(drop=True)


def _listed(papers: pd.DataFrame, change: str) -> list[dict[str, Any]]:
    """The first :data:`LISTED` papers of one kind of change, as JSON rows."""
    rows = papers.loc[papers["change"] == change].head(LISTED)
    out = []
    for record in rows.to_dict(orient="records"):
        out.append(
            {
                "paper_id": record["paper_id"],
                "title": record["title"],
                "year": None if pd.isna(record["year"]) else int(record["year"]),
                "arxiv_id": _text(record["arxiv_id"]),
                "doi": _text(record["doi"]),
                "old_topic": _int(record["old_topic"]),
                "new_topic": _int(record["new_topic"]),
                "old_topic_label": record["old_topic_label"],
                "new_topic_label": record["new_topic_label"],
                "old_themes": sorted(_theme_set(record["old_themes"])),
                "new_themes": sorted(_theme_set(record["new_themes"])),
                "topic_moved": bool(record["topic_moved"]),
                "themes_moved": bool(record["themes_moved"]),
            }
        )
    return out


def _run_summary(run: SavedRun, link: str) -> dict[str, Any]:
    manifest = run.manifest
    return {
        "run": link,
        **run.identity,
        "finished": manifest.get("finished"),
        "papers": len(run.papers),
        "topics": int((run.topics["topic"] >= 0).sum()),
        "model": (manifest.get("config", {}).get("model") or {}).get("kind"),
        "update": manifest.get("update") is not None,
    }


def _ordered(*groups: Sequence[str]) -> list[str]:
    seen: dict[str, None] = {}
    for group in groups:
        for name in group:
            seen.setdefault(name, None)
    return list(seen)


def _num(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if np.isfinite(number) else None


def _text(value: Any) -> str | None:
    """A cell as text; ``None`` when it is empty or missing."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value) or None


def _int(value: Any) -> int | None:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _clean(value: Any) -> Any:
    """JSON-ready: numpy scalars as Python numbers, NaN as null."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if np.isfinite(value) else None
    if value is pd.NA:
        return None
    return value
