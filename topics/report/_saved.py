"""Values read from a run's saved JSON, which the report never trusts blindly.

A saved file may come from an older tool, be edited by hand or be damaged; a
value of the wrong type is treated as missing (shown as "–") rather than
guessed at or allowed to break the page.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["saved_int", "saved_mapping", "saved_number", "saved_records"]


def saved_mapping(value: Any) -> Mapping[str, Any]:
    """A JSON object; anything else is an empty one."""
    return value if isinstance(value, Mapping) else {}


def saved_records(value: Any) -> Sequence[Mapping[str, Any]]:
    """The objects of a JSON list; anything else is no records."""
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def saved_number(value: Any) -> float | None:
    """A finite number, or None (booleans, strings, NaN and infinities are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def saved_int(value: Any) -> int | None:
    number = saved_number(value)
    return None if number is None else round(number)
