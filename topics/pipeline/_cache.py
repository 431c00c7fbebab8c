"""The stage cache: each stage's outputs stored under a key made of its inputs.

A stage's key hashes its own part of the config and the key (or content hash)
of what it reads, so a change reaches exactly the stages downstream of it:
new report options re-render the report only, new themes re-assign papers
without refitting, and so on. An entry is a directory

``<output_dir>/.cache/stages/<stage>/<key>/``
    ``files/``  the files the stage puts in the run directory, at their paths
    ``state/``  what a later stage reloads instead of recomputing
    ``entry.json``  the stage, its key and when it was stored; its presence marks a complete entry

written under a temporary name and renamed into place whole, so an interrupted
run never leaves an entry that looks complete. Entries are never modified
after they are written; the cache can be deleted at any time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from topics import __version__
from topics._io import atomic_directory, atomic_write_json

__all__ = [
    "CacheEntry",
    "StageCache",
    "StoredEntry",
    "prune_cache",
    "remove_leftovers",
    "stage_key",
    "stored_entries",
]

log = logging.getLogger(__name__)

_ENTRY_FILE = "entry.json"


def stage_key(stage: str, *parts: Any) -> str:
    """Hash of a stage's name, the package version and everything the stage reads.

    ``parts`` must be JSON-serialisable (pydantic sections via ``model_dump``);
    keys of mappings are sorted, so the order in the YAML file does not matter.
    The package version is part of every key: a new release may compute a
    stage differently, and a stale result must never be mistaken for a fresh one.
    """
    payload = json.dumps([stage, __version__, *parts], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class CacheEntry:
    """A complete, stored stage output."""

    path: Path

    @property
    def files(self) -> Path:
        return self.path / "files"

    @property
    def state(self) -> Path:
        return self.path / "state"

    def restore_files(self, run_dir: Path) -> None:
        """Copy the stage's run-directory files into ``run_dir``.

        Copies, not links: a user who edits a file of a finished run must never
        change what the cache hands to the next run.
        """
        if self.files.is_dir():
            shutil.copytree(self.files, run_dir, dirs_exist_ok=True)


class StageCache:
    """Stored stage outputs of every experiment that writes to one output directory.

    Parameters
    ----------
    root : Path
        ``<output_dir>/.cache/stages``; shared by all experiments and sweep
        variants there, so a variant reuses every stage it has in common.
    stages : sequence of str
        The stages in run order.
    force_from : str or None
        ``--force STAGE``: this stage and every later one ignore stored
        entries (and store fresh ones).
    """

    def __init__(self, root: Path, stages: Iterable[str], force_from: str | None = None) -> None:
        self.root = root
        self.stages = tuple(stages)
        if force_from is not None and force_from not in self.stages:
            raise ValueError(f"force_from must be one of {self.stages}; got {force_from!r}")
        self.force_from = force_from

    def is_forced(self, stage: str) -> bool:
        if self.force_from is None:
            return False
        return self.stages.index(stage) >= self.stages.index(self.force_from)

    def lookup(self, stage: str, key: str) -> CacheEntry | None:
        """The stored entry, unless it is missing, incomplete or forced away."""
        if self.is_forced(stage):
            return None
        path = self.root / stage / key
        if not (path / _ENTRY_FILE).is_file():
            return None
        log.debug("stage %s: cache hit %s", stage, path)
        # The entry file's mtime is its last use: `topics cache --prune` drops
        # the least recently used entries first.
        os.utime(path / _ENTRY_FILE)
        return CacheEntry(path)

    @contextmanager
    def store(self, stage: str, key: str, run_dir: Path, files: Iterable[str]) -> Iterator[Path]:
        """Yield a ``state/`` directory to fill; on exit, store it with ``files``.

        ``files`` are paths relative to ``run_dir`` (files or directories) that
        the stage has written there by the time the block ends.
        """
        with atomic_directory(self.root / stage / key) as tmp:
            state = tmp / "state"
            state.mkdir()
            yield state
            for name in files:
                _copy_into(run_dir / name, tmp / "files" / name)
            atomic_write_json(
                tmp / _ENTRY_FILE,
                {"stage": stage, "key": key, "stored": datetime.now(UTC).isoformat()},
            )

    def store_files(self, stage: str, key: str, run_dir: Path, files: Iterable[str]) -> None:
        """Store a stage whose whole output is files in the run directory."""
        with self.store(stage, key, run_dir, files):
            return


def _copy_into(source: Path, target: Path) -> None:
    if not source.exists():
        raise FileNotFoundError(f"stage output {source} was not written")
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        shutil.copy2(source, target)


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """One complete entry of the stage cache, as `topics cache` lists it."""

    stage: str
    key: str
    path: Path
    size: int
    last_used: float


def stored_entries(root: Path) -> list[StoredEntry]:
    """Every complete entry under ``root``, least recently used first.

    Directories without an entry file are left out: they are being written
    by a run right now, or are the staging leftovers of a killed one.
    """
    entries = []
    for marker in root.glob(f"*/*/{_ENTRY_FILE}"):
        path = marker.parent
        if path.name.startswith(".") or path.parent.name.startswith("."):
            continue  # a staging or half-deleted directory
        size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
        entries.append(StoredEntry(path.parent.name, path.name, path, size, marker.stat().st_mtime))
    return sorted(entries, key=lambda e: (e.last_used, e.stage, e.key))


def prune_cache(
    root: Path, max_bytes: int, keep: Iterable[tuple[str, str]] = ()
) -> list[StoredEntry]:
    """Delete least recently used entries until the cache holds at most ``max_bytes``.

    ``keep`` are ``(stage, key)`` pairs never deleted (the stages of each
    experiment's latest run, so that its rerun stays cached); they still count
    towards the size. Each entry is renamed out of its place before it is
    deleted, so a run never finds half an entry. Returns the deleted entries.
    """
    kept = set(keep)
    entries = stored_entries(root)
    total = sum(e.size for e in entries)
    removed = []
    for entry in entries:
        if total <= max_bytes:
            break
        if (entry.stage, entry.key) in kept:
            continue
        doomed = entry.path.with_name(f".{entry.key}.pruned")
        os.replace(entry.path, doomed)
        shutil.rmtree(doomed, ignore_errors=True)
        total -= entry.size
        removed.append(entry)
        log.info("pruned %s/%s (%d bytes)", entry.stage, entry.key, entry.size)
    return removed


_LEFTOVER = re.compile(r"^\.[0-9a-f]{32}\.(\w{8}\.tmp|old-\d+|pruned)$")


def remove_leftovers(root: Path) -> int:
    """Delete entries half-written by killed runs (and half-deleted by killed prunes).

    They are never read (a lookup only sees complete entries at their final
    name) but they take space. Only safe with the cache lock held exclusively,
    when no run can be writing one; returns how many were removed.
    """
    removed = 0
    for path in root.glob("*/.*"):
        if path.is_dir() and _LEFTOVER.match(path.name):
            log.info("removing %s, left by an interrupted run", path)
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    return removed
