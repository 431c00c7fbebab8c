"""Stage caching, forced stages, the run lock and atomic run directories.

Every check reads the stage log (``manifest.json``'s ``stages``), never the
clock. The runs use the torch-free embedder and NMF on the bundled seeds, so
a cold run takes seconds; the caching logic is the same for every backend.
"""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pandas as pd
import pytest

from topics.cli import main
from topics.config.loader import load_config
from topics.errors import RunLockedError
from topics.pipeline import STAGES, run
from topics.pipeline._lock import experiment_lock

FAST = ("embedding.backend=tfidf-svd", "model.kind=nmf", "model.nr_topics=6")
MODEL_STAGES = ("embed", "fit", "assign", "trends", "report")


def seeds_config(repo: Path, output_dir: Path, *extra: str):
    overrides = [f"output_dir={output_dir}", *FAST, *extra]
    return load_config(repo / "configs" / "default.yaml", overrides)


def stage_log(run_dir: Path) -> dict[str, str]:
    return json.loads((run_dir / "manifest.json").read_text())["stages"]


def ran(run_dir: Path) -> set[str]:
    return {name for name, how in stage_log(run_dir).items() if how == "ran"}


@pytest.fixture(scope="module")
def cold_dir(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    output_dir = tmp_path_factory.mktemp("cold")
    run(seeds_config(repo, output_dir))
    return output_dir


@pytest.fixture
def warm_dir(cold_dir: Path, tmp_path: Path) -> Path:
    """A copy of the cold run's output directory, stage cache included."""
    target = tmp_path / "out"
    shutil.copytree(cold_dir, target)
    return target


def test_stages_cold_run_runs_every_stage_and_logs_it(cold_dir: Path) -> None:
    manifest = json.loads((cold_dir / "default" / "manifest.json").read_text())
    assert manifest["stages"] == dict.fromkeys(STAGES, "ran")
    assert manifest["cache_hits"] == []
    assert set(manifest["cache"]) == set(STAGES)
    assert all(len(manifest["cache"][s]["key"]) == 32 for s in STAGES)
    assert manifest["cache"]["embed"]["computed"] == manifest["cache"]["embed"]["texts"] == 308


def test_stages_unchanged_rerun_takes_every_stage_from_the_cache(
    repo: Path, cold_dir: Path, warm_dir: Path
) -> None:
    result = run(seeds_config(repo, warm_dir))
    assert result.stages == dict.fromkeys(STAGES, "cached")
    manifest = json.loads((warm_dir / "default" / "manifest.json").read_text())
    assert manifest["cache_hits"] == list(STAGES)
    for name in ("data/papers.csv", "data/assignments.csv", "data/trends.csv", "index.html"):
        assert (warm_dir / "default" / name).read_bytes() == (
            cold_dir / "default" / name
        ).read_bytes(), name


def test_stages_report_option_change_rerenders_only_the_report(repo: Path, warm_dir: Path) -> None:
    run(seeds_config(repo, warm_dir, "report.near_misses=3"))
    assert ran(warm_dir / "default") == {"report"}


def test_stages_theme_change_reassigns_without_refitting(repo: Path, warm_dir: Path) -> None:
    before = pd.read_csv(warm_dir / "default" / "data" / "papers.csv")
    run(seeds_config(repo, warm_dir, "assign.threshold=0.8"))
    assert ran(warm_dir / "default") == {"assign", "trends", "report"}
    after = pd.read_csv(warm_dir / "default" / "data" / "papers.csv")
    assert (after["themes"] == "unassigned").sum() > (before["themes"] == "unassigned").sum()
    assert after["topic"].tolist() == before["topic"].tolist()


def test_stages_dedupe_change_reuses_ingest_and_clean(repo: Path, warm_dir: Path) -> None:
    run(seeds_config(repo, warm_dir, "dedupe.by_abstract=false"))
    log = stage_log(warm_dir / "default")
    assert (log["ingest"], log["clean"], log["dedupe"]) == ("cached", "cached", "ran")
    merges = pd.read_csv(warm_dir / "default" / "data" / "merges.csv")
    assert "abstract" not in set(merges["rule"])


def test_stages_changed_input_file_reruns_ingest(
    repo: Path, seeds_dir: Path, warm_dir: Path, tmp_path: Path
) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(seeds_dir, seeds)
    config = seeds_config(repo, warm_dir, f"sources=[{{path: '{seeds}/*.txt'}}]")
    run(config)
    assert stage_log(warm_dir / "default")["dedupe"] == "cached"  # same bytes, same key
    first = sorted(seeds.glob("*.txt"))[0]
    first.write_text(first.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    run(config)
    assert {"ingest", "clean", "dedupe"} <= ran(warm_dir / "default")


def test_stages_force_reruns_from_the_named_stage_on(repo: Path, warm_dir: Path) -> None:
    run(seeds_config(repo, warm_dir), force="fit")
    assert ran(warm_dir / "default") == {"fit", "assign", "trends", "report"}


def test_stages_force_embed_recomputes_every_vector(repo: Path, warm_dir: Path) -> None:
    run(seeds_config(repo, warm_dir), force="embed")
    manifest = json.loads((warm_dir / "default" / "manifest.json").read_text())
    assert ran(warm_dir / "default") == set(MODEL_STAGES)
    assert manifest["cache"]["embed"]["computed"] == 308


def test_stages_until_dedupe_writes_the_corpus_only(repo: Path, tmp_path: Path) -> None:
    result = run(seeds_config(repo, tmp_path), until="dedupe")
    assert set(result.stages) == {"ingest", "clean", "dedupe"}
    assert (tmp_path / "default" / "data" / "papers.csv").is_file()
    assert not (tmp_path / "default" / "model").exists()


def test_run_second_run_of_the_same_experiment_is_refused(repo: Path, warm_dir: Path) -> None:
    config = seeds_config(repo, warm_dir)
    with (
        experiment_lock(warm_dir, "default"),
        pytest.raises(RunLockedError, match="another run of experiment 'default'"),
    ):
        run(config)


def test_run_interrupted_run_leaves_the_previous_results_in_place(
    repo: Path, warm_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_dir = warm_dir / "default"
    manifest_before = (run_dir / "manifest.json").read_bytes()
    papers_before = (run_dir / "data" / "papers.csv").read_bytes()

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("topics.pipeline._run.write_trend_outputs", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run(seeds_config(repo, warm_dir, "assign.threshold=0.9"))
    assert (run_dir / "manifest.json").read_bytes() == manifest_before
    assert (run_dir / "data" / "papers.csv").read_bytes() == papers_before
    assert [p.name for p in warm_dir.iterdir() if p.name.startswith(".default")] == []


def test_run_removes_staging_left_by_a_killed_run(repo: Path, warm_dir: Path) -> None:
    leftover = warm_dir / ".default.k1ll3d_x.tmp"
    (leftover / "data").mkdir(parents=True)
    other = warm_dir / ".default-lda.k1ll3d_x.tmp"  # another experiment's: not ours to touch
    other.mkdir()
    run(seeds_config(repo, warm_dir))
    assert not leftover.exists()
    assert other.exists()


def test_run_keeps_the_run_it_replaces_as_previous(repo: Path, warm_dir: Path) -> None:
    first = (warm_dir / "default" / "manifest.json").read_bytes()
    trash = warm_dir / ".default.previous.old-12345"  # left by a run killed mid-swap
    trash.mkdir()
    run(seeds_config(repo, warm_dir, "report.near_misses=3"))
    assert (warm_dir / "default.previous" / "manifest.json").read_bytes() == first
    second = (warm_dir / "default" / "manifest.json").read_bytes()
    run(seeds_config(repo, warm_dir, "report.near_misses=4"))
    assert (warm_dir / "default.previous" / "manifest.json").read_bytes() == second
    assert not trash.exists()
    assert sorted(p.name for p in warm_dir.iterdir() if p.name.startswith("default")) == [
        "default",
        "default.previous",
    ]


def test_run_refuses_an_experiment_named_like_a_previous_run(repo: Path, tmp_path: Path) -> None:
    from topics.errors import ConfigError

    with pytest.raises(ConfigError, match=r"may not end in '\.previous'"):
        seeds_config(repo, tmp_path, "experiment=default.previous")


def test_cli_run_prints_the_stage_table_and_exits_0(
    repo: Path, warm_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["run", str(repo / "configs" / "default.yaml"), f"--set=output_dir={warm_dir}"]
    args += [f"--set={o}" for o in FAST]
    assert main([*args, "-q"]) == 0
    captured = capsys.readouterr()
    assert "fit     cached" in captured.out
    assert "INFO" not in captured.err  # -q: warnings and errors only


def test_cli_run_exit_codes_for_config_and_run_errors(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(repo / "configs" / "default.yaml")
    out = f"--set=output_dir={tmp_path}"
    assert main(["run", config, out, "--set=model.kind=lda2"]) == 2
    assert "model.kind" in capsys.readouterr().err
    missing = f"--set=sources=[{{path: '{tmp_path}/absent.csv', format: csv}}]"
    assert main(["ingest", config, out, missing]) == 1
    assert "FAILED: " in capsys.readouterr().out
    assert main(["run", config, out, "--force", "nonsense"]) == 2


def test_cli_run_refuses_while_the_experiment_is_locked(
    repo: Path, warm_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["run", str(repo / "configs" / "default.yaml"), f"--set=output_dir={warm_dir}"]
    with experiment_lock(warm_dir, "default"):
        assert main([*args, *(f"--set={o}" for o in FAST)]) == 1
    assert "--wait" in capsys.readouterr().err


def test_manifest_records_what_reproduces_the_run(cold_dir: Path, seeds_dir: Path) -> None:
    manifest = json.loads((cold_dir / "default" / "manifest.json").read_text())
    assert manifest["config"]["embedding"]["backend"] == "tfidf-svd"
    assert len(manifest["config_hash"]) == 64
    assert manifest["seed"] == 42
    assert {i["file"] for i in manifest["inputs"]} == {
        f"seeds/{p.name}" for p in seeds_dir.glob("*.txt")
    }
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"])
    assert manifest["versions"]["scikit-learn"]
    assert manifest["machine"]["cpu_count"] >= 1
    assert set(manifest["timings_s"]) == set(STAGES)


def test_cli_report_rerender_keeps_the_runs_report_options(
    repo: Path, warm_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(seeds_config(repo, warm_dir, "report.near_misses=2"))
    page = warm_dir / "default" / "themes" / "watermarking.html"
    assert "Closest papers not assigned (2)" in page.read_text()
    page.unlink()
    assert main(["report", str(warm_dir / "default")]) == 0
    assert "Closest papers not assigned (2)" in page.read_text()


def test_run_wait_queues_behind_the_running_experiment(repo: Path, warm_dir: Path) -> None:
    holding, release = threading.Event(), threading.Event()

    def other_run() -> None:
        with experiment_lock(warm_dir, "default"):
            holding.set()
            release.wait(timeout=30)

    thread = threading.Thread(target=other_run)
    thread.start()
    holding.wait(timeout=30)
    threading.Timer(1.0, release.set).start()
    result = run(seeds_config(repo, warm_dir), wait=True)
    thread.join()
    assert release.is_set()  # it ran only once the other run let go
    assert result.stages == dict.fromkeys(STAGES, "cached")
