"""One exception hierarchy for the whole package.

Callers catch ``TopicsError`` to handle anything that is the user's input or
environment rather than a bug in ``topics``::

    TopicsError
    ├── ConfigError            a config key is missing, unknown or of the wrong type
    │   └── UpdateRefusedError `topics update` cannot add to the last run (none, or changed)
    ├── IngestError            a source file cannot be read at all
    │   └── UnknownFormatError the format of a source cannot be detected
    ├── ModelError             a fitted model cannot be used
    │   ├── NotFittedError     transform/assign called before fit
    │   └── IncompatibleModelError  a saved model comes from an incompatible version
    ├── RunLockedError         another run of the same experiment holds the lock
    ├── DiskFullError          no space left on the device while writing a file
    └── EngineError            the Dask scheduler cannot be reached, or a worker died

Messages say what failed, where (key path, ``file:line``, record id), and what
was expected versus what was found, so that a user can fix the input without
reading our code.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "ConfigError",
    "DiskFullError",
    "EngineError",
    "IncompatibleModelError",
    "IngestError",
    "ModelError",
    "NotFittedError",
    "RunLockedError",
    "TopicsError",
    "UnknownFormatError",
    "UpdateRefusedError",
]


class TopicsError(Exception):
    """Root of every error that ``topics`` raises on purpose."""


class ConfigError(TopicsError):
    """The configuration is invalid; the message names the key path and file."""


class UpdateRefusedError(ConfigError):
    """An update needs a previous run built with the same embedding and themes."""


class IngestError(TopicsError):
    """A source cannot be read; the message names the file (and line if known)."""


class UnknownFormatError(IngestError):
    """No reader recognises the source and the config does not force one."""


class ModelError(TopicsError):
    """A fitted model cannot be built, saved or used."""


class NotFittedError(ModelError):
    """A method that needs a fitted model was called before ``fit``."""


class IncompatibleModelError(ModelError):
    """A saved model was written by a version of ``topics`` we cannot load."""


class RunLockedError(TopicsError):
    """Another run of the same experiment is in progress."""


class DiskFullError(TopicsError):
    """The disk filled up (``ENOSPC``/``EDQUOT``) while a file was written.

    ``path`` is the file being written; the message says the disk is full and
    that nothing was replaced, since every output is written atomically.
    """

    def __init__(self, path: Path | str, cause: OSError | None = None) -> None:
        self.path = Path(path)
        self.cause = cause
        reason = (cause.strerror if cause is not None else None) or "No space left on device"
        super().__init__(
            f"{self.path}: the disk is full ({reason}); the file was not written and the "
            "previous results are unchanged. Free some space and run again"
        )

    def relocated(self, staging: Path, final: Path) -> DiskFullError:
        """The same error naming the file at its final place instead of the staging directory."""
        try:
            path = final / self.path.relative_to(staging)
        except ValueError:
            return self
        return DiskFullError(path, self.cause)


class EngineError(TopicsError):
    """The execution engine failed: scheduler unreachable, or a worker died mid-stage."""
