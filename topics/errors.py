"""One exception hierarchy for the whole package.

Callers catch ``TopicsError`` to handle anything that is the user's input or
environment rather than a bug in ``topics``::

    TopicsError
    ├── ConfigError            a config key is missing, unknown or of the wrong type
    ├── IngestError            a source file cannot be read at all
    │   └── UnknownFormatError the format of a source cannot be detected
    ├── ModelError             a fitted model cannot be used
    │   ├── NotFittedError     transform/assign called before fit
    │   └── IncompatibleModelError  a saved model comes from an incompatible version
    ├── RunLockedError         another run of the same experiment holds the lock
    └── EngineError            the Dask scheduler cannot be reached, or a worker died

Messages say what failed, where (key path, ``file:line``, record id), and what
was expected versus what was found, so that a user can fix the input without
reading our code.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "EngineError",
    "IncompatibleModelError",
    "IngestError",
    "ModelError",
    "NotFittedError",
    "RunLockedError",
    "TopicsError",
    "UnknownFormatError",
]


class TopicsError(Exception):
    """Root of every error that ``topics`` raises on purpose."""


class ConfigError(TopicsError):
    """The configuration is invalid; the message names the key path and file."""


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


class EngineError(TopicsError):
    """The execution engine failed: scheduler unreachable, or a worker died mid-stage."""
