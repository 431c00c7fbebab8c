"""Research-portal output pages: seed 003 and an edge-case page."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from topics.ingest import ReadOptions, read_source
from topics.ingest.portal import parse_portal_fields, read_portal_record, sniff
from topics.records import IngestIssue, Provenance, Record

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"
SEED_003 = SEEDS / "003_9f958b264ee6ecba.txt"
EDGE = REPO / "tests" / "fixtures" / "seeds_edge" / "portal_edge.txt"
NAME = "003_9f958b264ee6ecba.txt"


def read(path: Path, reference_date: date | None = None) -> tuple[list[Record], list[IngestIssue]]:
    options = ReadOptions(display_path=path.name, reference_date=reference_date)
    items = list(read_portal_record(path, options))
    records = [item for item in items if isinstance(item, Record)]
    issues = [item for item in items if isinstance(item, IngestIssue)]
    assert len(records) + len(issues) == len(items)
    return records, issues


def test_portal_seed_is_one_complete_record() -> None:
    records, issues = read(SEED_003)
    assert len(records) == 1
    record = records[0]
    assert record.id == f"{NAME}:1"
    assert record.provenance == Provenance(NAME, 1, 42, "research_portal")
    assert record.title == "Efficient parametrization of multi-domain deep neural networks"
    assert record.authors == ("Sylvestre-Alvise Rebuffi", "Hakan Bilen", "Andrea Vedaldi")
    assert record.organisations == ()
    assert record.abstract == SEED_003.read_text(encoding="utf-8").split("\n")[8]
    assert record.abstract.startswith("A practical limitation of deep neural networks")
    assert (record.date, record.date_precision, record.year) == ("2018-12-17", "day", 2018)
    assert record.date_resolution == "explicit"
    assert record.venue == "IEEE Conference on Computer Vision and Pattern Recognition"
    assert (record.doi, record.arxiv_id, record.category, record.keywords) == (None, None, None, ())
    assert record.comments == (
        "Event: Computer Vision and Pattern Recognition 2018 - Salt Lake City, United States; "
        "CVPR 2018; 18 Jun 2018 - 22 Jun 2018"
    )
    assert [i.severity for i in issues] == ["info"]


def test_portal_seed_extra_fields() -> None:
    record = read(SEED_003)[0][0]
    assert record.extra == {
        "language": "English",
        "publisher": "Institute of Electrical and Electronics Engineers",
        "pages": "8119-8127",
        "number_of_pages": "9",
        "isbn_electronic": "978-1-5386-6420-9",
        "event": "Computer Vision and Pattern Recognition 2018 - Salt Lake City, United States",
        "event_duration": "18 Jun 2018 - 22 Jun 2018",
        "event_start": "2018-06-18",
        "event_end": "2018-06-22",
        "event_url": "http://cvpr2018.thecvf.com/",
        "issn_electronic": "2575-7075",
        "conference": "Computer Vision and Pattern Recognition 2018",
        "event_short": "CVPR 2018",
        "country": "United States",
        "city": "Salt Lake City",
        "event_period": "18/06/18 - 22/06/18",
        "output_type": "Chapter in Book/Report/Conference proceeding",
        "output_subtype": "Conference contribution",
        "publication_status": "Published",
    }


def test_portal_parse_fields_splits_glued_labels() -> None:
    lines = [
        (10, "Original languageEnglish"),
        (13, "Pages8119-8127"),
        (14, "Number of pages9"),
        (16, "DOIs"),
        (17, "Publication statusPublished - 17 Dec 2018"),
        (20, "http://cvpr2018.thecvf.com/"),
        (21, "http://cvpr2018.thecvf.com/"),
    ]
    fields = parse_portal_fields(lines)
    assert fields.get("language") == "English"
    assert fields.get("pages") == "8119-8127"
    assert fields.get("number_of_pages") == "9"
    assert fields.get("doi") is None
    assert fields.values["publication_status"] == (17, "Published - 17 Dec 2018")
    assert fields.urls == ["http://cvpr2018.thecvf.com/"]
    assert fields.unknown == []
    assert fields.last_line == 21


def test_portal_edge_page() -> None:
    records, issues = read(EDGE)
    assert len(records) == 1
    record = records[0]
    assert record.title == "Learning From Events Without Frames"
    assert record.authors == ("Ada Example", "Ben Sample", "Cleo Test")
    assert record.abstract.startswith("Event cameras report brightness changes")
    assert record.venue == "Journal of Example Vision"
    assert record.doi == "10.1234/example.5678"
    assert (record.date, record.date_precision, record.year) == ("2020-03", "month", 2020)
    assert record.extra["output_type"] == "Contribution to journal"
    assert record.extra["output_subtype"] == "Article"
    assert record.extra["volume"] == "12"
    assert record.provenance == Provenance("portal_edge.txt", 1, 22, "research_portal")
    assert [(i.line, i.severity) for i in issues] == [
        (16, "warning"),
        (1, "warning"),
        (None, "info"),
    ]
    assert issues[0].excerpt == "Scopus Subject AreasComputer Vision"
    assert "'Learning From Events With Frames'" in issues[1].reason


def test_portal_page_without_abstract_section_is_an_error() -> None:
    records, issues = read(SEEDS / "001_d7cf43068f0acc59.txt")
    assert records == []
    assert [i.severity for i in issues] == ["error"]


def test_portal_sniff_recognises_only_the_portal_page() -> None:
    assert sniff(SEED_003.read_text(encoding="utf-8"))
    assert sniff(EDGE.read_text(encoding="utf-8"))
    for other in (
        "000_8617d9ae6e1c7cf9.txt",
        "001_d7cf43068f0acc59.txt",
        "002_b62f7189c5c51910.txt",
        "004_3dc17ef68f22e90a.txt",
    ):
        assert not sniff((SEEDS / other).read_text(encoding="utf-8"))


def test_portal_read_source_end_to_end() -> None:
    result = read_source(SEED_003, "auto", ReadOptions(display_path="seeds/003.txt"))
    assert result.format == "research_portal"
    assert len(result.records) == 1
    assert not result.failed
    assert result.records[0].id == "seeds/003.txt:1"
    assert result.records[0].provenance.file == "seeds/003.txt"
