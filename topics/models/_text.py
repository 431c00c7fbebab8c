"""Words for every backend: one vectorizer recipe and readable topic labels.

All backends count words the same way, so that their keywords can be compared
and a keyword is never an English stop word. Three choices matter:

* The vocabulary is learnt on the individual documents. BERTopic fits its
  vectorizer on one joined document per topic, where ``min_df=2`` means "in
  two topics" and silently drops words that are typical of a single topic
  (BERTopic issues #1665 and #2402). Handing BERTopic a vectorizer with this
  fixed vocabulary gives ``min_df`` and ``max_df`` their documented meaning.
* Stop words are removed before n-grams are formed, so no keyword starts or
  ends with a stop word.
* A token needs at least one letter: ``3d`` and ``gpt2`` are kept, ``2019``
  and ``10`` are not.
* A hyphenated word is one token: ``pre-training``, ``non-convex``,
  ``self-supervised``. Splitting at the hyphen (scikit-learn's default
  pattern) made "pre", "non" and "semi" top keywords of whole topics, and
  labels such as "self supervised · unsupervised · semi". Generic hyphenated
  modifiers ("state-of-the-art", "large-scale") are academic stop words.
* ``stop_words="english"`` means scikit-learn's English list plus
  :data:`ACADEMIC_STOP_WORDS`, the discourse words of abstracts ("we propose
  a novel method based on ... results show"). They are in nearly every
  abstract, say nothing about its subject, and otherwise crowd the keywords
  of LDA and of large BERTopic topics. A custom list is used as given.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

from topics.config.schema import VectorizerConfig
from topics.errors import ModelError

__all__ = [
    "ACADEMIC_STOP_WORDS",
    "LEGACY_TOKEN_PATTERN",
    "TOKEN_PATTERN",
    "build_vectorizer",
    "distinct_terms",
    "fit_vocabulary",
    "keyword_fragments",
    "label_topic",
    "resolve_stop_words",
    "unique_labels",
]

# Words of two or more characters with at least one letter; hyphenated words
# ("pre-training", "x-ray") stay whole. A hyphen at a word's end ("pre- and
# post-processing") makes no token of the fragment.
TOKEN_PATTERN = r"(?u)(?<![\w-])(?=[\w-]*[^\W\d_])(?=\w[\w-])\w+(?:-\w+)*(?![\w-])"
# The pattern of models saved before hyphenated words were kept whole; a loaded
# model counts words the way it was fitted.
LEGACY_TOKEN_PATTERN = r"(?u)\b(?=\w*[^\W\d_])\w\w+\b"

LABEL_SEPARATOR = " · "

# Discourse words of scientific abstracts; content words ("model", "network",
# "problem") are deliberately absent.
ACADEMIC_STOP_WORDS = frozenset(
    {
        "able", "achieve", "achieved", "achieves", "al", "approach", "approaches", "art",
        "article", "based", "consider", "considered", "demonstrate", "demonstrated",
        "demonstrates", "different", "et", "existing", "introduce", "introduced",
        "introduces", "method", "methods", "novel", "obtain", "obtained", "paper",
        "present", "presented", "presents", "propose", "proposed", "proposes", "provide",
        "provided", "provides", "recent", "recently", "respectively", "result", "results",
        "showed", "shown", "shows", "significantly", "study", "use", "used", "uses", "using",
        "various", "work",
        # Hyphenated modifiers that say nothing about a subject.
        "data-driven", "easy-to-use", "high-quality", "in-depth", "large-scale",
        "low-cost", "non-trivial", "so-called", "state-of-the-art", "up-to-date",
        "well-known", "widely-used",
    }
)  # fmt: skip


def resolve_stop_words(config: VectorizerConfig) -> list[str]:
    """The stop-word list as a sorted list, saved with a model.

    Saving the list rather than the name ``"english"`` keeps a loaded model
    counting words the same way if a later scikit-learn changes its list.
    """
    if config.stop_words is None:
        return []
    if config.stop_words == "english":
        return sorted(ENGLISH_STOP_WORDS | ACADEMIC_STOP_WORDS)
    return sorted({word.lower() for word in config.stop_words})


# (corpus size below which, min_df): "auto" keeps the vocabulary in the
# hundreds of thousands. At 196k abstracts min_df=2 kept 1.8M 1-2-grams, and
# c-TF-IDF, MMR and the saved model all grow with it.
_AUTO_MIN_DF = ((20_000, 2), (100_000, 5))
_AUTO_MIN_DF_LARGEST = 10


def resolve_min_df(min_df: int | str, n_docs: int | None) -> int:
    """``model.vectorizer.min_df``, with ``"auto"`` chosen by corpus size."""
    if min_df != "auto":
        return int(min_df)
    for limit, value in _AUTO_MIN_DF:
        if n_docs is None or n_docs < limit:
            return value
    return _AUTO_MIN_DF_LARGEST


def build_vectorizer(
    config: VectorizerConfig,
    *,
    stop_words: Sequence[str],
    vocabulary: Sequence[str] | None = None,
    n_docs: int | None = None,
    token_pattern: str = TOKEN_PATTERN,
) -> CountVectorizer:
    """A ``CountVectorizer`` following ``config``; frozen to ``vocabulary`` if given.

    With a vocabulary, ``min_df``, ``max_df`` and ``max_features`` no longer
    apply: the vectorizer counts exactly those terms, whatever it is fitted on.
    ``n_docs`` resolves ``min_df="auto"``; ``token_pattern`` is a loaded
    model's own (:data:`LEGACY_TOKEN_PATTERN` for a model saved before
    hyphenated words were kept whole).
    """
    frozen = vocabulary is not None
    return CountVectorizer(
        lowercase=True,
        token_pattern=token_pattern,
        stop_words=list(stop_words) or None,
        ngram_range=tuple(config.ngram_range),
        min_df=1 if frozen else resolve_min_df(config.min_df, n_docs),
        max_df=1.0 if frozen else config.max_df,
        max_features=None if frozen else config.max_features,
        vocabulary=list(vocabulary) if frozen else None,
        dtype=np.int64,
    )


def fit_vocabulary(
    docs: Sequence[str], config: VectorizerConfig, *, stop_words: Sequence[str]
) -> tuple[list[str], sp.csr_matrix]:
    """Learn the vocabulary from the documents; return it with the doc-term counts.

    The terms, their order and the counts are exactly those of scikit-learn's
    ``CountVectorizer.fit_transform`` with the same settings (``min_df``,
    ``max_df``, ``max_features`` and its tie-breaking included), computed
    with a fraction of its memory: scikit-learn keeps every occurrence's term
    index as a Python int in a list until the end (about 40 bytes each, 27M of
    them for the 196k-abstract archive), here they go to a packed array (8
    bytes each), which took the counting of the 196k archive from 2.7 to
    2.1 GB and from 87 to 47 CPU seconds.

    Raises
    ------
    ModelError
        If the settings leave no term, e.g. ``min_df`` larger than the corpus.
    """
    vectorizer = build_vectorizer(config, stop_words=stop_words, n_docs=len(docs))
    try:
        return _count_and_prune(docs, vectorizer)
    except ValueError as exc:
        raise ModelError(
            f"cannot build a vocabulary from {len(docs)} documents with model.vectorizer "
            f"min_df={resolve_min_df(config.min_df, len(docs))}, max_df={config.max_df}, "
            f"ngram_range={tuple(config.ngram_range)}: {exc}"
        ) from exc


def _count_and_prune(
    docs: Sequence[str], vectorizer: CountVectorizer
) -> tuple[list[str], sp.csr_matrix]:
    """``vectorizer.fit_transform(docs)`` and its vocabulary, with packed occurrence arrays."""
    analyze = vectorizer.build_analyzer()
    vocabulary: dict[str, int] = {}
    term_ids, counts, indptr = array("q"), array("q"), array("q", [0])
    for doc in docs:
        in_doc: dict[int, int] = {}
        for term in analyze(doc):
            index = vocabulary.setdefault(term, len(vocabulary))
            in_doc[index] = in_doc.get(index, 0) + 1
        term_ids.extend(in_doc.keys())
        counts.extend(in_doc.values())
        indptr.append(len(term_ids))
    if not vocabulary:
        raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
    ids = np.frombuffer(term_ids, dtype=np.int64)
    n_docs, n_terms = len(indptr) - 1, len(vocabulary)
    document_frequency = np.bincount(ids, minlength=n_terms)
    kept = _terms_within_limits(
        vocabulary,
        document_frequency,
        ids,
        np.frombuffer(counts, dtype=np.int64),
        vectorizer,
        n_docs,
    )
    del vocabulary
    # Old term id -> column of the kept term (terms in alphabetical order), -1 if dropped.
    column = np.full(n_terms, -1, dtype=np.int64)
    column[[index for _, index in kept]] = np.arange(len(kept))
    new_ids = column[ids]
    del ids, term_ids  # the largest arrays go as soon as they are read
    keep = new_ids >= 0
    index_dtype = _index_dtype(len(kept), int(np.count_nonzero(keep)))
    new_ids = new_ids[keep].astype(index_dtype)
    data = np.frombuffer(counts, dtype=np.int64)[keep]
    del counts
    # Each document's entries are contiguous: its row keeps those still kept.
    kept_before = np.concatenate(([0], np.cumsum(keep, dtype=index_dtype)))
    del keep
    matrix = sp.csr_matrix(
        (data, new_ids, kept_before[np.frombuffer(indptr, dtype=np.int64)]),
        shape=(n_docs, len(kept)),
    )
    matrix.sort_indices()
    return [term for term, _ in kept], matrix


def _index_dtype(n_terms: int, nnz: int) -> type[np.signedinteger]:
    """int32 column indices where they fit, as scikit-learn stores them."""
    fits = max(n_terms, nnz) <= np.iinfo(np.int32).max
    return np.int32 if fits else np.int64


def _terms_within_limits(
    vocabulary: dict[str, int],
    document_frequency: np.ndarray,
    ids: np.ndarray,
    counts: np.ndarray,
    vectorizer: CountVectorizer,
    n_docs: int,
) -> list[tuple[str, int]]:
    """The (term, id) pairs that ``min_df``, ``max_df`` and ``max_features`` keep, sorted.

    As scikit-learn decides it: terms are in alphabetical order, and of those
    within the document-frequency limits the ``max_features`` with the highest
    corpus frequency are kept, by ``argsort`` over that alphabetical order
    (whose tie-breaking this reproduces by sorting the same array).
    """
    max_df, min_df = vectorizer.max_df, vectorizer.min_df
    high = max_df if isinstance(max_df, Integral) else max_df * n_docs
    low = min_df if isinstance(min_df, Integral) else min_df * n_docs
    if high < low:
        raise ValueError("max_df corresponds to < documents than min_df")
    within = (document_frequency <= high) & (document_frequency >= low)
    kept = sorted((term, index) for term, index in vocabulary.items() if within[index])
    limit = vectorizer.max_features
    if limit is not None and len(kept) > limit:
        # int64, as scikit-learn's column sums: argsort's tie order depends on the dtype.
        frequency = np.bincount(ids, weights=counts, minlength=len(within)).astype(np.int64)
        kept_frequency = frequency[[index for _, index in kept]]
        best = np.sort((-kept_frequency).argsort()[:limit])
        kept = [kept[i] for i in best]
    if not kept:
        raise ValueError("After pruning, no terms remain. Try a lower min_df or a higher max_df.")
    return kept


def keyword_fragments(vocabulary: Sequence[str], counts: sp.spmatrix) -> set[str]:
    """Terms of ``vocabulary`` that are pieces of a longer name ("monte", "chain monte").

    Judged by document frequency over the training documents; see
    :func:`topics.models._phrases.fragment_terms`. Keyword lists skip them.
    """
    from topics.models._phrases import fragment_terms

    df = np.asarray((sp.csr_matrix(counts) > 0).sum(axis=0)).ravel()
    return fragment_terms(dict(zip(vocabulary, df.tolist(), strict=True)))


def _word_key(word: str) -> str:
    """A crude singular so that ``networks``/``network`` and ``policies``/``policy`` match."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _term_key(term: str) -> tuple[str, ...]:
    return tuple(_word_key(word) for word in term.split())


def distinct_terms(keywords: Sequence[str], n_terms: int) -> list[str]:
    """The first ``n_terms`` keywords that share no word with each other.

    A term that contains a chosen one replaces it (``adversarial`` becomes
    ``adversarial training``) because it says more; any other term sharing a
    word with a chosen one is skipped, so a label never says "supervised"
    twice.
    """
    chosen: list[str] = []
    for term in keywords:
        if not term:
            continue
        key = set(_term_key(term))
        overlapping = [i for i, kept in enumerate(chosen) if key & set(_term_key(kept))]
        if not overlapping:
            if len(chosen) < n_terms:
                chosen.append(term)
        elif len(overlapping) == 1 and key > set(_term_key(chosen[overlapping[0]])):
            chosen[overlapping[0]] = term
    return chosen


def label_topic(keywords: Sequence[str], n_terms: int = 3) -> str:
    """A readable label such as ``"adversarial training · robustness · perturbations"``."""
    return LABEL_SEPARATOR.join(distinct_terms(keywords, n_terms))


def unique_labels(
    topic_ids: Sequence[int], keyword_lists: Sequence[Sequence[str]], n_terms: int = 3
) -> list[str]:
    """One label per topic; a label already taken gets more terms until it is unique."""
    labels: list[str] = []
    taken: set[str] = set()
    for topic_id, keywords in zip(topic_ids, keyword_lists, strict=True):
        label = label_topic(keywords, n_terms)
        extra = n_terms
        while label in taken and extra < len(keywords):
            extra += 1
            label = label_topic(keywords, extra)
        if label in taken or not label:
            label = f"{label} (topic {topic_id})" if label else f"topic {topic_id}"
        taken.add(label)
        labels.append(label)
    return labels
