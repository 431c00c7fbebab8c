"""BibTeX through bibtexparser v2: entries, derived fields and malformed blocks."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from topics.errors import IngestError
from topics.ingest import ReadOptions, get_reader, read_source
from topics.ingest.bibtex import read_bibtex
from topics.records import IngestIssue, Record

FORMATS = Path(__file__).resolve().parents[1] / "fixtures" / "formats"
BIB = FORMATS / "papers.bib"


def read_all(path: Path, **options) -> tuple[list[Record], list[IngestIssue]]:
    items = list(read_bibtex(path, ReadOptions(display_path=path.name, **options)))
    records = [item for item in items if isinstance(item, Record)]
    issues = [item for item in items if isinstance(item, IngestIssue)]
    return records, issues


@pytest.fixture(scope="module")
def entries() -> dict[str, Record]:
    records, _ = read_all(BIB)
    return {r.extra["bibtex_key"]: r for r in records}


def test_bibtex_reader_is_registered() -> None:
    assert get_reader("bibtex") is read_bibtex


def test_bibtex_good_entries_survive_malformed_ones() -> None:
    records, issues = read_all(BIB)
    assert [(r.extra["bibtex_key"], r.provenance.line_start) for r in records] == [
        ("vaswani2017attention", 6),
        ("devlin2019bert", 35),
        ("mikolov2013efficient", 61),
        ("peters2018deep", 78),
        ("howard2018universal", 120),
        ("bojanowski2017enriching", 139),
        ("bahdanau2015neural", 186),
        ("le2014distributed", 216),
    ]
    assert [(i.line, i.severity) for i in issues] == [
        (99, "error"),
        (112, "error"),
        (164, "error"),
        (211, "error"),
    ]


def test_bibtex_issue_reasons_name_the_entry() -> None:
    _, issues = read_all(BIB)
    missing_comma, no_abstract, unbalanced, duplicate = (i.reason for i in issues)
    assert missing_comma.startswith("entry 'joulin2016bag' cannot be parsed: Expected comma")
    assert no_abstract.startswith("entry 'sutskever2014sequence' has no abstract")
    assert unbalanced.startswith("entry 'luong2015effective' cannot be parsed")
    assert duplicate == (
        "duplicate entry key 'vaswani2017attention' (first used at line 6); this one is skipped"
    )


def test_bibtex_complete_entry(entries: dict[str, Record]) -> None:
    bert = entries["devlin2019bert"]
    assert bert.id == "papers.bib:35"
    assert bert.provenance.line_end == 59
    assert bert.provenance.parser == "bibtex"
    assert bert.title == (
        "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding"
    )
    assert bert.authors == ("Jacob Devlin", "Ming-Wei Chang", "Kenton Lee", "Kristina Toutanova")
    assert (bert.date, bert.date_precision, bert.year) == ("2019-06", "month", 2019)
    assert bert.venue.startswith("Proceedings of the 2019 Conference of the North American")
    assert bert.doi == "10.18653/v1/N19-1423"
    assert bert.keywords == ("language models", "transfer learning")
    assert bert.arxiv_id is None
    assert bert.abstract.startswith("We introduce a new language representation model called BERT")
    assert bert.extra == {"bibtex_key": "devlin2019bert", "bibtex_type": "inproceedings"}


def test_bibtex_latex_names_are_decoded_and_eprint_is_the_arxiv_id(
    entries: dict[str, Record],
) -> None:
    attention = entries["vaswani2017attention"]
    assert attention.authors[6] == "Łukasz Kaiser"
    assert attention.arxiv_id == "1706.03762"
    assert attention.category == "cs.CL"
    assert (attention.date, attention.date_precision) == ("2017-12", "month")


@pytest.mark.parametrize(
    ("key", "arxiv_id", "venue"),
    [
        ("mikolov2013efficient", "1301.3781", None),
        ("bahdanau2015neural", "1409.0473", "3rd International Conference on Learning "),
        ("le2014distributed", "1405.4053", None),
        ("howard2018universal", None, "Proceedings of the 56th Annual Meeting"),
    ],
)
def test_bibtex_arxiv_id_and_venue_sources(
    entries: dict[str, Record], key: str, arxiv_id: str | None, venue: str | None
) -> None:
    record = entries[key]
    assert record.arxiv_id == arxiv_id
    if venue is None:
        assert record.venue is None
    else:
        assert record.venue.startswith(venue)


def test_bibtex_dates_from_month_number_and_biblatex_date(entries: dict[str, Record]) -> None:
    assert entries["peters2018deep"].date == "2018-06"
    assert entries["howard2018universal"].date == "2018-07"
    assert (
        entries["mikolov2013efficient"].date,
        entries["mikolov2013efficient"].date_precision,
    ) == (
        "2013",
        "year",
    )


def test_bibtex_doi_url_prefix_is_removed(entries: dict[str, Record]) -> None:
    assert entries["howard2018universal"].doi == "10.18653/v1/P18-1031"


def test_bibtex_quoted_abstract_and_title_case_braces(entries: dict[str, Record]) -> None:
    elmo = entries["peters2018deep"]
    assert elmo.abstract.startswith("We introduce a new type of deep contextualized word")
    assert elmo.title == "Deep Contextualized Word Representations"
    assert entries["bahdanau2015neural"].venue.endswith("ICLR 2015")


def test_bibtex_repeated_field_keeps_the_first_value_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "repeated.bib"
    path.write_text(
        "@article{kaser2007removing,\n"
        "  title = {Removing Manually-Generated Boilerplate from Electronic Texts},\n"
        "  Title = {Removing boilerplate},\n"
        "  abstract = {Collaborative work on unstructured or semi-structured documents.},\n"
        "  abstract = {A second abstract.},\n"
        "  year = {2007}\n"
        "}\n",
        encoding="utf-8",
    )
    records, issues = read_all(path)
    (record,) = records
    assert record.title == "Removing Manually-Generated Boilerplate from Electronic Texts"
    assert record.abstract == "Collaborative work on unstructured or semi-structured documents."
    assert [(i.line, i.severity) for i in issues] == [(1, "warning")]
    assert "abstract, title" in issues[0].reason


def test_bibtex_mapping_to_a_field_no_entry_has_is_an_error() -> None:
    with pytest.raises(IngestError, match=r"'annote' \(sources\[\]\.mapping\.abstract\)"):
        read_all(BIB, mapping={"abstract": "annote"})


def test_bibtex_mapping_reads_abstract_from_another_field(tmp_path: Path) -> None:
    path = tmp_path / "annote.bib"
    path.write_text(
        "@misc{le2014distributed,\n"
        "  title = {Distributed Representations of Sentences and Documents},\n"
        "  annote = {Many machine learning algorithms require the input to be represented.},\n"
        "  year = 2014\n"
        "}\n",
        encoding="utf-8",
    )
    records, issues = read_all(path, mapping={"abstract": "annote"})
    assert issues == []
    assert records[0].abstract.startswith("Many machine learning algorithms")
    assert records[0].date == "2014"


def test_bibtex_parser_log_lines_are_held_back(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        read_all(BIB)
    assert not [r for r in caplog.records if r.name.startswith("bibtexparser")]


def test_bibtex_read_source_keeps_records_and_issues() -> None:
    result = read_source(BIB, "auto", ReadOptions(display_path="refs/papers.bib"))
    assert result.format == "bibtex"
    assert len(result.records) == 8
    assert str(result.issues[0]).startswith("refs/papers.bib:99: entry 'joulin2016bag'")


def test_bibtex_file_without_entries_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "strings.bib"
    path.write_text('@string{acl = "Association for Computational Linguistics"}\n', "utf-8")
    records, issues = read_all(path)
    assert records == []
    assert [(i.severity, i.reason) for i in issues] == [("warning", "no BibTeX entries found")]
