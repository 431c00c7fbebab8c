"""Candidate phrases of a text: runs of content words, hyphenated words kept whole.

A topic label should name the subject the way its papers do ("Monte Carlo
methods", "pre-training", "non-convex optimization"), not by the fragments a
word tokenizer leaves ("monte", "pre", "non"). Without a part-of-speech tagger
(none is installed, and the packaged models must stay offline), noun-phrase-like
candidates come from the classic keyphrase heuristic (RAKE, Rose et al. 2010):
a phrase is a run of words between punctuation and stop words, and every
1-4-word n-gram inside a run is a candidate. Two filters make them readable:

* an affix left by a broken hyphen ("pre-" in "pre- and post-processing") or
  an abbreviation ("e.g.") ends a run like a stop word;
* a single word must be a content word, not a generic one ("performance",
  "models", :data:`GENERIC_WORDS`), and no phrase starts or ends with an
  evaluative word ("new", "efficient", :data:`EDGE_WORDS`).

The fragment rule (:func:`drop_fragments`), applied to counts over many
documents, drops an n-gram seen almost only inside one longer phrase: "monte"
and "carlo" inside "Monte Carlo", "chain monte carlo" inside "Markov chain
Monte Carlo".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from itertools import pairwise

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from topics.models._text import ACADEMIC_STOP_WORDS, _term_key

__all__ = [
    "AFFIX_FRAGMENTS",
    "EDGE_WORDS",
    "GENERIC_WORDS",
    "MAX_PHRASE_WORDS",
    "VERB_WORDS",
    "PhraseCounter",
    "drop_fragments",
    "fragment_terms",
    "phrase_keys",
]

MAX_PHRASE_WORDS = 4

# What is left of a hyphenated word split at its hyphen, and Latin abbreviations.
AFFIX_FRAGMENTS = frozenset(
    {
        "anti", "co", "de", "eg", "ie", "inter", "intra", "multi", "non", "post", "pre",
        "re", "semi", "sub", "un", "vs", "cf", "etc", "viz",
    }
)  # fmt: skip

# Words that never name a subject on their own: generic nouns of abstracts,
# evaluative adjectives and quantities. Inside a phrase the nouns are fine
# ("generative models", "inverse problems").
GENERIC_WORDS = frozenset(
    {
        "accuracy", "advantage", "advantages", "algorithm", "algorithms", "analysis",
        "application", "applications", "aspects", "benefit", "benefits", "challenge",
        "challenges", "comparison", "data", "effectiveness", "efficiency", "experiment",
        "experiments", "framework", "frameworks", "high", "higher", "information", "large",
        "larger", "level", "low", "lower", "model", "models", "number", "performance",
        "performances", "problem", "problems", "quality", "range", "set", "sets", "setting",
        "settings", "small", "smaller", "state", "system", "systems", "task", "tasks",
        "technique", "techniques", "terms", "theoretical", "time", "tool", "tools", "type",
        "types", "way", "ways",
        # comparatives
        "cheaper", "deeper", "easier", "greater", "harder", "longer", "shorter", "simpler",
        "stronger", "wider",
    }
)  # fmt: skip

# Evaluative words that neither start nor end a label phrase ("new approach",
# "efficient algorithm", "models outperforms").
EDGE_WORDS = frozenset(
    {
        "accurate", "additional", "better", "best", "certain", "challenging", "common",
        "competitive", "comprehensive", "conventional", "effective", "efficient",
        "efficiently", "empirical", "empirically", "experimental", "extensive", "fast",
        "faster", "further", "generic", "good", "help", "important", "improve", "improved",
        "improvement", "improvements", "improves", "improving", "main", "new", "outperforms",
        "particular", "popular", "possible", "powerful", "practical", "previous", "prior",
        "promising", "real-world", "significant", "simple", "specific", "standard", "strong",
        "superior", "traditional", "typical", "typically", "underlying", "useful", "wide",
        "widely",
    }
)  # fmt: skip

# Verbs of abstracts that end a run like stop words: "neural networks suffer
# from", "the model learns to".
VERB_WORDS = frozenset(
    {
        "address", "addresses", "aim", "aims", "allow", "allows", "apply", "applies",
        "capture", "captures", "compare", "compared", "compares", "depend", "depends", "enable",
        "enables", "evaluate", "evaluates", "exhibit", "exhibits", "explore", "explores",
        "exploit", "exploits", "extend", "extends", "fail", "fails", "focus", "focuses",
        "generalize", "generalizes", "given", "investigate", "investigates", "lack", "lacks",
        "learn", "learns", "leverage", "leverages", "outperform", "perform", "performs",
        "reduce", "reduces", "relies", "rely", "remain", "remains", "require", "requires",
        "struggle", "struggles", "suffer", "suffers", "surpass", "surpasses", "tend",
        "tends", "yield", "yields",
        # and their -ing forms, which start clauses ("achieving high accuracy")
        "achieving", "addressing", "allowing", "capturing", "enabling", "exploiting",
        "including", "leading", "leveraging", "making", "obtaining", "providing",
        "reducing", "requiring", "resulting", "yielding",
    }
)  # fmt: skip

# Single words with these endings are adverbs, participles or adjectives
# ("efficiently", "trained", "learnable"), which name nothing alone.
_NOT_A_NAME_ENDINGS = ("ly", "ed", "ous", "ful", "less", "able", "ible", "ing")

_BREAK_WORDS = frozenset(ENGLISH_STOP_WORDS | ACADEMIC_STOP_WORDS | AFFIX_FRAGMENTS | VERB_WORDS)

# A word (hyphenated words and apostrophes inside it kept), or one character
# that is neither a word character nor a space: punctuation ends a run.
_TOKEN = re.compile(r"\w+(?:['’-]\w+)*|[^\w\s]")
_HAS_LETTER = re.compile(r"[^\W\d_]")


def _is_break(lower: str) -> bool:
    """Whether a token ends a run: punctuation, a stop word, a number or a single letter."""
    return (
        lower in _BREAK_WORDS
        or len(lower) < 2
        or _HAS_LETTER.search(lower) is None
        or lower.endswith(("'s", "’s"))
    )


_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _runs(text: str) -> tuple[list[list[str]], list[str]]:
    """Runs of content tokens in their written case, and the tokens whose case tells.

    A sentence's first word and every word of a title-case sentence (a title:
    "Deep Residual Learning for Image Recognition") are capitalised by
    convention, so they say nothing about how a word is normally written.
    """
    runs: list[list[str]] = []
    telling: list[str] = []
    for sentence in _SENTENCE.split(text):
        tokens = [m.group() for m in _TOKEN.finditer(sentence)]
        words = [t for t in tokens if len(t) > 3 and t[0].isalpha()]
        title_case = len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.6 * len(words)
        current: list[str] = []
        for position, token in enumerate(tokens):
            if _is_break(token.lower()):
                if current:
                    runs.append(current)
                    current = []
                continue
            current.append(token)
            if position and not title_case:
                telling.append(token)
        if current:
            runs.append(current)
    return runs, telling


def _usable(words: tuple[str, ...]) -> bool:
    if words[0] in EDGE_WORDS or words[-1] in EDGE_WORDS:
        return False
    last = words[-1]
    if len(words) > 1 and len(last) > 4 and last.endswith("ed") and not last.endswith("eed"):
        return False  # "robust accuracy compared", "previously learned"
    if len(words) == 1:
        word = words[0]
        return (
            len(word) >= 3
            and word not in GENERIC_WORDS
            and not (len(word) > 5 and word.endswith(_NOT_A_NAME_ENDINGS) and "-" not in word)
        )
    return True


def phrase_keys(text: str) -> tuple[set[str], list[str], list[str]]:
    """The candidate phrases of ``text`` (lower case, words joined by one space).

    Returns the set of phrase keys, the content tokens whose written case
    tells how the word is normally written (which :class:`PhraseCounter`
    uses to print a phrase), and the content words in lower case with ``""``
    after each run, so that the word before a ``""`` is a run's last word
    (the head of an English noun phrase, :meth:`PhraseCounter.is_head`).
    """
    keys: set[str] = set()
    runs, telling = _runs(text)
    words: list[str] = []
    for run in runs:
        lower = tuple(t.lower() for t in run)
        words.extend(lower)
        words.append("")  # a run's end: the word before it is a head
        for n in range(1, min(MAX_PHRASE_WORDS, len(lower)) + 1):
            for start in range(len(lower) - n + 1):
                gram = lower[start : start + n]
                if _usable(gram):
                    keys.add(" ".join(gram))
    return keys, telling, words


class PhraseCounter:
    """Document frequencies of candidate phrases per group, and how to print each word.

    A word is printed in lower case unless it is almost never written so
    ("Monte", "Bayesian", "ResNet", "GAN"): titles in title case then do not
    capitalise every phrase.
    """

    def __init__(self) -> None:
        self.groups: list[Counter[str]] = []
        self.sizes: list[int] = []
        self._forms: Counter[str] = Counter()
        self._heads: Counter[str] = Counter()
        self._words: Counter[str] = Counter()

    def add_group(self, texts: Iterable[str]) -> None:
        """Count one group's texts (each phrase once per text)."""
        counts: Counter[str] = Counter()
        size = 0
        for text in texts:
            keys, telling, words = phrase_keys(text)
            counts.update(keys)
            self._forms.update(telling)
            self._words.update(w for w in words if w)
            self._heads.update(w for w, after in pairwise(words) if w and not after)
            size += 1
        self.groups.append(counts)
        self.sizes.append(size)

    def is_head(self, word: str, min_share: float = 0.2, min_count: int = 5) -> bool:
        """Whether ``word`` can end a noun phrase: it often ends a run of content words.

        English noun phrases end with their noun. A word that almost always
        has another content word after it ("neural" in "neural networks",
        "noisy" in "noisy labels", "AI-generated") is a modifier, and a phrase
        ending with it is cut short. Words seen fewer than ``min_count`` times
        get the benefit of the doubt.
        """
        seen = self._words.get(word, 0)
        if seen < min_count:
            return True
        return self._heads.get(word, 0) >= min_share * seen

    def total(self) -> Counter[str]:
        """Document frequency of every phrase over all groups."""
        out: Counter[str] = Counter()
        for counts in self.groups:
            out.update(counts)
        return out

    def display(self, key: str) -> str:
        """How ``key`` is printed: each word lower case unless mostly written otherwise."""
        return " ".join(self._display_word(word) for word in key.split(" "))

    def _display_word(self, word: str) -> str:
        forms = self._casings().get(word)
        if not forms:
            return word
        lower = forms.get(word, 0)
        total = sum(forms.values())
        if lower >= 0.3 * total:
            return word
        return min(forms.items(), key=lambda item: (-item[1], item[0]))[0]

    def _casings(self) -> dict[str, dict[str, int]]:
        if not hasattr(self, "_casing_index"):
            index: dict[str, dict[str, int]] = {}
            for form, n in self._forms.items():
                index.setdefault(form.lower(), {})[form] = n
            self._casing_index = index
        return self._casing_index


def drop_fragments(counts: Mapping[str, int], ratio: float = 0.75) -> set[str]:
    """Phrases that occur mostly inside one longer phrase: "monte" in "monte carlo".

    An n-gram is a fragment when some (n+1)-gram that starts or ends with it
    has at least ``ratio`` times its document frequency.
    """
    # Parents are pooled over singular and plural ("deep neural network" and
    # "deep neural networks" both contain "deep neural").
    parents: dict[str, Counter[str]] = {}
    for key, n in counts.items():
        words = key.split(" ")
        if len(words) < 2:
            continue
        parent = " ".join(_term_key(key))
        for part in (" ".join(words[:-1]), " ".join(words[1:])):
            parents.setdefault(part, Counter())[parent] += n
    return {
        key
        for key, n in counts.items()
        if key in parents and max(parents[key].values()) >= ratio * n
    }


def fragment_terms(counts: Mapping[str, int], ratio: float = 0.75, min_count: int = 5) -> set[str]:
    """Keywords that are pieces of a longer name, for vocabularies of 1-2-grams.

    Besides :func:`drop_fragments` ("monte" inside "monte carlo"), a bigram is
    cut when its last word almost always goes on ("chain monte", of "markov
    chain monte carlo") or its first word almost always comes after another
    ("carlo methods"): a 1-2-gram vocabulary cannot hold the whole name, and
    such a bigram is a window onto the middle of it. Terms seen fewer than
    ``min_count`` times are too rare to judge and are kept.
    """
    counts = {key: n for key, n in counts.items() if n >= min_count}
    fragments = drop_fragments(counts, ratio)
    goes_on: set[str] = set()  # "monte": mostly followed by "carlo"
    comes_after: set[str] = set()  # "carlo": mostly preceded by "monte"
    for key, n in counts.items():
        words = key.split(" ")
        if len(words) != 2:
            continue
        first, last = words
        if n >= ratio * counts.get(first, n + 1):
            goes_on.add(first)
        if n >= ratio * counts.get(last, n + 1):
            comes_after.add(last)
    for key in counts:
        words = key.split(" ")
        if len(words) > 1 and (words[-1] in goes_on or words[0] in comes_after):
            fragments.add(key)
    return fragments
