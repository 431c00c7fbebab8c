"""One run per experiment at a time, and no leftovers from runs that were killed."""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from topics.errors import RunLockedError

__all__ = ["experiment_lock", "remove_stale_staging"]

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
