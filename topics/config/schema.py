"""The config schema: one pydantic model per pipeline stage.

Every section forbids unknown keys, so that a typo such as ``min_clustr_size``
fails loudly instead of silently using a default. Paths are resolved against
the directory of the config file by :mod:`topics.config.loader`, so a config
works the same whatever directory the user runs ``topics`` from.
"""

from __future__ import annotations

import difflib
import os
from datetime import date
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "MAPPABLE_FIELDS",
    "AssignConfig",
    "AutoLabelConfig",
    "CleanConfig",
    "Config",
    "DedupeConfig",
    "EmbeddingConfig",
    "EngineConfig",
    "HdbscanConfig",
    "IngestConfig",
    "ModelConfig",
    "OutlierConfig",
    "SourceConfig",
    "ThemeConfig",
    "TopicLabelRule",
    "TrendOptions",
    "UmapConfig",
    "UpdateConfig",
    "VectorizerConfig",
]

# ``<output_dir>/<experiment>.previous``: the run the latest run replaced.
PREVIOUS_SUFFIX = ".previous"


# The record fields a source's ``mapping:`` may name (see topics.ingest._fields).
MAPPABLE_FIELDS: tuple[str, ...] = (
    "abstract",
    "arxiv_id",
    "authors",
    "category",
    "comments",
    "date",
    "doi",
    "keywords",
    "organisations",
    "title",
    "venue",
    "year",
)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceConfig(_Section):
    """One input: a file, a directory or a glob, read with one format."""

    path: str = Field(description="File, directory or glob; relative to the config file.")
    format: str = Field(
        default="auto",
        description="Reader name, or 'auto' to detect it from the file name and content.",
    )
    name: str | None = Field(default=None, description="Label used in reports; default: file name.")
    mapping: dict[str, str] = Field(
        default_factory=dict,
        description="Record field -> column/field name in the source (tabular, JSONL, BibTeX).",
    )
    delimiter: str | None = Field(
        default=None, description="CSV delimiter; default from extension."
    )
    reference_date: date | None = Field(
        default=None,
        description="Resolves dates printed without a year; default: inferred from the document.",
    )

    @field_validator("mapping")
    @classmethod
    def _check_mapping_fields(cls, mapping: dict[str, str]) -> dict[str, str]:
        """A misspelt field would be ignored and its column read as absent: refuse it."""
        unknown = [key for key in mapping if key not in MAPPABLE_FIELDS]
        if unknown:
            hints = []
            for key in unknown:
                close = difflib.get_close_matches(key, MAPPABLE_FIELDS, n=1, cutoff=0.5)
                hints.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
            raise ValueError(
                f"unknown record field {', '.join(hints)}; a mapping goes from a record field "
                f"to your column, e.g. `year: Publication Year`; fields: "
                f"{', '.join(MAPPABLE_FIELDS)}"
            )
        return mapping


class IngestConfig(_Section):
    strict: bool = Field(
        default=False, description="Stop the run at the first source that cannot be read."
    )
    reference_date: date | None = Field(
        default=None, description="Default reference date for every source."
    )
    min_abstract_chars: int = Field(
        default=40, ge=0, description="Records with a shorter abstract are reported and skipped."
    )


class CleanConfig(_Section):
    unicode: Literal["NFC", "NFKC", "none"] = "NFKC"
    latex: bool = True
    urls: bool = True
    emails: bool = True
    boilerplate: bool = True
    hyphenation: bool = True
    whitespace: bool = True


class DedupeConfig(_Section):
    by_arxiv_id: bool = True
    by_doi: bool = True
    by_title: bool = True
    by_abstract: bool = True
    abstract_threshold: float = Field(
        default=0.8,
        gt=0,
        le=1,
        description="Minimum estimated Jaccard similarity of abstract shingles to merge.",
    )


class EmbeddingConfig(_Section):
    backend: Literal["sentence-transformers", "static", "tfidf-svd"] = Field(
        default="sentence-transformers",
        description="'static': model2vec vectors distilled from `model` once and cached "
        "(needs the 'static' extra); 'tfidf-svd': fitted on the corpus, no torch.",
    )
    model: str = Field(
        default="packaged:all-MiniLM-L6-v2",
        description="'packaged:all-MiniLM-L6-v2' (installed with topics) or a local "
        "sentence-transformers directory; the base model of 'static'. Hub names are refused: "
        "runs are offline.",
    )
    batch_size: int = Field(default=32, ge=1)
    max_seq_length: int | None = Field(default=256, ge=8)
    cache_dir: Path | None = Field(
        default=None, description="Embedding cache; default: <output_dir>/.cache/embeddings."
    )
    svd_components: int = Field(default=256, ge=2, description="tfidf-svd only.")
    svd_fit_samples: int | None = Field(
        default=50_000,
        ge=2,
        description="tfidf-svd only: learn the vocabulary and SVD from a seeded sample of "
        "this many texts (None: all); every text is still embedded.",
    )


class UmapConfig(_Section):
    n_neighbors: int = Field(default=15, ge=2)
    n_components: int = Field(default=5, ge=1)
    min_dist: float = Field(default=0.0, ge=0)
    metric: str = "cosine"
    low_memory: bool = False
    max_fit_samples: int | None = Field(
        default=50_000,
        ge=100,
        description="Larger corpora: UMAP learns the layout from a seeded sample of this many "
        "documents and places the others with transform (also for the 2-D map); None: all.",
    )
    n_epochs: Annotated[int, Field(ge=1)] | Literal["auto"] | None = Field(
        default="auto",
        description="Layout optimisation epochs of the topic model's UMAP. 'auto': UMAP's "
        "default (500) up to 10k documents in the layout, 100 above (UMAP: 200); None: "
        "UMAP's default.",
    )


class HdbscanConfig(_Section):
    min_cluster_size: int | Literal["auto"] = Field(
        default="auto",
        description="'auto': half the square root of the corpus size, within 5..100.",
    )
    min_samples: int | Literal["auto"] | None = Field(
        default="auto", description="'auto': min(5, min_cluster_size); None: HDBSCAN's default."
    )
    cluster_selection_method: Literal["eom", "leaf"] = Field(
        default="leaf",
        description="'leaf' keeps topic counts steady across seeds on small corpora.",
    )
    cluster_selection_epsilon: float = Field(default=0.0, ge=0)

    @model_validator(mode="after")
    def _check_sizes(self) -> Self:
        for name in ("min_cluster_size", "min_samples"):
            value = getattr(self, name)
            if isinstance(value, int) and value < (2 if name == "min_cluster_size" else 1):
                raise ValueError(f"{name} must be 'auto' or >= 2; got {value}")
        return self


class VectorizerConfig(_Section):
    ngram_range: tuple[int, int] = (1, 2)
    min_df: Annotated[int, Field(ge=1)] | Literal["auto"] = Field(
        default="auto",
        description="Minimum documents a term must occur in; 'auto': 2 below 20k documents, "
        "5 below 100k, 10 above.",
    )
    max_df: float = Field(default=0.95, gt=0, le=1)
    max_features: int | None = Field(default=None, ge=1)
    stop_words: Literal["english"] | list[str] | None = Field(
        default="english",
        description="'english': scikit-learn's list plus common words of abstracts "
        "('propose', 'paper', 'results', ...).",
    )


class OutlierConfig(_Section):
    strategy: Literal["none", "embeddings", "c-tf-idf", "distributions"] = "embeddings"
    threshold: float = Field(default=0.0, ge=0)


class AutoLabelConfig(_Section):
    """How topics are named automatically (see :mod:`topics.models.labels`)."""

    kind: Literal["phrases", "keywords"] = Field(
        default="phrases",
        description="'phrases': the topic's most typical phrases, ranked by c-TF-IDF and by "
        "similarity to the topic in the run's embedding space; 'keywords': its top keywords.",
    )
    phrases: int = Field(default=3, ge=1, le=6, description="Phrases in a label.")
    candidates: int = Field(
        default=30, ge=1, description="Phrases per topic embedded and ranked (the cost)."
    )
    docs_per_topic: int = Field(
        default=150, ge=1, description="Papers per topic read for phrases: the most central."
    )
    diversity: float = Field(
        default=0.3, ge=0, le=1, description="MMR: 0 ranks by relevance only, 1 by novelty."
    )


class TopicLabelRule(_Section):
    """A user's name for a topic, chosen by its id, by a word of its keywords, or both."""

    label: str = Field(min_length=1)
    topic: int | None = Field(default=None, ge=0, description="The topic id in this run.")
    match: str | None = Field(
        default=None,
        min_length=2,
        description="A word or phrase that starts a word of the topic's keywords or phrases "
        "('watermark' matches 'watermarking'); with topic, a check that the id still fits.",
    )

    @model_validator(mode="after")
    def _needs_a_target(self) -> Self:
        if self.topic is None and self.match is None:
            raise ValueError(
                f"label {self.label!r} needs 'topic: ID' or 'match: WORD' (or both) to say "
                f"which topic it names"
            )
        return self


def _label_rules(value: object) -> object:
    """``{3: "Adversarial robustness"}`` is short for ``[{topic: 3, label: ...}]``."""
    if isinstance(value, dict):
        return [{"topic": key, "label": label} for key, label in value.items()]
    return value


class ModelConfig(_Section):
    kind: Literal["bertopic", "lda", "nmf"] = "bertopic"
    nr_topics: Annotated[int, Field(ge=2)] | Literal["auto"] | None = Field(
        default=None,
        description="BERTopic: merge down to this many topics; LDA/NMF: number of topics "
        "(default 20).",
    )
    top_n_words: int = Field(default=10, ge=1)
    representation: Literal["c-tf-idf", "mmr", "keybert"] = "mmr"
    umap: UmapConfig = UmapConfig()
    hdbscan: HdbscanConfig = HdbscanConfig()
    vectorizer: VectorizerConfig = VectorizerConfig()
    outliers: OutlierConfig = OutlierConfig()
    auto_label: AutoLabelConfig = AutoLabelConfig()
    labels: list[TopicLabelRule] = Field(
        default_factory=list,
        description="Your names for topics; they win over automatic labels everywhere. "
        "{ID: LABEL} or a list of {topic: ID and/or match: WORD, label: LABEL}.",
    )

    @field_validator("labels", mode="before")
    @classmethod
    def _labels_as_rules(cls, value: object) -> object:
        return _label_rules(value)

    @field_validator("labels")
    @classmethod
    def _one_label_per_topic(cls, rules: list[TopicLabelRule]) -> list[TopicLabelRule]:
        seen: dict[int, int] = {}
        for i, rule in enumerate(rules):
            if rule.topic is None:
                continue
            if rule.topic in seen:
                raise ValueError(
                    f"topic {rule.topic} is labelled twice (entries {seen[rule.topic]} and {i})"
                )
            seen[rule.topic] = i
        return rules


class ThemeConfig(_Section):
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    phrases: list[str] = Field(min_length=1, description="Seed phrases typical of the theme.")
    exclude: list[str] = Field(
        default_factory=list, description="Phrases whose presence argues against the theme."
    )
    threshold: float | None = Field(default=None, description="Overrides assign.threshold.")

    @field_validator("name")
    @classmethod
    def _exportable_name(cls, name: str) -> str:
        """A name is joined with ';' in papers.csv and heads a score column: keep it parseable.

        Any other character is allowed: pages escape it, and file names are slugs
        (``themes/<slug>.html``), so a name with HTML or path characters is safe.
        """
        from topics.results import UNASSIGNED

        if not name.strip():
            raise ValueError("must not be blank")
        if ";" in name:
            raise ValueError(
                f"must not contain ';', which joins a paper's themes in papers.csv; got {name!r}"
            )
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
            raise ValueError(f"must not contain line breaks or control characters; got {name!r}")
        if name == UNASSIGNED:
            raise ValueError(f"{UNASSIGNED!r} is what papers without a theme get; rename it")
        return name


class AssignConfig(_Section):
    threshold: float = Field(default=0.5, ge=0, le=1)
    evidence_near_misses: int | None = Field(
        default=1_000,
        ge=0,
        description="assignments.csv explains (evidence JSON) every assigned pair and each "
        "theme's N best unassigned papers; the rest keep scores only. None: every pair.",
    )


class TrendOptions(BaseModel):
    """How yearly statistics are computed and how a trend is classified.

    Parameters
    ----------
    min_year_total : int or "auto", default="auto"
        A year with fewer dated papers in the whole corpus is flagged
        ``"too few papers"`` and left out of the slope, the test and the peak:
        its shares are too noisy to say anything about a direction. ``"auto"``
        (see :func:`topics.trends.auto_min_year_total`): a quarter of the
        corpus's average papers per year, between 3 and 20, so that a
        60-paper corpus over 6 years keeps its years and a large corpus
        drops only its thin early years.
    alpha : float, default=0.05
        Significance level of the trend test; the slope interval has
        confidence ``1 - alpha``.
    exclude_incomplete_last_year : bool, default=True
        Leave a year that the data does not cover to its end out of the slope
        and the test. Its share is still shown, with a flag: a partial year
        over-represents whatever is published early in the year.
    min_year, max_year : int or None, default=None
        Analyse only papers dated in this range (inclusive); ``None`` means the
        corpus range.
    min_usable_years : int, default=4
        A group with fewer usable years is classified ``"insufficient data"``.
        Four points is the least from which a slope and a test mean anything.
    emerging_years : int, default=3
        A group whose first paper falls within this many final years, and whose
        share rises significantly, is ``"emerging"``.
    fading_recent_years : int, default=2
        Number of final usable years compared with the peak for ``"fading"``.
    fading_ratio : float, default=0.25
        ``"fading"`` needs the pooled share of the recent years to be below
        this fraction of the peak share (and a significant decline since it).
    burst_s : float, default=2.0
        Kleinberg's ``s``: the burst state expects ``s`` times the base share.
    burst_gamma : float, default=1.0
        Kleinberg's ``gamma``: the cost of entering the burst state is
        ``gamma * ln(number of years)``; higher values report fewer bursts.
    keyword_top_n : int, default=8
        Keywords listed per (topic, year) by ``compute_trends``.
    keyword_min_papers : int, default=5
        A (topic, year) group with fewer papers gets no keywords: the terms of
        two or three abstracts are whatever those abstracts happen to say, not
        what the topic was about that year. The year is still listed, with its
        count, and the report says it had too few papers.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_year_total: Annotated[int, Field(ge=1)] | Literal["auto"] = "auto"
    alpha: float = Field(default=0.05, gt=0, lt=1)
    exclude_incomplete_last_year: bool = True
    min_year: int | None = None
    max_year: int | None = None
    min_usable_years: int = Field(default=4, ge=3)
    emerging_years: int = Field(default=3, ge=1)
    fading_recent_years: int = Field(default=2, ge=1)
    fading_ratio: float = Field(default=0.25, gt=0, lt=1)
    burst_s: float = Field(default=2.0, gt=1)
    burst_gamma: float = Field(default=1.0, gt=0)
    keyword_top_n: int = Field(default=8, ge=1)
    keyword_min_papers: int = Field(default=5, ge=1)

    @model_validator(mode="after")
    def _check_year_range(self) -> Self:
        if (
            self.min_year is not None
            and self.max_year is not None
            and self.min_year > self.max_year
        ):
            raise ValueError(
                f"min_year must not be after max_year; got {self.min_year} > {self.max_year}"
            )
        return self


class ReportConfig(_Section):
    """Size limits of the HTML report; see :class:`topics.report.ReportOptions`.

    Changing only these re-renders the report from the cached stages.
    """

    map_max_points: int = Field(default=50_000, ge=1, description="Papers shown on the 2-D map.")
    webgl_threshold: int = Field(
        default=5_000, ge=1, description="Points from which the map uses WebGL."
    )
    hover_title_chars: int = Field(default=90, ge=10)
    hover_abstract_chars: int = Field(
        default=150, ge=0, description="Abstract start shown in map tooltips."
    )
    keyword_top_n: int = Field(default=12, ge=1)
    feeding_topics: int = Field(default=8, ge=1)
    near_misses: int = Field(default=25, ge=0)
    max_rows: int = Field(default=1_000, ge=1, description="Rows per data-quality table.")
    max_papers: int = Field(
        default=1_000,
        ge=1,
        description="Papers listed on each theme and topic page; all of them go to a CSV "
        "linked from the page.",
    )
    abstract_chars: int = Field(
        default=600, ge=0, description="Abstract length shown (folded) in each paper row."
    )
    search_abstract_chars: int = Field(
        default=200, ge=0, description="Abstract start kept per paper in the search page."
    )


class EngineConfig(_Section):
    """Where the per-partition stages run: this process, or a Dask cluster."""

    kind: Literal["local", "dask"] = Field(
        default="local",
        description="'local': every stage in this process; 'dask': ingest, clean, dedupe keys, "
        "embedding and assignment run per partition on Dask workers.",
    )
    address: str | None = Field(
        default=None,
        description="Dask scheduler, e.g. tcp://scheduler:8786; None starts a LocalCluster "
        "on this machine. Workers need topics installed and the output_dir on a shared disk.",
    )
    workers: int = Field(default=2, ge=1, description="LocalCluster worker processes.")
    threads_per_worker: int = Field(default=1, ge=1, description="LocalCluster only.")
    processes: bool = Field(
        default=True,
        description="LocalCluster only: workers as processes (False: threads of this process).",
    )
    partition_size: int = Field(
        default=20_000, ge=1, description="Records (or papers) per partition."
    )
    fit_sample: int | None = Field(
        default=200_000,
        ge=2,
        description="The topic model is fitted on a seeded sample of this many papers and "
        "applied to every partition; None: all papers. At least the corpus size gives the "
        "same topics as engine.kind=local.",
    )
    connect_timeout: float = Field(
        default=10.0, gt=0, description="Seconds to wait for the scheduler at engine.address."
    )


class UpdateConfig(_Section):
    """``topics update``: when new papers fit the saved topics poorly enough to say so."""

    drift_threshold: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="Share of new papers that fit poorly above which the update reports drift "
        "and names clusters of them.",
    )
    low_fit_quantile: float = Field(
        default=0.1,
        gt=0,
        lt=1,
        description="A new paper fits poorly when it has no topic (-1) or its topic_confidence "
        "is below this quantile of the last run's papers' (0.1: their 10th percentile), so the "
        "rule has the same meaning for every embedding and topic model.",
    )
    drift_clusters: int = Field(
        default=5, ge=1, description="At most this many clusters of poorly fitting new papers."
    )
    refit_min_overlap: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="`topics update --refit` and the 'What changed' page: a topic of the new fit "
        "continues a topic of the last run (and keeps its label) when the two share at least "
        "this Jaccard overlap of their papers; a weaker pair is left unmatched.",
    )


class Config(_Section):
    experiment: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    # The loader fills in reports/ beside the config file when the key is absent.
    output_dir: Path = Field(default=Path("reports"))
    seed: int = 42
    sources: list[SourceConfig] = Field(min_length=1)
    ingest: IngestConfig = IngestConfig()
    clean: CleanConfig = CleanConfig()
    dedupe: DedupeConfig = DedupeConfig()
    embedding: EmbeddingConfig = EmbeddingConfig()
    model: ModelConfig = ModelConfig()
    themes: list[ThemeConfig] = Field(default_factory=list)
    assign: AssignConfig = AssignConfig()
    trends: TrendOptions = TrendOptions()
    report: ReportConfig = ReportConfig()
    engine: EngineConfig = EngineConfig()
    update: UpdateConfig = UpdateConfig()

    @field_validator("themes")
    @classmethod
    def _distinct_theme_names(cls, themes: list[ThemeConfig]) -> list[ThemeConfig]:
        seen: set[str] = set()
        for theme in themes:
            if theme.name in seen:
                raise ValueError(f"theme name {theme.name!r} is used twice; names must differ")
            seen.add(theme.name)
        return themes

    @field_validator("experiment")
    @classmethod
    def _check_experiment_name(cls, name: str) -> str:
        """``<name>.previous`` is where the run before the latest one is kept."""
        if name.endswith(PREVIOUS_SUFFIX):
            raise ValueError(
                f"an experiment name may not end in {PREVIOUS_SUFFIX!r}: "
                f"<output_dir>/<experiment>{PREVIOUS_SUFFIX} keeps the previous run"
            )
        return name

    @field_validator("output_dir")
    @classmethod
    def _not_the_root(cls, value: Path) -> Path:
        # A run keeps .cache/ and .locks/ in output_dir and cleans up its own
        # leftovers there: never at the top of a file system.
        if value.is_absolute() and Path(os.path.normpath(value)) == Path(value.anchor):
            raise ValueError(
                f"must not be the root of the file system ({value}); name a folder for the "
                "reports, e.g. reports"
            )
        return value

    @property
    def run_dir(self) -> Path:
        return self.output_dir / self.experiment

    @property
    def previous_run_dir(self) -> Path:
        """The run that the latest run replaced, kept for comparison (one generation)."""
        return self.output_dir / f"{self.experiment}{PREVIOUS_SUFFIX}"
