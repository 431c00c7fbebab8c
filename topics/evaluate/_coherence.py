"""How coherent and how distinct a model's topic words are: NPMI coherence and diversity.

Both read the topic words as the model lists them (the ``keywords`` of its
topic table). Coherence needs the documents tokenized the way the model's
vectorizer sees them, so that a keyword such as ``"fine tuning"`` is a token
of the documents it occurs in: :func:`tokenize_like_model` uses the model's
own analyzer (lower case, stop words removed, then 1..n-grams).

Choices that make the numbers honest, and their consequences:

* **Co-occurrence window = the whole document.** The analyzer emits all
  unigrams, then all bigrams, so token positions no longer match the text
  and gensim's default 10-token sliding window would pair a word with
  unrelated bigrams. We give gensim a window as long as the longest
  document, which makes ``c_npmi`` count document co-occurrence: for short
  texts such as abstracts, the usual choice. As a consequence, tokens that
  are not topic words can be dropped before counting without changing any
  number, which keeps a 200k-abstract corpus fast.
* **Nested n-grams are not paired.** ``"continual"`` and
  ``"continual learning"`` co-occur by construction and would score an NPMI
  near 1 for no merit of the topic. With ``skip_nested=True`` (the default)
  a term that shares a word with a higher-ranked term of the same topic is
  skipped, and the next term takes its place among the ``top_n``.
* **Words missing from the documents** (a keyword of a model fitted on
  another corpus, a placeholder) are left out of the topic's word list; a
  topic with fewer than two words left has no coherence (``nan``) and is left
  out of the mean.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Sequence

import numpy as np

from topics.config.schema import VectorizerConfig
from topics.models._text import build_vectorizer, resolve_stop_words

__all__ = [
    "coherence_word_lists",
    "npmi_coherence",
    "tokenize_like_model",
    "topic_diversity",
]

Analyzer = Callable[[str], list[str]]


def npmi_coherence(
    topic_words: Sequence[Sequence[str]],
    tokenized_docs: Sequence[Sequence[str]],
    top_n: int = 10,
    *,
    skip_nested: bool = True,
) -> tuple[float, list[float]]:
    """NPMI coherence of each topic over document co-occurrence, with gensim's ``c_npmi``.

    Parameters
    ----------
    topic_words : list of list of str
        Each topic's terms, best first (unigrams or n-grams as the vectorizer
        writes them, e.g. ``"fine tuning"``).
    tokenized_docs : list of list of str
        The reference documents as tokens, from :func:`tokenize_like_model`.
    top_n : int, default=10
        Terms scored per topic.
    skip_nested : bool, default=True
        Skip a term sharing a word with a higher-ranked term of its topic (see
        the module docstring).

    Returns
    -------
    mean : float
        Mean over the topics that have a coherence; ``nan`` if none has.
    per_topic : list of float
        In ``[-1, 1]`` per topic, in input order; ``nan`` for a topic with
        fewer than two of its terms in the documents.

    Examples
    --------
    >>> docs = [["neural", "network"], ["neural", "network"], ["tax", "law"], ["tax", "law"]]
    >>> mean, per_topic = npmi_coherence([["neural", "network"], ["neural", "tax"]], docs)
    >>> [round(v, 2) for v in per_topic]  # never together: -1 but for gensim's epsilon
    [1.0, -0.95]
    """
    if top_n < 2:
        raise ValueError(f"top_n must be >= 2 to form word pairs; got {top_n}")
    present = {token for doc in tokenized_docs for token in doc}
    word_lists = [
        coherence_word_lists(words, top_n, present, skip_nested=skip_nested)
        for words in topic_words
    ]
    scored = [i for i, words in enumerate(word_lists) if len(words) >= 2]
    per_topic = [math.nan] * len(word_lists)
    if scored and tokenized_docs:
        values = _gensim_npmi([word_lists[i] for i in scored], tokenized_docs)
        for index, value in zip(scored, values, strict=True):
            per_topic[index] = float(value)
    finite = [v for v in per_topic if math.isfinite(v)]
    return (float(np.mean(finite)) if finite else math.nan), per_topic


def coherence_word_lists(
    words: Iterable[str], top_n: int, present: set[str] | None = None, *, skip_nested: bool = True
) -> list[str]:
    """The terms of one topic that coherence scores: at most ``top_n``, best first.

    Empty terms, terms absent from ``present`` (when given), repeats and, with
    ``skip_nested``, terms sharing a word with a kept term are passed over.
    """
    kept: list[str] = []
    kept_words: set[str] = set()
    for term in words:
        if not term or term in kept or (present is not None and term not in present):
            continue
        parts = set(term.split())
        if skip_nested and parts & kept_words:
            continue
        kept.append(term)
        kept_words |= parts
        if len(kept) == top_n:
            break
    return kept


def _gensim_npmi(topics: list[list[str]], tokenized_docs: Sequence[Sequence[str]]) -> list[float]:
    """gensim's ``c_npmi`` with one window per document, counting only the topic terms."""
    from gensim.corpora import Dictionary
    from gensim.models.coherencemodel import CoherenceModel

    relevant = {term for words in topics for term in words}
    # One window per document: tokens other than topic terms cannot change any count.
    texts = [[t for t in doc if t in relevant] for doc in tokenized_docs]
    dictionary = Dictionary([sorted(relevant)])
    window = max(1, max(len(doc) for doc in texts))
    model = CoherenceModel(
        topics=topics,
        texts=texts,
        dictionary=dictionary,
        coherence="c_npmi",
        window_size=window,
        topn=max(len(words) for words in topics),
        processes=1,
    )
    return [float(v) for v in model.get_coherence_per_topic()]


def topic_diversity(topic_words: Sequence[Sequence[str]], top_n: int = 25) -> float:
    """Share of distinct terms among the top ``top_n`` terms of all topics (Dieng et al., 2020).

    1.0 means no two topics share a top term; values near ``1/n_topics`` mean
    the topics repeat each other. A topic listing fewer than ``top_n`` terms
    contributes the terms it has. Terms are compared as written, so the
    bigram ``"fine tuning"`` and the unigram ``"fine"`` are different terms.

    Parameters
    ----------
    topic_words : list of list of str
        Each topic's terms, best first.
    top_n : int, default=25
        Terms taken from each topic.

    Returns
    -------
    float
        In ``(0, 1]``; ``nan`` when there is no term at all.

    Examples
    --------
    >>> topic_diversity([["a", "b"], ["b", "c"]], top_n=2)
    0.75
    """
    if top_n < 1:
        raise ValueError(f"top_n must be >= 1; got {top_n}")
    terms = [term for words in topic_words for term in list(words)[:top_n]]
    if not terms:
        return math.nan
    return len(set(terms)) / len(terms)


def tokenize_like_model(
    docs: Iterable[str],
    vectorizer: VectorizerConfig | None = None,
    *,
    stop_words: Sequence[str] | None = None,
    keep: Collection[str] | None = None,
) -> list[list[str]]:
    """Documents as the topic model's vectorizer sees them: its terms, n-grams included.

    Parameters
    ----------
    docs : iterable of str
        The modelled texts ("title. cleaned abstract").
    vectorizer : VectorizerConfig, optional
        The config's ``model.vectorizer`` (default settings if omitted).
    stop_words : sequence of str, optional
        The fitted model's ``stop_words_``; resolved from ``vectorizer`` if omitted.
    keep : collection of str, optional
        Keep only these terms (e.g. the topic words). With the document-wide
        window of :func:`npmi_coherence` this changes no coherence value, and
        it keeps the tokens of a 200k-abstract corpus small in memory.

    Returns
    -------
    list of list of str
        Per document, its unigrams then its n-grams (stop words removed first).
    """
    config = vectorizer or VectorizerConfig()
    words = resolve_stop_words(config) if stop_words is None else list(stop_words)
    analyzer: Analyzer = build_vectorizer(config, stop_words=words).build_analyzer()
    if keep is None:
        return [analyzer(doc) for doc in docs]
    wanted = set(keep)
    return [[token for token in analyzer(doc) if token in wanted] for doc in docs]
