"""Reading a saved model's folder without trusting it.

A saved model is data that someone may have sent you, so every loader reads
its folder through this module, which holds it to three rules:

1. **Only files inside the folder.** A path (a fixed name of the format, or a
   name the folder's own JSON gives) is resolved, symbolic links included, and
   must stay inside the folder that :func:`topics.load` was given (inside
   :func:`model_folder`), or else inside the directory its loader was given.
   ``..``, an absolute path or a link that leads out is refused with an error
   naming the file, and the JSON key when a JSON named it; nothing outside is
   opened.
2. **Only JSON and safetensors.** A file in a format that can carry a pickle
   (:data:`PICKLE_SUFFIXES`) is refused by name and never opened, even where
   the format expects a weight file; safetensors itself holds data only.
3. **Damage is one clear error.** Truncated, garbled or inconsistent files
   raise :class:`~topics.errors.ModelError` naming the file, never a raw
   ``SafetensorError``, ``JSONDecodeError`` or ``KeyError``.

A file in the folder that no loader names is never opened: :meth:`FolderReads.unread`
lists such files so that :func:`topics.load` can warn about them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from topics.errors import ModelError

__all__ = [
    "PICKLE_SUFFIXES",
    "FolderReads",
    "damaged_model",
    "model_file",
    "model_folder",
    "model_subdir",
    "read_model_json",
    "read_safetensors",
]

# Formats that can carry a pickle, so that opening them may run code: pickle
# itself, torch checkpoints (a zip around a pickle, or a bare one), joblib, and
# numpy arrays of objects. A saved topics model never holds one.
PICKLE_SUFFIXES = frozenset(
    {".pkl", ".pickle", ".pt", ".pth", ".bin", ".ckpt", ".joblib", ".npy", ".npz", ".dill"}
)


@dataclass
class FolderReads:
    """The folder a load is confined to, and every file the loaders opened in it."""

    root: Path
    opened: set[Path] = field(default_factory=set)

    def unread(self) -> list[Path]:
        """Files (and links) in the folder that no loader opened, relative to it, sorted."""
        found: list[Path] = []
        for current, dirs, files in os.walk(self.root, followlinks=False):
            base = Path(current)
            for name in files:
                if (base / name).resolve() not in self.opened:
                    found.append((base / name).relative_to(self.root))
            # os.walk does not follow a link to a folder: list it unless a loader read in it.
            for name in dirs:
                link = base / name
                if link.is_symlink() and not any(
                    path.is_relative_to(link.resolve()) for path in self.opened
                ):
                    found.append(link.relative_to(self.root))
        return sorted(found)


_ACTIVE: ContextVar[FolderReads | None] = ContextVar("topics_model_folder", default=None)


@contextmanager
def model_folder(root: Path) -> Iterator[FolderReads]:
    """Confine every model read inside this block to ``root`` and record what was opened."""
    reads = FolderReads(Path(root).resolve())
    token = _ACTIVE.set(reads)
    try:
        yield reads
    finally:
        _ACTIVE.reset(token)


def _inside(path: Path, root: Path) -> bool:
    return path == root or path.is_relative_to(root)


def _confined(directory: Path, name: str, *, named_by: str | None, kind: str) -> Path:
    """``directory / name`` resolved, refused unless it stays inside the allowed folder."""
    where = f" (named by {named_by})" if named_by else ""
    relative = PurePosixPath(str(name).replace("\\", "/"))
    candidate = Path(directory) / str(name)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise ModelError(
            f"{candidate}: {kind} {str(name)!r}{where} is not a plain name inside the model "
            "folder; a saved model reads only files inside its own folder, refusing to load it"
        )
    active = _ACTIVE.get()
    roots = ([active.root] if active is not None else []) + [Path(directory).resolve()]
    resolved = candidate.resolve()
    for root in roots:
        if not _inside(resolved, root):
            raise ModelError(
                f"{candidate}{where} leads outside the model folder {root} (to {resolved}); "
                "a saved model reads only files inside its own folder, refusing to load it"
            )
    return resolved


def model_subdir(directory: Path, name: str, *, named_by: str | None = None) -> Path:
    """The folder ``directory / name``, refused if it is missing or leads outside."""
    resolved = _confined(directory, name, named_by=named_by, kind="folder")
    if not resolved.is_dir():
        raise ModelError(f"{Path(directory) / name}: folder missing; the saved model is incomplete")
    return Path(directory) / name


def model_file(directory: Path, name: str, *, named_by: str | None = None) -> Path:
    """The regular file ``directory / name``, checked and recorded; never a pickle.

    Raises
    ------
    ModelError
        If the name is not plain, the file leads outside the model folder, is
        missing, is not a regular file (a device, a FIFO), or is in a format
        that can carry a pickle.
    """
    resolved = _confined(directory, name, named_by=named_by, kind="file")
    path = Path(directory) / name
    where = f" (named by {named_by})" if named_by else ""
    if resolved.suffix.lower() in PICKLE_SUFFIXES or path.suffix.lower() in PICKLE_SUFFIXES:
        raise ModelError(
            f"{path}{where}: a {path.suffix or resolved.suffix} file can carry a pickle, which "
            "would run code on load; a saved topics model holds only JSON and safetensors, "
            "refusing to open it"
        )
    if not resolved.exists():
        raise ModelError(f"{path}: file missing; the saved model is incomplete")
    if not resolved.is_file():
        raise ModelError(f"{path}: not a regular file; refusing to read it")
    active = _ACTIVE.get()
    if active is not None:
        active.opened.add(resolved)
    return path


def read_model_json(path: Path) -> Any:
    """The parsed JSON of a checked model file; damage is a :class:`ModelError` naming it."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ModelError(
            f"{path}:{exc.lineno}: invalid JSON ({exc.msg}); the file is truncated or damaged"
        ) from None
    except UnicodeDecodeError as exc:
        raise ModelError(f"{path}: not UTF-8 text ({exc.reason}); the file is damaged") from None
    except OSError as exc:
        raise ModelError(f"{path}: cannot read ({exc.strerror or exc})") from None


def read_safetensors(path: Path, required: Iterable[str] = ()) -> dict[str, np.ndarray]:
    """Every array of a checked safetensors file, with the ``required`` names present.

    safetensors reads data only (a JSON header and raw bytes), so a pickle put
    in its place fails here as a damaged file instead of running.
    """
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    try:
        arrays = load_file(str(path))
    except OSError as exc:  # permissions, an I/O error: the file may well be intact
        raise ModelError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except (SafetensorError, ValueError, TypeError) as exc:
        raise ModelError(
            f"{path}: not a readable safetensors file ({exc}); the file is truncated or "
            "damaged. Copy the model again, or refit it with `topics run`"
        ) from None
    missing = [name for name in required if name not in arrays]
    if missing:
        raise ModelError(
            f"{path}: the arrays {missing} are missing (found {sorted(arrays)[:8]}); the file "
            "is damaged or belongs to another model"
        )
    return arrays


@contextmanager
def damaged_model(path: Path) -> Iterator[None]:
    """Turn a missing key or a wrong type in saved data into one error naming ``path``."""
    try:
        yield
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        detail = f"missing {exc}" if isinstance(exc, KeyError) else str(exc).splitlines()[0]
        raise ModelError(
            f"{path}: the saved model is damaged or inconsistent ({type(exc).__name__}: "
            f"{detail}); copy it again, or refit it with `topics run`"
        ) from exc
