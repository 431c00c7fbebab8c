"""Faults: a run killed in any stage, two runs at once, a full disk.

Each kill is real: ``python -m topics run`` in a child process that sends
itself SIGKILL at a named point (the test hook in :mod:`topics._faults`). The
promise checked every time: the previous run directory is byte for byte what
it was, the user's other files are untouched, nothing half-written is taken
for a result (not in the run directory, not in either cache), and the next
run cleans up and succeeds.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from topics._faults import KILL_AT_ENV, KILL_SIGNAL_ENV
from topics.cli import main
from topics.config.loader import load_config
from topics.config.schema import Config
from topics.pipeline import STAGES, run
from topics.pipeline._cache import stored_entries

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "configs" / "default.yaml"  # as in conftest.py: the seeds, experiment default
FAST = ("embedding.backend=tfidf-svd", "model.kind=nmf", "model.nr_topics=6")
EXPERIMENT = "default"
EXPORTS = ("papers.csv", "topics.csv", "assignments.csv", "trends.csv")


def fast_config(output_dir: Path, *extra: str) -> Config:
    return load_config(CONFIG, [f"output_dir={output_dir}", *FAST, *extra])


def cli_args(output_dir: Path) -> list[str]:
    """``topics run`` arguments for the baseline's config in ``output_dir``."""
    return ["run", str(CONFIG), f"--set=output_dir={output_dir}", *(f"--set={o}" for o in FAST)]


def topics_subprocess(output_dir: Path, *extra: str, env: dict[str, str]) -> subprocess.Popen[str]:
    """``python -m topics run`` in a child process, with this checkout first on its path."""
    child_env = {**os.environ, **env}
    child_env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p
    )
    return subprocess.Popen(
        [sys.executable, "-m", "topics", *cli_args(output_dir), *extra, "-q"],
        env=child_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def snapshot(root: Path) -> dict[str, str]:
    """SHA-256 of every file under ``root``, by relative path."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def assert_sentinels_intact(sentinels: dict[str, bytes]):
    def check(folder: Path) -> None:
        for name, data in sentinels.items():
            assert (folder / name).read_bytes() == data, f"the user's {name} was changed"

    return check


def staging_dirs(output_dir: Path) -> list[str]:
    """Hidden siblings of the run directory: a run's staging, or the old one being swapped."""
    return sorted(p.name for p in output_dir.iterdir() if p.name.startswith(f".{EXPERIMENT}."))


def killed_run(output_dir: Path, point: str, *extra: str) -> str:
    """Run ``topics`` in a child that SIGKILLs itself at ``point``; its stderr."""
    child = topics_subprocess(output_dir, *extra, env={KILL_AT_ENV: point})
    _, err = child.communicate(timeout=600)
    assert child.returncode == -signal.SIGKILL, f"the child was not killed at {point}:\n{err}"
    return err


def exports(run_dir: Path) -> dict[str, bytes]:
    return {name: (run_dir / "data" / name).read_bytes() for name in EXPORTS}


def stage_log(run_dir: Path) -> dict[str, str]:
    return json.loads((run_dir / "manifest.json").read_text("utf-8"))["stages"]


KILL_POINTS = [(f"stage:{stage}", stage) for stage in STAGES] + [
    # Half-way through the exports: assignments.csv complete under its temporary name.
    ("write:*/data/assignments.csv", "assign"),
]


@pytest.mark.parametrize(("point", "force"), KILL_POINTS, ids=[p for p, _ in KILL_POINTS])
def test_run_killed_in_each_stage_leaves_the_previous_results_and_the_next_run_works(
    output_dir: Path,
    point: str,
    force: str,
    assert_sentinels_intact,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run_dir = output_dir / EXPERIMENT
    before, results = snapshot(run_dir), exports(run_dir)
    # --force: the stage really runs (not restored from the cache) when the kill comes.
    killed_run(output_dir, point, "--force", force)
    assert snapshot(run_dir) == before
    assert_sentinels_intact(output_dir)
    assert len(staging_dirs(output_dir)) == 1  # the killed run's, hidden and unfinished

    # The next run: it clears the leftover, and trusts only complete cache entries
    # (including those the killed run stored before the kill).
    assert main([*cli_args(output_dir), "-q"]) == 0, capsys.readouterr().err
    assert staging_dirs(output_dir) == []
    assert stage_log(run_dir) == dict.fromkeys(STAGES, "cached")
    assert exports(run_dir) == results
    assert_sentinels_intact(output_dir)


def test_a_half_written_stage_cache_entry_is_never_used(
    output_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stages = output_dir / ".cache" / "stages"
    complete = [e.key for e in stored_entries(stages) if e.stage == "trends"]
    # New trend settings (only trends and report run), killed as the trends
    # entry gets its completion marker: every other file of it is written.
    new_trends = "trends.keyword_top_n=5"
    killed_run(output_dir, "write:*/.cache/stages/trends/*/entry.json", f"--set={new_trends}")
    assert [e.key for e in stored_entries(stages) if e.stage == "trends"] == complete
    assert [p for p in (stages / "trends").iterdir() if p.name.startswith(".")]  # the half entry

    result = run(fast_config(output_dir, new_trends))
    assert result.stages["trends"] == "ran"  # not taken from the half entry
    capsys.readouterr()
    # Pruning (which no run can overlap) sweeps the half-written entry away.
    prune = ["cache", str(CONFIG), f"--set=output_dir={output_dir}", "--prune", "--max-size=1G"]
    assert main(prune) == 0
    assert "removed 1 half-written entries" in capsys.readouterr().out
    assert [p for p in (stages / "trends").iterdir() if p.name.startswith(".")] == []


def test_a_half_written_embedding_shard_is_never_used(
    output_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = "--set=embedding.svd_components=32"  # a new embedder: its vectors are not cached
    killed_run(output_dir, "write:*/.cache/embeddings/*/shard-*.safetensors", settings)
    embeddings = output_dir / ".cache" / "embeddings"
    unfinished = [p for p in embeddings.rglob(".shard-*") if p.is_file()]
    assert len(unfinished) == 1
    # And a torn shard under a final name, as a crash on a file system without
    # ordered writes could leave: truncated in the middle of its vectors.
    data = unfinished[0].read_bytes()
    torn = unfinished[0].with_name("shard-0-0-0000dead.safetensors")
    torn.write_bytes(data[: len(data) // 2])

    with caplog.at_level("WARNING"):
        result = run(fast_config(output_dir, "embedding.svd_components=32"))
    assert f"Ignoring unreadable embedding cache shard {torn}" in caplog.text
    manifest = json.loads((result.run_dir / "manifest.json").read_text("utf-8"))
    assert manifest["cache"]["embed"]["computed"] == manifest["cache"]["embed"]["texts"] == 308
    assert len(pd.read_csv(result.run_dir / "data" / "papers.csv")) == 308


def wait_until_stopped(pid: int) -> None:
    """Until the child has frozen itself with SIGSTOP (state T in /proc)."""
    for _ in range(3000):
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if state in ("T", "t"):
            return
        time.sleep(0.1)
    raise AssertionError("the first run never reached its stop point")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_two_runs_of_one_experiment_second_fails_fast_or_waits_first_completes(
    output_dir: Path, assert_sentinels_intact, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = output_dir / EXPERIMENT
    results = exports(run_dir)
    first = topics_subprocess(
        output_dir,
        "--force",
        "report",
        env={KILL_AT_ENV: "stage:report", KILL_SIGNAL_ENV: "STOP"},
    )
    try:
        wait_until_stopped(first.pid)  # mid-run, holding both locks
        assert main([*cli_args(output_dir), "-q"]) == 1
        err = capsys.readouterr().err
        assert "another run of experiment 'default' is in progress (it holds " in err
        assert str(output_dir / ".locks" / "default.lock") in err
        assert "--wait" in err
        # Pruning the cache under a running run is refused the same way.
        prune = ["cache", str(CONFIG), f"--set=output_dir={output_dir}", "--prune"]
        assert main(prune) == 1
        assert str(output_dir / ".locks" / ".stage-cache.lock") in capsys.readouterr().err

        queued: dict[str, object] = {}
        second = threading.Thread(
            target=lambda: queued.update(result=run(fast_config(output_dir), wait=True))
        )
        second.start()
        second.join(timeout=1.0)
        assert second.is_alive()  # --wait: queued behind the first run, not failed
    finally:
        os.kill(first.pid, signal.SIGCONT)
        _, first_err = first.communicate(timeout=600)
    assert first.returncode == 0, first_err
    second.join(timeout=600)
    assert not second.is_alive()
    assert queued["result"].stages == dict.fromkeys(STAGES, "cached")
    assert stage_log(run_dir) == dict.fromkeys(STAGES, "cached")
    assert exports(run_dir) == results
    assert staging_dirs(output_dir) == []
    assert_sentinels_intact(output_dir)


def test_disk_full_while_writing_exports_names_the_file_and_keeps_the_previous_run(
    output_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = output_dir / EXPERIMENT
    before = snapshot(output_dir)
    real_to_csv = pd.DataFrame.to_csv

    def to_csv_on_a_full_disk(self: pd.DataFrame, path: object = None, *args, **kwargs):
        # papers.csv: half of it reaches the disk, then the device is full.
        if isinstance(path, str | Path) and Path(path).name.startswith(".papers.csv."):
            text = real_to_csv(self, None, *args, **kwargs)
            Path(path).write_text(text[: len(text) // 2], encoding="utf-8")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_to_csv(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv_on_a_full_disk)
    assert main([*cli_args(output_dir), "--force", "assign", "-q"]) == 1
    err = capsys.readouterr().err
    assert f"error: {run_dir / 'data' / 'papers.csv'}: the disk is full" in err
    assert "previous results are unchanged" in err
    assert "Traceback" not in err
    # Nothing half-written anywhere: not in the run, not in the cache.
    assert snapshot(output_dir) == before
    assert staging_dirs(output_dir) == []
    assert list(output_dir.rglob("*.tmp")) == []


def test_disk_full_outside_a_run_is_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A command other than run (here ``cache``) filling the disk: exit 1, the file named."""

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp_path / "x"))

    monkeypatch.setattr("topics.cli.cache.latest_run_keys", full)
    args = ["cache", str(CONFIG), f"--set=output_dir={tmp_path}", "--prune"]
    assert main([*args, *(f"--set={o}" for o in FAST)]) == 1
    err = capsys.readouterr().err
    assert f"error: {tmp_path / 'x'}: the disk is full" in err
