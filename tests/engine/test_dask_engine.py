"""The Dask engine on a LocalCluster: the same results as the local engine, its
manifest, per-partition caching, a worker that dies mid-run, and a scheduler
that cannot be reached.

The runs use the torch-free embedder and NMF on the bundled seeds with tiny
partitions (40 rows), so each stage has several partitions; where a real
worker process is not needed the workers are threads (``processes=false``).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("distributed")

import dask

from topics.cli import main
from topics.config.loader import load_config
from topics.engine._tasks import KILL_ENV
from topics.errors import EngineError
from topics.pipeline import run

FAST = ("embedding.backend=tfidf-svd", "model.kind=nmf", "model.nr_topics=6")
DASK = ("engine.kind=dask", "engine.partition_size=40", "engine.workers=2")
THREADS = (*DASK, "engine.processes=false")


def seeds_config(repo: Path, output_dir: Path, *extra: str):
    return load_config(
        repo / "configs" / "default.yaml", [f"output_dir={output_dir}", *FAST, *extra]
    )


def manifest_of(run_dir: Path) -> dict:
    return json.loads((run_dir / "manifest.json").read_text())


@pytest.fixture(scope="module")
def runs(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One run of the seeds per engine, same seed, separate output directories."""
    out = tmp_path_factory.mktemp("engines")
    run(seeds_config(repo, out / "local"))
    run(seeds_config(repo, out / "dask", *THREADS))
    return {"local": out / "local" / "default", "dask": out / "dask" / "default"}


def test_dask_gives_the_local_papers_topics_and_themes(runs: dict[str, Path]) -> None:
    local = pd.read_parquet(runs["local"] / "data" / "papers.parquet")
    dask_ = pd.read_parquet(runs["dask"] / "data" / "papers.parquet")
    assert len(local) > 200
    assert dask_["paper_id"].tolist() == local["paper_id"].tolist()
    assert dask_["topic"].tolist() == local["topic"].tolist()
    assert dask_["themes"].tolist() == local["themes"].tolist()
    assert (local["themes"] != "unassigned").sum() > 0


def test_dask_gives_the_local_theme_assignments_and_topic_table(runs: dict[str, Path]) -> None:
    local = pd.read_csv(runs["local"] / "data" / "assignments.csv")
    dask_ = pd.read_csv(runs["dask"] / "data" / "assignments.csv")
    assert dask_[["paper_id", "theme", "assigned"]].equals(local[["paper_id", "theme", "assigned"]])
    # Evidence is written for the same pairs: the near-miss limit is corpus-wide.
    assert (dask_["evidence"].isna()).tolist() == (local["evidence"].isna()).tolist()
    assert (runs["dask"] / "data" / "topics.csv").read_bytes() == (
        runs["local"] / "data" / "topics.csv"
    ).read_bytes()


def test_dask_writes_the_partitions_as_parquet(runs: dict[str, Path]) -> None:
    parts = sorted((runs["dask"] / "partitions" / "papers").glob("part-*.parquet"))
    papers = pd.read_parquet(runs["dask"] / "data" / "papers.parquet")
    assert len(parts) == -(-len(papers) // 40)
    joined = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
    assert joined["paper_id"].tolist() == papers["paper_id"].tolist()
    assert len(list((runs["dask"] / "partitions" / "assignments").glob("*.parquet"))) == len(parts)


def test_manifest_records_the_engine_cluster_and_partition_timings(runs: dict[str, Path]) -> None:
    assert manifest_of(runs["local"])["engine"] == {"kind": "local"}
    engine = manifest_of(runs["dask"])["engine"]
    assert engine["kind"] == "dask"
    assert engine["cluster"] == "LocalCluster"
    assert len(engine["workers"]) == 2
    assert engine["partition_size"] == 40
    n_papers = len(pd.read_parquet(runs["dask"] / "data" / "papers.parquet"))
    partitions = engine["partitions"]
    assert set(partitions) == {
        "ingest",
        "clean",
        "dedupe/keys",
        "embed",
        "assign/topics",
        "assign/themes",
    }
    assert len(partitions["ingest"]) == 5  # one per seed file
    assert sum(p["rows"] for p in partitions["embed"]) == n_papers
    for entry in partitions["embed"]:
        assert entry["seconds"] >= 0
        assert entry["worker"].startswith("inproc://")
        assert entry["cached"] is False


def test_a_rerun_takes_every_partition_from_the_embedding_cache(
    runs: dict[str, Path], repo: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(runs["dask"].parent, out)
    shutil.rmtree(out / ".cache" / "stages")  # keep only the embedding cache
    run(seeds_config(repo, out, *THREADS))
    manifest = manifest_of(out / "default")
    assert manifest["cache"]["embed"]["partitions_computed"] == 0
    assert manifest["cache"]["embed"]["computed"] == 0
    assert all(p["cached"] for p in manifest["engine"]["partitions"]["embed"])


def test_an_unchanged_rerun_restores_the_partitions_from_the_stage_cache(
    runs: dict[str, Path], repo: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(runs["dask"].parent, out)
    run(seeds_config(repo, out, *THREADS))
    manifest = manifest_of(out / "default")
    assert set(manifest["cache_hits"]) == set(manifest["stages"])
    parts = sorted((out / "default" / "partitions" / "papers").glob("*.parquet"))
    assert [p.name for p in parts] == [
        p.name for p in sorted((runs["dask"] / "partitions" / "papers").glob("*.parquet"))
    ]


def test_a_fit_sample_smaller_than_the_corpus_is_a_different_fit(repo: Path) -> None:
    config = seeds_config(repo, Path("unused"), *THREADS, "engine.fit_sample=100")
    from topics.engine import sample_rows

    rows = sample_rows(315, config.engine.fit_sample, config.seed)
    assert rows is not None
    assert len(rows) == 100
    assert rows.tolist() == sorted(set(rows.tolist()))
    assert sample_rows(315, 400, 42) is None


def test_partitions_are_contiguous_and_cover_every_row() -> None:
    from topics.engine import partition_bounds

    assert partition_bounds(95, 40) == [(0, 40), (40, 80), (80, 95)]
    assert partition_bounds(0, 40) == []


def test_an_unreachable_scheduler_names_engine_address_and_exits_1(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "run",
            str(repo / "configs" / "default.yaml"),
            "--set",
            f"output_dir={tmp_path}",
            "--set",
            "engine.kind=dask",
            "--set",
            "engine.address=tcp://127.0.0.1:9",
            "--set",
            "engine.connect_timeout=2",
        ]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert "engine.address" in err
    assert "tcp://127.0.0.1:9" in err
    assert not (tmp_path / "default").exists()


def test_a_worker_killed_mid_run_keeps_the_previous_run_and_the_rerun_finishes(
    runs: dict[str, Path], repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    shutil.copytree(runs["dask"].parent, out)
    before = {p: p.read_bytes() for p in (out / "default" / "data").iterdir()}
    procs = (*DASK, "engine.processes=true")
    # Another seed fits another tfidf-svd: every embed partition is new.
    config = seeds_config(repo, out, *procs, "seed=7")
    n_parts = len(manifest_of(out / "default")["engine"]["partitions"]["embed"])
    monkeypatch.setenv(KILL_ENV, f"embed:{n_parts - 1}")
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        pytest.raises(EngineError, match=r"partition \d+ of the embed stage"),
    ):
        run(config)
    assert {p: p.read_bytes() for p in (out / "default" / "data").iterdir()} == before
    assert manifest_of(out / "default")["seed"] == 42
    cached_parts = list((out / ".cache" / "embeddings").glob("*/partitions/*.safetensors"))
    finished = len(cached_parts) - n_parts  # the seed-42 run's partitions are there too

    monkeypatch.delenv(KILL_ENV)
    run(config)
    manifest = manifest_of(out / "default")
    assert manifest["seed"] == 7
    assert manifest["status"] == "ok"
    embed = manifest["cache"]["embed"]
    assert 0 <= finished < n_parts
    assert embed["partitions_computed"] == n_parts - finished
    assert sum(p["cached"] for p in manifest["engine"]["partitions"]["embed"]) == finished
