"""JSON Lines and the arXiv metadata snapshot."""

from __future__ import annotations

import gzip
import hashlib
import json
import lzma
from pathlib import Path

import pytest

from topics.errors import IngestError
from topics.ingest import ReadOptions, detect_format, get_reader, read_source
from topics.ingest.jsonl import read_arxiv_snapshot, read_jsonl, snapshot_fields
from topics.records import IngestIssue, Record

FORMATS = Path(__file__).resolve().parents[1] / "fixtures" / "formats"
JSONL = FORMATS / "papers.jsonl"
SNAPSHOT = FORMATS / "arxiv-metadata-oai-snapshot.json"


def read_all(reader, path: Path, **options) -> tuple[list[Record], list[IngestIssue]]:
    items = list(reader(path, ReadOptions(display_path=path.name, **options)))
    records = [item for item in items if isinstance(item, Record)]
    issues = [item for item in items if isinstance(item, IngestIssue)]
    return records, issues


def test_jsonl_readers_are_registered_and_detected() -> None:
    assert get_reader("jsonl") is read_jsonl
    assert get_reader("arxiv_snapshot") is read_arxiv_snapshot
    assert detect_format(SNAPSHOT, SNAPSHOT.name) == "arxiv_snapshot"
    assert detect_format(JSONL, JSONL.name) == "jsonl"


def test_jsonl_bad_lines_are_reported_and_reading_goes_on() -> None:
    records, issues = read_all(read_jsonl, JSONL)
    assert [r.provenance.line_start for r in records] == [1, 2, 3, 6, 8, 10]
    assert [(i.line, i.severity) for i in issues] == [(5, "error"), (7, "error"), (9, "error")]
    truncated, array, no_summary = issues
    assert truncated.reason.startswith("invalid JSON (Unterminated string")
    assert truncated.excerpt.startswith('{"arxiv": "1504.04800"')
    assert "expected a JSON object, got list" in array.reason
    assert "no abstract" in no_summary.reason
    assert "'summary'" in no_summary.reason
    assert no_summary.excerpt == "Scientific citations in Wikipedia"


def test_jsonl_default_aliases_map_api_style_keys() -> None:
    records, _ = read_all(read_jsonl, JSONL)
    first = records[0]
    assert first.id == "papers.jsonl:1"
    assert first.arxiv_id == "1501.02084"
    assert first.title == "Reviving the past: the growth of citations to old documents"
    assert first.abstract.startswith("In this Digest we review a recent study released by")
    assert first.authors == (
        "Alberto Martín-Martín",
        "Enrique Orduña-Malea",
        "Juan Manuel Ayllón",
        "Emilio Delgado López-Cózar",
    )
    assert (first.date, first.date_precision) == ("2015-01-09", "day")
    assert first.category == "cs.DL"
    assert first.comments == "13 pages, 4 tables, 3 figures"
    assert first.provenance.parser == "jsonl"


def test_jsonl_values_are_repaired_and_normalised() -> None:
    records, _ = read_all(read_jsonl, JSONL)
    by_line = {r.provenance.line_start: r for r in records}
    assert by_line[3].arxiv_id == "1502.04250"
    assert (by_line[6].date, by_line[6].date_precision) == ("2016-04-08", "day")
    assert by_line[8].authors == ("Riccardo Mannella", "Paolo Rossi")
    assert by_line[2].doi == "10.1016/j.ejor.2015.04.002"


def test_jsonl_mapping_names_a_key_no_object_has() -> None:
    with pytest.raises(IngestError) as error:
        read_all(read_jsonl, JSONL, mapping={"title": "headline"})
    message = str(error.value)
    assert "'headline' (sources[].mapping.title)" in message
    assert "'summary'" in message


def test_jsonl_mapping_accepts_a_key_missing_from_the_first_object(tmp_path: Path) -> None:
    lines = [line for line in JSONL.read_text(encoding="utf-8").splitlines() if line][:3]
    objects = [json.loads(line) for line in lines]
    assert "doi" not in objects[0]
    assert "doi" in objects[1]
    path = tmp_path / "optional.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    records, issues = read_all(read_jsonl, path, mapping={"doi": "doi", "abstract": "summary"})
    assert [r.doi for r in records] == [None, "10.1016/j.ejor.2015.04.002", None]
    assert issues == []


def test_jsonl_pretty_printed_json_array_is_refused(tmp_path: Path) -> None:
    objects = [json.loads(line) for line in JSONL.read_text(encoding="utf-8").splitlines()[:2]]
    path = tmp_path / "papers.json"
    path.write_text(json.dumps(objects, indent=2), encoding="utf-8")
    with pytest.raises(IngestError, match="not JSON Lines"):
        read_all(read_jsonl, path)


def test_jsonl_only_bad_lines_gives_only_errors(tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_text('{"title": "A"\n{"title": \n', encoding="utf-8")
    result = read_source(path, "jsonl", ReadOptions(display_path=path.name))
    assert result.failed
    assert [(i.line, i.severity) for i in result.issues] == [(1, "error"), (2, "error")]


def test_jsonl_snapshot_first_line_complete_record() -> None:
    records, issues = read_all(read_arxiv_snapshot, SNAPSHOT)
    assert issues == []
    first = records[0]
    assert first.id == "arxiv-metadata-oai-snapshot.json:1"
    assert first.arxiv_id == "0704.0001"
    assert first.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert first.authors == ("C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan")
    assert (first.date, first.date_precision, first.year) == ("2007-04-02", "day", 2007)
    assert first.category == "hep-ph"
    assert first.venue == "Phys.Rev.D76:013009,2007"
    assert first.doi == "10.1103/PhysRevD.76.013009"
    assert first.comments == "37 pages, 15 figures; published version"
    assert first.abstract.startswith("A fully differential calculation in perturbative")
    assert first.abstract.endswith("selection of events.")
    assert first.provenance.parser == "arxiv_snapshot"


def test_jsonl_snapshot_reads_every_line() -> None:
    records, _ = read_all(read_arxiv_snapshot, SNAPSHOT)
    assert [r.arxiv_id for r in records] == [
        "0704.0001",
        "1706.03762",
        "1810.04805",
        "1802.05365",
        "1301.3781",
        "1207.3499",
        "1604.02363",
        "1706.08806",
        "1501.05462",
        "cs/0005004",
    ]
    assert [r.provenance.line_start for r in records] == list(range(1, 11))
    by_id = {r.arxiv_id: r for r in records}
    impact = by_id["1706.08806"]
    assert impact.title == (
        "The Individual Impact Index ($i^3$) Statistic: A Novel Article-Level Citation Metric"
    )
    assert by_id["1207.3499"].category == "physics.soc-ph"
    assert by_id["1706.03762"].authors[-1] == "Illia Polosukhin"
    assert by_id["1501.05462"].venue.startswith("European Journal of Operational Research")


def test_jsonl_snapshot_without_versions_is_dated_by_its_id(tmp_path: Path) -> None:
    obj = json.loads(SNAPSHOT.read_text(encoding="utf-8").splitlines()[0])
    del obj["versions"]
    path = tmp_path / "arxiv-snapshot-part.json.gz"
    path.write_bytes(gzip.compress((json.dumps(obj) + "\n").encode()))
    result = read_source(path, "auto", ReadOptions(display_path=path.name))
    assert result.format == "arxiv_snapshot"
    (record,) = result.records
    assert (record.date, record.date_precision) == ("2007-04", "month")
    assert record.date_resolution == "from arXiv id"


def test_jsonl_snapshot_fields_prefers_authors_parsed_and_v1() -> None:
    fields = snapshot_fields(
        {
            "id": "1810.04805",
            "authors": "Jacob Devlin, Ming-Wei Chang, Kenton Lee and Kristina Toutanova",
            "categories": "cs.CL",
            "versions": [
                {"version": "v2", "created": "Fri, 24 May 2019 20:37:26 GMT"},
                {"version": "v1", "created": "Thu, 11 Oct 2018 00:50:01 GMT"},
            ],
            "update_date": "2019-05-28",
        }
    )
    assert fields["date"] == "2018-10-11"
    assert fields["authors"] == "Jacob Devlin, Ming-Wei Chang, Kenton Lee and Kristina Toutanova"
    assert fields["arxiv_id"] == "1810.04805"
    assert fields["category"] == "cs.CL"


def test_jsonl_invalid_utf8_line_is_reported_at_its_line(tmp_path: Path) -> None:
    line = JSONL.read_text(encoding="utf-8").splitlines()[0].encode()
    path = tmp_path / "late_latin1.jsonl"
    path.write_bytes(b"\n".join([line] * 200 + [b'{"title": "caf\xe9"}', line]) + b"\n")
    result = read_source(path, "jsonl", ReadOptions(display_path=path.name))
    assert len(result.records) == 201
    (issue,) = result.issues
    assert (issue.line, issue.severity) == (201, "error")
    assert issue.reason.startswith("not valid UTF-8")


def test_jsonl_truncated_xz_keeps_the_lines_before_the_cut(tmp_path: Path) -> None:
    first = json.loads(JSONL.read_text(encoding="utf-8").splitlines()[0])
    lines = [
        json.dumps({**first, "note": hashlib.sha256(str(i).encode()).hexdigest() * 20})
        for i in range(1200)
    ]
    data = lzma.compress(("\n".join(lines) + "\n").encode())
    path = tmp_path / "cut.jsonl.xz"
    path.write_bytes(data[: len(data) * 3 // 4])
    result = read_source(path, "jsonl", ReadOptions(display_path=path.name))
    cut = result.issues[-1]
    assert "truncated or corrupt" in cut.reason
    assert [r.provenance.line_start for r in result.records] == list(range(1, cut.line))
