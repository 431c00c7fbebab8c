"""Test hook: stop the process at a named point, to prove a killed run loses nothing.

The reliability suite (``tests/reliability/test_faults.py``) runs ``topics``
in a subprocess with ``TOPICS_TEST_KILL_AT`` set and checks that the previous
results, the stage cache and the embedding cache survive the kill. It is not
a user feature and does nothing unless the variable is set. Points:

``stage:<name>``
    when stage ``<name>`` begins (see :data:`topics.stages.STAGES`);
``write:<pattern>``
    in an atomic write, once the temporary file is complete but before it is
    renamed into place, for a target whose full path matches the
    :mod:`fnmatch` ``<pattern>`` (e.g. ``write:*/stages/fit/*/entry.json``).

``TOPICS_TEST_KILL_SIGNAL`` names the signal (default ``KILL``; ``STOP``
freezes the process so that a test can start a second run beside it).
"""

from __future__ import annotations

import fnmatch
import os
import signal

__all__ = ["KILL_AT_ENV", "KILL_SIGNAL_ENV", "kill_point"]

KILL_AT_ENV = "TOPICS_TEST_KILL_AT"
KILL_SIGNAL_ENV = "TOPICS_TEST_KILL_SIGNAL"


def kill_point(kind: str, name: str) -> None:
    """Signal this process if ``TOPICS_TEST_KILL_AT`` names this point."""
    wanted = os.environ.get(KILL_AT_ENV)
    if not wanted:
        return
    want_kind, _, pattern = wanted.partition(":")
    if want_kind == kind and fnmatch.fnmatchcase(name, pattern):
        sig = getattr(signal, "SIG" + os.environ.get(KILL_SIGNAL_ENV, "KILL").upper())
        os.kill(os.getpid(), sig)
