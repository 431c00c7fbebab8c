"""CSV, TSV and Parquet: mapping, physical line numbers, compression and bad rows."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from topics.errors import IngestError
from topics.ingest import ReadOptions, get_reader, read_source, tabular
from topics.ingest._fields import RecordBuilder, resolve_mapping, split_authors
from topics.ingest.tabular import read_csv, read_parquet, read_tsv
from topics.records import IngestIssue, Record

FORMATS = Path(__file__).resolve().parents[1] / "fixtures" / "formats"
TSV = FORMATS / "arxiv_2019_cs_dl_sample.tsv"
RENAMED = FORMATS / "papers_renamed.csv"
RENAMED_MAPPING = {
    "title": "Paper Title",
    "abstract": "Abstract Text",
    "arxiv_id": "arXiv",
    "date": "Submitted",
    "authors": "Authors",
    "category": "Primary Category",
    "comments": "Notes",
}
# (first line, last line) of each record of the TSV sample, read off the file.
TSV_LINES = [(2, 3), (4, 7), (8, 8), (9, 9), (10, 12), (13, 13), (14, 14), (15, 16), (17, 17)]
TSV_LINES += [(18, 18), (19, 19)]


def read_all(reader, path: Path, **options) -> tuple[list[Record], list[IngestIssue]]:
    items = list(reader(path, ReadOptions(display_path=path.name, **options)))
    records = [item for item in items if isinstance(item, Record)]
    issues = [item for item in items if isinstance(item, IngestIssue)]
    return records, issues


def test_tabular_readers_are_registered_under_their_format_names() -> None:
    assert get_reader("csv") is read_csv
    assert get_reader("tsv") is read_tsv
    assert get_reader("parquet") is read_parquet


def test_tabular_tsv_sample_records_start_at_their_physical_lines() -> None:
    records, issues = read_all(read_tsv, TSV)
    assert issues == []
    assert [(r.provenance.line_start, r.provenance.line_end) for r in records] == TSV_LINES
    assert [r.id for r in records][:2] == [
        "arxiv_2019_cs_dl_sample.tsv:2",
        "arxiv_2019_cs_dl_sample.tsv:4",
    ]
    lines = TSV.read_text(encoding="utf-8").split("\n")
    for record in records:
        first = lines[record.provenance.line_start - 1]
        index, abstract_start = first.split("\t")[:2]
        assert index.isdigit()
        assert record.abstract.startswith(abstract_start.lstrip('"').replace('""', '"')[:40])
        assert lines[record.provenance.line_end - 1].endswith("']")


@pytest.mark.parametrize(
    ("raw", "repaired"),
    [
        ("cs/9809011", "cs/9809011"),
        ("705.2106", "0705.2106"),
        ("1501.0208400000001", "1501.02084"),
        ("1501.0546199999999", "1501.05462"),
        ("1502.0425", "1502.04250"),
        ("1504.048", "1504.04800"),
        ("1604.0236300000001", "1604.02363"),
    ],
)
def test_tabular_tsv_repairs_float_damaged_arxiv_ids(raw: str, repaired: str) -> None:
    assert f"\t{raw}\t" in TSV.read_text(encoding="utf-8")
    records, _ = read_all(read_tsv, TSV)
    assert repaired in {r.arxiv_id for r in records}


def test_tabular_tsv_complete_record_matches_the_file() -> None:
    records, _ = read_all(read_tsv, TSV)
    review = next(r for r in records if r.arxiv_id == "1501.05462")
    assert review.title == "A Review of Theory and Practice in Scientometrics"
    assert review.authors == ("John Mingers", "Loet Leydesdorff")
    assert (review.date, review.date_precision, review.year) == ("2015-01-22", "day", 2015)
    assert review.date_resolution == "explicit"
    assert review.category == "cs.DL"
    assert review.doi == "10.1016/j.ejor.2015.04.002"
    assert review.comments == (
        "accepted for publication in the European Journal of Operational\n  Research"
    )
    assert review.abstract.startswith("Scientometrics is the study of the quantitative aspects")
    assert review.provenance.parser == "tsv"
    assert review.provenance.location == "arxiv_2019_cs_dl_sample.tsv:15"


def test_tabular_doubled_quotes_are_unescaped() -> None:
    records, _ = read_all(read_tsv, TSV)
    response = next(r for r in records if r.arxiv_id == "cs/0005004")
    assert response.abstract == (
        'This is a response to the commentaries on "CoRR: A Computing Research Repository".'
    )
    assert response.comments.count("\n") == 3


@pytest.mark.parametrize(
    ("compressed", "plain", "reader", "mapping"),
    [
        ("arxiv_2019_cs_dl_sample.tsv.xz", "arxiv_2019_cs_dl_sample.tsv", read_tsv, {}),
        ("papers_renamed.csv.gz", "papers_renamed.csv", read_csv, RENAMED_MAPPING),
    ],
)
def test_tabular_compressed_copy_reads_like_the_plain_file(
    compressed: str, plain: str, reader, mapping: dict[str, str]
) -> None:
    packed = read_all(reader, FORMATS / compressed, mapping=mapping)
    unpacked = read_all(reader, FORMATS / plain, mapping=mapping)

    def comparable(records: list[Record]) -> list[tuple]:
        return [(r.provenance.line_start, r.title, r.abstract, r.date) for r in records]

    assert comparable(packed[0]) == comparable(unpacked[0])
    assert [(i.line, i.reason) for i in packed[1]] == [(i.line, i.reason) for i in unpacked[1]]
    assert packed[0][0].id.startswith(compressed + ":")


def test_tabular_csv_mapping_reads_renamed_columns_and_reports_bad_rows() -> None:
    records, issues = read_all(read_csv, RENAMED, mapping=RENAMED_MAPPING)
    assert [r.provenance.line_start for r in records] == [2, 17, 18, 20, 21, 22, 24]
    assert [r.arxiv_id for r in records] == [
        "1706.03762",
        "1810.04805",
        "1802.05365",
        "1801.06146",
        "1301.3781",
        "1409.0473",
        "1409.3215",
    ]
    assert [(i.line, i.severity) for i in issues] == [
        (23, "error"),
        (24, "warning"),
        (26, "error"),
        (27, "error"),
    ]
    no_abstract, bad_date, too_many, too_few = issues
    assert "no abstract" in no_abstract.reason
    assert "'Abstract Text'" in no_abstract.reason
    assert no_abstract.excerpt == "Enriching Word Vectors with Subword Information"
    assert "unreadable date" in bad_date.reason
    assert bad_date.excerpt == "in press"
    assert "13 fields" in too_many.reason
    assert too_many.excerpt.startswith("Bag of Tricks for Efficient Text Classification,")
    assert "2 fields" in too_few.reason
    assert too_few.excerpt.startswith("Distributed Representations of Sentences")


def test_tabular_csv_quoted_fields_spanning_lines_keep_their_text() -> None:
    records, _ = read_all(read_csv, RENAMED, mapping=RENAMED_MAPPING)
    attention, _, elmo = records[:3]
    assert attention.provenance.line_end == 16
    assert attention.abstract.count("\n") == 14
    assert attention.abstract.endswith("with large and limited training data.")
    assert attention.title == "Attention Is All You Need"
    assert elmo.provenance.line_end == 19
    assert elmo.comments.endswith("v2 updated\n  for NAACL camera ready")


@pytest.mark.parametrize(
    ("arxiv_id", "date", "precision"),
    [
        ("1706.03762", "2017-06-12", "day"),
        ("1801.06146", "2018-01", "month"),
        ("1301.3781", "2013", "year"),
        ("1409.3215", None, None),
    ],
)
def test_tabular_dates_keep_their_precision(
    arxiv_id: str, date: str | None, precision: str | None
) -> None:
    records, _ = read_all(read_csv, RENAMED, mapping=RENAMED_MAPPING)
    record = next(r for r in records if r.arxiv_id == arxiv_id)
    assert (record.date, record.date_precision) == (date, precision)


def test_tabular_csv_fields_are_normalised() -> None:
    records, _ = read_all(read_csv, RENAMED, mapping=RENAMED_MAPPING)
    by_id = {r.arxiv_id: r for r in records}
    assert by_id["1801.06146"].authors == ("Jeremy Howard", "Sebastian Ruder")
    assert by_id["1810.04805"].doi == "10.18653/v1/N19-1423"
    assert by_id["1810.04805"].category == "cs.CL"
    assert by_id["1810.04805"].comments == "13 pages"
    assert by_id["1301.3781"].comments is None
    assert len(by_id["1706.03762"].authors) == 8


def test_tabular_crlf_line_endings_give_the_same_lines(tmp_path: Path) -> None:
    crlf = tmp_path / "papers_crlf.csv"
    crlf.write_bytes(RENAMED.read_bytes().replace(b"\n", b"\r\n"))
    records, issues = read_all(read_csv, crlf, mapping=RENAMED_MAPPING)
    plain, plain_issues = read_all(read_csv, RENAMED, mapping=RENAMED_MAPPING)
    assert [r.provenance.line_start for r in records] == [r.provenance.line_start for r in plain]
    assert [i.line for i in issues] == [i.line for i in plain_issues]


def test_tabular_line_numbers_agree_with_the_csv_module_across_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small Arrow blocks put multi-line rows and bad rows on batch boundaries."""
    monkeypatch.setattr(tabular, "_BLOCK_BYTES", 2048)
    records, _ = read_all(read_csv, RENAMED, mapping=RENAMED_MAPPING)
    source = tmp_path / "many.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["title", "abstract", "comments"])
    for i in range(300):
        record = records[i % len(records)]
        comments = "\n".join(["page"] * (i % 4)) if i % 3 else ""
        writer.writerow([record.title, record.abstract, comments])
        if i % 37 == 5:
            buffer.write("an,unquoted,row,with,too,many,fields\n")
    source.write_text(buffer.getvalue(), encoding="utf-8")

    expected_starts, bad_lines = [], []
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        start = reader.line_num + 1
        for row in reader:
            (expected_starts if len(row) == 3 else bad_lines).append(start)
            start = reader.line_num + 1

    got, issues = read_all(read_csv, source)
    assert [r.provenance.line_start for r in got] == expected_starts
    undated, *rows = issues  # the file has no date column: one warning, before any row
    assert (undated.line, undated.severity) == (None, "warning")
    assert "no date or year column" in undated.reason
    assert [i.line for i in rows] == bad_lines
    assert len(bad_lines) == 8


def test_tabular_header_spanning_lines_shifts_the_first_row(tmp_path: Path) -> None:
    path = tmp_path / "wrapped_header.csv"
    path.write_text(
        '"Paper\nTitle",abstract,year\n'
        "Attention Is All You Need,The dominant sequence transduction models are based on RNNs."
        ",2017\n",
        encoding="utf-8",
    )
    records, issues = read_all(read_csv, path, mapping={"title": "Paper\nTitle"})
    assert issues == []
    assert records[0].id == "wrapped_header.csv:3"
    assert records[0].title == "Attention Is All You Need"


def test_tabular_header_only_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "empty_table.csv"
    path.write_text("title,abstract,year\n", encoding="utf-8")
    records, issues = read_all(read_csv, path)
    assert records == []
    assert [(i.line, i.severity, i.reason) for i in issues] == [
        (None, "warning", "no rows after the header")
    ]


def test_tabular_missing_mapped_column_names_file_columns_and_config_key() -> None:
    mapping = {**RENAMED_MAPPING, "date": "published", "doi": "DOI number"}
    with pytest.raises(IngestError) as error:
        read_all(read_csv, RENAMED, mapping=mapping)
    message = str(error.value)
    assert message.startswith("papers_renamed.csv: ")
    assert "'published' (sources[].mapping.date)" in message
    assert "'DOI number' (sources[].mapping.doi)" in message
    assert "'Submitted'" in message


def test_tabular_unknown_mapping_field_is_an_error() -> None:
    with pytest.raises(IngestError, match=r"sources\[\]\.mapping\.summary: not a record field"):
        read_all(read_csv, RENAMED, mapping={"summary": "Abstract Text"})


def test_tabular_without_an_abstract_column_asks_for_the_mapping(tmp_path: Path) -> None:
    path = tmp_path / "titles.csv"
    path.write_text("name,summary_text\nAttention Is All You Need,Transformers\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"no abstract column.*sources\[\]\.mapping\.abstract"):
        read_all(read_csv, path)


def test_tabular_default_aliases_find_renamed_abstract_column() -> None:
    """``Abstract Text`` folds to ``abstract_text``, one of the abstract aliases."""
    records, _ = read_all(read_csv, RENAMED, mapping={"title": "Paper Title"})
    assert records[0].abstract.startswith("The dominant sequence transduction models")


def test_tabular_mapping_matches_column_names_ignoring_case() -> None:
    mapping = {key: value.upper() for key, value in RENAMED_MAPPING.items()}
    records, _ = read_all(read_csv, RENAMED, mapping=mapping)
    assert records[0].title == "Attention Is All You Need"


def test_tabular_delimiter_option_reads_tsv_as_csv() -> None:
    records, issues = read_all(read_csv, TSV, delimiter="\t")
    assert len(records) == 11
    assert issues == []


def test_tabular_invalid_utf8_after_the_checked_head_names_the_row(tmp_path: Path) -> None:
    rows = [b"title,abstract"] + [
        f"Paper {i},Abstract {i} on topic models for scientific papers".encode()
        for i in range(3000)
    ]
    rows.insert(2500, b"Broken,caf\xe9 written in Latin-1")
    path = tmp_path / "late_latin1.csv"
    path.write_bytes(b"\n".join(rows) + b"\n")
    result = read_source(path, "csv", ReadOptions(display_path=path.name))
    assert result.failed
    assert "not valid UTF-8 in row 2501" in result.issues[-1].reason


def test_tabular_truncated_gzip_is_reported_after_the_rows_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every row before the cut is kept, though Arrow reads ahead in blocks."""
    monkeypatch.setattr(tabular, "_BLOCK_BYTES", 65536)
    rows = ["title,abstract"] + [
        f"Paper {i},{hashlib.sha256(str(i).encode()).hexdigest() * 8}" for i in range(4000)
    ]
    data = gzip.compress("\n".join(rows).encode(), compresslevel=1)
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(data[: int(len(data) * 0.8)])
    result = read_source(path, "csv", ReadOptions(display_path=path.name))
    read = [r.provenance.line_start for r in result.records]
    assert read == list(range(2, 2 + len(read)))
    assert len(read) < 4000
    cut = result.issues[-1]
    assert cut.severity == "error"
    assert "truncated or corrupt" in cut.reason
    cut_row = [i for i in result.issues[:-1] if i.severity == "error"]  # the row the cut split
    assert len(cut_row) <= 1
    assert cut.line == len(read) + 2 + len(cut_row)
    assert len(read) + len(cut_row) >= 3000  # the 80% of the file before the cut, not a block less


def write_parquet(path: Path) -> None:
    """The TSV sample as a Parquet file with typed columns and 4-row groups."""
    with TSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    rows[2]["abstract"] = ""
    table = pa.table(
        {
            "arxiv_id": [row["arxiv_id"] for row in rows],
            "title": [row["title"] for row in rows],
            "summary": [row["abstract"] for row in rows],
            "authors": [row["author_text"].split(", ") for row in rows],
            "published": [date.fromisoformat(row["created"]) for row in rows],
            "n_authors": [int(row["num_authors"]) for row in rows],
        }
    )
    pq.write_table(table, path, row_group_size=4)


def test_tabular_parquet_streams_row_groups_with_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "sample.parquet"
    write_parquet(path)
    assert pq.ParquetFile(path).num_row_groups == 3
    records, issues = read_all(read_parquet, path)
    assert [r.provenance.line_start for r in records] == [1, 2, 4, 5, 6, 7, 8, 9, 10, 11]
    assert [(i.line, i.severity) for i in issues] == [(3, "error")]
    first = records[0]
    assert first.id == "sample.parquet:1"
    assert first.provenance.parser == "parquet"
    assert (first.date, first.date_precision) == ("1998-09-04", "day")
    assert first.authors[:3] == ("Tom Barclay", "Robert Eberl", "Jim Gray")
    assert records[-1].arxiv_id == "1604.02363"


def test_tabular_parquet_missing_mapped_column_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "sample.parquet"
    write_parquet(path)
    with pytest.raises(IngestError, match=r"'abstract' \(sources\[\]\.mapping\.abstract\)"):
        read_all(read_parquet, path, mapping={"abstract": "abstract"})


def test_tabular_parquet_rejects_a_file_that_is_not_parquet() -> None:
    with pytest.raises(IngestError, match="not a readable Parquet file"):
        read_all(read_parquet, RENAMED)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Donald E. Knuth", ("Donald E. Knuth",)),
        ("Jeremy Howard and Sebastian Ruder", ("Jeremy Howard", "Sebastian Ruder")),
        ("Owen Kaser, Daniel Lemire", ("Owen Kaser", "Daniel Lemire")),
        (
            "Sebastien Gambs, Samuel Ranellucci, and Alain Tapp",
            ("Sebastien Gambs", "Samuel Ranellucci", "Alain Tapp"),
        ),
        ("Vaswani, Ashish; Shazeer, Noam", ("Ashish Vaswani", "Noam Shazeer")),
        (
            "Keith Vander Linden, ; Barbara Di Eugenio",
            ("Keith Vander Linden", "Barbara Di Eugenio"),
        ),
        ("Guy L. Steele, Jr., Richard P. Gabriel", ("Guy L. Steele Jr.", "Richard P. Gabriel")),
        ("A. Smith (MIT, USA), B. Jones (ETH)", ("A. Smith", "B. Jones")),
        ("", ()),
    ],
)
def test_tabular_split_authors(text: str, names: tuple[str, ...]) -> None:
    assert split_authors(text) == names


def test_tabular_resolve_mapping_prefers_mapping_then_aliases() -> None:
    columns = ["", "abstract", "arxiv_id", "author_text", "created", "primary_cat", "updated"]
    resolved = resolve_mapping(columns, {"date": "updated"}, "x.tsv")
    assert resolved == {
        "abstract": "abstract",
        "arxiv_id": "arxiv_id",
        "authors": "author_text",
        "category": "primary_cat",
        "date": "updated",
    }


def test_tabular_builder_reports_invalid_arxiv_id_and_keeps_the_record() -> None:
    builder = RecordBuilder({"abstract": "a", "arxiv_id": "id"}, display_path="f", parser="csv")
    record, issues = builder.build({"abstract": "Text.", "arxiv_id": "hal-01234567"}, 4, 4)
    assert record is not None
    assert record.arxiv_id is None
    assert [(i.line, i.severity) for i in issues] == [(4, "warning")]
    assert "not an arXiv id in column 'id'" in issues[0].reason


def test_tabular_builder_resolves_yearless_dates_with_reference_date() -> None:
    columns = {"abstract": "a", "date": "d"}
    with_reference = RecordBuilder(
        columns, display_path="f", parser="csv", reference_date=date(2026, 1, 30)
    )
    record, issues = with_reference.build({"abstract": "Text.", "date": "Jan 22"}, 2, 2)
    assert (record.date, issues) == ("2026-01-22", [])
    without = RecordBuilder(columns, display_path="f", parser="csv")
    record, issues = without.build({"abstract": "Text.", "date": "Jan 22"}, 2, 2)
    assert record.date is None
    assert "reference_date" in issues[0].reason
