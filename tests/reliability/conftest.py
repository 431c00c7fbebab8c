"""Real runs on the bundled seeds, shared by the reliability tests.

Determinism (``seeds_run_a``/``seeds_run_b``, MiniLM): each run is a separate
``topics run`` process with its own output folder, so its stage and embedding
caches start cold, and with its own PYTHONHASHSEED: string hashing, and with
it the iteration order of every set of strings, differs between the two, as it
does between two runs a user starts.

Faults and output folders (``baseline``, ``output_dir``): the seeds with the
torch-free embedder and NMF, a cold run in seconds, every stage writing what
it writes with MiniLM. The output folder is not empty: it is a user's folder
with files of their own (:data:`SENTINELS`), which no run may delete or
overwrite.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from topics.config.loader import load_config
from topics.pipeline import run

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


# -- faults and output folders ----------------------------------------

SEEDS_CONFIG = REPO / "configs" / "default.yaml"
FAST = ("embedding.backend=tfidf-svd", "model.kind=nmf", "model.nr_topics=6")

# A user's files in the folder that output_dir points at: an index page, a
# table, hidden files, and files and folders named like what topics writes.
SENTINELS = {
    "index.html": b"<html><body>my own home page</body></html>\n",
    "notes.txt": b"do not delete\n",
    "papers.csv": b"title,abstract\nmine,not yours\n",
    "default.yaml": b"experiment: something-else\n",
    ".cache/mine.txt": b"an unrelated cache\n",
    ".hidden": b"hidden\n",
    "default-old/index.html": b"<p>an older report of mine</p>\n",
    "data/papers.csv": b"title\nmine\n",
}


def write_sentinels(folder: Path, sentinels: dict[str, bytes]) -> None:
    for name, data in sentinels.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)


@pytest.fixture(scope="session")
def sentinels() -> dict[str, bytes]:
    """The user's own files planted in the baseline's output folder, by relative path."""
    return dict(SENTINELS)


@pytest.fixture(scope="session")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished run of the seeds (experiment ``default``) in a folder of the user's."""
    folder = tmp_path_factory.mktemp("users-folder")
    write_sentinels(folder, SENTINELS)
    run(load_config(SEEDS_CONFIG, [f"output_dir={folder}", *FAST]))
    return folder


@pytest.fixture
def output_dir(baseline: Path, tmp_path: Path) -> Path:
    """A copy of the baseline folder (run, caches and sentinels) for a test to damage."""
    target = tmp_path / "out"
    shutil.copytree(baseline, target, symlinks=True)
    return target
