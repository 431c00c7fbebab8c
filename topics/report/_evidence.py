"""Turning a theme assignment's evidence into something a reader can scan.

The themes stage stores its evidence as compact JSON. Two shapes exist and
both are read: the short one (``description_sim``, ``phrase_sim``, ``matched``
as a list, ``topic`` as an id, ``topic_affinity``) and the full one written by
:class:`topics.themes.ThemeAssigner` (``description_similarity``,
``nearest_phrases``, ``matched`` as phrase → count, ``in_title``, ``excluded``,
``topic`` as ``{id, affinity, keywords}``). Evidence that is not valid JSON is
shown verbatim rather than dropped.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Evidence", "parse_evidence"]


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a paper scored what it did for one theme.

    Attributes
    ----------
    matched : tuple of (phrase, count or None)
        Seed phrases found in the paper's text.
    in_title : frozenset of str
        The matched phrases that occur in the title.
    excluded : tuple of (phrase, count or None)
        Exclusion phrases found (they lower the score).
    description_sim, phrase_sim : float or None
        Cosine similarity to the theme description and to its seed phrases.
    nearest : tuple of (phrase, similarity)
        The seed phrases closest to the paper in embedding space.
    topic : int or None
        The paper's topic, and ``topic_affinity`` the share of that topic's
        papers in the theme.
    raw : str
        The evidence text when it could not be read as JSON, else ``""``.
    """

    matched: tuple[tuple[str, int | None], ...] = ()
    in_title: frozenset[str] = frozenset()
    excluded: tuple[tuple[str, int | None], ...] = ()
    description_sim: float | None = None
    phrase_sim: float | None = None
    nearest: tuple[tuple[str, float], ...] = ()
    topic: int | None = None
    topic_affinity: float | None = None
    raw: str = ""

    def chips(self) -> list[tuple[str, str]]:
        """(text, kind) of each phrase found: kind "t" in the title, "x" an exclusion, else ""."""
        out = [(_with_count(p, n), "t" if p in self.in_title else "") for p, n in self.matched]
        out += [(_with_count(f"−{p}", n), "x") for p, n in self.excluded]
        return out

    def summary(self) -> str:
        """The similarities in one short line ("description 0.41 · phrases 0.52 · …")."""
        if self.raw:
            return self.raw
        parts = []
        if self.description_sim is not None:
            parts.append(f"description {self.description_sim:.2f}")
        if self.phrase_sim is not None:
            parts.append(f"phrases {self.phrase_sim:.2f}")
        elif self.nearest:
            phrase, similarity = self.nearest[0]
            parts.append(f"nearest “{phrase}” {similarity:.2f}")
        if self.topic_affinity is not None:
            parts.append(f"topic fit {self.topic_affinity:.2f}")
        return " · ".join(parts)


def _with_count(phrase: str, count: int | None) -> str:
    return f"{phrase} ×{count}" if count and count > 1 else phrase


def parse_evidence(text: str, columns: Mapping[str, Any] | None = None) -> Evidence:
    """Read one evidence cell; ``columns`` are the row's other cells, used as fallbacks.

    Parameters
    ----------
    text : str
        The ``evidence`` cell of ``data/assignments.csv``.
    columns : mapping, optional
        The row's ``description_similarity``, ``phrase_similarity`` and
        ``topic_affinity`` cells, which the full format keeps outside the JSON.

    Returns
    -------
    Evidence
    """
    columns = columns or {}
    try:
        data = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError:
        return Evidence(raw=text)
    if not isinstance(data, dict):
        return Evidence(raw=text)
    topic, affinity = _topic(data.get("topic"), data.get("topic_affinity"))
    return Evidence(
        matched=_counts(data.get("matched")),
        in_title=frozenset(str(p) for p in data.get("in_title") or ()),
        excluded=_counts(data.get("excluded")),
        description_sim=_first_number(
            data.get("description_sim"),
            data.get("description_similarity"),
            columns.get("description_similarity"),
        ),
        phrase_sim=_first_number(
            data.get("phrase_sim"), data.get("phrase_similarity"), columns.get("phrase_similarity")
        ),
        nearest=_nearest(data.get("nearest_phrases")),
        topic=topic,
        topic_affinity=_first_number(affinity, columns.get("topic_affinity")),
    )


def _counts(value: Any) -> tuple[tuple[str, int | None], ...]:
    """Phrases with their counts, most frequent first, from a list or a mapping."""
    if isinstance(value, Mapping):
        pairs = [(str(k), _int_or_none(v)) for k, v in value.items()]
        return tuple(sorted(pairs, key=lambda pair: -(pair[1] or 0)))
    if isinstance(value, list | tuple):
        return tuple((str(v), None) for v in value)
    if isinstance(value, str) and value:
        return ((value, None),)
    return ()


def _nearest(value: Any) -> tuple[tuple[str, float], ...]:
    out = []
    for item in value or ():
        if isinstance(item, list | tuple) and len(item) == 2:
            number = _first_number(item[1])
            if number is not None:
                out.append((str(item[0]), number))
    return tuple(out)


def _topic(value: Any, affinity: Any) -> tuple[int | None, Any]:
    if isinstance(value, Mapping):
        return _int_or_none(value.get("id")), value.get("affinity", affinity)
    return _int_or_none(value), affinity


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _first_number(*values: Any) -> float | None:
    """The first value that is a finite number (cells may be '' or 'nan')."""
    for value in values:
        if type(value) is float or type(value) is int:  # the common case, JSON numbers
            if math.isfinite(value):
                return float(value)
            continue
        if isinstance(value, bool) or value is None or value == "":
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue
        if math.isfinite(number):
            return number
    return None
