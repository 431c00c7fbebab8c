"""Theme keywords: distinctive title terms and the seed phrases matched most."""

from __future__ import annotations

from topics.report._evidence import Evidence
from topics.report._keywords import distinctive_terms, matched_phrase_counts

TITLES = [
    "Adversarial examples for semantic segmentation",
    "Robust adversarial examples in the physical world",
    "Certified defenses against adversarial examples",
    "Adversarial training for free",
    "Adversarial examples are not bugs",
    "Graph attention networks",
    "Graph convolutional networks for text classification",
    "Deep residual learning for image recognition",
    "Text classification with convolutional networks",
    "Image recognition with deep networks",
]


def test_keywords_distinctive_terms_rank_the_group_vocabulary_first() -> None:
    terms = distinctive_terms(TITLES, {"adv": [0, 1, 2, 3, 4], "graph": [5, 6]}, top_n=3)
    # "adversarial" (in all five) is already said by the bigram; a group of five or more
    # needs a term in two of its titles.
    assert terms["adv"] == [("adversarial examples", 4)]
    # "networks" is as frequent in the group as "graph" but common in the corpus.
    assert terms["graph"] == [("graph", 2), ("networks", 2), ("classification", 1)]


def test_keywords_distinctive_terms_handle_groups_without_terms() -> None:
    assert distinctive_terms(["alpha beta", "gamma delta"], {"g": [0]}, 5) == {"g": []}
    assert distinctive_terms(TITLES, {"empty": []}, 5) == {"empty": []}


def test_keywords_matched_phrases_count_papers_not_hits() -> None:
    evidence = [
        Evidence(matched=(("adversarial training", 4), ("robustness", 1))),
        Evidence(matched=(("adversarial training", 1),)),
        Evidence(),
    ]
    assert matched_phrase_counts(evidence, 5) == [("adversarial training", 2), ("robustness", 1)]
    assert matched_phrase_counts(evidence, 1) == [("adversarial training", 2)]
