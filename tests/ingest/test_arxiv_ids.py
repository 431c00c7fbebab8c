"""arXiv ids: canonical form, repair of float damage, and the month they imply."""

from __future__ import annotations

import doctest

import pytest

from topics.ingest import arxiv_ids
from topics.ingest.arxiv_ids import arxiv_id_month, normalize_arxiv_id


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Float noise after the true digits: round, never truncate.
        ("1903.0351100000003", "1903.03511"),
        ("1804.1123899999998", "1804.11239"),
        ("1501.0546199999999", "1501.05462"),
        ("1509.0004199999998", "1509.00042"),
        # Trailing zeros lost: four digits before 2015, five from 2015.
        ("1904.1099", "1904.10990"),
        ("1504.048", "1504.04800"),
        ("1307.01", "1307.0100"),
        # Leading zero lost.
        ("704.0001", "0704.0001"),
        ("708.115", "0708.1150"),
        # Clean, prefixed, versioned and old-style ids.
        ("2006.05929", "2006.05929"),
        ("arXiv:2006.05929v2", "2006.05929"),
        ("https://arxiv.org/abs/1706.03762v5", "1706.03762"),
        ("http://arxiv.org/pdf/1706.03762.pdf", "1706.03762"),
        ("cs/9809007", "cs/9809007"),
        ("math.GT/0309136", "math.gt/0309136"),
        ("cs/9809007v2", "cs/9809007"),
        (1706.03762, "1706.03762"),
    ],
)
def test_arxiv_ids_normalize_repairs_and_canonicalises(raw: object, expected: str) -> None:
    assert normalize_arxiv_id(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "nan",
        "hal-01234567",
        "1913.01234",
        "10.1103/PhysRevD.76.013009",
        "1501.9999999999",
    ],
)
def test_arxiv_ids_normalize_rejects_non_ids(raw: object) -> None:
    assert normalize_arxiv_id(raw) is None


@pytest.mark.parametrize(
    ("arxiv_id", "month"),
    [
        ("0704.0001", (2007, 4)),
        ("1501.05462", (2015, 1)),
        ("cs/9301114", (1993, 1)),
        ("math/0406594", (2004, 6)),
    ],
)
def test_arxiv_ids_month(arxiv_id: str, month: tuple[int, int]) -> None:
    assert arxiv_id_month(arxiv_id) == month


def test_arxiv_ids_docstring_examples_hold() -> None:
    result = doctest.testmod(arxiv_ids)
    assert result.attempted >= 8
    assert result.failed == 0
