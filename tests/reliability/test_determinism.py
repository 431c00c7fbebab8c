"""Same config and seed, same bytes: two cold runs of the seeds with MiniLM.

The two runs are separate processes with different PYTHONHASHSEED values and
output folders (see conftest.py). Before the fix, ``assignments.csv`` differed
between them: a word such as "watermarking" fits both seed phrases
"watermark" and "watermarking", and which one the evidence named depended on
the iteration order of a frozenset of stems, that is on the hash seed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.reliability.conftest import HASH_SEEDS, REPO

CONTRACT = ("papers.csv", "topics.csv", "assignments.csv")

MATCH_SNIPPET = """
import json
from topics.themes._phrases import _Lexicon
lexicon = _Lexicon([["watermarking", "watermark", "image watermarking"], ["watermark"]])
print(json.dumps(lexicon.find("Watermarking images: a watermark survives watermarking.")))
"""


@pytest.mark.slow
def test_two_cold_runs_give_byte_identical_exports(seeds_run_a: Path, seeds_run_b: Path) -> None:
    data_a, data_b = seeds_run_a / "data", seeds_run_b / "data"
    for name in CONTRACT:
        assert (data_a / name).read_bytes() == (data_b / name).read_bytes(), name
    # Every other table of data/ as well, and the fitted arrays of the model.
    others = sorted(p.name for p in data_a.iterdir() if p.name not in CONTRACT)
    assert others == sorted(p.name for p in data_b.iterdir() if p.name not in CONTRACT)
    for name in others:
        assert (data_a / name).read_bytes() == (data_b / name).read_bytes(), name
    for name in ("topic_model/arrays.safetensors", "themes/theme_vectors.safetensors"):
        model_a, model_b = seeds_run_a / "model" / name, seeds_run_b / "model" / name
        assert model_a.read_bytes() == model_b.read_bytes(), name
    # Both really were cold: every stage ran, nothing came from a cache.
    for run_dir in (seeds_run_a, seeds_run_b):
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
        assert not manifest["cache_hits"], manifest["cache_hits"]


def test_phrase_matches_do_not_depend_on_the_hash_seed() -> None:
    """Between two equally long phrases that fit, the one listed first wins, in any process."""
    outputs = []
    for seed in HASH_SEEDS:
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO)}
        result = subprocess.run(
            [sys.executable, "-c", MATCH_SNIPPET],
            env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        outputs.append(json.loads(result.stdout))
    assert outputs[0] == outputs[1]
    first_list, second_list = outputs[0]
    assert [phrase for phrase, _ in first_list] == ["watermarking", "watermark", "watermarking"]
    assert [phrase for phrase, _ in second_list] == ["watermark"] * 3
