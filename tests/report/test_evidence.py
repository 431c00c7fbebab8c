"""Evidence cells in both shapes the themes stage writes, and broken ones."""

from __future__ import annotations

import json

from topics.report._evidence import Evidence, parse_evidence


def test_evidence_reads_the_short_format() -> None:
    e = parse_evidence(
        json.dumps(
            {
                "description_sim": 0.41,
                "phrase_sim": 0.52,
                "matched": ["adversarial training"],
                "topic": 3,
                "topic_affinity": 0.6,
            }
        )
    )
    assert e.matched == (("adversarial training", None),)
    assert (e.description_sim, e.phrase_sim, e.topic, e.topic_affinity) == (0.41, 0.52, 3, 0.6)
    assert e.chips() == [("adversarial training", "")]
    assert e.summary() == "description 0.41 · phrases 0.52 · topic fit 0.60"


def test_evidence_reads_the_full_format_with_column_fallbacks() -> None:
    cell = json.dumps(
        {
            "description_similarity": 0.377,
            "nearest_phrases": [["continual learning", 0.61], ["lifelong learning", 0.55]],
            "matched": {"lifelong learning": 1, "continual learning": 3},
            "in_title": ["continual learning"],
            "excluded": {"online learning": 2},
            "weighted_hits": 7.5,
            "topic": {"id": 12, "affinity": None, "keywords": ["replay"]},
            "logit": {"bias": -3.1},
        }
    )
    e = parse_evidence(cell, {"phrase_similarity": "0.58", "topic_affinity": "nan"})
    assert e.matched == (("continual learning", 3), ("lifelong learning", 1))
    assert e.chips() == [
        ("continual learning ×3", "t"),
        ("lifelong learning", ""),
        ("−online learning ×2", "x"),
    ]
    assert e.topic == 12
    assert e.topic_affinity is None
    assert e.phrase_sim == 0.58
    assert e.summary() == "description 0.38 · phrases 0.58"


def test_evidence_shows_nearest_phrase_without_phrase_similarity() -> None:
    e = parse_evidence('{"nearest_phrases": [["graph neural network", 0.702]]}')
    assert e.summary() == "nearest “graph neural network” 0.70"


def test_evidence_keeps_unreadable_cells_verbatim() -> None:
    assert parse_evidence("matched: adversarial").summary() == "matched: adversarial"
    assert parse_evidence("[1, 2]").raw == "[1, 2]"
    assert parse_evidence("") == Evidence()
