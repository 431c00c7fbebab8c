"""Format detection: by extension, and by content for .txt and unknown extensions."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from topics.errors import IngestError, UnknownFormatError
from topics.ingest import ReadOptions, read_source
from topics.ingest.detect import detect_format, sniff_format

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"
EDGE = REPO / "tests" / "fixtures" / "seeds_edge"

SEED_FORMATS = [
    ("000_8617d9ae6e1c7cf9.txt", "profile_listing"),
    ("001_d7cf43068f0acc59.txt", "arxiv_listing"),
    ("002_b62f7189c5c51910.txt", "title_pairs"),
    ("003_9f958b264ee6ecba.txt", "research_portal"),
    ("004_3dc17ef68f22e90a.txt", "profile_listing"),
]


@pytest.mark.parametrize(("name", "fmt"), SEED_FORMATS)
def test_detect_seed_txt_by_content(name: str, fmt: str) -> None:
    assert detect_format(SEEDS / name, name) == fmt


@pytest.mark.parametrize(("name", "fmt"), SEED_FORMATS)
def test_detect_seed_without_extension(tmp_path: Path, name: str, fmt: str) -> None:
    copy = tmp_path / name.removesuffix(".txt")
    shutil.copyfile(SEEDS / name, copy)
    assert detect_format(copy, copy.name) == fmt


@pytest.mark.parametrize(("name", "fmt"), SEED_FORMATS)
def test_detect_seed_through_compression(tmp_path: Path, name: str, fmt: str) -> None:
    copy = tmp_path / f"{name}.gz"
    copy.write_bytes(gzip.compress((SEEDS / name).read_bytes()))
    assert detect_format(copy, copy.name) == fmt


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("profile_edge.txt", "profile_listing"),
        ("profile_glued.txt", "profile_listing"),
        ("profile_yearless.txt", "profile_listing"),
        ("arxiv_listing_edge.txt", "arxiv_listing"),
        ("title_pairs_edge.txt", "title_pairs"),
        ("portal_edge.txt", "research_portal"),
    ],
)
def test_detect_edge_fixtures(name: str, fmt: str) -> None:
    assert detect_format(EDGE / name, name) == fmt


def test_detect_unknown_text_names_file_and_format_key() -> None:
    with pytest.raises(UnknownFormatError) as caught:
        detect_format(EDGE / "unknown_notes.txt", "notes/unknown_notes.txt")
    message = str(caught.value)
    assert message.startswith("notes/unknown_notes.txt: cannot detect the format")
    assert "`format:`" in message


def test_detect_unknown_text_through_read_source_is_an_error_issue() -> None:
    result = read_source(EDGE / "unknown_notes.txt", "auto", ReadOptions(display_path="n.txt"))
    assert result.failed
    assert result.records == []
    assert "set `format:` on this source" in result.issues[0].reason


def test_detect_binary_file_is_an_ingest_error(tmp_path: Path) -> None:
    binary = tmp_path / "scrape.txt"
    binary.write_bytes(b"CVApr 18, 2023\n\x00\x01\x02")
    with pytest.raises(IngestError, match="binary"):
        detect_format(binary, "scrape.txt")


def test_detect_latin1_file_is_an_ingest_error_with_line(tmp_path: Path) -> None:
    latin = tmp_path / "scrape"
    latin.write_bytes("CVApr 18, 2023\nPoincaré ResNet\n".encode("latin-1"))
    with pytest.raises(IngestError, match=r"scrape:2: not valid UTF-8"):
        detect_format(latin, "scrape")


def test_detect_empty_file_is_an_ingest_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(IngestError, match="empty"):
        detect_format(empty, "empty.txt")


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("papers.csv", "csv"), ("papers.tsv.gz", "tsv"), ("refs.bib", "bibtex"), ("a.jsonl", "jsonl")],
)
def test_detect_structured_extension_needs_no_content(name: str, fmt: str) -> None:
    # The file does not exist: structured formats are decided by name alone.
    assert detect_format(Path("/nonexistent") / name, name) == fmt


def test_detect_sniff_format_on_text() -> None:
    assert sniff_format("arXiv:2006.05929\nCreated: 2020-06-10\n") == "arxiv_listing"
    assert sniff_format("Meeting notes\nnothing to see\n") is None
