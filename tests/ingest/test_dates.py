"""Printed dates, yearless dates and the reference date they are resolved against."""

from __future__ import annotations

from datetime import date

import pytest

from topics.ingest.dates import (
    PartialDate,
    ReferenceDate,
    choose_reference_date,
    parse_date,
    reference_date_issue,
    resolve_date,
    resolve_dates,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Apr 18, 2023", PartialDate(2023, 4, 18)),
        ("Nov 9, 2021", PartialDate(2021, 11, 9)),
        ("Jan 22", PartialDate(None, 1, 22)),
        ("May 12", PartialDate(None, 5, 12)),
        ("2020-06-10", PartialDate(2020, 6, 10)),
        ("17 Dec 2018", PartialDate(2018, 12, 17)),
        ("18 December 2018", PartialDate(2018, 12, 18)),
        ("Sept 3, 2020", PartialDate(2020, 9, 3)),
        ("Mar 2020", PartialDate(2020, 3, None)),
        ("2019-07", PartialDate(2019, 7, None)),
        ("2018", PartialDate(2018, None, None)),
        ("Feb 29", PartialDate(None, 2, 29)),
    ],
)
def test_dates_parse_date_accepts_printed_forms(text: str, expected: PartialDate) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text", ["Feb 30, 2023", "2020-13-01", "Jan 32", "yesterday", "", "Dec 18, 25"]
)
def test_dates_parse_date_rejects_non_dates(text: str) -> None:
    assert parse_date(text) is None


@pytest.mark.parametrize(
    ("text", "precision"),
    [("Apr 18, 2023", "day"), ("Jan 22", "day"), ("Mar 2020", "month"), ("2018", "year")],
)
def test_dates_partial_date_precision_follows_what_was_printed(text: str, precision: str) -> None:
    parsed = parse_date(text)
    assert parsed is not None
    assert parsed.precision == precision


def test_dates_explicit_date_is_kept_with_matching_iso_length() -> None:
    for text, iso, precision in [
        ("17 Dec 2018", "2018-12-17", "day"),
        ("Mar 2020", "2020-03", "month"),
        ("2018", "2018", "year"),
    ]:
        parsed = parse_date(text)
        assert parsed is not None
        resolved = resolve_date(parsed, None)
        assert resolved is not None
        assert (resolved.iso, resolved.precision, resolved.year) == (iso, precision, int(iso[:4]))
        assert resolved.resolution == "explicit"


def test_dates_reference_from_document_is_newest_full_date() -> None:
    parsed = [parse_date(t) for t in ["Apr 18, 2023", "Dec 18, 2025", "Jan 22", "Mar 2026"]]
    assert choose_reference_date(None, parsed) == ReferenceDate(date(2025, 12, 18), "document")


def test_dates_reference_from_config_wins_over_document() -> None:
    parsed = [parse_date("Dec 18, 2025")]
    chosen = choose_reference_date(date(2026, 1, 31), parsed)
    assert chosen == ReferenceDate(date(2026, 1, 31), "config")


def test_dates_yearless_date_from_document_lands_after_newest_dated_entry() -> None:
    # Seed 000: newest dated entry Dec 18, 2025; "Jan 22" is arXiv 2601.16140 (2026-01-22).
    reference = ReferenceDate(date(2025, 12, 18), "document")
    resolved = resolve_date(PartialDate(None, 1, 22), reference)
    assert resolved is not None
    assert resolved.iso == "2026-01-22"
    assert resolved.year == 2026
    assert resolved.precision == "day"
    assert resolved.resolution == (
        "year inferred: next after reference date 2025-12-18 (newest dated entry in file)"
    )


def test_dates_yearless_date_from_config_is_latest_not_after_reference() -> None:
    reference = ReferenceDate(date(2026, 1, 31), "config")
    jan = resolve_date(PartialDate(None, 1, 22), reference)
    may = resolve_date(PartialDate(None, 5, 12), reference)
    assert jan is not None
    assert may is not None
    assert (jan.iso, may.iso) == ("2026-01-22", "2025-05-12")
    assert jan.resolution == "year from config reference date 2026-01-31"


def test_dates_yearless_leap_day_resolves_to_a_leap_year() -> None:
    after = resolve_date(PartialDate(None, 2, 29), ReferenceDate(date(2025, 12, 18), "document"))
    before = resolve_date(PartialDate(None, 2, 29), ReferenceDate(date(2026, 1, 31), "config"))
    assert after is not None
    assert before is not None
    assert (after.iso, before.iso) == ("2028-02-29", "2024-02-29")


def test_dates_yearless_date_without_reference_stays_unresolved() -> None:
    assert resolve_date(PartialDate(None, 1, 22), None) is None


def test_dates_resolve_dates_keeps_order_and_gaps() -> None:
    parsed = [parse_date("Dec 18, 2025"), None, parse_date("Jan 22")]
    resolved, reference = resolve_dates(parsed, None)
    assert reference == ReferenceDate(date(2025, 12, 18), "document")
    assert [r.iso if r else None for r in resolved] == ["2025-12-18", None, "2026-01-22"]


def test_dates_reference_issue_states_date_origin_and_count() -> None:
    parsed = [parse_date("Dec 18, 2025"), parse_date("Jan 22"), parse_date("May 12")]
    issue = reference_date_issue("seed.txt", ReferenceDate(date(2025, 12, 18), "document"), parsed)
    assert issue.severity == "info"
    assert issue.file == "seed.txt"
    assert "2025-12-18 (newest dated entry in file)" in issue.reason
    assert "2 date(s) printed without a year" in issue.reason
    config = reference_date_issue("seed.txt", ReferenceDate(date(2026, 1, 31), "config"), parsed)
    assert "2026-01-31 (reference_date from the config)" in config.reason


def test_dates_reference_issue_warns_when_yearless_dates_stay_undated() -> None:
    issue = reference_date_issue("seed.txt", None, [parse_date("Jan 22")])
    assert issue.severity == "warning"
    assert "reference_date" in issue.reason
    assert "1 date(s)" in issue.reason


def test_dates_reference_issue_is_info_when_every_year_was_printed() -> None:
    issue = reference_date_issue("seed.txt", None, [parse_date("Mar 2020")])
    assert issue.severity == "info"
    assert "every date was printed with its year" in issue.reason
