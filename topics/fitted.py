"""A fitted pipeline that users load in their own code to assign new papers.

``topics run`` saves one to ``reports/<experiment>/model/``::

    model/
      pipeline.json          format version, package versions, cleaning and theme settings
      embedder/              the embedding model's settings (+ fitted state for tfidf-svd)
      topic_model/           topic model: safetensors + JSON
      themes/                theme vectors (safetensors) + themes.json

Nothing in it is pickled, so loading a model that someone sent you runs no
code of theirs; and :meth:`FittedPipeline.load` reads only the files the
format names, inside the folder (:mod:`topics._model_files`), so it cannot be
pointed at files elsewhere either. The same :meth:`FittedPipeline.assign` path serves the run and
a loaded model, which is why a loaded model reproduces the run's topics and
theme scores exactly.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from topics import __version__
from topics._io import atomic_directory, atomic_write_json
from topics._model_files import (
    damaged_model,
    model_file,
    model_folder,
    model_subdir,
    read_model_json,
)
from topics.clean import clean_texts
from topics.config.schema import CleanConfig, ThemeConfig
from topics.embed import Embedder, load_embedder, save_embedder
from topics.errors import IncompatibleModelError, ModelError
from topics.manifest import package_versions
from topics.models import TopicModel, load_topic_model
from topics.themes import UNASSIGNED, ThemeAssigner, TopicCounts

__all__ = ["FORMAT_VERSION", "FittedPipeline", "Prediction", "document_texts"]

FORMAT = "topics.pipeline"
FORMAT_VERSION = 1
_META_FILE = "pipeline.json"
# A change in any of these may change vectors, topics or scores: warn on load.
_RESULT_SHAPING_PACKAGES = ("sentence-transformers", "transformers", "torch", "scikit-learn")


def document_texts(titles: Sequence[str], cleaned: Sequence[str]) -> list[str]:
    """The text that is embedded and modelled: "title. cleaned abstract".

    Titles carry dense topical signal, and many sources (arXiv listings) have
    none, so the title is prepended only when there is one.
    """
    return [
        f"{title.strip().rstrip('.')}. {text}" if title and title.strip() else text
        for title, text in zip(titles, cleaned, strict=True)
    ]


@dataclass(frozen=True)
class Prediction:
    """``papers``: one row per paper; ``assignments``: one row per (paper, theme)."""

    papers: pd.DataFrame
    assignments: pd.DataFrame


@dataclass
class FittedPipeline:
    """Embedder, topic model and theme assigner, fitted together.

    Attributes
    ----------
    embedder : Embedder
    topic_model : TopicModel
    assigner : ThemeAssigner or None
        None when the config defines no themes.
    clean : CleanConfig
        The cleaning rules the model was fitted with; new abstracts get the same.
    info : dict
        Provenance: experiment, seed, config hash, versions, creation time.
    """

    embedder: Embedder
    topic_model: TopicModel
    assigner: ThemeAssigner | None
    clean: CleanConfig
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def topics(self) -> pd.DataFrame:
        """The topic table: topic, label, keywords, size, representative_docs."""
        return self.topic_model.topic_table_

    @property
    def themes(self) -> list[ThemeConfig]:
        return list(self.assigner.themes_) if self.assigner is not None else []

    def set_threshold(self, threshold: float) -> None:
        """Assign themes above ``threshold`` instead of the run's ``assign.threshold``.

        What ``topics assign --set assign.threshold=V`` does: a stricter or
        looser cut for new papers without refitting. Themes that set their
        own ``threshold`` keep it, as they would in a run.
        """
        if self.assigner is None:
            raise ModelError("this model has no themes, so it has no theme threshold to set")
        if not 0.0 <= threshold <= 1.0:
            raise ModelError(f"assign.threshold must be in [0, 1]; got {threshold}")
        self.assigner.threshold = float(threshold)

    def assign(
        self,
        data: str | Sequence[str] | pd.DataFrame,
        *,
        vectors: np.ndarray | None = None,
        show_progress: bool = False,
    ) -> pd.DataFrame:
        """Topics and themes, with scores, for new papers.

        Parameters
        ----------
        data : str, sequence of str, or DataFrame
            Abstracts; or a DataFrame with an ``abstract`` column and optional
            ``title`` and ``paper_id`` columns.
        vectors : ndarray, optional
            Precomputed embeddings of the document texts (the run passes its
            cached ones); computed with the saved embedder otherwise.

        Returns
        -------
        DataFrame
            One row per paper: ``paper_id``, ``title``, ``topic``,
            ``topic_label``, ``topic_confidence``, ``themes`` (";"-joined or
            "unassigned"), and ``score:<theme>`` for every theme.
        """
        return self.predict(data, vectors=vectors, show_progress=show_progress).papers

    def assign_long(
        self, data: str | Sequence[str] | pd.DataFrame, *, vectors: np.ndarray | None = None
    ) -> pd.DataFrame:
        """Every (paper, theme) score with its evidence, as in ``assignments.csv``."""
        return self.predict(data, vectors=vectors).assignments

    def predict(
        self,
        data: str | Sequence[str] | pd.DataFrame,
        *,
        vectors: np.ndarray | None = None,
        cleaned: Sequence[str] | None = None,
        show_progress: bool = False,
        near_misses: int | None = None,
        corpus_topic_counts: TopicCounts | None = None,
    ) -> Prediction:
        """Both views of one scoring pass: per paper, and per (paper, theme).

        ``cleaned`` lets the run pass the abstracts it already cleaned with
        ``self.clean``, instead of cleaning them a second time. ``near_misses``
        limits the evidence JSON to assigned pairs and each theme's closest
        unassigned papers (:meth:`ThemeAssigner.score`); by default every pair
        gets it. ``corpus_topic_counts``: see :meth:`ThemeAssigner.score`
        (a partitioned run passes the whole corpus's).
        """
        frame = _as_frame(data)
        if cleaned is None:
            cleaned = clean_texts(frame["abstract"].tolist(), self.clean)
        cleaned = list(cleaned)
        docs = document_texts(frame["title"].tolist(), cleaned)
        if vectors is None:
            vectors = self.embedder.encode(docs, batch_size=32, show_progress=show_progress)
        assignment = self.topic_model.transform(docs, embeddings=vectors)
        table = self.topics
        labels = dict(zip(table["topic"], table["label"], strict=True))
        papers = pd.DataFrame(
            {
                "paper_id": frame["paper_id"].to_numpy(),
                "title": frame["title"].to_numpy(),
                "topic": assignment.topics,
                "topic_label": [labels.get(int(t), "") for t in assignment.topics],
                "topic_confidence": np.round(assignment.confidence, 6),
            }
        )
        if self.assigner is None:
            papers["themes"] = UNASSIGNED
            empty = pd.DataFrame(columns=["paper_id", "theme", "score", "assigned", "evidence"])
            return Prediction(papers, empty)
        keywords = {int(t): list(k) for t, k in zip(table["topic"], table["keywords"], strict=True)}
        scores = self.assigner.score(
            cleaned,
            vectors,
            titles=frame["title"].tolist(),
            paper_ids=frame["paper_id"].tolist(),
            topics=assignment.topics.tolist(),
            topic_keywords=keywords,
            near_misses=near_misses,
            corpus_topic_counts=corpus_topic_counts,
        )
        papers["themes"] = scores.themes_per_paper().to_numpy()
        wide = scores.wide()
        for theme in scores.themes:
            papers[f"score:{theme}"] = wide[theme].to_numpy()
        return Prediction(papers, scores.long)

    def save(self, directory: str | Path) -> Path:
        """Write the bundle atomically: a reader sees the old or the new model, whole."""
        directory = Path(directory)
        with atomic_directory(directory) as tmp:
            save_embedder(self.embedder, tmp / "embedder")
            self.topic_model.save(tmp / "topic_model")
            if self.assigner is not None:
                self.assigner.save(tmp / "themes")
            atomic_write_json(tmp / _META_FILE, self._meta())
        return directory

    def _meta(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "topics_version": __version__,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "versions": package_versions(),
            "embedder_identity": self.embedder.identity,
            "clean": self.clean.model_dump(mode="json"),
            "has_themes": self.assigner is not None,
            **{k: v for k, v in self.info.items() if k not in {"versions", "created"}},
        }

    @classmethod
    def load(
        cls, directory: str | Path, *, embedding_model: str | Path | None = None
    ) -> FittedPipeline:
        """Load a bundle written by :meth:`save`; see :func:`topics.load`.

        Every file is read through :mod:`topics._model_files`: only the files
        the format names, only inside ``directory``, never a pickle. A file in
        the folder that the format does not name is never opened and is listed
        in a warning. ``embedding_model``: the local sentence-transformers
        directory the model was fitted with, if it was not the packaged one
        (:func:`topics.embed.load_embedder`).
        """
        directory = Path(directory)
        with model_folder(directory) as reads:
            meta = _read_meta(directory)
            _warn_on_version_drift(meta, directory)
            meta_path = directory / _META_FILE
            with damaged_model(meta_path):
                saved_identity = str(meta["embedder_identity"])
                has_themes = bool(meta["has_themes"])
                clean = CleanConfig.model_validate(meta["clean"])
            embedder = load_embedder(
                model_subdir(directory, "embedder"), local_model=embedding_model
            )
            if embedder.identity != saved_identity:
                raise IncompatibleModelError(
                    f"{directory}: the embedding model differs from the one this model was "
                    f"fitted with ({embedder.identity!r} != {saved_identity!r})"
                )
            assigner = None
            if has_themes:
                assigner = ThemeAssigner.load(
                    model_subdir(directory, "themes"), encoder_identity=embedder.identity
                )
            topic_model = load_topic_model(model_subdir(directory, "topic_model"))
            unread = reads.unread()
        if unread:
            shown = ", ".join(str(path) for path in unread[:10])
            more = f" and {len(unread) - 10} more" if len(unread) > 10 else ""
            warnings.warn(
                f"{directory}: ignored {len(unread)} file(s) that are not part of a saved "
                f"model and were never opened: {shown}{more}",
                stacklevel=2,
            )
        return cls(
            embedder=embedder,
            topic_model=topic_model,
            assigner=assigner,
            clean=clean,
            info=meta,
        )


def _as_frame(data: str | Sequence[str] | pd.DataFrame) -> pd.DataFrame:
    if isinstance(data, str):
        data = [data]
    if isinstance(data, pd.DataFrame):
        if "abstract" not in data.columns:
            raise ModelError(f"assign needs an 'abstract' column; got columns {list(data.columns)}")
        frame = data.reset_index(drop=True)
        abstracts = frame["abstract"].fillna("").astype(str)
        titles = frame["title"].fillna("").astype(str) if "title" in frame else ""
        ids = frame["paper_id"].astype(str) if "paper_id" in frame else None
    else:
        abstracts = pd.Series([str(t) for t in data], dtype=object)
        titles, ids = "", None
    result = pd.DataFrame({"abstract": abstracts})
    result["title"] = titles
    result["paper_id"] = ids if ids is not None else [str(i) for i in range(len(result))]
    if result["paper_id"].duplicated().any():
        dup = result.loc[result["paper_id"].duplicated(), "paper_id"].iloc[0]
        raise ModelError(f"paper_id values must be unique; {dup!r} appears more than once")
    return result


def _read_meta(directory: Path) -> dict[str, Any]:
    path = directory / _META_FILE
    if not path.exists() and not path.is_symlink():
        raise ModelError(
            f"{directory} is not a saved topics model ({_META_FILE} is missing); "
            "point at the model/ folder of a run"
        )
    meta = read_model_json(model_file(directory, _META_FILE))
    if not isinstance(meta, dict):
        raise ModelError(f"{path}: not a saved topics model (a JSON object)")
    if meta.get("format") != FORMAT or meta.get("format_version") != FORMAT_VERSION:
        raise IncompatibleModelError(
            f"{path} is format {meta.get('format')!r} version {meta.get('format_version')!r}, "
            f"written by topics {meta.get('topics_version')!r}; this topics {__version__} "
            f"reads {FORMAT!r} version {FORMAT_VERSION}. Refit with `topics run`, or install "
            f"topics {meta.get('topics_version')}."
        )
    return meta


def _warn_on_version_drift(meta: dict[str, Any], directory: Path) -> None:
    saved = meta.get("versions") if isinstance(meta.get("versions"), dict) else {}
    here = package_versions(_RESULT_SHAPING_PACKAGES)
    drift = [
        f"{name} {saved.get(name)} -> {here[name]}"
        for name in _RESULT_SHAPING_PACKAGES
        if saved.get(name) != here[name]
    ]
    if drift:
        warnings.warn(
            f"{directory} was saved with other package versions ({', '.join(drift)}); "
            "results may differ slightly from the original run",
            stacklevel=3,
        )
