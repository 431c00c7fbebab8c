"""``topics update``: add the papers the last run did not have, with its saved model.

``ingest → clean → dedupe`` run over every source exactly as in a run (so a
new record that duplicates an old paper by arXiv id, DOI, title or abstract
merges into that paper), then:

* papers are matched to the last run's by their records, then by paper id,
  arXiv id and DOI: a matched paper keeps its topic, themes and theme scores;
* only the papers without a match are embedded (the embedding cache holds
  the others) and assigned, with the model saved in ``<run_dir>/model``;
* drift (:mod:`._drift`), trends, the "What changed" page and the report
  cover old and new papers together.

With ``refit=True`` (``topics update --refit``) the update is a run over
every paper instead, whose fit is then tied to the last run's: each old topic
is paired with the new topic that shares most of its papers (one to one, from
``update.refit_min_overlap``), and the new topic takes the old one's label, so
trend lines keep their names. The pairs, with their overlap and the cosine
similarity of the two topics' centroids, go to the manifest (``update``) and
the "What changed" page.

The update is built in a staging directory and swapped in whole under the
experiment's lock, like a run; the run it replaces is kept as
``<experiment>.previous``.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from topics._io import atomic_directory, atomic_write_json, file_sha256
from topics.changes import match_papers, match_topics
from topics.config.schema import Config
from topics.exports import unit_centroids, write_assign_outputs
from topics.pipeline._cache import stage_key
from topics.pipeline._drift import drift_report
from topics.pipeline._last_run import LastRun, check_unchanged, last_run
from topics.pipeline._lock import cache_lock, experiment_lock, remove_stale_staging
from topics.pipeline._model import (
    corpus_digest,
    document_texts_of,
    label_topics,
    predict_papers,
)
from topics.pipeline._run import (
    _disk_full_named,
    _ingest_report,
    _Run,
    refresh_previous_changes_page,
    refuse_foreign_run_dir,
)
from topics.results import ASSIGN_FILES, RunResult, run_identity
from topics.stages import STAGES

if TYPE_CHECKING:
    from topics.embed import Embedder
    from topics.engine import Engine
    from topics.fitted import FittedPipeline
    from topics.models import TopicModel
    from topics.models.labels import CarriedLabel
    from topics.themes import TopicCounts

__all__ = ["match_last_run", "positions_among_topic", "update"]

log = logging.getLogger("topics.pipeline")

_MODEL_COLUMNS = ("topic", "topic_label", "topic_confidence", "themes")
# New papers are placed on the map at the mean position of this many nearest old papers.
_MAP_NEIGHBOURS = 5
_CHUNK = 512


def update(config: Config, *, wait: bool = False, refit: bool = False) -> RunResult:
    """Add the papers that the last run of ``config``'s experiment did not have.

    Parameters
    ----------
    config : Config
        The experiment's config; its embedding, themes and theme assignment
        must be those of the last run.
    wait : bool, default=False
        Queue behind a run of the same experiment instead of failing.
    refit : bool, default=False
        Refit the topic model on every paper, old and new, as ``topics run``
        does, and give each new topic that continues an old one (by shared
        papers) the old topic's label; the mapping goes to the manifest.

    Raises
    ------
    UpdateRefusedError
        There is no previous run, or the config changed what its model fixes.
    """
    from topics.engine import open_engine

    with experiment_lock(config.output_dir, config.experiment, wait=wait):
        last = last_run(config)
        check_unchanged(config, last)
        if not refit:
            _warn_on_unused_changes(config, last)
        remove_stale_staging(config.run_dir)
        refuse_foreign_run_dir(config.previous_run_dir)
        with (
            cache_lock(config.output_dir, exclusive=False),
            _disk_full_named(config.run_dir),
            open_engine(config.engine) as engine,
            atomic_directory(config.run_dir, keep_previous=config.previous_run_dir) as staging,
        ):
            job = _Refit if refit else _Update
            result = job(config, staging, engine, last).through("report")
        refresh_previous_changes_page(config)
    result.run_dir = config.run_dir
    return result


class _Update(_Run):
    """A run whose model stages keep the last run's papers and model."""

    def __init__(self, config: Config, staging: Path, engine: Engine, last: LastRun) -> None:
        super().__init__(config, staging, None, engine)
        self.last = last
        self.changes_kind = "update"

    def through(self, until: str) -> RunResult:
        corpus = self.corpus()
        old = self.last.papers()
        match = match_last_run(corpus.papers, old)
        self.manifest_extra["update"] = _update_record(self.last, old, match, refit=False)
        papers = self.update_stages(corpus.papers, old, match)
        self.write_manifest()
        return RunResult(
            self.staging, papers, _ingest_report(self.staging), self.timings, self.stages
        )

    # -- without refit -------------------------------------------------------

    def update_stages(
        self, papers: pd.DataFrame, old: pd.DataFrame, match: np.ndarray
    ) -> pd.DataFrame:
        from topics.fitted import FittedPipeline

        config = self.config
        is_new = match < 0
        log.info(
            "update: %d papers of the last run, %d new (%d of the last run's are gone)",
            int((~is_new).sum()),
            int(is_new.sum()),
            len(old) - len(np.unique(match[~is_new])),
        )
        last_key = self.last.cache_key or file_sha256(self.last.run_dir / "data" / "papers.parquet")
        assign_key = stage_key(
            "assign",
            "update",
            last_key,
            file_sha256(self.last.model_dir / "pipeline.json"),
            corpus_digest(papers),
            config.assign.model_dump(mode="json"),
        )
        with self.stage("fit", last_key) as status:
            status["how"] = "kept"
            status["model"] = str(self.last.model_dir)
            # The config's embedding equals the last run's (checked before): its
            # local model, if any, is the one the saved model was fitted with.
            fitted = FittedPipeline.load(
                self.last.model_dir, embedding_model=config.embedding.model
            )
        docs = document_texts_of(papers)
        with self.stage("embed", assign_key) as status:
            # Every document, so the map and topic similarity cover them all; the
            # embedding cache holds the old ones, so only the new are encoded.
            vectors, counts = self.vectors(docs, fitted.embedder)
            status.update(counts, new_papers=int(is_new.sum()))
        with self.stage("assign", assign_key) as status:
            enriched, assignments = self.assign_new(papers, old, match, vectors, fitted)
            status.update(new_papers=int(is_new.sum()), kept_papers=int((~is_new).sum()))
            drift = drift_report(
                config.update,
                enriched.loc[is_new],
                vectors[is_new],
                old,
                seed=config.seed,
            )
            atomic_write_json(self.staging / "data" / "drift.json", drift)
            status["drifted"] = drift["drifted"]
        self.later_stages(assign_key, enriched, assignments)
        return enriched

    def assign_new(
        self,
        papers: pd.DataFrame,
        old: pd.DataFrame,
        match: np.ndarray,
        vectors: np.ndarray,
        fitted: FittedPipeline,
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Old papers keep the last run's columns; the new ones get the saved model's."""
        is_new = match < 0
        kept, new_rows = np.flatnonzero(~is_new), np.flatnonzero(is_new)
        columns = {c: np.empty(len(papers), dtype=object) for c in _MODEL_COLUMNS}
        for column, values in columns.items():
            values[kept] = old[column].to_numpy()[match[kept]]
        old_long = self.last.assignments(self.last_assign_state())
        # An old paper whose id changed (a new record brought its arXiv id) keeps its rows.
        renamed = pd.Series(
            papers["paper_id"].to_numpy()[kept], index=old["paper_id"].to_numpy()[match[kept]]
        )
        old_long = old_long.loc[old_long["paper_id"].isin(renamed.index)].copy()
        old_long["paper_id"] = old_long["paper_id"].map(renamed)
        long = old_long
        if len(new_rows):
            counts = self.corpus_counts(papers, old_long, columns["topic"], kept, vectors, fitted)
            new, new_long = predict_papers(
                papers.iloc[new_rows],
                vectors[new_rows],
                fitted,
                near_misses=self.config.assign.evidence_near_misses,
                corpus_topic_counts=counts,
            )
            for column, values in columns.items():
                values[new_rows] = new[column].to_numpy()
            long = pd.concat([old_long, new_long[old_long.columns]], ignore_index=True)
        enriched = papers.assign(
            topic=columns["topic"].astype(np.int64),
            topic_label=columns["topic_label"],
            topic_confidence=columns["topic_confidence"].astype(np.float64),
            themes=columns["themes"],
        )
        order = pd.Series(np.arange(len(papers)), index=papers["paper_id"].to_numpy())
        long = long.iloc[np.argsort(long["paper_id"].map(order).to_numpy(), kind="stable")]
        long = long.reset_index(drop=True)
        map_2d = self.map_positions(enriched, old, match, vectors)
        table = _topic_table(fitted.topics, enriched, old, match)
        shutil.copytree(self.last.model_dir, self.staging / "model")
        write_assign_outputs(
            self.staging, fitted, enriched, long, map_2d, vectors, topic_table=table
        )
        return enriched, long

    def corpus_counts(
        self,
        papers: pd.DataFrame,
        old_long: pd.DataFrame,
        topics: np.ndarray,
        kept: np.ndarray,
        vectors: np.ndarray,
        fitted: FittedPipeline,
    ) -> TopicCounts | None:
        """Topic sizes and theme counts of old and new papers, for the new papers' topic signal.

        A full run reads every member of a topic; so does an update. The old
        papers' counts come from their saved scores (the score before the
        topic signal is the saved score with the topic contribution taken
        out), so the old papers are not scored again.
        """
        from topics.themes import merge_topic_counts, topic_counts

        assigner = fitted.assigner
        if assigner is None:
            return None
        new_rows = np.setdiff1d(np.arange(len(papers)), kept)
        new_topics = fitted.topic_model.transform(
            [""] * len(new_rows), embeddings=vectors[new_rows]
        ).topics
        new_counts = assigner.topic_counts(
            papers["text"].iloc[new_rows].tolist(),
            vectors[new_rows],
            titles=papers["title"].iloc[new_rows].tolist(),
            topics=new_topics.tolist(),
        )
        base = _base_assigned(old_long, [t.name for t in assigner.themes_], assigner)
        if base is None:
            return new_counts
        topic_of = pd.Series(topics[kept], index=papers["paper_id"].to_numpy()[kept])
        old_topics = topic_of.reindex(base.index).to_numpy().astype(np.int64)
        old_counts = topic_counts(old_topics, np.stack(base.to_list()))
        return merge_topic_counts([old_counts, new_counts])

    def map_positions(
        self, papers: pd.DataFrame, old: pd.DataFrame, match: np.ndarray, vectors: np.ndarray
    ) -> np.ndarray:
        """Old papers where the last map put them; new ones among their topic's nearest old papers.

        The map colours papers by topic, so a new paper belongs among its own
        topic's papers; searching there rather than among every old paper also
        keeps the search small (on the archive, 11k new papers against 185k old
        took 50 s, nearly all of it ranking every old paper for every new one).
        A new paper whose topic has no old paper is placed among all old papers.
        """
        coords = pd.read_csv(self.last.run_dir / "data" / "map_2d.csv", dtype={"paper_id": str})
        by_old_id = coords.set_index("paper_id")[["x", "y"]]
        kept = np.flatnonzero(match >= 0)
        positions = np.zeros((len(papers), 2), dtype=np.float64)
        known = by_old_id.reindex(old["paper_id"].to_numpy()[match[kept]]).to_numpy()
        positions[kept] = np.nan_to_num(known)
        new_rows = np.flatnonzero(match < 0)
        if not len(new_rows) or not len(kept):
            return positions
        positions[new_rows] = positions_among_topic(
            vectors, papers["topic"].to_numpy(), positions, kept, new_rows
        )
        return positions

    def last_assign_state(self) -> Path | None:
        entry = self.cache.lookup("assign", self.last.cache_key) if self.last.cache_key else None
        return entry.state if entry is not None else None

    # -- trends, changes and the report over old and new ---------------------

    def later_stages(
        self, assign_key: str, papers: pd.DataFrame, assignments: pd.DataFrame
    ) -> None:
        config = self.config
        trends_key = stage_key("trends", assign_key, config.trends.model_dump(mode="json"))
        self.trends(trends_key, papers, assignments)
        self.changes()
        shown_config = config.model_dump(mode="json", exclude={"output_dir"})
        self.report(stage_key("report", trends_key, shown_config, "update"))
        self.cache.store_files("assign", assign_key, self.staging, ASSIGN_FILES)


class _Refit(_Run):
    """``topics update --refit``: a run over every paper whose topics keep the last run's names.

    The stages are a run's (the embedding cache holds the old papers' vectors,
    the fit is over old and new papers); only the naming of the topics
    differs: each new topic that continues an old one takes its label.
    """

    def __init__(self, config: Config, staging: Path, engine: Engine, last: LastRun) -> None:
        super().__init__(config, staging, None, engine)
        self.last = last
        self.changes_kind = "refit"
        self.old = pd.DataFrame()
        self.match = np.zeros(0, dtype=np.int64)

    def through(self, until: str) -> RunResult:
        corpus = self.corpus()
        self.old = self.last.papers()
        self.match = match_last_run(corpus.papers, self.old)
        record = _update_record(self.last, self.old, self.match, refit=True)
        record["min_overlap"] = self.config.update.refit_min_overlap
        self.manifest_extra["update"] = record
        log.info(
            "update --refit: %d papers of the last run, %d new; refitting on all of them",
            record["kept_papers"],
            record["new_papers"],
        )
        papers = corpus.papers
        if len(papers):
            papers = self.model_stages(papers, STAGES.index(until))
        self.write_manifest()
        return RunResult(
            self.staging, papers, _ingest_report(self.staging), self.timings, self.stages
        )

    def assign_key_parts(self) -> tuple[Any, ...]:
        """The labels carried over depend on the last run's papers, topics and the threshold."""
        data = self.last.run_dir / "data"
        return (
            "refit-continues",
            file_sha256(data / "papers.parquet"),
            file_sha256(data / "topics.csv"),
            self.config.update.refit_min_overlap,
        )

    def name_topics(
        self,
        topic_model: TopicModel,
        papers: pd.DataFrame,
        vectors: np.ndarray,
        embedder: Embedder,
    ) -> None:
        docs = document_texts_of(papers)
        topics = np.asarray(topic_model.transform(docs, embeddings=vectors).topics)
        pairs, carried = self.continue_topics(topics, vectors)
        label_topics(
            self.config,
            topic_model,
            docs,
            vectors,
            embedder,
            self.embedding_cache,
            topics=topics,
            carried=carried,
        )
        self.record_mapping(pairs, topic_model.topic_table_)

    def continue_topics(
        self, topics: np.ndarray, vectors: np.ndarray
    ) -> tuple[list[dict[str, Any]], dict[int, CarriedLabel]]:
        """Pair old topics with new ones by shared papers; the labels the new ones inherit.

        The overlap decides (Jaccard of the two topics' papers among those both
        runs have, Hungarian one to one, at least ``update.refit_min_overlap``);
        the cosine similarity of the two topics' centroids (the mean of their
        papers' vectors in this run's embedding space) is recorded beside it.
        """

        kept = np.flatnonzero(self.match >= 0)
        old_topic = self.old["topic"].to_numpy(dtype=np.int64)[self.match[kept]]
        table = match_topics(
            old_topic, topics[kept], min_overlap=self.config.update.refit_min_overlap
        )
        old_centroids = _centroids(vectors[kept], old_topic)
        new_centroids = _centroids(vectors, topics)
        labels = _old_topic_labels(self.last.run_dir / "data" / "topics.csv")
        pairs: list[dict[str, Any]] = []
        carried: dict[int, CarriedLabel] = {}
        for row in table.itertuples(index=False):
            old_id, new_id = int(row.old_topic), int(row.new_topic)
            similarity = None
            if old_id in old_centroids and new_id in new_centroids:
                similarity = round(float(old_centroids[old_id] @ new_centroids[new_id]), 4)
            old_label = labels.get(old_id)
            pairs.append(
                {
                    "old_topic": old_id,
                    "old_label": old_label.label if old_label else "",
                    "new_topic": new_id,
                    "overlap": float(row.overlap),
                    "similarity": similarity,
                    "matched": bool(row.matched),
                }
            )
            if row.matched and old_label is not None:
                carried[new_id] = old_label
        kept_labels = sum(p["matched"] for p in pairs)
        log.info(
            "update --refit: %d of %d topics of the last run continue in the refit and keep "
            "their labels (%d topics now)",
            kept_labels,
            len(pairs),
            len(np.unique(topics[topics >= 0])),
        )
        return pairs, carried

    def record_mapping(self, pairs: list[dict[str, Any]], table: pd.DataFrame) -> None:
        """The mapping with the new topics' final labels, into the manifest."""
        final = dict(zip(table["topic"].astype(int), table["label"].astype(str), strict=True))
        for pair in pairs:
            pair["new_label"] = final.get(int(pair["new_topic"]), "")
        self.manifest_extra["update"]["topic_mapping"] = pairs

    def save_assign_state(self, state: Path) -> None:
        atomic_write_json(
            state / "topic_mapping.json", self.manifest_extra["update"].get("topic_mapping", [])
        )

    def load_assign_state(self, state: Path) -> None:
        path = state / "topic_mapping.json"
        pairs = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []
        self.manifest_extra["update"]["topic_mapping"] = pairs


def match_last_run(papers: pd.DataFrame, old: pd.DataFrame) -> np.ndarray:
    """For each paper, the row of the last run's paper it is (``-1``: a new paper).

    See :func:`topics.changes.match_papers`: the "What changed" page matches
    the papers of two runs the same way, so its new papers are the update's.
    """
    return match_papers(papers, old)


def _update_record(
    last: LastRun, old: pd.DataFrame, match: np.ndarray, *, refit: bool
) -> dict[str, Any]:
    """The manifest's ``update`` section: which run this one adds to, and how many papers."""
    kept = match >= 0
    return {
        "from": run_identity(last.manifest),
        "refit": refit,
        "kept_papers": int(kept.sum()),
        "new_papers": int((~kept).sum()),
        "gone_papers": len(old) - len(np.unique(match[kept])),
    }


def positions_among_topic(
    vectors: np.ndarray,
    topics: np.ndarray,
    positions: np.ndarray,
    placed: np.ndarray,
    new_rows: np.ndarray,
) -> np.ndarray:
    """Map positions for ``new_rows``: the mean of their topic's nearest ``placed`` rows.

    ``positions`` holds the placed rows' positions; similarity is cosine. Rows
    whose topic has no placed row are placed among all placed rows.
    """
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    result = np.empty((len(new_rows), 2), dtype=np.float64)
    new_topics = topics[new_rows]
    for topic in np.unique(new_topics):
        rows = np.flatnonzero(new_topics == topic)
        anchors = placed[topics[placed] == topic]
        anchors = anchors if len(anchors) else placed
        result[rows] = _mean_nearest_position(
            unit[new_rows[rows]], unit[anchors], positions[anchors]
        )
    return result


def _mean_nearest_position(
    queries: np.ndarray, anchors: np.ndarray, anchor_positions: np.ndarray
) -> np.ndarray:
    """Mean position of each query's ``_MAP_NEIGHBOURS`` most similar anchors (unit rows)."""
    k = min(_MAP_NEIGHBOURS, len(anchors))
    positions = np.empty((len(queries), 2), dtype=np.float64)
    for start in range(0, len(queries), _CHUNK):
        similarity = queries[start : start + _CHUNK] @ anchors.T
        nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
        positions[start : start + _CHUNK] = anchor_positions[nearest].mean(axis=1)
    return positions


def _centroids(vectors: np.ndarray, topics: np.ndarray) -> dict[int, np.ndarray]:
    """Each topic's centroid by id (:func:`topics.exports.unit_centroids`)."""
    ids, centroids = unit_centroids(topics, vectors)
    return {int(t): centroids[i] for i, t in enumerate(ids)}


def _old_topic_labels(path: Path) -> dict[int, CarriedLabel]:
    """The last run's topic labels (``data/topics.csv``), as a refit carries them over."""
    from topics.models.labels import CarriedLabel

    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    out: dict[int, CarriedLabel] = {}
    for row in table.to_dict(orient="records"):
        try:
            topic = int(row["topic"])
        except (KeyError, ValueError):
            continue
        if topic < 0:
            continue
        out[topic] = CarriedLabel(
            label=str(row.get("label") or f"topic {topic}"),
            label_source=str(row.get("label_source") or "keywords"),
            phrases=tuple(p for p in str(row.get("phrases") or "").split(";") if p),
        )
    return out


def _base_assigned(long: pd.DataFrame, themes: list[str], assigner: Any) -> pd.Series | None:
    """Per old paper, which themes its score assigns before the topic signal (papers x themes)."""
    if not {"score", "topic_affinity"} <= set(long.columns) or not len(long):
        return None
    w = assigner.weights_
    score = long["score"].to_numpy(dtype=np.float64).clip(1e-12, 1 - 1e-12)
    topic_part = np.nan_to_num(
        w.topic * (long["topic_affinity"].to_numpy(dtype=np.float64) - w.topic_center)
    )
    base_logit = np.log(score / (1 - score)) - topic_part
    thresholds = dict(zip(themes, assigner.thresholds_, strict=True))
    cut = long["theme"].map(thresholds).to_numpy(dtype=np.float64)
    assigned = base_logit >= np.log(cut / (1 - cut))
    wide = (
        pd.DataFrame({"paper_id": long["paper_id"], "theme": long["theme"], "a": assigned})
        .pivot_table(index="paper_id", columns="theme", values="a", aggfunc="max", sort=False)
        .reindex(columns=themes)
        .fillna(False)
        .astype(bool)
    )
    return pd.Series(list(wide.to_numpy()), index=wide.index)


def _topic_table(
    table: pd.DataFrame, papers: pd.DataFrame, old: pd.DataFrame, match: np.ndarray
) -> pd.DataFrame:
    """The saved topic table with sizes over old and new papers, and its example papers re-indexed.

    ``representative_docs`` index the last run's papers; a paper that is gone is dropped.
    """
    row_of_old = np.full(len(old), -1, dtype=np.int64)
    kept = np.flatnonzero(match >= 0)
    row_of_old[match[kept]] = kept
    sizes = papers["topic"].value_counts()
    table = table.copy()
    table["size"] = [int(sizes.get(t, 0)) for t in table["topic"]]
    table["representative_docs"] = [
        [int(row_of_old[i]) for i in docs if 0 <= i < len(old) and row_of_old[i] >= 0]
        for docs in table["representative_docs"]
    ]
    return table


def _warn_on_unused_changes(config: Config, last: LastRun) -> None:
    """Model settings only take effect when the model is refitted."""
    saved = last.manifest.get("config", {}).get("model")
    if saved is not None and saved != config.model.model_dump(mode="json"):
        log.warning(
            "the model section differs from the last run's; an update keeps the saved model, "
            "so the change takes effect with `topics run`"
        )
