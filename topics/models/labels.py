"""Topic labels: phrases that name a topic, ranked KeyBERT-style, and the user's own names.

:func:`phrase_labels` names each topic by a few phrases of its papers:

1. **Papers.** Per topic, its ``docs_per_topic`` papers most similar to the
   topic's centroid (the typical ones; ties by position). The cost is bounded
   by topics x ``docs_per_topic``, whatever the corpus size.
2. **Candidates.** Noun-phrase-like n-grams of those papers
   (:mod:`topics.models._phrases`): hyphenated words whole, fragments of a
   longer phrase dropped ("monte" of "Monte Carlo").
3. **c-TF-IDF.** BERTopic's class-based TF-IDF on document frequencies, the
   topics being the classes: ``(df in topic / papers of topic) *
   log(1 + mean papers per topic / df over all topics)``. The ``candidates``
   best phrases of each topic go on.
4. **Embedding.** Those phrases are embedded with the run's own embedder
   (through its on-disk cache), and compared with the topic's centroid: the
   KeyBERT idea, in the space the topics were found in. Relevance is the
   mean of the two scores, each scaled to [0, 1] within the topic, so a
   phrase must be both frequent in the topic and close to its meaning.
5. **Diversity.** Maximal marginal relevance picks the phrases one by one,
   penalising similarity to those already picked (``diversity``), and a
   phrase sharing a word with a picked one is skipped, so a label never says
   "segmentation" twice.

Why not BERTopic's ``KeyBERTInspired``: it ranks only the fitted vectorizer's
1-2-grams, fragments included, by cosine alone (a rare phrase of five sampled
documents can win), it needs the live BERTopic object that a saved or LDA/NMF
model does not have, and it embeds its representative documents again. Its
maintainer suggests candidate phrases per document weighed with c-TF-IDF for
topic-level keyphrases (BERTopic issue #637), which is what this does; the
MMR step is BERTopic's ``mmr`` with c-TF-IDF mixed into the relevance.

:func:`apply_carried_labels` gives a refitted topic that continues a topic of
the last run (``topics update --refit``) that topic's label, so trend lines
keep their names; :func:`apply_user_labels` then puts the config's
``model.labels`` over them.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from topics.config.schema import AutoLabelConfig, TopicLabelRule
from topics.models._phrases import PhraseCounter, drop_fragments
from topics.models._text import LABEL_SEPARATOR, _term_key

__all__ = [
    "PHRASES_KEPT",
    "CarriedLabel",
    "TopicPhrases",
    "apply_carried_labels",
    "apply_user_labels",
    "phrase_labels",
]

log = logging.getLogger("topics.labels")

# Phrases kept per topic (the label uses the first ``phrases`` of them).
PHRASES_KEPT = 8
# A phrase must be in this share of a topic's papers read (and in two of them).
_MIN_SHARE = 0.02

Embed = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class TopicPhrases:
    """The phrases of one topic, best first, with their relevance in [0, 1]."""

    topic: int
    phrases: tuple[str, ...]
    scores: tuple[float, ...]


def phrase_labels(
    docs: Sequence[str],
    topics: np.ndarray,
    vectors: np.ndarray,
    embed: Embed,
    options: AutoLabelConfig | None = None,
) -> dict[int, TopicPhrases]:
    """The ranked phrases of every topic (``-1``, no topic, is left out).

    Parameters
    ----------
    docs : sequence of str
        The modelled texts ("title. cleaned abstract").
    topics : ndarray of int
        Each document's final topic.
    vectors : ndarray of shape (n_docs, dim)
        The documents' embeddings.
    embed : callable
        ``list[str] -> ndarray``: the run's embedder (cached), for phrases.
    options : AutoLabelConfig, optional
        ``model.auto_label``.

    Returns
    -------
    dict
        Topic id → :class:`TopicPhrases`; a topic without a usable phrase
        has none.
    """
    options = options or AutoLabelConfig()
    topics = np.asarray(topics, dtype=np.int64)
    ids = sorted(int(t) for t in np.unique(topics) if t >= 0)
    if not ids:
        return {}
    unit = _unit(np.asarray(vectors, dtype=np.float64))
    centroids = np.vstack([_unit(unit[topics == t].mean(axis=0, keepdims=True))[0] for t in ids])
    counter = PhraseCounter()
    for row, topic in enumerate(ids):
        counter.add_group(
            docs[i] for i in _central_members(topics, unit, topic, centroids[row], options)
        )
    candidates = _candidates(counter, options.candidates)
    texts = sorted({counter.display(key) for per_topic in candidates for key, _ in per_topic})
    phrase_vectors = _embed(embed, texts, unit.shape[1])
    row_of = {text: i for i, text in enumerate(texts)}
    out: dict[int, TopicPhrases] = {}
    for row, topic in enumerate(ids):
        shown = [(counter.display(key), weight) for key, weight in candidates[row]]
        if not shown:
            continue
        emb = phrase_vectors[[row_of[text] for text, _ in shown]]
        relevance = _relevance(emb @ centroids[row], np.array([w for _, w in shown]))
        picked = _mmr([text for text, _ in shown], emb, relevance, options.diversity)
        out[topic] = TopicPhrases(
            topic=topic,
            phrases=tuple(shown[i][0] for i in picked),
            scores=tuple(round(float(relevance[i]), 4) for i in picked),
        )
    return out


def _unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


def _central_members(
    topics: np.ndarray, unit: np.ndarray, topic: int, centroid: np.ndarray, options: AutoLabelConfig
) -> list[int]:
    """The topic's ``docs_per_topic`` documents most similar to its centroid; ties by index."""
    members = np.flatnonzero(topics == topic)
    similarity = unit[members] @ centroid
    order = np.lexsort((members, -similarity))[: options.docs_per_topic]
    return [int(i) for i in members[order]]


def _candidates(counter: PhraseCounter, n_candidates: int) -> list[list[tuple[str, float]]]:
    """Per topic, the best phrases by c-TF-IDF on document frequencies, best first."""
    total = counter.total()
    fragments = drop_fragments(total)
    mean_size = float(np.mean(counter.sizes)) if counter.sizes else 0.0
    out: list[list[tuple[str, float]]] = []
    for counts, size in zip(counter.groups, counter.sizes, strict=True):
        min_df = max(2, math.ceil(_MIN_SHARE * size))
        scored = [
            (key, df / size * math.log(1 + mean_size / total[key]) * _length_weight(key))
            for key, df in counts.items()
            if df >= min_df and key not in fragments and counter.is_head(key.rsplit(" ", 1)[-1])
        ]
        scored.sort(key=lambda item: (-item[1], item[0]))
        out.append(scored[:n_candidates])
    return out


def _length_weight(key: str) -> float:
    """log2(1 + words), as in the C-value of term extraction: a phrase says more than
    a word, and is rarer by construction."""
    return math.log2(1 + key.count(" ") + 1)


def _embed(embed: Embed, texts: list[str], dim: int) -> np.ndarray:
    if not texts:
        return np.zeros((0, dim), dtype=np.float64)
    return _unit(np.asarray(embed(texts), dtype=np.float64).reshape(len(texts), -1))


def _scaled(values: np.ndarray) -> np.ndarray:
    """Values scaled to [0, 1]; all equal → all 1."""
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-12:
        return np.ones_like(values)
    return (values - low) / (high - low)


def _relevance(similarity: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Half closeness to the topic in embedding space, half c-TF-IDF weight."""
    return 0.5 * _scaled(similarity) + 0.5 * weight / max(float(weight.max()), 1e-12)


def _mmr(texts: list[str], emb: np.ndarray, relevance: np.ndarray, diversity: float) -> list[int]:
    """Maximal marginal relevance over ``relevance``; no two picks share a word.

    Ties go to the earlier candidate (higher c-TF-IDF), so the order is
    reproducible.
    """
    keys = [set(_term_key(text.lower())) for text in texts]
    similarity = emb @ emb.T
    picked: list[int] = []
    used: set[str] = set()
    remaining = list(range(len(texts)))
    while remaining and len(picked) < PHRASES_KEPT:
        if picked:
            redundancy = similarity[np.ix_(remaining, picked)].max(axis=1)
        else:
            redundancy = np.zeros(len(remaining))
        score = (1 - diversity) * relevance[remaining] - diversity * redundancy
        best = remaining[int(np.argmax(score))]
        remaining.remove(best)
        if keys[best] & used:
            continue
        picked.append(best)
        used |= keys[best]
    return picked


# -- the topic table ----------------------------------------------------------


def label_from_phrases(phrases: Sequence[str], n_phrases: int) -> str:
    return LABEL_SEPARATOR.join(phrases[:n_phrases])


def set_phrase_labels(
    table: pd.DataFrame, phrases: dict[int, TopicPhrases], n_phrases: int
) -> pd.DataFrame:
    """The topic table with phrase labels (unique), a ``phrases`` and a ``label_source`` column.

    A topic without phrases keeps its keyword label.
    """
    table = table.copy()
    labels: list[str] = []
    sources: list[str] = []
    taken: set[str] = set()
    used: set[tuple[str, ...]] = set()
    for topic, current in zip(table["topic"], table["label"], strict=True):
        found = phrases.get(int(topic))
        label, source = str(current), "keywords"
        if found and found.phrases:
            ranked = _distinct_first(found.phrases, used, n_phrases)
            n = n_phrases
            label = label_from_phrases(ranked, n)
            while label in taken and n < len(ranked):
                n += 1
                label = label_from_phrases(ranked, n)
            if label in taken:
                label = f"{label} (topic {int(topic)})"
            used.update(_term_key(p.lower()) for p in ranked[:n])
            source = "phrases"
        taken.add(label)
        labels.append(label)
        sources.append(source if int(topic) >= 0 else "outliers")
    table["label"] = labels
    table["phrases"] = [
        list(phrases[int(t)].phrases) if int(t) in phrases else [] for t in table["topic"]
    ]
    table["label_source"] = sources
    return table


def _distinct_first(
    phrases: Sequence[str], used: set[tuple[str, ...]], n_phrases: int
) -> list[str]:
    """The phrases with those already in a larger topic's label moved to the end.

    "convolutional neural networks" may be the best phrase of five image
    topics; a label is for telling topics apart, so each topic after the
    first that used it names itself by its next phrases, as long as it has
    ``n_phrases`` others. The ``phrases`` column keeps the full ranking.
    """
    fresh = [p for p in phrases if _term_key(p.lower()) not in used]
    if len(fresh) < n_phrases:
        return list(phrases)
    return fresh + [p for p in phrases if p not in fresh]


@dataclass(frozen=True, slots=True)
class CarriedLabel:
    """The label (and how it was made, and its phrases) of a topic of the last run."""

    label: str
    label_source: str
    phrases: tuple[str, ...] = ()


def apply_carried_labels(table: pd.DataFrame, carried: dict[int, CarriedLabel]) -> pd.DataFrame:
    """Give each topic in ``carried`` (new id → old label) the label of the topic it continues.

    A refit numbers its topics afresh; a reader follows a topic by its name.
    Labels stay unique: a topic that does not continue an old one but came out
    with a carried label's text gets its id in brackets, as
    :func:`set_phrase_labels` does for its own clashes.
    """
    if not carried:
        return table
    table = table.copy()
    if "label_source" not in table:
        table["label_source"] = ["outliers" if int(t) < 0 else "keywords" for t in table["topic"]]
    if "phrases" not in table:
        table["phrases"] = [[] for _ in range(len(table))]
    labels = table["label"].tolist()
    sources = table["label_source"].tolist()
    phrases = list(table["phrases"])
    taken = {c.label for c in carried.values()}
    for position, topic in enumerate(int(t) for t in table["topic"]):
        old = carried.get(topic)
        if old is not None:
            labels[position], sources[position] = old.label, old.label_source
            if old.phrases:
                phrases[position] = list(old.phrases)
        elif labels[position] in taken and topic >= 0:
            labels[position] = f"{labels[position]} (topic {topic})"
    table["label"] = labels
    table["label_source"] = sources
    table["phrases"] = phrases
    return table


def apply_user_labels(table: pd.DataFrame, rules: Sequence[TopicLabelRule]) -> pd.DataFrame:
    """``model.labels`` over the automatic labels; problems are logged, naming the entry.

    A ``topic`` rule names that topic; a ``match`` rule every topic whose
    keywords or phrases have a word starting with the text (case-insensitive);
    both together name the topic only while it still matches, which protects a
    label from landing on another topic when a refit on new data renumbers
    them. A label given to several topics gets the first automatic phrase of
    each in brackets, so labels stay unique.
    """
    if not rules:
        return table
    table = table.copy()
    if "label_source" not in table:
        table["label_source"] = ["outliers" if int(t) < 0 else "keywords" for t in table["topic"]]
    real = table[table["topic"] >= 0]
    known = set(int(t) for t in real["topic"])
    chosen: dict[int, str] = {}
    for index, rule in enumerate(rules):
        for topic in _targets(rule, index, real, known):
            chosen.setdefault(topic, rule.label)
    if not chosen:
        return table
    counts = pd.Series(list(chosen.values())).value_counts()
    labels = table["label"].tolist()
    sources = table["label_source"].tolist()
    for position, topic in enumerate(table["topic"].tolist()):
        if int(topic) not in chosen:
            continue
        label = chosen[int(topic)]
        if counts[label] > 1:
            label = f"{label} ({_first_phrase(table.iloc[position])})"
        labels[position] = label
        sources[position] = "user"
    table["label"] = labels
    table["label_source"] = sources
    return table


def _targets(rule: TopicLabelRule, index: int, real: pd.DataFrame, known: set[int]) -> list[int]:
    where = f"model.labels[{index}] ({rule.label!r})"
    if rule.topic is not None and rule.topic not in known:
        log.warning(
            "%s: there is no topic %d in this run (topics 0-%d); the label is not used. Topic "
            "ids change when the data or the seed change: 'match: WORD' names a topic by its "
            "keywords instead",
            where,
            rule.topic,
            max(known) if known else -1,
        )
        return []
    matching = known if rule.match is None else _matching(real, rule.match)
    if rule.topic is not None:
        if rule.topic in matching:
            return [rule.topic]
        log.warning(
            "%s: topic %d no longer has a keyword or phrase starting with %r; the label is "
            "not used (did a refit renumber the topics?)",
            where,
            rule.topic,
            rule.match,
        )
        return []
    if not matching:
        log.warning(
            "%s: no topic has a keyword or phrase starting with %r; the label is not used",
            where,
            rule.match,
        )
    return sorted(matching)


def _matching(real: pd.DataFrame, text: str) -> set[int]:
    pattern = re.compile(rf"(?<![\w-]){re.escape(text.strip())}", re.IGNORECASE)
    out: set[int] = set()
    for row in real.itertuples(index=False):
        terms = [*row.keywords, *(getattr(row, "phrases", None) or [])]
        if any(pattern.search(str(term)) for term in terms):
            out.add(int(row.topic))
    return out


def _first_phrase(row: pd.Series) -> str:
    phrases = row.get("phrases")
    if isinstance(phrases, list) and phrases:
        return str(phrases[0])
    keywords = row.get("keywords")
    return str(keywords[0]) if isinstance(keywords, list) and keywords else f"topic {row['topic']}"
