"""A real file of the 2019 arXiv archive, read end to end.

Counts were computed independently with ``pandas.read_csv(path, sep="\\t",
dtype=str, keep_default_na=False)``: rows, and rows with a newline in any
field (those records span several physical lines).
"""

from __future__ import annotations

import lzma
import re
from pathlib import Path

import pytest

from topics.ingest import ReadOptions, read_source
from topics.records import SourceResult

CASES = {
    # file: (rows, rows spanning lines, raw ids with float noise)
    "cs.GL.20200101dump.tsv.xz": (180, 51, 26),
    "cs.AR.20200101dump.tsv.xz": (1460, 323, 285),
}
_ROW_START = re.compile(r"^\d+\t")
_NOISY_ID = re.compile(r"\t\d{4}\.\d{10,}\t")


def read(archive_dir: Path, name: str) -> tuple[SourceResult, list[str]]:
    path = archive_dir / name
    result = read_source(path, "auto", ReadOptions(display_path=name))
    with lzma.open(path, "rt", encoding="utf-8", newline="") as handle:
        lines = handle.read().split("\n")
    return result, lines


@pytest.mark.parametrize("name", sorted(CASES))
def test_archive_sample_reads_every_row(archive_dir: Path, name: str) -> None:
    rows, multi_line, _ = CASES[name]
    result, _ = read(archive_dir, name)
    assert result.format == "tsv"
    assert result.issues == []
    assert len(result.records) == rows
    spanning = [r for r in result.records if r.provenance.line_end > r.provenance.line_start]
    assert len(spanning) == multi_line
    assert len({r.arxiv_id for r in result.records}) == rows
    assert all(r.date and r.date_precision == "day" for r in result.records)


@pytest.mark.parametrize("name", sorted(CASES))
def test_archive_sample_line_numbers_point_at_the_record(archive_dir: Path, name: str) -> None:
    result, lines = read(archive_dir, name)
    for record in result.records:
        start, end = record.provenance.line_start, record.provenance.line_end
        first = lines[start - 1]
        assert _ROW_START.match(first), record.id
        field = first.split("\t")[1]
        unquoted = field[1:].replace('""', '"') if field.startswith('"') else field
        abstract_start = unquoted[:30]
        assert record.abstract.startswith(abstract_start), record.id
        assert lines[end - 1].endswith("']"), record.id
        assert end == len(lines) - 1 or _ROW_START.match(lines[end]), record.id


def test_archive_sample_repairs_float_damaged_ids(archive_dir: Path) -> None:
    name = "cs.AR.20200101dump.tsv.xz"
    result, lines = read(archive_dir, name)
    # The id column comes before any field that spans lines: it is on the first line.
    noisy = [r for r in result.records if _NOISY_ID.search(lines[r.provenance.line_start - 1])]
    assert len(noisy) == CASES[name][2]
    assert all(re.fullmatch(r"\d{4}\.\d{5}", r.arxiv_id) for r in noisy)
    by_id = {r.arxiv_id: r for r in result.records}
    assert "1804.11239" in by_id
    assert "1804.11238" not in by_id


def test_archive_sample_first_records_match_the_raw_file(archive_dir: Path) -> None:
    result, lines = read(archive_dir, "cs.GL.20200101dump.tsv.xz")
    knuth, bell = result.records[:2]
    assert knuth.id == "cs.GL.20200101dump.tsv.xz:2"
    assert knuth.arxiv_id == "cs/9301114"
    assert knuth.title == "Theory and practice"
    assert knuth.authors == ("Donald E. Knuth",)
    assert (knuth.date, knuth.category, knuth.comments) == (
        "1991-10-31",
        "cs.GL",
        "Abstract added by Greg Kuperberg",
    )
    assert knuth.abstract.startswith("The author argues to Silicon Valley that the most")
    assert knuth.abstract.endswith("clever jokes, criticisms, and encouragements.")
    assert (bell.provenance.line_start, bell.provenance.line_end) == (3, 4)
    assert bell.arxiv_id == "cs/9809010"
    assert bell.title == "The Revolution Yet to Happen"
    assert bell.authors == ("C. Gordon Bell", "Jim Gray")
    assert bell.comments == (
        "Original document at:\n  http://research.microsoft.com/~gray/Revolution.doc"
    )
    assert lines[2].startswith("1236899\tAll information about physical objects")
