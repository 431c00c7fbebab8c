"""The functions users call from their own code.

>>> import topics
>>> model = topics.load("reports/default/model")
>>> model.topics                      # the topic table
>>> model.assign(["We watermark the outputs of diffusion models ..."])

``load`` runs no code from the model folder: everything in it is JSON and
safetensors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from topics._io import atomic_write_with
from topics.clean import clean_texts
from topics.dedupe import record_paper_ids
from topics.fitted import FittedPipeline
from topics.ingest import ReadOptions, display_path, read_source
from topics.records import IngestIssue

__all__ = ["AssignFileResult", "assign_file", "load"]


def load(path: str | Path, *, embedding_model: str | Path | None = None) -> FittedPipeline:
    """Load a fitted pipeline saved by ``topics run`` (``reports/<experiment>/model``).

    Only JSON and safetensors files inside ``path`` are read; a file there
    that the format does not name is never opened (a warning lists it).

    Parameters
    ----------
    path : str or Path
        The saved model folder.
    embedding_model : str or Path, optional
        The local sentence-transformers directory the model was fitted with,
        when that was not the packaged MiniLM. A saved model never follows a
        path written in its own files, so you name the directory you trust.

    Raises
    ------
    ModelError
        If ``path`` is not a saved model, a file is damaged, or a file leads
        outside the folder or could carry a pickle.
    IncompatibleModelError
        If it was saved by an incompatible version of ``topics``.
    """
    return FittedPipeline.load(path, embedding_model=embedding_model)


@dataclass
class AssignFileResult:
    """What :func:`assign_file` did.

    ``shared_ids``: rows whose ``paper_id`` another row of the input also
    has (records of one paper, which a run would have merged).
    """

    n_papers: int
    issues: list[IngestIssue] = field(default_factory=list)
    failed: bool = False
    shared_ids: int = 0


def assign_file(
    model_dir: str | Path,
    input_path: str | Path,
    out_path: str | Path,
    *,
    fmt: str = "auto",
    evidence_path: str | Path | None = None,
    embedding_model: str | Path | None = None,
    threshold: float | None = None,
) -> AssignFileResult:
    """Read papers from any supported format, assign them, and write a CSV.

    One row per record read: ``paper_id`` (the id a run's ``papers.csv``
    gives the same paper: ``arXiv:<id>``, ``doi:<doi>`` or ``p-<hash>`` of
    the title, see :func:`topics.dedupe.record_paper_ids`), ``source`` (the
    record's ``file:line``, as in ``papers.csv``'s ``sources``), the columns
    of :meth:`FittedPipeline.assign`, then ``year`` and ``arxiv_id``.
    ``threshold`` replaces the model's default theme threshold (themes with
    their own keep it). Records that cannot be read are reported in the
    result's ``issues``; the rest are assigned.
    """
    input_path = Path(input_path)
    source = read_source(input_path, fmt, ReadOptions(display_path=display_path(input_path)))
    model = load(model_dir, embedding_model=embedding_model)
    if threshold is not None:
        model.set_threshold(threshold)
    records = source.records
    frame = pd.DataFrame(
        {
            # The model needs a unique key per row; the record's file:line is one.
            "paper_id": [r.provenance.location for r in records],
            "title": [r.title for r in records],
            "abstract": [r.abstract for r in records],
        }
    )
    cleaned = clean_texts(frame["abstract"].tolist(), model.clean)
    ids = pd.DataFrame(
        {
            "source": frame["paper_id"],
            "paper_id": record_paper_ids(records, cleaned),
            "year": pd.array([r.year for r in records], dtype="Int64"),
            "arxiv_id": [r.arxiv_id or "" for r in records],
        }
    )
    if len(frame):
        prediction = model.predict(frame, cleaned=cleaned)
        papers, long = prediction.papers, prediction.assignments
    else:
        papers = pd.DataFrame(columns=["paper_id", "title"])
        long = pd.DataFrame(columns=["paper_id"])
    out = _with_run_ids(papers, ids)
    atomic_write_with(Path(out_path), lambda tmp: out.to_csv(tmp, index=False))
    if evidence_path is not None and len(frame):
        long = _with_run_ids(long, ids[["source", "paper_id"]])
        atomic_write_with(Path(evidence_path), lambda tmp: long.to_csv(tmp, index=False))
    return AssignFileResult(
        len(frame),
        source.issues,
        failed=source.failed,
        shared_ids=int(ids["paper_id"].duplicated(keep=False).sum()),
    )


def _with_run_ids(table: pd.DataFrame, ids: pd.DataFrame) -> pd.DataFrame:
    """Swap the record keys ``table`` was keyed by for the run's paper ids, first.

    ``paper_id`` and ``source`` lead, as in ``papers.csv``; the other columns
    of ``ids`` (``year``, ``arxiv_id``) follow the table's own.
    """
    keyed = table.rename(columns={"paper_id": "source"}).merge(ids, on="source", how="left")
    rest = [c for c in keyed.columns if c not in ("paper_id", "source")]
    return keyed[["paper_id", "source", *rest]]
