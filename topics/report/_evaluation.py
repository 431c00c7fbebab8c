"""The Evaluation section: the numbers of ``data/evaluation.json`` as typed rows.

``topics evaluate`` writes the file (see :mod:`topics.evaluate`); the report
only reads it, so a run evaluated later shows its numbers on the next render.
A file of another shape (an older tool, a hand-written one) is not guessed
at: the section is left out and the file stays linked, verbatim, under Run
details. Every number may be ``null`` (undefined) and is shown as "–".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from topics.report._saved import saved_int, saved_mapping, saved_number, saved_records
from topics.report.tables import ThemeView, TopicView

__all__ = ["EvaluationView", "evaluation_view"]

_FORMAT = "topics.evaluation"


@dataclass(frozen=True, slots=True)
class TopicCoherence:
    """One topic's NPMI coherence and the words it was computed from."""

    topic_id: int
    label: str
    npmi: float | None
    words: tuple[str, ...]
    topic: TopicView | None


@dataclass(frozen=True, slots=True)
class TopicMatchRow:
    """How well the topics of two seeds pair up, for one kind of topic vector."""

    measure: str
    threshold: float | None
    share_matched: float | None
    mean_similarity: float | None


@dataclass(frozen=True, slots=True)
class Stability:
    """Agreement between refits of the topic model with different seeds."""

    seeds: tuple[int, ...]
    n_topics: tuple[int, ...]
    ari_mean: float | None
    ari_min: float | None
    ari_pairs: tuple[tuple[int, int, float | None], ...]
    matches: tuple[TopicMatchRow, ...]


@dataclass(frozen=True, slots=True)
class ThemeScoreRow:
    """Precision, recall and F1 of one theme (or an average) against the labels."""

    name: str
    theme: ThemeView | None
    support: int | None
    predicted: int | None
    precision: float | None
    recall: float | None
    f1: float | None


@dataclass(frozen=True, slots=True)
class ThemeAccuracy:
    """The theme scores, the label file they came from, and its unused rows."""

    labels_file: str
    n_label_rows: int
    n_matched_papers: int
    rows: tuple[ThemeScoreRow, ...]
    averages: tuple[ThemeScoreRow, ...]
    issues: tuple[dict[str, Any], ...]
    n_issues: int


@dataclass(frozen=True, slots=True)
class EvaluationView:
    """Everything the Evaluation section and the topic pages show."""

    n_topics: int | None
    coherence_mean: float | None
    coherence_top_n: int | None
    diversity: float | None
    diversity_top_n: int | None
    outliers_before: float | None
    outliers_after: float | None
    topics: tuple[TopicCoherence, ...]
    stability: Stability | None
    themes: ThemeAccuracy | None

    def npmi_of(self, topic_id: int) -> float | None:
        """The coherence of one topic, ``None`` if it has none."""
        return next((t.npmi for t in self.topics if t.topic_id == topic_id), None)


def evaluation_view(
    evaluation: Mapping[str, Any] | None,
    topics: Mapping[int, TopicView],
    themes: Mapping[str, ThemeView],
    max_rows: int,
) -> EvaluationView | None:
    """The Evaluation section of a run, or None without a ``topics evaluate`` file.

    Parameters
    ----------
    evaluation : mapping or None
        The contents of ``data/evaluation.json``.
    topics, themes : mapping
        The report's topic and theme views, to link rows to their pages.
    max_rows : int
        Unused label rows listed at most (the file holds all of them).
    """
    if not evaluation or evaluation.get("format") != _FORMAT:
        return None
    coherence = saved_mapping(evaluation.get("coherence"))
    diversity = saved_mapping(evaluation.get("diversity"))
    outliers = saved_mapping(evaluation.get("outliers"))
    return EvaluationView(
        n_topics=saved_int(evaluation.get("n_topics")),
        coherence_mean=saved_number(coherence.get("mean")),
        coherence_top_n=saved_int(coherence.get("top_n")),
        diversity=saved_number(diversity.get("value")),
        diversity_top_n=saved_int(diversity.get("top_n")),
        outliers_before=saved_number(outliers.get("before_reduction")),
        outliers_after=saved_number(outliers.get("after_reduction")),
        topics=tuple(_topic_rows(coherence.get("per_topic"), topics)),
        stability=_stability(evaluation.get("stability")),
        themes=_themes(evaluation.get("themes"), themes, max_rows),
    )


def _topic_rows(rows: Any, topics: Mapping[int, TopicView]) -> list[TopicCoherence]:
    out = []
    for row in saved_records(rows):
        topic_id = saved_int(row.get("topic"))
        if topic_id is None:
            continue
        out.append(
            TopicCoherence(
                topic_id=topic_id,
                label=str(row.get("label") or ""),
                npmi=saved_number(row.get("npmi")),
                words=tuple(str(w) for w in row.get("words") or ()),
                topic=topics.get(topic_id),
            )
        )
    return out


def _stability(value: Any) -> Stability | None:
    data = saved_mapping(value)
    if not data:
        return None
    ari = saved_mapping(data.get("ari"))
    pairs = tuple(
        (
            saved_int(p.get("seed_a")) or 0,
            saved_int(p.get("seed_b")) or 0,
            saved_number(p.get("ari")),
        )
        for p in saved_records(ari.get("pairs"))
    )
    matches = tuple(
        TopicMatchRow(
            measure=str(name),
            threshold=saved_number(match.get("threshold")),
            share_matched=saved_number(match.get("share_matched")),
            mean_similarity=saved_number(match.get("mean_similarity")),
        )
        for name, match in saved_mapping(data.get("topic_match")).items()
        if isinstance(match, Mapping)
    )
    return Stability(
        seeds=tuple(saved_int(s) or 0 for s in data.get("seeds") or ()),
        n_topics=tuple(saved_int(n) or 0 for n in data.get("n_topics") or ()),
        ari_mean=saved_number(ari.get("mean")),
        ari_min=saved_number(ari.get("min")),
        ari_pairs=pairs,
        matches=matches,
    )


def _themes(value: Any, themes: Mapping[str, ThemeView], max_rows: int) -> ThemeAccuracy | None:
    data = saved_mapping(value)
    if not data:
        return None
    rows = tuple(
        _score_row(str(r.get("theme")), r, themes) for r in saved_records(data.get("per_theme"))
    )
    averages = tuple(
        _score_row(name, saved_mapping(data.get(name)), {}) for name in ("micro", "macro")
    )
    issues = [dict(i) for i in saved_records(data.get("issues"))]
    return ThemeAccuracy(
        labels_file=str(data.get("labels_file") or ""),
        n_label_rows=saved_int(data.get("n_label_rows")) or 0,
        n_matched_papers=saved_int(data.get("n_matched_papers")) or 0,
        rows=rows,
        averages=averages,
        issues=tuple(issues[:max_rows]),
        n_issues=len(issues),
    )


def _score_row(name: str, row: Mapping[str, Any], themes: Mapping[str, ThemeView]) -> ThemeScoreRow:
    return ThemeScoreRow(
        name=name,
        theme=themes.get(name),
        support=saved_int(row.get("support")),
        predicted=saved_int(row.get("predicted")),
        precision=saved_number(row.get("precision")),
        recall=saved_number(row.get("recall")),
        f1=saved_number(row.get("f1")),
    )
