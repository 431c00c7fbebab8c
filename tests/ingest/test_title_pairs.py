"""Title/abstract line pairs: seed 002 and edge cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from topics.ingest import ReadOptions, read_source
from topics.ingest.title_pairs import is_abstract_line, read_title_pairs, sniff, strip_boilerplate
from topics.records import IngestIssue, Provenance, Record

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"
SEED_002 = SEEDS / "002_b62f7189c5c51910.txt"
EDGE = REPO / "tests" / "fixtures" / "seeds_edge" / "title_pairs_edge.txt"
NAME = "002_b62f7189c5c51910.txt"


def read(path: Path) -> tuple[list[Record], list[IngestIssue]]:
    items = list(read_title_pairs(path, ReadOptions(display_path=path.name)))
    records = [item for item in items if isinstance(item, Record)]
    issues = [item for item in items if isinstance(item, IngestIssue)]
    assert len(records) + len(issues) == len(items)
    return records, issues


def raw_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")


def test_title_pairs_seed_record_count() -> None:
    # 482 lines: 2 boilerplate lines, then 240 title/abstract pairs (lines 3-482).
    records, _ = read(SEED_002)
    assert len(records) == 240


def test_title_pairs_seed_issues_are_the_boilerplate_only() -> None:
    _, issues = read(SEED_002)
    assert [(i.line, i.severity) for i in issues] == [(1, "info"), (2, "info"), (3, "info")]
    assert issues[2].reason == "site boilerplate 'Subscribe' glued to the title removed"


def test_title_pairs_seed_first_record_loses_glued_subscribe() -> None:
    record = read(SEED_002)[0][0]
    assert record.id == f"{NAME}:3"
    assert record.provenance == Provenance(NAME, 3, 4, "title_pairs")
    assert record.title == "RSINet: Inpainting Remotely Sensed Images Using Triple GAN Framework"
    assert record.abstract.startswith("We tackle the problem of image inpainting in the remote")
    assert record.authors == ()
    assert (record.date, record.date_precision, record.year, record.date_resolution) == (
        None,
        None,
        None,
        None,
    )
    assert (record.category, record.venue, record.arxiv_id) == (None, None, None)


def test_title_pairs_seed_every_record_is_one_consecutive_pair() -> None:
    lines = raw_lines(SEED_002)
    for index, record in enumerate(read(SEED_002)[0]):
        start = 3 + 2 * index
        assert record.provenance.line_start == start
        assert record.provenance.line_end == start + 1
        expected_title = (
            lines[start - 1].removeprefix("Subscribe") if index == 0 else lines[start - 1]
        )
        assert record.title == expected_title
        assert record.abstract == lines[start]


@pytest.mark.parametrize(
    ("line", "title"),
    [
        (15, "Wide Residual Networks"),
        (29, "Poincaré ResNet"),
        (
            101,
            "All You Need is Beyond a Good Init: Exploring Better Solution for Training "
            "Extremely Deep Convolutional Neural Networks with Orthonormality and Modulation",
        ),
        (169, "nnU-Net Revisited: A Call for Rigorous Validation in 3D Medical Image Segmentation"),
        (481, "Show, Attend and Tell: Neural Image Caption Generation with Visual Attention"),
    ],
)
def test_title_pairs_seed_selected_titles(line: int, title: str) -> None:
    record = next(r for r in read(SEED_002)[0] if r.provenance.line_start == line)
    assert record.title == title
    assert record.provenance.line_end == line + 1


def test_title_pairs_seed_last_record_without_final_newline() -> None:
    record = read(SEED_002)[0][-1]
    assert record.provenance == Provenance(NAME, 481, 482, "title_pairs")
    assert record.abstract.startswith("Inspired by recent work in machine translation")
    assert record.abstract.endswith("MS COCO.")


def test_title_pairs_edge_fixture() -> None:
    records, issues = read(EDGE)
    assert [(r.provenance.line_start, r.provenance.line_end, r.title) for r in records] == [
        (3, 4, "First Title After The Button"),
        (6, 7, "Second Title With An Abstract"),
        (8, 8, ""),
        (10, 11, "Third Title With An Abstract"),
        (13, 14, "Fourth Title With An Abstract"),
    ]
    assert [(i.line, i.severity) for i in issues] == [
        (1, "info"),
        (2, "info"),
        (3, "info"),
        (5, "error"),  # title without abstract
        (8, "warning"),  # abstract without title
        (9, "info"),  # "Load more"
        (12, "info"),  # copyright footer
    ]
    assert issues[3].excerpt == "A Title Whose Abstract Is Missing"


def test_title_pairs_strip_boilerplate() -> None:
    assert strip_boilerplate("SubscribeRSINet: Inpainting") == ("RSINet: Inpainting", "Subscribe")
    assert strip_boilerplate("Subscriber Models for Streams") == (
        "Subscriber Models for Streams",
        None,
    )


def test_title_pairs_is_abstract_line_separates_seed_titles_from_abstracts() -> None:
    lines = raw_lines(SEED_002)[2:]
    assert not any(is_abstract_line(line) for line in lines[0::2])
    assert all(is_abstract_line(line) for line in lines[1::2])


def test_title_pairs_sniff_recognises_only_the_pairs() -> None:
    assert sniff(SEED_002.read_text(encoding="utf-8"))
    assert sniff(EDGE.read_text(encoding="utf-8"))
    for other in (
        "000_8617d9ae6e1c7cf9.txt",
        "001_d7cf43068f0acc59.txt",
        "003_9f958b264ee6ecba.txt",
        "004_3dc17ef68f22e90a.txt",
    ):
        assert not sniff((SEEDS / other).read_text(encoding="utf-8"))


def test_title_pairs_read_source_end_to_end() -> None:
    result = read_source(SEED_002, "auto", ReadOptions(display_path="seeds/002.txt"))
    assert result.format == "title_pairs"
    assert len(result.records) == 240
    assert not result.failed
    assert result.records[0].id == "seeds/002.txt:3"
    assert all(r.date is None for r in result.records)
