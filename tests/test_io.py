from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from topics._io import atomic_directory, atomic_write, atomic_write_text


def test_io_atomic_write_leaves_old_file_when_writer_fails(tmp_path: Path) -> None:
    target = tmp_path / "papers.csv"
    target.write_text("old", encoding="utf-8")

    class InterruptedWriteError(Exception):
        pass

    with pytest.raises(InterruptedWriteError), atomic_write(target) as fh:
        fh.write("half a file")
        raise InterruptedWriteError
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["papers.csv"]


def test_io_atomic_write_text_replaces_content(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "x.json"
    atomic_write_text(target, "new")
    assert target.read_text(encoding="utf-8") == "new"


def test_io_atomic_directory_swaps_whole_directory(tmp_path: Path) -> None:
    target = tmp_path / "model"
    target.mkdir()
    (target / "old.json").write_text("{}", encoding="utf-8")
    with atomic_directory(target) as tmp:
        (tmp / "new.json").write_text("{}", encoding="utf-8")
        assert (target / "old.json").exists()  # old copy visible until the swap
    assert sorted(p.name for p in target.iterdir()) == ["new.json"]
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


def test_io_atomic_directory_failure_keeps_old_directory(tmp_path: Path) -> None:
    target = tmp_path / "model"
    target.mkdir()
    (target / "old.json").write_text("{}", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_directory(target) as tmp:
        (tmp / "new.json").write_text("{}", encoding="utf-8")
        raise RuntimeError("interrupted")
    assert sorted(p.name for p in target.iterdir()) == ["old.json"]
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


def test_io_outputs_get_default_permissions_not_private_temp_ones(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "papers.csv", "x")
        with atomic_directory(tmp_path / "model") as tmp:
            (tmp / "a.json").write_text("{}", encoding="utf-8")
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "papers.csv").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "model").stat().st_mode) == 0o755


def test_io_atomic_directory_keeps_one_previous_generation(tmp_path: Path) -> None:
    target, previous = tmp_path / "run", tmp_path / "run.previous"
    for generation in ("first", "second", "third"):
        with atomic_directory(target, keep_previous=previous) as tmp:
            (tmp / "generation.txt").write_text(generation, encoding="utf-8")
    assert (target / "generation.txt").read_text(encoding="utf-8") == "third"
    assert (previous / "generation.txt").read_text(encoding="utf-8") == "second"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", "run.previous"]


def test_io_atomic_directory_failure_keeps_run_and_previous(tmp_path: Path) -> None:
    target, previous = tmp_path / "run", tmp_path / "run.previous"
    for generation in ("first", "second"):
        with atomic_directory(target, keep_previous=previous) as tmp:
            (tmp / "generation.txt").write_text(generation, encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_directory(target, keep_previous=previous) as tmp:
        (tmp / "generation.txt").write_text("broken", encoding="utf-8")
        raise RuntimeError("interrupted")
    assert (target / "generation.txt").read_text(encoding="utf-8") == "second"
    assert (previous / "generation.txt").read_text(encoding="utf-8") == "first"
