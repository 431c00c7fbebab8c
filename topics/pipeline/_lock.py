"""One run per experiment at a time, pruning apart from runs, no leftovers of killed runs.

Two locks live in ``<output_dir>/.locks/``: ``<experiment>.lock`` keeps two
runs of one experiment apart, and ``.stage-cache.lock`` (a name no experiment
can have) keeps ``topics cache --prune`` from deleting entries that a run is
reading: every run holds it shared, prune holds it exclusive.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from topics.errors import RunLockedError

__all__ = ["cache_lock", "experiment_lock", "remove_stale_staging"]

log = logging.getLogger(__name__)


@contextmanager
def experiment_lock(output_dir: Path, experiment: str, *, wait: bool = False) -> Iterator[None]:
    """Hold ``<output_dir>/.locks/<experiment>.lock`` for the length of a run.

    An OS-level lock (``flock``): it is released when the process dies, however
    it dies, so a killed run never blocks the next one.
    """
    path = output_dir / ".locks" / f"{experiment}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(path, timeout=-1 if wait else 0)
    try:
        lock.acquire()
    except Timeout:
        raise RunLockedError(
            f"another run of experiment {experiment!r} is in progress (it holds {path}); "
            "wait for it to finish, or pass --wait to queue behind it"
        ) from None
    try:
        yield
    finally:
        lock.release()


CACHE_LOCK = ".stage-cache.lock"


@contextmanager
def cache_lock(output_dir: Path, *, exclusive: bool, wait: bool = True) -> Iterator[bool]:
    """Hold the stage cache's lock: shared for a run, exclusive for ``topics cache --prune``.

    Runs of different experiments share the cache and may run together; prune
    must wait until none of them is reading an entry it would delete. A run
    waits for a prune (it takes seconds); a prune fails at once while a run is
    in progress unless ``wait``. Like the experiment lock it is an ``flock``,
    released when the process dies. Yields whether the lock is held (False
    where the OS has no ``flock``).
    """
    path = output_dir / ".locks" / CACHE_LOCK
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        yield _flock(fd, exclusive=exclusive, wait=wait, path=path)
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _flock(fd: int, *, exclusive: bool, wait: bool, path: Path) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows: no shared locks; prune is then not kept apart from runs
        log.debug("no fcntl: %s is not taken", path)
        return False
    mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
    if wait:
        fcntl.flock(fd, mode)
        return True
    try:
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
    except BlockingIOError:
        raise RunLockedError(
            f"a run is using the stage cache (it holds {path}); "
            "prune when it has finished, or pass --wait to queue behind it"
        ) from None
    return True


def remove_stale_staging(run_dir: Path) -> None:
    """Delete staging directories that a killed run of this experiment left behind.

    Only called with the experiment's lock held, so none of them is in use.
    """
    name = re.escape(run_dir.name)
    # The staging of a run, the run it replaced, and the previous run it pushed out.
    pattern = re.compile(rf"^\.{name}\.(\w{{8}}\.tmp|old-\d+|previous\.old-\d+)$")
    if not run_dir.parent.is_dir():
        return
    for path in run_dir.parent.iterdir():
        if path.is_dir() and pattern.match(path.name):
            log.info("removing %s, left by an interrupted run", path)
            shutil.rmtree(path, ignore_errors=True)
