"""arXiv abstract listings without titles: seed 001 and edge cases."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from topics.ingest import ReadOptions, read_source
from topics.ingest.arxiv_listing import CommentParts, read_arxiv_listing, sniff, split_comments
from topics.records import IngestIssue, Provenance, Record

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"
SEED_001 = SEEDS / "001_d7cf43068f0acc59.txt"
EDGE = REPO / "tests" / "fixtures" / "seeds_edge" / "arxiv_listing_edge.txt"
NAME = "001_d7cf43068f0acc59.txt"


def read(path: Path, reference_date: date | None = None) -> tuple[list[Record], list[IngestIssue]]:
    options = ReadOptions(display_path=path.name, reference_date=reference_date)
    items = list(read_arxiv_listing(path, options))
    records = [item for item in items if isinstance(item, Record)]
    issues = [item for item in items if isinstance(item, IngestIssue)]
    assert len(records) + len(issues) == len(items)
    return records, issues


def raw_line(path: Path, number: int) -> str:
    return path.read_text(encoding="utf-8").split("\n")[number - 1]


def test_arxiv_listing_seed_record_count_and_ids() -> None:
    # 10 "arXiv:" lines and 10 "Created:" lines in the file (grep -c).
    records, issues = read(SEED_001)
    assert len(records) == 10
    assert [r.arxiv_id for r in records] == [
        "2006.05929",
        "2006.04455",
        "2006.00996",
        "2001.02610",
        "1912.10364",
        "1911.10082",
        "1910.08823",
        "1910.08386",
        "1908.06427",
        "1907.03802",
    ]
    assert [i.severity for i in issues] == ["info"]
    assert "every date was printed with its year" in issues[0].reason


def test_arxiv_listing_seed_plain_record_complete() -> None:
    record = read(SEED_001)[0][0]
    assert record.id == f"{NAME}:1"
    assert record.provenance == Provenance(NAME, 1, 4, "arxiv_listing")
    assert record.title == ""
    assert record.authors == ()
    assert record.organisations == ()
    assert record.abstract == raw_line(SEED_001, 1)
    assert record.abstract.startswith("Efficient training of deep neural networks")
    assert record.arxiv_id == "2006.05929"
    assert (record.date, record.date_precision, record.year) == ("2020-06-10", "day", 2020)
    assert record.date_resolution == "explicit"
    assert (record.category, record.venue, record.comments, record.keywords) == (
        None,
        None,
        None,
        (),
    )
    assert record.extra == {}


def test_arxiv_listing_seed_keyword_line() -> None:
    record = read(SEED_001)[0][4]
    assert record.provenance == Provenance(NAME, 21, 26, "arxiv_listing")
    assert record.arxiv_id == "1912.10364"
    assert record.keywords == ("Semi-supervised Learning", "Meta-Learning", "Learning to label")
    assert (record.venue, record.comments) == (None, None)
    assert (record.date, record.year) == ("2019-12-21", 2019)
    assert record.abstract == raw_line(SEED_001, 21)


def test_arxiv_listing_seed_pages_and_figures_comment() -> None:
    record = read(SEED_001)[0][5]
    assert record.provenance == Provenance(NAME, 28, 33, "arxiv_listing")
    assert record.arxiv_id == "1911.10082"
    assert record.comments == "10 pages, 6 figures, 5 tables"
    assert (record.venue, record.keywords) == (None, ())
    assert (record.date, record.date_precision, record.year) == ("2019-11-22", "day", 2019)


def test_arxiv_listing_seed_proceedings_venue() -> None:
    record = read(SEED_001)[0][7]
    assert record.provenance == Provenance(NAME, 40, 45, "arxiv_listing")
    assert record.arxiv_id == "1910.08386"
    assert record.venue == (
        "Proceedings of the 2019 IEEE International Conference on Computer Vision Workshops (ICCVW)"
    )
    assert record.comments is None
    assert record.extra["arxiv_comments"] == raw_line(SEED_001, 42)
    assert (record.date, record.year) == ("2019-10-18", 2019)


def test_arxiv_listing_seed_acronym_venue() -> None:
    record = read(SEED_001)[0][8]
    assert record.provenance == Provenance(NAME, 47, 52, "arxiv_listing")
    assert (record.arxiv_id, record.venue, record.comments) == ("1908.06427", "ICCV 2019", None)
    assert record.abstract.endswith("Code is available at www.robots.ox.ac.uk/~vgg/research/DVE/.")


def test_arxiv_listing_seed_pages_then_venue_in_one_comment() -> None:
    record = read(SEED_001)[0][9]
    assert record.provenance == Provenance(NAME, 54, 59, "arxiv_listing")
    assert record.arxiv_id == "1907.03802"
    assert record.comments == "12 pages, 4 figures"
    assert (
        record.venue == "Iberian Conference on Pattern Recognition and Image Analysis proceedings"
    )
    assert (record.date, record.date_precision, record.year) == ("2019-07-08", "day", 2019)


def test_arxiv_listing_reference_date_from_options_is_reported() -> None:
    records, issues = read(SEED_001, reference_date=date(2021, 1, 1))
    assert records[0].date == "2020-06-10"
    assert "2021-01-01 (reference_date from the config)" in issues[0].reason


def test_arxiv_listing_edge_fixture() -> None:
    records, issues = read(EDGE)
    assert [(r.provenance.line_start, r.provenance.line_end) for r in records] == [
        (1, 6),
        (8, 13),
        (15, 20),
        (22, 24),
        (29, 29),
    ]
    first, second, third, no_date, no_id = records
    assert (first.arxiv_id, first.venue, first.comments) == ("2003.01234", "CVPR 2020", None)
    assert (second.venue, second.comments) == ("ICLR 2021", "8 pages, 3 figures")
    assert third.arxiv_id == "1904.10990"  # float-damaged id repaired
    assert third.keywords == ("topic models", "research trends", "embeddings")
    assert (no_date.arxiv_id, no_date.date) == ("2101.00001", None)
    assert (no_id.arxiv_id, no_id.date) == (None, None)
    assert [(i.line, i.severity) for i in issues] == [
        (None, "info"),
        (22, "warning"),  # no Created: line
        (26, "error"),  # id and date without an abstract
        (29, "warning"),  # no arXiv: line
        (29, "warning"),  # no Created: line
    ]


def test_arxiv_listing_missing_date_is_filled_from_id_by_read_source() -> None:
    result = read_source(EDGE, "arxiv_listing", ReadOptions(display_path="edge.txt"))
    record = next(r for r in result.records if r.arxiv_id == "2101.00001")
    assert (record.date, record.date_precision, record.date_resolution) == (
        "2021-01",
        "month",
        "from arXiv id",
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Accepted at CVPR 2020", CommentParts(None, "CVPR 2020", ())),
        ("ICLR 2021", CommentParts(None, "ICLR 2021", ())),
        ("CVPR 2020 (Oral)", CommentParts(None, "CVPR 2020 (Oral)", ())),
        ("To appear in NeurIPS 2019", CommentParts(None, "NeurIPS 2019", ())),
        (
            "Published in IEEE Transactions on Pattern Analysis and Machine Intelligence",
            CommentParts(
                None, "IEEE Transactions on Pattern Analysis and Machine Intelligence", ()
            ),
        ),
        ("10 pages, 6 figures, 5 tables", CommentParts("10 pages, 6 figures, 5 tables", None, ())),
        (
            "14 pages including appendix, 5 figures",
            CommentParts("14 pages including appendix, 5 figures", None, ()),
        ),
        (
            "Code available at https://github.com/x",
            CommentParts("Code available at https://github.com/x", None, ()),
        ),
        ("Workshop paper, ICML 2020", CommentParts("Workshop paper, ICML 2020", None, ())),
        ("Keywords: deep learning; vision", CommentParts(None, None, ("deep learning", "vision"))),
    ],
)
def test_arxiv_listing_split_comments(text: str, expected: CommentParts) -> None:
    assert split_comments(text) == expected


def test_arxiv_listing_sniff_recognises_only_the_listing() -> None:
    assert sniff(SEED_001.read_text(encoding="utf-8"))
    for other in (
        "000_8617d9ae6e1c7cf9.txt",
        "002_b62f7189c5c51910.txt",
        "003_9f958b264ee6ecba.txt",
        "004_3dc17ef68f22e90a.txt",
    ):
        assert not sniff((SEEDS / other).read_text(encoding="utf-8"))


def test_arxiv_listing_read_source_end_to_end() -> None:
    result = read_source(SEED_001, "auto", ReadOptions(display_path="seeds/001.txt"))
    assert result.format == "arxiv_listing"
    assert len(result.records) == 10
    assert not result.failed
    assert all(r.date_resolution == "explicit" for r in result.records)
    assert [r.id for r in result.records][:2] == ["seeds/001.txt:1", "seeds/001.txt:6"]
