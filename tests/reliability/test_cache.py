"""The stage cache no longer grows without bound: `topics cache --prune --max-size`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from topics.cli import main
from topics.cli.cache import parse_size
from topics.pipeline._cache import StageCache, stored_entries

STAGES = ("ingest", "clean", "embed")


def make_cache(output_dir: Path) -> StageCache:
    """Six entries of 10 kB each, stored oldest first (ingest/k0 ... embed/k1)."""
    cache = StageCache(output_dir / ".cache" / "stages", STAGES)
    for age, (stage, key) in enumerate((s, f"k{i}") for s in STAGES for i in range(2)):
        with cache.store(stage, key, output_dir, ()) as state:
            (state / "data.bin").write_bytes(os.urandom(10_000))
        stamp = 1_700_000_000 + age * 60
        os.utime(output_dir / ".cache" / "stages" / stage / key / "entry.json", (stamp, stamp))
    return cache


def write_config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text("experiment: e\noutput_dir: out\nsources:\n  - path: a.csv\n", "utf-8")
    return path


def names(output_dir: Path) -> list[str]:
    return [f"{e.stage}/{e.key}" for e in stored_entries(output_dir / ".cache" / "stages")]


def test_prune_deletes_least_recently_used_first_down_to_max_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    cache = make_cache(out)
    assert cache.lookup("ingest", "k0") is not None  # a hit makes k0 the most recent
    assert main(["cache", str(write_config(tmp_path)), "--prune", "--max-size", "35K"]) == 0
    assert names(out) == ["embed/k0", "embed/k1", "ingest/k0"]
    assert sum(e.size for e in stored_entries(out / ".cache" / "stages")) <= 35 * 1024
    assert "pruned 3 entries" in capsys.readouterr().out


def test_prune_keeps_the_entries_of_each_experiments_latest_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    make_cache(out)
    (out / "e").mkdir()
    manifest = {"cache": {"ingest": {"key": "k0", "how": "ran"}, "clean": {"key": "k0"}}}
    (out / "e" / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    assert main(["cache", str(write_config(tmp_path)), "--prune"]) == 0
    assert names(out) == ["ingest/k0", "clean/k0"]


def test_pruned_entry_is_a_cache_miss_and_half_written_entries_are_swept(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    cache = make_cache(out)
    # A killed run's half-written entry: prune holds the cache lock, so no run writes it.
    staging = out / ".cache" / "stages" / "embed" / f".{'9' * 32}.abcd1234.tmp"
    staging.mkdir()
    (staging / "entry.json").write_text("{}", "utf-8")
    foreign = out / ".cache" / "stages" / "embed" / ".not-an-entry"  # not ours: kept
    foreign.mkdir()
    assert main(["cache", str(write_config(tmp_path)), "--prune", "--max-size", "0"]) == 0
    assert names(out) == []
    assert cache.lookup("embed", "k1") is None
    assert not staging.exists()
    assert foreign.is_dir()


def test_prune_refuses_while_a_run_uses_the_cache(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from topics.pipeline._lock import cache_lock

    out = tmp_path / "out"
    make_cache(out)
    with cache_lock(out, exclusive=False):  # what every run holds while it runs
        assert main(["cache", str(write_config(tmp_path)), "--prune"]) == 1
    err = capsys.readouterr().err
    assert (
        f"a run is using the stage cache (it holds {out / '.locks' / '.stage-cache.lock'})" in err
    )
    assert "--wait" in err
    assert len(names(out)) == 6  # nothing pruned


def test_cache_without_prune_only_lists(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    make_cache(out)
    assert main(["cache", str(write_config(tmp_path))]) == 0
    assert len(names(out)) == 6
    assert "6 entries" in capsys.readouterr().out


@pytest.mark.parametrize(("text", "size"), [("0", 0), ("500M", 500 << 20), ("2GiB", 2 << 30)])
def test_sizes_parse_in_binary_units(text: str, size: int) -> None:
    assert parse_size(text) == size


def test_a_bad_size_is_a_usage_error(tmp_path: Path) -> None:
    assert main(["cache", str(write_config(tmp_path)), "--prune", "--max-size", "lots"]) == 2
