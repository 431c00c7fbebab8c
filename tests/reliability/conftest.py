"""Real runs on the bundled seeds with MiniLM, shared by the reliability tests.

Each run is a separate ``topics run`` process with its own output folder, so
its stage and embedding caches start cold, and with its own PYTHONHASHSEED:
string hashing, and with it the iteration order of every set of strings,
differs between the two, as it does between two runs a user starts.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Two seeds under which frozenset({"watermark", "watermarking"}) iterates in
# opposite orders: the set order that once changed assignments.csv.
HASH_SEEDS = ("1", "2")


def seeds_run(out: Path, hash_seed: str) -> Path:
    """``topics run configs/default.yaml`` into ``out``; return the run folder."""
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-m", "topics", "run", str(REPO / "configs" / "default.yaml"),
         "--set", f"output_dir={out}", "-q"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return out / "default"


@pytest.fixture(scope="session")
def seeds_run_a(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default experiment on the seeds (MiniLM), cold caches, PYTHONHASHSEED=1."""
    return seeds_run(tmp_path_factory.mktemp("seeds-a"), HASH_SEEDS[0])


@pytest.fixture(scope="session")
def seeds_run_b(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same config and seed as ``seeds_run_a``, in another folder, PYTHONHASHSEED=2."""
    return seeds_run(tmp_path_factory.mktemp("seeds-b"), HASH_SEEDS[1])
