"""Assigning papers to the themes a user names in the config.

A theme is a name, a description, seed phrases and optional exclusions
(:class:`~topics.config.schema.ThemeConfig`). Every paper gets a score in
[0, 1] for every theme; it is assigned to each theme whose score reaches the
theme's threshold (``theme.threshold``, else ``assign.threshold``), so a paper
can sit in several themes or in none ("unassigned").

The score is a logistic combination of a few signals, each of which is kept as
evidence so that a reader can see *why* a paper landed in a theme::

    logit = bias
          + w_description * cos(paper, description)
          + w_phrases     * mean of the top-3 cos(paper, seed phrase)
          + w_lexical     * ln(1 + weighted phrase hits)
          - w_exclusion   * ln(1 + weighted exclusion hits)
          + w_topic       * (share of the paper's topic in the theme - topic_center)
    score = 1 / (1 + exp(-logit))

Phrase hits are weighted by where they occur (title 3, first sentence 2, body
1, last sentence 0.5) and saturate through the logarithm. That is what keeps a
passing mention out: one "robust" in the body of an abstract, or "applications
in continual learning" in its last sentence, adds little, whereas a paper on
the theme names it in its title or opening sentence and repeats it. The topic
term is used only when topic assignments are given.

The default :class:`SignalWeights` were fitted with a pooled logistic
regression on the labelled seed papers in ``tests/fixtures/themes/labels.csv``
and rounded; ``benchmarks/eval_themes.py`` reports precision, recall and F1
per theme for each signal alone and combined, cross-validated and with each
theme left out of the fit (which is what a user adding a new theme gets).
"""

from __future__ import annotations

import bisect
import functools
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from safetensors.numpy import load_file, save_file

from topics._io import atomic_write_json, atomic_write_with
from topics.config.schema import ThemeConfig
from topics.errors import ConfigError, IncompatibleModelError, ModelError, NotFittedError

__all__ = ["UNASSIGNED", "SignalWeights", "ThemeAssigner", "ThemeScores"]

UNASSIGNED = "unassigned"
FORMAT = "topics.themes.v1"
_META_FILE = "themes.json"
_VECTORS_FILE = "theme_vectors.safetensors"
_MIN_TOPIC_SIZE = 3
_COLUMNS = (
    "paper_id",
    "theme",
    "score",
    "assigned",
    "description_similarity",
    "phrase_similarity",
    "lexical_hits",
    "exclusion_hits",
    "topic_affinity",
    "evidence",
)


@dataclass(frozen=True, slots=True)
class SignalWeights:
    """Weights of the logistic combination and of phrase positions.

    The defaults are a logistic regression fitted on the labelled seed set
    (pooled over all themes, so that they carry over to a theme the user
    adds), rounded to two significant digits. ``exclusion`` equals ``lexical``
    by design: one excluded hit cancels one phrase hit. ``topic`` and
    ``topic_center`` come from a second fit on topics of the seed corpus.
    """

    bias: float = -7.4
    description: float = 5.0
    phrases: float = 4.5
    lexical: float = 2.5
    exclusion: float = 2.5
    topic: float = 2.8
    topic_center: float = 0.16
    top_k_phrases: int = 3
    title_hit: float = 3.0
    first_sentence_hit: float = 2.0
    body_hit: float = 1.0
    last_sentence_hit: float = 0.5


@dataclass(frozen=True, slots=True)
class _Matches:
    weighted: float
    counts: dict[str, int]
    in_title: tuple[str, ...]


@dataclass(slots=True)
class _Signals:
    """Raw signals of every (paper, theme) pair, arrays of shape (n_papers, n_themes)."""

    description: np.ndarray
    phrases: np.ndarray
    nearest: list[list[Any]]
    hits: list[list[_Matches]]
    excluded: list[list[_Matches]]
    topic_affinity: np.ndarray | None = None

    @property
    def lexical_hits(self) -> np.ndarray:
        return _weighted(self.hits, self.description.shape)

    @property
    def exclusion_hits(self) -> np.ndarray:
        return _weighted(self.excluded, self.description.shape)

    def arrays(self) -> dict[str, np.ndarray]:
        """The columns of :attr:`ThemeScores.long`, by name."""
        return {
            "description_similarity": self.description,
            "phrase_similarity": self.phrases,
            "lexical_hits": self.lexical_hits,
            "exclusion_hits": self.exclusion_hits,
            "topic_affinity": self.topic_affinity
            if self.topic_affinity is not None
            else np.full(self.description.shape, np.nan),
        }


def _weighted(matches: list[list[_Matches]], shape: tuple[int, ...]) -> np.ndarray:
    return np.array([[m.weighted for m in row] for row in matches], dtype=float).reshape(shape)


_SUFFIXES = ("s", "es", "ed", "d", "ing", "ness", "al", "ally", "ly", "er", "ers")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[])")
_WORD = re.compile(r"[^\W_]+")
_JOINERS = " \t\n\r-"


@dataclass(frozen=True, slots=True)
class _PhraseWord:
    """One word of a seed phrase: its stem, and the exact spelling if it is an acronym."""

    stem: str
    acronym: str | None

    @classmethod
    def parse(cls, word: str) -> _PhraseWord:
        """Light stemming; a word with two or more capitals (CLIP, GAN, ResNet) is an acronym.

        An acronym matches only as written, so "CLIP" does not match "clipping". A
        trailing plural "s" is dropped, so "captions" matches "caption" and "captioning",
        while "robustness" does not match "robust".
        """
        acronym = sum(c.isupper() for c in word) >= 2
        lower = word.lower()
        if len(lower) > 3 and lower.endswith("s") and not lower.endswith("ss") and not acronym:
            lower = lower[:-1]
        return cls(lower, word if acronym else None)

    def fits(self, text_word: str, stems: frozenset[str]) -> bool:
        return self.stem in stems and (self.acronym is None or text_word.startswith(self.acronym))


@functools.lru_cache(maxsize=65536)
def _stems(lower: str) -> frozenset[str]:
    """The word and what is left after removing one common suffix (and a doubled letter)."""
    stems = {lower}
    for suffix in _SUFFIXES:
        if lower.endswith(suffix) and len(lower) > len(suffix) + 1:
            base = lower[: -len(suffix)]
            stems.add(base)
            if len(base) > 2 and base[-1] == base[-2]:
                stems.add(base[:-1])
    return frozenset(stems)


class _TextWord(NamedTuple):
    text: str
    stems: frozenset[str]
    start: int
    joined: bool  # only spaces or hyphens since the previous word


def _words(text: str) -> list[_TextWord]:
    words, previous_end = [], 0
    for m in _WORD.finditer(text):
        start = m.start()
        joined = not text[previous_end:start].strip(_JOINERS)
        word = m.group()
        words.append(_TextWord(word, _stems(word.lower()), start, joined))
        previous_end = m.end()
    return words


class _Lexicon:
    """Several phrase lists (each theme's phrases and exclusions) matched in one pass.

    A text is split into words once; each word's stems index the phrases that can
    start there. In each list the longest phrase starting at a word wins and its
    words are not counted again, so "class-incremental learning" is one hit, not
    also one for "incremental learning". Words of a phrase may be separated by
    spaces or hyphens only ("self supervised" = "self-supervised").
    """

    def __init__(self, phrase_lists: Sequence[Sequence[str]]) -> None:
        self.phrase_lists = [
            list(dict.fromkeys(p.strip() for p in ps if p.strip())) for ps in phrase_lists
        ]
        self._index: dict[str, list[tuple[int, int, tuple[_PhraseWord, ...]]]] = {}
        for li, phrases in enumerate(self.phrase_lists):
            for pi, phrase in enumerate(phrases):
                parsed = tuple(_PhraseWord.parse(w) for w in _WORD.findall(phrase))
                if parsed:
                    self._index.setdefault(parsed[0].stem, []).append((li, pi, parsed))

    def find(self, text: str) -> list[list[tuple[str, int]]]:
        """Per list, the (phrase, character offset) of every non-overlapping hit."""
        words = _words(text)
        found: list[list[tuple[str, int]]] = [[] for _ in self.phrase_lists]
        free_from = [0] * len(self.phrase_lists)
        for i, word in enumerate(words):
            best: dict[int, tuple[int, int]] = {}
            for stem in word.stems:
                for li, pi, parsed in self._index.get(stem, ()):
                    longer = len(parsed) > best.get(li, (0, 0))[1]
                    if i >= free_from[li] and longer and _fits_at(words, i, parsed):
                        best[li] = (pi, len(parsed))
            for li, (pi, length) in best.items():
                found[li].append((self.phrase_lists[li][pi], word.start))
                free_from[li] = i + length
        return found

    def match(self, title: str, text: str, weights: SignalWeights) -> list[_Matches]:
        """Per list, the hits in a title and abstract, each weighted by its sentence."""
        starts = [0] + [m.end() for m in _SENTENCE_BREAK.finditer(text)]
        return [
            _weigh(title_hits, text_hits, starts, weights)
            for title_hits, text_hits in zip(self.find(title), self.find(text), strict=True)
        ]


def _fits_at(words: list[_TextWord], i: int, parsed: tuple[_PhraseWord, ...]) -> bool:
    if i + len(parsed) > len(words):
        return False
    return all(
        p.fits(w.text, w.stems) and (k == 0 or w.joined)
        for k, (p, w) in enumerate(zip(parsed, words[i : i + len(parsed)], strict=True))
    )


def _weigh(
    title_hits: list[tuple[str, int]],
    text_hits: list[tuple[str, int]],
    sentence_starts: list[int],
    weights: SignalWeights,
) -> _Matches:
    counts: dict[str, int] = {}
    weighted = weights.title_hit * len(title_hits)
    last = len(sentence_starts) - 1
    for _, position in text_hits:
        sentence = bisect.bisect_right(sentence_starts, position) - 1
        if sentence == 0:
            weighted += weights.first_sentence_hit
        elif sentence == last:
            weighted += weights.last_sentence_hit
        else:
            weighted += weights.body_hit
    for phrase, _ in title_hits + text_hits:
        counts[phrase] = counts.get(phrase, 0) + 1
    in_title = tuple(dict.fromkeys(phrase for phrase, _ in title_hits))
    return _Matches(weighted, counts, in_title)


@dataclass(slots=True)
class ThemeScores:
    """Scores of every paper for every theme, with the evidence behind them.

    Attributes
    ----------
    themes, paper_ids : list of str
        Theme names in config order; paper ids in input order.
    long : DataFrame
        One row per (paper, theme) in input order then theme order:
        ``paper_id``, ``theme``, ``score`` in [0, 1], ``assigned`` (bool),
        the raw signals ``description_similarity``, ``phrase_similarity``,
        ``lexical_hits``, ``exclusion_hits``, ``topic_affinity`` (NaN
        without topics), and ``evidence``: compact JSON with the signals,
        the phrases matched with their counts, the nearest seed phrases and
        each signal's contribution to the logit.
    """

    long: pd.DataFrame
    themes: list[str]
    paper_ids: list[str]

    def themes_per_paper(self) -> pd.Series:
        """Assigned theme names per paper, ";"-joined in config order.

        A paper that fits no theme gets the literal ``"unassigned"``
        (:data:`UNASSIGNED`), so that exports and reports never show an empty
        cell that could be mistaken for missing data.
        """
        assigned = self.long[self.long["assigned"]]
        joined = assigned.groupby("paper_id", sort=False)["theme"].agg(";".join)
        return joined.reindex(self.paper_ids, fill_value=UNASSIGNED).rename("themes")

    def wide(self) -> pd.DataFrame:
        """Scores as a paper × theme table (papers in input order)."""
        table = self.long.pivot(index="paper_id", columns="theme", values="score")
        return table.reindex(index=self.paper_ids, columns=self.themes)


class ThemeAssigner:
    """Score papers against configured themes and assign them above a threshold.

    Parameters
    ----------
    themes : sequence of ThemeConfig
        The themes, in the order they are reported.
    threshold : float, default=0.5
        Assignment threshold for themes that do not set their own.
    weights : SignalWeights, default=None
        Weights of the signal combination; ``None`` uses the fitted defaults.

    Attributes
    ----------
    themes_ : list of ThemeConfig
    description_vectors_ : ndarray of shape (n_themes, dim)
    phrase_vectors_ : list of ndarray, one (n_phrases, dim) array per theme
    encoder_identity_ : str or None
        Identity of the encoder that produced the vectors; :meth:`load`
        refuses a different one.

    Examples
    --------
    >>> assigner = ThemeAssigner(config.themes, threshold=config.assign.threshold)
    >>> assigner.fit(embedder.encode, encoder_identity=embedder.identity)
    >>> scores = assigner.score(abstracts, vectors, titles=titles, paper_ids=ids)
    >>> scores.themes_per_paper()
    """

    def __init__(
        self,
        themes: Sequence[ThemeConfig],
        *,
        threshold: float = 0.5,
        weights: SignalWeights | None = None,
    ) -> None:
        self.themes = themes
        self.threshold = threshold
        self.weights = weights

    def fit(
        self,
        encode: Callable[[list[str]], np.ndarray],
        *,
        encoder_identity: str | None = None,
    ) -> ThemeAssigner:
        """Validate the themes and embed their descriptions and phrases.

        Parameters
        ----------
        encode : callable
            Maps a list of texts to L2-normalised float32 rows.
        encoder_identity : str, default=None
            A string that changes whenever ``encode`` would give other vectors
            (e.g. ``Embedder.identity``); saved with the assigner.
        """
        themes = [ThemeConfig.model_validate(t) for t in self.themes]
        _validate_themes(themes, self.threshold)
        self.themes_ = themes
        self.weights_ = self.weights or SignalWeights()
        self.encoder_identity_ = encoder_identity
        texts = [t.description for t in themes] + [p for t in themes for p in t.phrases]
        vectors = np.zeros((0, 0), np.float32)
        if texts:
            vectors = _unit_rows(np.asarray(encode(texts), dtype=np.float32))
            if vectors.ndim != 2 or vectors.shape[0] != len(texts):
                raise ModelError(
                    f"encode returned an array of shape {vectors.shape} for {len(texts)} texts"
                )
        self.description_vectors_ = vectors[: len(themes)]
        self.phrase_vectors_ = _split_rows(vectors[len(themes) :], [len(t.phrases) for t in themes])
        self._build_matchers()
        return self

    def score(
        self,
        texts: Sequence[str],
        embeddings: np.ndarray,
        *,
        titles: Sequence[str] | None = None,
        paper_ids: Sequence[str] | None = None,
        topics: Sequence[int] | None = None,
        topic_keywords: Mapping[int, list[str]] | None = None,
    ) -> ThemeScores:
        """Score every paper against every theme.

        Parameters
        ----------
        texts : sequence of str
            Abstracts (without the title; pass titles separately so that a
            phrase in the title is weighted as such).
        embeddings : ndarray of shape (n_papers, dim)
            Paper vectors from the same encoder as :meth:`fit`.
        titles, paper_ids : sequence of str, optional
            Paper ids must be unique; they default to "0", "1", ...
        topics : sequence of int, optional
            Topic of each paper (-1 = outlier). Enables the topic signal.
        topic_keywords : mapping of int to list of str, optional
            Topic keywords; those matching a theme's phrases go into evidence.

        Returns
        -------
        ThemeScores
        """
        self._check_fitted()
        n = len(texts)
        titles = list(titles) if titles is not None else [""] * n
        ids = [str(p) for p in paper_ids] if paper_ids is not None else [str(i) for i in range(n)]
        _check_lengths(n, titles=titles, paper_ids=ids, topics=topics)
        _check_unique(ids)
        signals = self._signals(self._check_embeddings(embeddings, n), titles, texts)
        contributions = self._contributions(signals)
        if topics is not None:
            base_assigned = _sigmoid(sum(contributions.values())) >= self.thresholds_
            affinity = _topic_affinity(np.asarray(topics), base_assigned)
            signals.topic_affinity = affinity
            w = self.weights_
            contributions["topic"] = np.nan_to_num(w.topic * (affinity - w.topic_center))
        scores = _sigmoid(sum(contributions.values()))
        evidence = [
            self._evidence(signals, contributions, i, j, topics, topic_keywords)
            for i in range(n)
            for j in range(len(self.themes_))
        ]
        long = pd.DataFrame(
            {
                "paper_id": np.repeat(np.array(ids, dtype=object), len(self.themes_)),
                "theme": np.tile(np.array([t.name for t in self.themes_], dtype=object), n),
                "score": scores.ravel(),
                "assigned": (scores >= self.thresholds_).ravel(),
                **{name: values.ravel() for name, values in signals.arrays().items()},
                "evidence": evidence,
            },
            columns=list(_COLUMNS),
        )
        return ThemeScores(long=long, themes=[t.name for t in self.themes_], paper_ids=ids)

    @property
    def thresholds_(self) -> np.ndarray:
        """Per-theme assignment thresholds (the theme's own, else the default)."""
        self._check_fitted()
        return np.array(
            [t.threshold if t.threshold is not None else self.threshold for t in self.themes_]
        )

    def save(self, directory: str | Path) -> None:
        """Write ``themes.json`` and ``theme_vectors.safetensors`` (no pickle)."""
        self._check_fitted()
        directory = Path(directory)
        meta = {
            "format": FORMAT,
            "encoder_identity": self.encoder_identity_,
            "threshold": self.threshold,
            "weights": asdict(self.weights_),
            "themes": [t.model_dump(mode="json") for t in self.themes_],
        }
        tensors = {
            "descriptions": self.description_vectors_,
            "phrases": np.concatenate(self.phrase_vectors_, axis=0)
            if self.phrase_vectors_
            else np.zeros((0, self.description_vectors_.shape[1]), np.float32),
        }
        atomic_write_with(
            directory / _VECTORS_FILE,
            lambda tmp: save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, tmp),
        )
        atomic_write_json(directory / _META_FILE, meta)

    @classmethod
    def load(
        cls,
        directory: str | Path,
        *,
        encoder_identity: str | None,
        themes: Sequence[ThemeConfig] | None = None,
    ) -> ThemeAssigner:
        """Load a saved assigner, refusing vectors from another encoder.

        Parameters
        ----------
        directory : str or Path
        encoder_identity : str or None
            Identity of the encoder whose paper vectors will be scored; must
            equal the one the assigner was fitted with.
        themes : sequence of ThemeConfig, optional
            If given, the saved themes must equal these (otherwise refit).

        Raises
        ------
        IncompatibleModelError
            Unknown format, another encoder, or themes that changed.
        """
        directory = Path(directory)
        try:
            meta = json.loads((directory / _META_FILE).read_text(encoding="utf-8"))
            tensors = load_file(str(directory / _VECTORS_FILE))
        except (OSError, ValueError) as exc:
            raise ModelError(f"{directory}: cannot read saved themes ({exc})") from exc
        _check_saved(meta, directory, encoder_identity, themes)
        saved_themes = [ThemeConfig.model_validate(t) for t in meta["themes"]]
        assigner = cls(
            saved_themes, threshold=meta["threshold"], weights=SignalWeights(**meta["weights"])
        )
        assigner.themes_ = saved_themes
        assigner.weights_ = SignalWeights(**meta["weights"])
        assigner.encoder_identity_ = meta["encoder_identity"]
        assigner.description_vectors_ = tensors["descriptions"]
        assigner.phrase_vectors_ = _split_rows(
            tensors["phrases"], [len(t.phrases) for t in saved_themes]
        )
        assigner._build_matchers()
        return assigner

    def _build_matchers(self) -> None:
        """One lexicon for all phrase lists: themes' phrases first, then their exclusions."""
        self._lexicon = _Lexicon(
            [t.phrases for t in self.themes_] + [t.exclude for t in self.themes_]
        )

    def _check_fitted(self) -> None:
        if not hasattr(self, "themes_"):
            raise NotFittedError("ThemeAssigner is not fitted; call fit(encode) or load() first")

    def _check_embeddings(self, embeddings: np.ndarray, n: int) -> np.ndarray:
        vectors = np.asarray(embeddings, dtype=np.float32)
        dim = self.description_vectors_.shape[1]
        if vectors.ndim != 2 or vectors.shape[0] != n or (self.themes_ and vectors.shape[1] != dim):
            raise ModelError(
                f"embeddings must have shape ({n}, {dim}) to match {n} texts and the theme "
                f"vectors; got {vectors.shape}. Were they made by the same encoder?"
            )
        return _unit_rows(vectors)

    def _signals(self, vectors: np.ndarray, titles: list[str], texts: Sequence[str]) -> _Signals:
        n, k = vectors.shape[0], self.weights_.top_k_phrases
        phrase_mean = np.zeros((n, len(self.themes_)))
        nearest: list[list[Any]] = [[] for _ in range(n)]
        for j, (theme, phrase_vectors) in enumerate(
            zip(self.themes_, self.phrase_vectors_, strict=True)
        ):
            sims = vectors @ phrase_vectors.T
            top = np.argsort(-sims, axis=1)[:, :k]
            top_sims = np.take_along_axis(sims, top, axis=1)
            phrase_mean[:, j] = top_sims.mean(axis=1)
            for i in range(n):
                pairs = zip(top[i], top_sims[i], strict=True)
                nearest[i].append([[theme.phrases[p], round(float(s), 3)] for p, s in pairs])
        n_themes = len(self.themes_)
        matches = [
            self._lexicon.match(ti, te, self.weights_) for ti, te in zip(titles, texts, strict=True)
        ]
        return _Signals(
            description=vectors @ self.description_vectors_.T if self.themes_ else np.zeros((n, 0)),
            phrases=phrase_mean,
            nearest=nearest,
            hits=[row[:n_themes] for row in matches],
            excluded=[row[n_themes:] for row in matches],
        )

    def _contributions(self, signals: _Signals) -> dict[str, np.ndarray]:
        """Each signal's term of the logit, kept apart for the evidence."""
        w = self.weights_
        return {
            "bias": np.full(signals.description.shape, w.bias),
            "description": w.description * signals.description,
            "phrases": w.phrases * signals.phrases,
            "lexical": w.lexical * np.log1p(signals.lexical_hits),
            "exclusion": -w.exclusion * np.log1p(signals.exclusion_hits),
        }

    def _evidence(
        self,
        signals: _Signals,
        contributions: dict[str, np.ndarray],
        i: int,
        j: int,
        topics: Sequence[int] | None,
        topic_keywords: Mapping[int, list[str]] | None,
    ) -> str:
        """Compact JSON saying why paper ``i`` got its score for theme ``j``."""
        hits = signals.hits[i][j]
        item: dict[str, Any] = {
            "description_similarity": round(float(signals.description[i, j]), 3),
            "nearest_phrases": signals.nearest[i][j],
            "matched": hits.counts,
            "in_title": list(hits.in_title),
            "weighted_hits": hits.weighted,
        }
        if signals.excluded[i][j].counts:
            item["excluded"] = signals.excluded[i][j].counts
        if topics is not None and signals.topic_affinity is not None:
            affinity = float(signals.topic_affinity[i, j])
            item["topic"] = self._topic_evidence(int(topics[i]), affinity, j, topic_keywords)
        item["logit"] = {k: round(float(v[i, j]), 3) + 0.0 for k, v in contributions.items()}
        return json.dumps(item, separators=(",", ":"), ensure_ascii=False)

    def _topic_evidence(
        self,
        topic: int,
        affinity: float,
        theme_index: int,
        topic_keywords: Mapping[int, list[str]] | None,
    ) -> dict[str, Any]:
        item: dict[str, Any] = {
            "id": topic,
            "affinity": None if math.isnan(affinity) else round(float(affinity), 3),
        }
        if topic_keywords is not None and topic in topic_keywords:
            phrases = tuple(self._lexicon.phrase_lists[theme_index])
            item["keywords"] = list(_fitting_keywords(tuple(topic_keywords[topic]), phrases))
        return item


@functools.lru_cache(maxsize=4096)
def _fitting_keywords(keywords: tuple[str, ...], phrases: tuple[str, ...]) -> tuple[str, ...]:
    """Memoised per (topic, theme): every paper of a topic asks the same question."""
    return tuple(kw for kw in keywords if _keyword_fits(kw, list(phrases)))


def _keyword_fits(keyword: str, phrases: list[str]) -> bool:
    """A topic keyword fits a theme if it contains one of its phrases or shares a stem
    with a one-word phrase ("watermark", "watermarking"). Multi-word phrases are not
    split, so a generic keyword such as "learning" does not fit every "... learning"."""
    if _Lexicon([phrases]).find(keyword)[0]:
        return True
    word = keyword.lower().strip()
    singles = [p.lower() for p in phrases if len(_WORD.findall(p)) == 1]
    return len(word) >= 4 and any(p.startswith(word) or word.startswith(p) for p in singles)


def _validate_themes(themes: Sequence[ThemeConfig], threshold: float) -> None:
    """Reject names that would break exports, with the config path of each."""
    problems = []
    if not 0.0 <= threshold <= 1.0:
        problems.append(f"assign -> threshold  must be in [0, 1]; got {threshold}")
    seen: set[str] = set()
    for i, theme in enumerate(themes):
        where = f"themes -> {i} -> name"
        if theme.name in seen:
            problems.append(f"{where}  duplicate theme name {theme.name!r}")
        if ";" in theme.name:
            problems.append(
                f"{where}  must not contain ';' (used to join themes); got {theme.name!r}"
            )
        if theme.name == UNASSIGNED:
            problems.append(f"{where}  {UNASSIGNED!r} is reserved for papers without a theme")
        if theme.threshold is not None and not 0.0 <= theme.threshold <= 1.0:
            problems.append(f"themes -> {i} -> threshold  must be in [0, 1]; got {theme.threshold}")
        if not any(p.strip() for p in theme.phrases):
            problems.append(f"themes -> {i} -> phrases  need at least one non-empty phrase")
        seen.add(theme.name)
    if problems:
        raise ConfigError("invalid themes:\n  " + "\n  ".join(problems))


def _check_saved(
    meta: dict[str, Any],
    directory: Path,
    encoder_identity: str | None,
    themes: Sequence[ThemeConfig] | None,
) -> None:
    if meta.get("format") != FORMAT:
        raise IncompatibleModelError(
            f"{directory / _META_FILE}: format {meta.get('format')!r}, expected {FORMAT!r}"
        )
    if meta.get("encoder_identity") != encoder_identity:
        raise IncompatibleModelError(
            f"{directory}: theme vectors were made by encoder {meta.get('encoder_identity')!r}, "
            f"but papers are embedded by {encoder_identity!r}; refit the themes"
        )
    if themes is not None:
        wanted = [ThemeConfig.model_validate(t).model_dump(mode="json") for t in themes]
        if wanted != meta["themes"]:
            raise IncompatibleModelError(f"{directory}: the configured themes changed; refit them")


def _check_lengths(n: int, **columns: Sequence[Any] | None) -> None:
    for name, values in columns.items():
        if values is not None and len(values) != n:
            raise ModelError(f"{name} has {len(values)} entries but there are {n} texts")


def _check_unique(paper_ids: Sequence[str]) -> None:
    seen: set[str] = set()
    repeated = list(dict.fromkeys(p for p in paper_ids if p in seen or seen.add(p)))
    if repeated:
        raise ModelError(f"paper_ids must be unique; repeated: {repeated[:5]}")


def _topic_affinity(topics: np.ndarray, assigned: np.ndarray) -> np.ndarray:
    """Share of the *other* members of each paper's topic assigned to each theme.

    Leaving the paper itself out keeps the signal from echoing the paper's own
    score. Outliers (topic < 0) and topics with fewer than three members get
    NaN: they say nothing about a theme.
    """
    affinity = np.full(assigned.shape, np.nan)
    for topic in np.unique(topics):
        members = np.flatnonzero(topics == topic)
        if topic < 0 or len(members) < _MIN_TOPIC_SIZE:
            continue
        totals = assigned[members].sum(axis=0)
        affinity[members] = (totals - assigned[members]) / (len(members) - 1)
    return affinity


def _split_rows(matrix: np.ndarray, sizes: Sequence[int]) -> list[np.ndarray]:
    bounds = np.cumsum([0, *sizes])
    return [matrix[bounds[i] : bounds[i + 1]] for i in range(len(sizes))]


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Unit-length copies of the rows (zero rows stay zero): cosine = dot product."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(np.asarray(x, dtype=np.float64), -50.0, 50.0)))
