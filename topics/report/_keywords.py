"""Words that set a theme's papers apart from the rest of the corpus.

A theme has no fitted keywords of its own (topics do), so the report derives
two readable lists from the papers assigned to it: the seed phrases matched
most often, and the terms of their titles that are frequent in the theme but
rare in the corpus, scored like c-TF-IDF on document frequencies::

    score(term) = (papers of the theme with the term / papers of the theme)
                  * log(papers / papers with the term)

Titles rather than abstracts: they are short, dense and written to name the
subject, and vectorising 10k of them with bigrams takes a fraction of a
second, against several seconds for the abstracts, which would blow the
report's time budget for little gain in readability.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

from topics.report._evidence import Evidence

__all__ = ["distinctive_terms", "matched_phrase_counts"]


def distinctive_terms(
    titles: Sequence[str],
    groups: Mapping[str, Sequence[int]],
    top_n: int,
) -> dict[str, list[tuple[str, int]]]:
    """Top terms (unigrams and bigrams) of each group of titles.

    Parameters
    ----------
    titles : sequence of str
        Every paper's title (the background).
    groups : mapping of str to sequence of int
        Row positions in ``titles`` of each group's papers.
    top_n : int
        Terms per group.

    Returns
    -------
    dict
        Group → ``[(term, papers with the term), ...]``, best first; a group
        with no usable term maps to ``[]``.
    """
    vectorizer = CountVectorizer(
        stop_words="english", ngram_range=(1, 2), min_df=2, binary=True, dtype=np.int32
    )
    try:
        matrix = vectorizer.fit_transform(titles).tocsr()
    except ValueError:  # no term occurs in two titles: nothing distinctive to say
        return {name: [] for name in groups}
    vocabulary = vectorizer.get_feature_names_out()
    idf = np.log(matrix.shape[0] / np.asarray(matrix.sum(axis=0)).ravel())
    out = {}
    for name, rows in groups.items():
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows):
            out[name] = []
            continue
        in_group = np.asarray(matrix[rows].sum(axis=0)).ravel()
        min_count = 2 if len(rows) >= 5 else 1
        score = np.where(in_group >= min_count, in_group / len(rows) * idf, 0.0)
        order = np.lexsort((vocabulary, -score))
        ranked = ((vocabulary[i], int(in_group[i])) for i in order if score[i] > 0)
        out[name] = _without_overlaps(ranked, top_n)
    return out


def _without_overlaps(ranked: Iterable[tuple[str, int]], top_n: int) -> list[tuple[str, int]]:
    """Skip a word already shown inside a chosen bigram, and a bigram of two chosen words."""
    chosen: list[tuple[str, int]] = []
    words: set[str] = set()
    for term, count in ranked:
        parts = term.split()
        if (len(parts) == 1 and term in words) or (len(parts) > 1 and set(parts) <= words):
            continue
        chosen.append((term, count))
        words.update(parts)
        if len(chosen) == top_n:
            break
    return chosen


def matched_phrase_counts(evidence: Iterable[Evidence], top_n: int) -> list[tuple[str, int]]:
    """Seed phrases by the number of papers that matched them, most first."""
    counts: Counter[str] = Counter()
    for item in evidence:
        counts.update({phrase for phrase, _ in item.matched})
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))[:top_n]
