"""Wiring the stages together: the only module that knows the whole flow.

``sources → records → cleaned texts → deduplicated corpus → …``

Each stage function takes typed inputs and returns typed outputs; this module
calls them in order, times them, decides what a failure means (``strict``),
and hands the results to :mod:`topics.exports` for writing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from topics import __version__
from topics._io import atomic_directory
from topics.clean import clean_texts
from topics.config.schema import Config, SourceConfig
from topics.dedupe import dedupe_records
from topics.errors import IngestError
from topics.exports import write_corpus_outputs, write_manifest, write_model_outputs
from topics.ingest import ReadOptions, expand_paths, read_source
from topics.records import IngestIssue, Record, SourceResult

if TYPE_CHECKING:
    from topics.embed import EmbedStats
    from topics.fitted import FittedPipeline
    from topics.models import TopicModel
    from topics.trends import TrendTables

__all__ = [
    "STAGES",
    "CorpusResult",
    "IngestResult",
    "ModelResult",
    "RunResult",
    "build_corpus",
    "fit_pipeline",
    "ingest",
    "run",
]

# The stages in order; ``run(until=...)`` stops after the named one.
STAGES = ("ingest", "corpus", "embed", "fit", "assign", "trends", "report")

log = logging.getLogger(__name__)

# Per source; the full list always goes to data/ingest_issues.csv.
_MAX_LOGGED_ISSUES = 10


@dataclass
class IngestResult:
    """Every source's records and issues, in config order."""

    sources: list[SourceResult]
    inputs: list[tuple[str, Path]]

    @property
    def records(self) -> list[Record]:
        return [r for s in self.sources for r in s.records]

    @property
    def issues(self) -> list[IngestIssue]:
        return [i for s in self.sources for i in s.issues]

    @property
    def failed_sources(self) -> list[SourceResult]:
        return [s for s in self.sources if s.failed]


@dataclass
class CorpusResult:
    papers: pd.DataFrame
    merges: pd.DataFrame


@dataclass
class ModelResult:
    """What the modelling stages produced for the corpus."""

    fitted: FittedPipeline
    vectors: np.ndarray
    embed_stats: EmbedStats
    papers: pd.DataFrame  # corpus papers plus topic, topic_label, themes
    assignments: pd.DataFrame
    trends: TrendTables
    map_2d: np.ndarray


@dataclass
class RunResult:
    run_dir: Path
    ingest: IngestResult
    corpus: CorpusResult
    model: ModelResult | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        """A run fails when any source could not be read at all."""
        return bool(self.ingest.failed_sources)


class _StageTimer:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self.stages: dict[str, str] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[dict[str, str]]:
        """Time a stage; the body may set ``status["how"] = "cached"``."""
        start = time.perf_counter()
        log.info("stage %s: running", name)
        status = {"how": "ran"}
        yield status
        self.timings[name] = time.perf_counter() - start
        self.stages[name] = status["how"]
        log.info("stage %s: %s in %.2f s", name, status["how"], self.timings[name])


def ingest(config: Config) -> IngestResult:
    """Read every source; a file that fails is reported, not fatal, unless strict."""
    results: list[SourceResult] = []
    inputs: list[tuple[str, Path]] = []
    for index, source in enumerate(config.sources):
        for path in expand_paths(source.path, Path.cwd()):
            display = _display_path(path)
            result = read_source(path, source.format, _read_options(config, source, display))
            results.append(_drop_short_abstracts(result, config.ingest.min_abstract_chars))
            inputs.append((display, path))
            _log_source(result, index)
            if config.ingest.strict and result.failed:
                first = next(i for i in result.issues if i.severity == "error")
                raise IngestError(f"{first} (ingest.strict is on, so the run stops here)")
    return IngestResult(results, inputs)


def build_corpus(config: Config, ingested: IngestResult) -> CorpusResult:
    """Clean the abstracts and merge records of the same paper."""
    records = ingested.records
    texts = clean_texts((r.abstract for r in records), config.clean)
    result = dedupe_records(records, texts, config.dedupe)
    return CorpusResult(result.papers, result.merges)


def run(config: Config, *, until: str = "report") -> RunResult:
    """Run the pipeline on ``config`` up to stage ``until``; write under ``config.run_dir``."""
    if until not in STAGES:
        raise ValueError(f"until must be one of {STAGES}; got {until!r}")
    started = datetime.now(UTC)
    timer = _StageTimer()
    run_dir = config.run_dir
    with timer.stage("ingest"):
        ingested = ingest(config)
    with timer.stage("corpus"):
        corpus = build_corpus(config, ingested)
        write_corpus_outputs(run_dir, ingested, corpus)
    result = RunResult(run_dir, ingested, corpus, timings=timer.timings)
    if STAGES.index(until) >= STAGES.index("embed") and len(corpus.papers):
        result.model = fit_pipeline(config, corpus.papers, timer)
        write_model_outputs(run_dir, result.model)
    if until == "report" and result.model is not None:
        with timer.stage("report"):
            # The report shows the run details, so it needs a manifest first;
            # the final one below adds the report's own timing.
            _write_manifest(run_dir, config, result, timer, started)
            from topics.report import render_report

            render_report(run_dir)
    _write_manifest(run_dir, config, result, timer, started)
    return result


def fit_pipeline(
    config: Config, papers: pd.DataFrame, timer: _StageTimer | None = None
) -> ModelResult:
    """Embed, fit topics, assign themes, and compute trends for the corpus papers."""
    # torch, BERTopic and UMAP load only when a run goes past the corpus.
    from topics.embed import build_embedder, embed_texts, text_key
    from topics.fitted import FittedPipeline, document_texts
    from topics.models import build_topic_model, load_topic_model
    from topics.projection import project_2d
    from topics.themes import ThemeAssigner

    timer = timer or _StageTimer()
    docs = document_texts(papers["title"].tolist(), papers["text"].tolist())
    with timer.stage("embed"):
        embedder = build_embedder(config.embedding, seed=config.seed)
        if config.embedding.backend == "tfidf-svd":
            embedder.fit(docs)
        cache_dir = config.embedding.cache_dir or config.output_dir / ".cache" / "embeddings"
        vectors, stats = embed_texts(
            docs, embedder, cache_dir, batch_size=config.embedding.batch_size
        )
        log.info("embeddings: %d cached, %d computed", stats.n_cached, stats.n_computed)
    with timer.stage("fit") as status:
        key = fit_cache_key(config, embedder.identity, [text_key(d) for d in docs])
        fit_dir = config.output_dir / ".cache" / "fit" / key
        if _fit_is_cached(fit_dir):
            topic_model = load_topic_model(fit_dir / "topic_model")
            map_2d = np.load(fit_dir / "map_2d.npy", allow_pickle=False)
            status["how"] = "cached"
        else:
            topic_model = build_topic_model(config.model, seed=config.seed)
            topic_model.fit(docs, embeddings=vectors)
            map_2d = project_2d(vectors, seed=config.seed)
            _store_fit(fit_dir, topic_model, map_2d)
    with timer.stage("assign"):
        assigner = None
        if config.themes:
            assigner = ThemeAssigner(config.themes, threshold=config.assign.threshold)
            # Theme texts go through the cache too: a warm run never loads the model.
            assigner.fit(
                lambda texts: embed_texts(texts, embedder, cache_dir, show_progress=False)[0],
                encoder_identity=embedder.identity,
            )
        fitted = FittedPipeline(
            embedder, topic_model, assigner, config.clean, info=_model_info(config)
        )
        frame = papers[["paper_id", "title", "abstract"]]
        prediction = fitted.predict(frame, vectors=vectors, cleaned=papers["text"].tolist())
        assigned, assignments = prediction.papers, prediction.assignments
        enriched = papers.assign(
            topic=assigned["topic"].to_numpy(),
            topic_label=assigned["topic_label"].to_numpy(),
            themes=assigned["themes"].to_numpy(),
        )
        fitted.save(config.run_dir / "model")
    with timer.stage("trends"):
        trends = _compute_trends(config, enriched, assignments)
    return ModelResult(fitted, vectors, stats, enriched, assignments, trends, map_2d)


def fit_cache_key(config: Config, embedder_identity: str, doc_keys: Sequence[bytes]) -> str:
    """What a fitted topic model depends on: its config, the seed, the vectors, the texts.

    ``doc_keys`` are the embedding cache's per-text keys (:func:`topics.embed.text_key`).
    """
    inputs = {
        "topics": __version__,
        "model": config.model.model_dump(mode="json"),
        "seed": config.seed,
        "embedder": embedder_identity,
        "docs": hashlib.sha256(b"".join(doc_keys)).hexdigest(),
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:32]


def _fit_is_cached(fit_dir: Path) -> bool:
    return (fit_dir / "topic_model").is_dir() and (fit_dir / "map_2d.npy").is_file()


def _store_fit(fit_dir: Path, topic_model: TopicModel, map_2d: np.ndarray) -> None:
    """Written as a whole directory, so a half-stored fit is never mistaken for one."""
    with atomic_directory(fit_dir) as tmp:
        topic_model.save(tmp / "topic_model")
        np.save(tmp / "map_2d.npy", map_2d, allow_pickle=False)


def _compute_trends(config: Config, papers: pd.DataFrame, assignments: pd.DataFrame) -> TrendTables:
    from topics.trends import compute_trends

    themes = assignments.loc[assignments["assigned"], ["theme", "paper_id"]]
    topics = papers.loc[papers["topic"] >= 0, ["topic", "paper_id"]]
    memberships = pd.concat(
        [
            pd.DataFrame(
                {"kind": "theme", "name": themes["theme"], "paper_id": themes["paper_id"]}
            ),
            pd.DataFrame(
                {
                    "kind": "topic",
                    "name": topics["topic"].astype(str),
                    "paper_id": topics["paper_id"],
                }
            ),
        ],
        ignore_index=True,
    )
    trend_papers = papers[["paper_id", "year", "text"]].astype({"year": "Int64"})
    return compute_trends(
        trend_papers, memberships, reference_date=newest_date(papers), options=config.trends
    )


def newest_date(papers: pd.DataFrame) -> date | None:
    """The newest dated paper: the end of the period the data covers.

    Day-precision dates are used first; a month-precision date counts as the
    first of its month, so a partial month never extends the covered period.
    """
    for precision in ("day", "month"):
        dates = papers.loc[papers["date_precision"] == precision, "date"].dropna()
        if len(dates):
            parsed = pd.to_datetime(dates, errors="coerce", format="ISO8601").dropna()
            if len(parsed):
                return parsed.max().date()
    return None


def _model_info(config: Config) -> dict[str, object]:
    from topics.manifest import config_hash

    return {
        "experiment": config.experiment,
        "seed": config.seed,
        "config_hash": config_hash(config),
        "embedding": config.embedding.model_dump(mode="json"),
        "model": config.model.model_dump(mode="json"),
    }


def _write_manifest(
    run_dir: Path, config: Config, result: RunResult, timer: _StageTimer, started: datetime
) -> None:
    write_manifest(
        run_dir,
        config,
        inputs=result.ingest.inputs,
        timings=timer.timings,
        stages=timer.stages,
        started=started,
        status="failed" if result.failed else "ok",
    )


def _read_options(config: Config, source: SourceConfig, display: str) -> ReadOptions:
    return ReadOptions(
        display_path=display,
        mapping=source.mapping,
        delimiter=source.delimiter,
        reference_date=source.reference_date or config.ingest.reference_date,
    )


def _display_path(path: Path) -> str:
    """``seeds/000_….txt``: stable across machines and working directories."""
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


def _drop_short_abstracts(result: SourceResult, min_chars: int) -> SourceResult:
    """Records without a usable abstract cannot be modelled: report each one."""
    kept: list[Record] = []
    for record in result.records:
        if len(record.abstract.strip()) >= min_chars:
            kept.append(record)
            continue
        reason = (
            "record has no abstract"
            if not record.abstract.strip()
            else f"abstract shorter than ingest.min_abstract_chars={min_chars}"
        )
        result.issues.append(
            IngestIssue(
                record.provenance.file,
                record.provenance.line_start,
                f"{reason}; record skipped",
                "error",
                excerpt=(record.title or record.abstract)[:80],
            )
        )
    result.records = kept
    return result


def _log_source(result: SourceResult, index: int) -> None:
    errors = sum(i.severity == "error" for i in result.issues)
    warnings = sum(i.severity == "warning" for i in result.issues)
    log.debug(
        "sources[%d] %s (%s): %d records, %d errors, %d warnings",
        index,
        result.path,
        result.format,
        len(result.records),
        errors,
        warnings,
    )
    for issue in result.issues[:_MAX_LOGGED_ISSUES]:
        level = {"error": logging.ERROR, "warning": logging.WARNING}.get(issue.severity, 20)
        log.log(level, "%s", issue)
    if len(result.issues) > _MAX_LOGGED_ISSUES:
        log.warning(
            "%s: %d more issues in data/ingest_issues.csv",
            result.path,
            len(result.issues) - _MAX_LOGGED_ISSUES,
        )
