"""Public names of the report package: sorted (as ruff's RUF022 sorts) and all defined."""

from __future__ import annotations

import importlib

import pytest


def isort_key(name: str) -> tuple[int, str]:
    """CONSTANTS, then Classes, then functions, each alphabetically."""
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


@pytest.mark.parametrize(
    "module", ["topics.report", "topics.report.charts", "topics.report.tables"]
)
def test_exports_are_sorted_and_defined(module: str) -> None:
    mod = importlib.import_module(module)
    assert mod.__all__ == sorted(mod.__all__, key=isort_key)
    assert all(hasattr(mod, name) for name in mod.__all__)
