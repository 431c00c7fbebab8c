"""Running an experiment: stages in order, each from the cache when its inputs are unchanged.

``ingest → clean → dedupe → embed → fit → assign → trends → report``

The run is built in a temporary sibling of the run directory and swapped in
whole at the end, under a lock per experiment: an interrupted run leaves the
previous results as they were, and two runs of one experiment never mix
their files.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from topics._faults import kill_point
from topics._io import atomic_directory, atomic_write_with, is_disk_full
from topics.changes import missing_files, write_changes
from topics.config.schema import Config
from topics.errors import ConfigError, DiskFullError, TopicsError
from topics.exports import (
    write_assign_outputs,
    write_corpus_outputs,
    write_manifest,
    write_trend_outputs,
)
from topics.pipeline._cache import CacheEntry, StageCache, stage_key
from topics.pipeline._corpus import (
    InputFile,
    dedupe,
    input_digests,
    list_inputs,
)
from topics.pipeline._lock import cache_lock, experiment_lock, remove_stale_staging
from topics.pipeline._model import (
    build_fitted_pipeline,
    compute_trend_tables,
    corpus_digest,
    document_texts_of,
    embedding_settings,
    fit_topic_model,
    label_topics,
    labelling_settings,
    model_fit_settings,
    prepare_embedder,
)
from topics.pipeline._state import load_ingest, load_texts, save_ingest, save_texts
from topics.results import (
    ASSIGN_FILES,
    CHANGES_FILE,
    CHANGES_PAGE,
    CORPUS_FILES,
    TREND_FILES,
    CorpusResult,
    IngestResult,
    RunResult,
    run_identity,
)
from topics.stages import STAGES

if TYPE_CHECKING:
    from topics.embed import Embedder
    from topics.engine import Engine
    from topics.models import TopicModel

__all__ = ["STAGES", "RunResult", "run"]


log = logging.getLogger("topics.pipeline")


def run(
    config: Config, *, until: str = "report", force: str | None = None, wait: bool = False
) -> RunResult:
    """Run ``config``'s experiment up to stage ``until``, reusing cached stages.

    Parameters
    ----------
    config : Config
        A validated config (:func:`topics.load_config`).
    until : str, default="report"
        The last stage to run; the run directory then holds the outputs of
        the stages up to it.
    force : str, optional
        Ignore the cache from this stage on (``--force STAGE``).
    wait : bool, default=False
        When another run of the same experiment holds the lock, wait for it
        instead of failing with :class:`~topics.errors.RunLockedError`.

    Returns
    -------
    RunResult
    """
    for name, value in (("until", until), ("force", force)):
        if value is not None and value not in STAGES:
            raise ValueError(f"{name} must be one of {', '.join(STAGES)}; got {value!r}")
    from topics.engine import open_engine

    with experiment_lock(config.output_dir, config.experiment, wait=wait):
        remove_stale_staging(config.run_dir)
        refuse_foreign_run_dir(config.run_dir)
        refuse_foreign_run_dir(config.previous_run_dir)
        with (
            cache_lock(config.output_dir, exclusive=False),
            _disk_full_named(config.run_dir),
            open_engine(config.engine) as engine,
            atomic_directory(config.run_dir, keep_previous=config.previous_run_dir) as staging,
        ):
            result = _Run(config, staging, force, engine).through(until)
        refresh_previous_changes_page(config)
    result.run_dir = config.run_dir
    return result


def refresh_previous_changes_page(config: Config) -> None:
    """Re-render the "What changed" page of the run that was just moved to ``.previous``.

    That page linked to the run before it as ``../<experiment>.previous``,
    which is now the page's own run: rendered again, it says that the run it
    was compared with is no longer kept instead of linking to itself. One
    page, written atomically; the run's data are not touched. A failure here
    costs only that link, never the run that just finished.
    """
    previous = config.previous_run_dir
    if not (previous / CHANGES_PAGE).is_file() or not (previous / "data" / CHANGES_FILE).is_file():
        return
    from topics.report import ReportOptions, render_changes_page

    try:
        render_changes_page(previous, options=ReportOptions.from_run(previous))
    except (TopicsError, OSError, ValueError) as exc:
        log.warning("could not refresh %s: %s", previous / CHANGES_PAGE, exc)


def refuse_foreign_run_dir(run_dir: Path) -> None:
    """Refuse to replace a folder at a run directory's place that no run of ``topics`` made.

    A run swaps its directory in whole, moves the one it replaces to
    ``<experiment>.previous`` and deletes the one kept there before; with
    ``output_dir`` pointing at a folder of the user's that happens to hold a
    folder named like either, that would delete the user's files. A run
    directory always has a ``manifest.json`` (it is written before the swap).
    """
    if not run_dir.exists() and not run_dir.is_symlink():
        return
    if run_dir.is_dir() and not run_dir.is_symlink() and (run_dir / "manifest.json").is_file():
        return
    what = "folder" if run_dir.is_dir() else "file"
    raise ConfigError(
        f"output_dir / experiment: {run_dir} is a {what} that no run of topics made (it has "
        "no manifest.json), and a run replaces its run directory whole; refusing to touch it. "
        "Choose another output_dir or experiment name, or move it away"
    )


@contextmanager
def _disk_full_named(run_dir: Path) -> Iterator[None]:
    """A full disk anywhere in the run becomes one error naming the file, at its final place."""
    try:
        yield
    except DiskFullError as exc:
        raise exc.relocated(_staging_of(exc.path, run_dir), run_dir) from exc.cause
    except OSError as exc:
        if not is_disk_full(exc):
            raise
        path = Path(exc.filename) if exc.filename else run_dir
        raise DiskFullError(path, exc).relocated(_staging_of(path, run_dir), run_dir) from exc


def _staging_of(path: Path, run_dir: Path) -> Path:
    """The staging directory (``.<name>.XXXXXXXX.tmp``) that ``path`` lies in, if any."""
    for parent in path.parents:
        if parent.parent == run_dir.parent and parent.name.startswith(f".{run_dir.name}."):
            return parent
    return run_dir


class _Run:
    """One run's state: the staging directory, the cache, and the stage log."""

    def __init__(self, config: Config, staging: Path, force: str | None, engine: Engine) -> None:
        self.config = config
        self.staging = staging
        self.engine = engine
        self.cache = StageCache(config.output_dir / ".cache" / "stages", STAGES, force)
        self.embedding_cache = (
            None
            if self.cache.is_forced("embed")
            else config.embedding.cache_dir or config.output_dir / ".cache" / "embeddings"
        )
        self.started = datetime.now(UTC)
        self.timings: dict[str, float] = {}
        self.stages: dict[str, str] = {}
        self.details: dict[str, dict[str, Any]] = {}
        self.inputs: list[InputFile] = []
        self.run_id = uuid.uuid4().hex
        # Top-level manifest sections beside the stage log (``changes``, an update's ``update``).
        self.manifest_extra: dict[str, Any] = {}
        # The run that data/changes.json compares this one with (where it is now), if any.
        self.compared_with: Path | None = None
        self.changes_kind = "run"

    # -- the stage log -----------------------------------------------------

    @contextmanager
    def stage(self, name: str, key: str) -> Iterator[dict[str, Any]]:
        """Time a stage; the body sets ``status["how"] = "cached"`` on a hit."""
        kill_point("stage", name)  # a test hook, inert unless TOPICS_TEST_KILL_AT is set
        log.debug("stage %s: running", name)  # benchmarks attribute memory to stages by it
        start = time.perf_counter()
        status: dict[str, Any] = {"how": "ran"}
        yield status
        how = status.pop("how")
        self.timings[name] = time.perf_counter() - start
        self.stages[name] = how
        self.details[name] = {"key": key, **status}
        log.info("stage %-7s %-6s %6.2f s", name, how, self.timings[name])

    def skip(self, name: str, key: str) -> None:
        """A stage whose output is covered by a later stage's cached entry."""
        self.timings[name] = 0.0
        self.stages[name] = "cached"
        self.details[name] = {"key": key, "covered_by_later_stage": True}
        log.info("stage %-7s cached (covered by a later stage)", name)

    # -- the stages --------------------------------------------------------

    def through(self, until: str) -> RunResult:
        last = STAGES.index(until)
        corpus = self.corpus()
        papers = corpus.papers
        if last >= STAGES.index("embed") and len(papers):
            papers = self.model_stages(papers, last)
        elif last >= STAGES.index("embed"):
            log.warning("the corpus has no papers: the model stages are skipped")
        self.write_manifest()
        report = _ingest_report(self.staging)
        if self.stages["dedupe"] == "cached":
            _log_cached_issues(report)
        return RunResult(self.staging, papers, report, self.timings, self.stages)

    def corpus(self) -> CorpusResult:
        config = self.config
        self.inputs = list_inputs(config)
        ingest_key = stage_key(
            "ingest",
            # Where the files are does not matter, only what they hold (input_digests).
            [s.model_dump(mode="json", exclude={"path"}) for s in config.sources],
            config.ingest.model_dump(mode="json"),
            input_digests(self.inputs),
        )
        clean_key = stage_key("clean", ingest_key, config.clean.model_dump(mode="json"))
        dedupe_key = stage_key("dedupe", clean_key, config.dedupe.model_dump(mode="json"))
        entry = self.cache.lookup("dedupe", dedupe_key)
        if entry is not None:
            self.skip("ingest", ingest_key)
            self.skip("clean", clean_key)
            with self.stage("dedupe", dedupe_key) as status:
                status["how"] = "cached"
                entry.restore_files(self.staging)
                return CorpusResult(
                    pd.read_parquet(entry.files / "data" / "papers.parquet"),
                    pd.read_parquet(entry.state / "merges.parquet"),
                )
        ingested = self.ingest(ingest_key)
        texts = self.clean(clean_key, ingested)
        with self.stage("dedupe", dedupe_key):
            records = ingested.records
            corpus = dedupe(config, records, texts, self.engine.dedupe_keys(records))
            write_corpus_outputs(self.staging, ingested, corpus)
            with self.cache.store("dedupe", dedupe_key, self.staging, CORPUS_FILES) as state:
                _write_parquet(corpus.merges, state / "merges.parquet")
        return corpus

    def ingest(self, key: str) -> IngestResult:
        with self.stage("ingest", key) as status:
            entry = self.cache.lookup("ingest", key)
            if entry is not None:
                status["how"] = "cached"
                return IngestResult(load_ingest(entry.state))
            ingested = IngestResult(self.engine.read_inputs(self.config, self.inputs))
            with self.cache.store("ingest", key, self.staging, ()) as state:
                save_ingest(ingested.sources, state)
            return ingested

    def clean(self, key: str, ingested: IngestResult) -> list[str]:
        with self.stage("clean", key) as status:
            entry = self.cache.lookup("clean", key)
            if entry is not None:
                status["how"] = "cached"
                return load_texts(entry.state)
            texts = self.engine.clean(self.config, ingested.records)
            with self.cache.store("clean", key, self.staging, ()) as state:
                save_texts(texts, state)
            return texts

    def model_stages(self, papers: pd.DataFrame, last: int) -> pd.DataFrame:
        """Embed, fit, assign, trends and report: the stages that need a non-empty corpus."""
        config = self.config
        docs = document_texts_of(papers)
        from topics.embed import text_key

        docs_digest = hashlib.sha256(b"".join(text_key(d) for d in docs)).hexdigest()
        embed_key = stage_key(
            "embed",
            embedding_settings(config),
            config.seed,
            # tfidf-svd learns from the corpus; a pretrained model does not.
            docs_digest if config.embedding.backend == "tfidf-svd" else None,
        )
        with self.stage("embed", embed_key) as status:
            embedder, embedder_cached = self.embedder(embed_key, docs)
            # Content, not upstream keys: a config change that leaves the documents
            # as they were (a cleaning rule that matches nothing) keeps the fit.
            fit_rows = self.engine.fit_rows(len(docs), config.seed)
            fit_key = stage_key(
                "fit",
                model_fit_settings(config),
                config.seed,
                embedder.identity,
                docs_digest,
                # A fit on a sample differs; one on every document is the local fit.
                *([] if fit_rows is None else [("sample", len(fit_rows))]),
            )
            assign_key = stage_key(
                "assign",
                fit_key,
                corpus_digest(papers),
                [t.model_dump(mode="json") for t in config.themes],
                config.assign.model_dump(mode="json"),
                config.clean.model_dump(mode="json"),
                labelling_settings(config),
                config.experiment,
                *self.engine.key_parts(),
                *self.assign_key_parts(),
            )
            fit_entry = self.cache.lookup("fit", fit_key)
            assign_entry = self.cache.lookup("assign", assign_key)
            vectors = None
            if last >= STAGES.index("fit") and (fit_entry is None or assign_entry is None):
                vectors, counts = self.vectors(docs, embedder)
                status.update(counts)
            cached = embedder_cached and status.get("computed", 0) == 0
            status["how"] = "cached" if cached else "ran"
        if last < STAGES.index("fit"):
            return papers
        topic_model, map_2d = self.fit(fit_key, fit_entry, docs, vectors, fit_rows)
        if last < STAGES.index("assign"):
            return papers
        enriched, assignments = self.assign(
            assign_key, assign_entry, papers, vectors, embedder, topic_model, map_2d
        )
        if last < STAGES.index("trends"):
            return enriched
        trends_key = stage_key("trends", assign_key, config.trends.model_dump(mode="json"))
        self.trends(trends_key, enriched, assignments)
        if last < STAGES.index("report"):
            return enriched
        self.changes()
        # The report shows the whole config, so any change re-renders it; where
        # the run directory lives does not change a page.
        shown_config = config.model_dump(mode="json", exclude={"output_dir"})
        report_key = stage_key("report", trends_key, shown_config)
        self.report(report_key)
        return enriched

    # -- hooks of a refit (topics update --refit) -------------------------------

    def assign_key_parts(self) -> tuple[Any, ...]:
        """Further inputs of the assign stage's key (a refit's labels depend on the last run)."""
        return ()

    def name_topics(
        self,
        topic_model: TopicModel,
        papers: pd.DataFrame,
        vectors: np.ndarray,
        embedder: Embedder,
    ) -> None:
        """Label the fitted topics (phrases, then the user's ``model.labels``)."""
        label_topics(
            self.config,
            topic_model,
            document_texts_of(papers),
            vectors,
            embedder,
            self.embedding_cache,
        )

    def save_assign_state(self, state: Path) -> None:
        """Store what a cached assign stage must give back beyond its files."""

    def load_assign_state(self, state: Path) -> None:
        """Take back what :meth:`save_assign_state` stored, on a cache hit."""

    # -- the stages, continued -------------------------------------------------

    def embedder(self, key: str, docs: list[str]) -> tuple[Embedder, bool]:
        """The embedder, from the cache when it was built (and fitted) before."""
        from topics.embed import load_embedder, save_embedder

        entry = self.cache.lookup("embed", key)
        if entry is not None:
            # The key hashes the embedding config: its model is the one cached.
            embedder = load_embedder(
                entry.state / "embedder", local_model=self.config.embedding.model
            )
            return embedder, True
        embedder = prepare_embedder(self.config, docs)
        with self.cache.store("embed", key, self.staging, ()) as state:
            save_embedder(embedder, state / "embedder")
        return embedder, False

    def vectors(self, docs: list[str], embedder: Embedder) -> tuple[np.ndarray, dict[str, int]]:
        """Every document's vector; only texts missing from the embedding cache are encoded."""
        return self.engine.embed(
            docs, embedder, self.embedding_cache, self.config.embedding.batch_size
        )

    def fit(
        self,
        key: str,
        entry: CacheEntry | None,
        docs: list[str],
        vectors: np.ndarray | None,
        rows: np.ndarray | None,
    ) -> tuple[TopicModel, np.ndarray]:
        from topics.models import load_topic_model

        with self.stage("fit", key) as status:
            if entry is not None:
                status["how"] = "cached"
                topic_model = load_topic_model(entry.state / "topic_model")
                return topic_model, np.load(entry.state / "map_2d.npy", allow_pickle=False)
            assert vectors is not None  # embed computes them when fit is not cached
            if rows is not None:
                log.info("fit: the topic model learns from a seeded sample of %d papers", len(rows))
            topic_model, map_2d = fit_topic_model(self.config, docs, vectors, rows)
            with self.cache.store("fit", key, self.staging, ()) as state:
                topic_model.save(state / "topic_model")
                np.save(state / "map_2d.npy", map_2d, allow_pickle=False)
            return topic_model, map_2d

    def assign(
        self,
        key: str,
        entry: CacheEntry | None,
        papers: pd.DataFrame,
        vectors: np.ndarray | None,
        embedder: Embedder,
        topic_model: TopicModel,
        map_2d: np.ndarray,
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        with self.stage("assign", key) as status:
            if entry is not None:
                status["how"] = "cached"
                entry.restore_files(self.staging)
                self.load_assign_state(entry.state)
                return (
                    pd.read_parquet(entry.files / "data" / "papers.parquet"),
                    pd.read_parquet(entry.state / "assignments.parquet"),
                )
            assert vectors is not None  # embed computes them when assign is not cached
            self.name_topics(topic_model, papers, vectors, embedder)
            fitted = build_fitted_pipeline(self.config, embedder, topic_model, self.embedding_cache)
            enriched, assignments = self.engine.assign(
                self.config, papers, vectors, fitted, self.staging
            )
            fitted.save(self.staging / "model")
            write_assign_outputs(self.staging, fitted, enriched, assignments, map_2d, vectors)
            files = (*ASSIGN_FILES, *self.engine.run_files())
            with self.cache.store("assign", key, self.staging, files) as state:
                _write_parquet(assignments, state / "assignments.parquet")
                self.save_assign_state(state)
            return enriched, assignments

    def trends(self, key: str, papers: pd.DataFrame, assignments: pd.DataFrame) -> None:
        with self.stage("trends", key) as status:
            if self.restored("trends", key, status):
                return
            write_trend_outputs(
                self.staging, compute_trend_tables(self.config, papers, assignments)
            )
            self.cache.store_files("trends", key, self.staging, TREND_FILES)

    def changes(self) -> None:
        """``data/changes.json``: what changed since the run this one replaces.

        That run is still in the run directory (the swap at the end moves it
        to ``<experiment>.previous``, where the page links to it). Computed
        from the files both runs saved, so this run's are written first,
        manifest included. A first run, or a last run too old or partial to
        compare with, has none; the page then says so.
        """
        previous = self.config.run_dir
        if not (previous / "manifest.json").is_file():
            return
        missing = missing_files(previous)
        if missing:
            log.info("changes: the last run lacks %s; nothing to compare with", ", ".join(missing))
            return
        start = time.perf_counter()
        self.write_manifest()
        try:
            record = write_changes(
                previous,
                self.staging,
                kind=self.changes_kind,
                old_link=f"../{self.config.previous_run_dir.name}",
                min_overlap=self.config.update.refit_min_overlap,
            )
        except TopicsError as exc:  # the comparison is extra; never the reason a run fails
            log.warning("changes: cannot compare with the last run: %s", exc)
            return
        self.compared_with = previous
        self.manifest_extra["changes"] = {
            "against": run_identity(record["old"]),
            "file": f"data/{CHANGES_FILE}",
            "seconds": round(time.perf_counter() - start, 3),
            **{k: record["totals"][k] for k in ("added", "gone", "moved", "status_changes")},
        }

    def report(self, key: str) -> None:
        from topics.report import (
            REPORT_ENTRIES,
            ReportOptions,
            render_changes_page,
            render_report,
        )

        options = ReportOptions.from_config(self.config.report.model_dump())
        with self.stage("report", key) as status:
            if self.restored("report", key, status):
                # Not cached with the rest: it depends on the run this one replaces.
                render_changes_page(self.staging, options=options, previous_run=self.compared_with)
                return
            # The report shows the run details, so it needs a manifest first;
            # the final one, written after it, adds the report's own timing.
            self.write_manifest()
            render_report(self.staging, options=options, previous_run=self.compared_with)
            self.cache.store_files("report", key, self.staging, REPORT_ENTRIES)

    def restored(self, stage: str, key: str, status: dict[str, Any]) -> bool:
        """Copy a files-only stage from the cache; False when it must run."""
        entry = self.cache.lookup(stage, key)
        if entry is None:
            return False
        status["how"] = "cached"
        entry.restore_files(self.staging)
        return True

    def write_manifest(self) -> None:
        failed = _any_source_failed(self.staging)
        write_manifest(
            self.staging,
            self.config,
            inputs=[(f.display, f.path) for f in self.inputs],
            timings=self.timings,
            stages=self.stages,
            cache=self.details,
            started=self.started,
            status="failed" if failed else "ok",
            engine=self.engine_details(),
            run_id=self.run_id,
            extra=self.manifest_extra,
        )

    def engine_details(self) -> dict[str, Any]:
        """The engine and, when it splits the work, each partition's rows, time and worker."""
        partitions = self.engine.partition_log()
        return {**self.engine.describe(), **({"partitions": partitions} if partitions else {})}


def _ingest_report(run_dir: Path) -> dict[str, Any]:
    return json.loads((run_dir / "data" / "ingest_report.json").read_text("utf-8"))


def _any_source_failed(run_dir: Path) -> bool:
    return any(s["failed"] for s in _ingest_report(run_dir)["sources"])


def _log_cached_issues(report: dict[str, Any]) -> None:
    """A cached corpus still tells the user that its sources had problems."""
    errors = sum(s["errors"] for s in report["sources"])
    warnings = sum(s["warnings"] for s in report["sources"])
    if errors or warnings:
        log.warning(
            "corpus (cached): %d error%s and %d warning%s while reading the sources, "
            "listed in data/ingest_issues.csv",
            errors,
            "" if errors == 1 else "s",
            warnings,
            "" if warnings == 1 else "s",
        )


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    atomic_write_with(path, lambda tmp: frame.to_parquet(tmp, index=False))
