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
from topics.fitted import FittedPipeline
from topics.ingest import ReadOptions, read_source
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
    n_papers: int
    issues: list[IngestIssue] = field(default_factory=list)
    failed: bool = False


def assign_file(
    model_dir: str | Path,
    input_path: str | Path,
    out_path: str | Path,
    *,
    fmt: str = "auto",
    evidence_path: str | Path | None = None,
    embedding_model: str | Path | None = None,
) -> AssignFileResult:
    """Read papers from any supported format, assign them, and write a CSV.

    Records that cannot be read are reported in the result's ``issues``; the
    rest are assigned.
    """
    input_path = Path(input_path)
    source = read_source(input_path, fmt, ReadOptions(display_path=input_path.name))
    model = load(model_dir, embedding_model=embedding_model)
    frame = pd.DataFrame(
        {
            "paper_id": [r.id for r in source.records],
            "title": [r.title for r in source.records],
            "abstract": [r.abstract for r in source.records],
            "year": pd.array([r.year for r in source.records], dtype="Int64"),
            "arxiv_id": [r.arxiv_id or "" for r in source.records],
        }
    )
    assigned = model.assign(frame) if len(frame) else pd.DataFrame(columns=["paper_id"])
    out = assigned.merge(frame[["paper_id", "year", "arxiv_id"]], on="paper_id", how="left")
    atomic_write_with(Path(out_path), lambda tmp: out.to_csv(tmp, index=False))
    if evidence_path is not None and len(frame):
        long = model.assign_long(frame)
        atomic_write_with(Path(evidence_path), lambda tmp: long.to_csv(tmp, index=False))
    return AssignFileResult(len(frame), source.issues, failed=source.failed)
