"""Atomic file output.

Every file a run leaves behind is written to a temporary name in the same
directory and renamed into place, so an interrupted run never leaves a
half-written CSV, report or model that looks valid. ``os.replace`` is atomic
on POSIX and Windows when source and target share a file system, which a
sibling temporary file guarantees.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from topics._faults import kill_point
from topics.errors import DiskFullError

__all__ = [
    "atomic_directory",
    "atomic_write",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "atomic_write_with",
    "file_sha256",
    "is_disk_full",
]

_FILE_DIGESTS: dict[tuple[str, int, int], str] = {}


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _give_default_permissions(path: str | Path, *, directory: bool = False) -> None:
    """mkstemp/mkdtemp create private (0600/0700) files; outputs should look like any other."""
    os.chmod(path, (0o777 if directory else 0o666) & ~_current_umask())


@contextlib.contextmanager
def atomic_write(path: Path, mode: str = "w", **open_kwargs: Any) -> Iterator[IO[Any]]:
    """Open a temporary sibling of ``path``; rename it over ``path`` on success."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **open_kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        _give_default_permissions(tmp)
        kill_point("write", str(path))
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        _raise_if_disk_full(exc, path)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    with atomic_write(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    with atomic_write(path, "wb") as fh:
        fh.write(data)


def atomic_write_json(path: Path, data: Any) -> None:
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def atomic_write_with(path: Path, writer: Callable[[Path], None]) -> None:
    """Let a library write to a temporary path (e.g. ``df.to_parquet``), then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        writer(Path(tmp))
        _give_default_permissions(tmp)
        kill_point("write", str(path))
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        _raise_if_disk_full(exc, path)
        raise


_DISK_FULL = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})


def is_disk_full(exc: BaseException) -> bool:
    """``ENOSPC`` (no space left) or ``EDQUOT`` (quota exceeded)."""
    return isinstance(exc, OSError) and exc.errno in _DISK_FULL


def _raise_if_disk_full(exc: BaseException, path: Path) -> None:
    """Name the file: a bare ``[Errno 28]`` from inside a writer says neither what nor where."""
    if is_disk_full(exc):
        raise DiskFullError(path, exc) from exc


@contextlib.contextmanager
def atomic_directory(path: Path, *, keep_previous: Path | None = None) -> Iterator[Path]:
    """Build a directory under a temporary name; swap it in whole on success.

    Readers of ``path`` see either the complete old directory or the complete
    new one, never a mixture. With ``keep_previous``, the directory that is
    replaced is renamed to it (and the one kept before is deleted), so one
    generation stays available for comparison; renames only, so ``keep_previous``
    is always a complete directory too.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        yield tmp
        _give_default_permissions(tmp, directory=True)
        doomed = []
        if keep_previous is not None and keep_previous.exists() and path.exists():
            # An older generation: out of the way first, deleted once the swap is done.
            trash = keep_previous.with_name(f".{keep_previous.name}.old-{os.getpid()}")
            os.replace(keep_previous, trash)
            doomed.append(trash)
        if path.exists():
            if keep_previous is not None:
                os.replace(path, keep_previous)
            else:
                old = path.with_name(f".{path.name}.old-{os.getpid()}")
                os.replace(path, old)
                doomed.append(old)
        os.replace(tmp, path)
        for directory in doomed:
            shutil.rmtree(directory, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def file_sha256(path: Path) -> str:
    """Return the hex SHA-256 of a file, memoised by path, size and mtime.

    Manifests hash every input and embedders their weights (the 90 MB MiniLM
    takes about 0.2 s); the memo makes later calls in the same process free
    while still noticing a replaced file.
    """
    stat = path.stat()
    memo_key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    digest = _FILE_DIGESTS.get(memo_key)
    if digest is None:
        with path.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        _FILE_DIGESTS[memo_key] = digest
    return digest
