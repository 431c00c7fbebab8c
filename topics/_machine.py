"""What the machine gives this process: the cores every parallel step sizes itself by."""

from __future__ import annotations

import os

__all__ = ["available_cores"]


def available_cores() -> int:
    """Cores this process may run on (respects affinity masks, unlike ``os.cpu_count``).

    A container or ``taskset`` may allow fewer cores than the machine has;
    sizing torch threads, HDBSCAN workers or a second process by the machine
    would then oversubscribe the ones allowed.
    """
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)
