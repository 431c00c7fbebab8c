"""Matching a theme's seed phrases and exclusions in titles and abstracts.

Matching is lexical with light stemming, so that "captions" finds "captioning"
but "CLIP" does not find "clipping"; each hit is weighted by where it occurs
(title, first, middle or last sentence), which is what keeps a passing mention
from counting as much as a paper on the theme.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from topics.themes._weights import SignalWeights


@dataclass(frozen=True, slots=True)
class _Matches:
    weighted: float
    counts: dict[str, int]
    in_title: tuple[str, ...]


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


class _Words:
    """A text's words with their stems; spans are kept to test hyphen/space joins lazily.

    Matching visits every word of every abstract, so this is the hot loop of the
    assign stage: words come from one C-level regex pass, stems from a memo, and
    the gap between two words is only looked at when a phrase starts there.
    """

    __slots__ = ("matches", "stems", "text", "words")

    def __init__(self, text: str) -> None:
        self.text = text
        self.matches = list(_WORD.finditer(text))
        self.words = [m.group() for m in self.matches]
        self.stems = [_stems(w.lower()) for w in self.words]

    def __len__(self) -> int:
        return len(self.words)

    def joined(self, i: int) -> bool:
        """Only spaces or hyphens between word ``i - 1`` and word ``i``."""
        gap = self.text[self.matches[i - 1].end() : self.matches[i].start()]
        return not gap.strip(_JOINERS)

    def start(self, i: int) -> int:
        return self.matches[i].start()


class _Lexicon:
    """Several phrase lists (each theme's phrases and exclusions) matched in one pass.

    A text is split into words once; each word's stems index the phrases that can
    start there. In each list the longest phrase starting at a word wins (between
    equally long ones, the one listed first) and its words are not counted again,
    so "class-incremental learning" is one hit, not also one for "incremental
    learning". Words of a phrase may be separated by spaces or hyphens only
    ("self supervised" = "self-supervised").
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
        self._first_stems = frozenset(self._index)

    def find(self, text: str) -> list[list[tuple[str, int]]]:
        """Per list, the (phrase, character offset) of every non-overlapping hit."""
        words = _Words(text)
        found: list[list[tuple[str, int]]] = [[] for _ in self.phrase_lists]
        free_from = [0] * len(self.phrase_lists)
        first_stems = self._first_stems
        for i, stems in enumerate(words.stems):
            if stems.isdisjoint(first_stems):
                continue  # no phrase starts with this word: most words of a text
            best: dict[int, tuple[int, int]] = {}
            for stem in stems:  # a frozenset: its order changes with PYTHONHASHSEED
                for li, pi, parsed in self._index.get(stem, ()):
                    if i < free_from[li] or not _fits_at(words, i, parsed):
                        continue
                    held = best.get(li)
                    # Longest phrase first; between equally long ones ("watermark" and
                    # "watermarking" both fit "watermarking") the one listed first in
                    # the config, so the evidence never depends on set order.
                    if held is None or (len(parsed), -pi) > (held[1], -held[0]):
                        best[li] = (pi, len(parsed))
            for li, (pi, length) in best.items():
                found[li].append((self.phrase_lists[li][pi], words.start(i)))
                free_from[li] = i + length
        return found

    def match(self, title: str, text: str, weights: SignalWeights) -> list[_Matches]:
        """Per list, the hits in a title and abstract, each weighted by its sentence."""
        starts = [0] + [m.end() for m in _SENTENCE_BREAK.finditer(text)]
        return [
            _weigh(title_hits, text_hits, starts, weights)
            for title_hits, text_hits in zip(self.find(title), self.find(text), strict=True)
        ]


def _fits_at(words: _Words, i: int, parsed: tuple[_PhraseWord, ...]) -> bool:
    if i + len(parsed) > len(words):
        return False
    return all(
        p.fits(words.words[i + k], words.stems[i + k]) and (k == 0 or words.joined(i + k))
        for k, p in enumerate(parsed)
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
