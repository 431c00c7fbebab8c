"""Dedupe on the real seeds, and on records built from their text.

The seed duplicates were found by reading all five files (and checked by
comparing every pair of abstracts): seven papers appear in two files each.
Look-alike pairs that are different works are listed too.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from topics.clean import clean_texts
from topics.config import DedupeConfig
from topics.dedupe import MERGE_COLUMNS, PAPER_COLUMNS, DedupeResult, dedupe_records
from topics.ingest import ReadOptions, read_source
from topics.records import Provenance, Record

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"

S000 = "seeds/000_8617d9ae6e1c7cf9.txt"
S001 = "seeds/001_d7cf43068f0acc59.txt"
S002 = "seeds/002_b62f7189c5c51910.txt"
S003 = "seeds/003_9f958b264ee6ecba.txt"
S004 = "seeds/004_3dc17ef68f22e90a.txt"

# Every cross-file duplicate in the seeds, and the rule that finds it.
SEED_GROUPS = {
    # NEVIS'22: listed in the profile (000, dated) and on the trending page (002, undated).
    frozenset({f"{S000}:19", f"{S002}:177"}): "title",
    # NormGrad: 001 has arXiv 1910.08823 but no title, 000 the title; the abstract links them.
    frozenset({f"{S000}:152", f"{S001}:35"}): "abstract",
    # Efficient parametrization: 003 (portal) drops "fixed" from 000's "universal, fixed".
    frozenset({f"{S000}:166", f"{S003}:1"}): "title",
    frozenset({f"{S000}:173", f"{S002}:47"}): "title",  # residual adapters
    frozenset({f"{S000}:180", f"{S004}:103"}): "title",  # iCaRL
    frozenset({f"{S002}:97", f"{S004}:58"}): "title",  # Knowledge distillation: a good teacher
    frozenset({f"{S002}:205", f"{S004}:82"}): "title",  # VTAB large-scale study
}
# Different works that start alike (each pair: two papers, not one).
DIFFERENT_WORKS = [
    # Dynamic residual adapters (arXiv 2006.00996) vs Efficient parametrization: both
    # open with "A practical shortcoming/limitation of deep neural networks is...".
    (f"{S001}:11", f"{S003}:1"),
    (f"{S001}:11", f"{S000}:166"),
    # "Data Augmentation Can Improve Robustness" vs "Fixing Data Augmentation to Improve
    # Adversarial Robustness": same first sentences, Jaccard 0.42.
    (f"{S000}:96", f"{S000}:124"),
    # AutoNovel vs its conference version "Automatically Discovering and Learning New
    # Visual Categories with Ranking Statistics": Jaccard 0.47.
    (f"{S000}:110", f"{S000}:145"),
]


@pytest.fixture(scope="module")
def seed_records() -> list[Record]:
    records = []
    for path in sorted(SEEDS.glob("*.txt")):
        result = read_source(path, "auto", ReadOptions(display_path=f"seeds/{path.name}"))
        assert not result.failed, [str(issue) for issue in result.issues]
        records.extend(result.records)
    return records


@pytest.fixture(scope="module")
def seed_result(seed_records: list[Record]) -> DedupeResult:
    return dedupe(seed_records)


def dedupe(records: list[Record], config: DedupeConfig = DedupeConfig()) -> DedupeResult:  # noqa: B008
    return dedupe_records(records, clean_texts([r.abstract for r in records]), config)


def groups_of(result: DedupeResult) -> set[frozenset[str]]:
    merged = result.papers[result.papers["n_records"] > 1]
    return {frozenset(ids.split(";")) for ids in merged["record_ids"]}


def paper_of(result: DedupeResult, record_id: str) -> pd.Series:
    rows = result.papers[
        result.papers["record_ids"].str.split(";").map(lambda ids: record_id in ids)
    ]
    assert len(rows) == 1, record_id
    return rows.iloc[0]


def by_id(records: list[Record], record_id: str) -> Record:
    return next(r for r in records if r.id == record_id)


def seed_line(name: str, line: int) -> str:
    return (SEEDS / Path(name).name).read_text(encoding="utf-8").splitlines()[line - 1]


def record(record_id: str, abstract: str, **fields: object) -> Record:
    file, line = record_id.rsplit(":", 1)
    provenance = Provenance(file, int(line), int(line), "test")
    return Record(id=record_id, abstract=abstract, provenance=provenance, **fields)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- seeds


def test_dedupe_seeds_merge_exactly_the_cross_file_duplicates(seed_result: DedupeResult) -> None:
    assert groups_of(seed_result) == set(SEED_GROUPS)
    merges = seed_result.merges
    assert len(merges) == len(SEED_GROUPS)
    for group, rule in SEED_GROUPS.items():
        row = merges[merges["record_id"].isin(group)]
        assert row["rule"].tolist() == [rule]
        assert {row["record_id"].iloc[0], row["matched_record_id"].iloc[0]} == group


def test_dedupe_seeds_keep_different_works_apart(seed_result: DedupeResult) -> None:
    for first, second in DIFFERENT_WORKS:
        assert paper_of(seed_result, first)["paper_id"] != paper_of(seed_result, second)["paper_id"]


def test_dedupe_seeds_merged_paper_takes_the_richest_fields(seed_result: DedupeResult) -> None:
    normgrad = paper_of(seed_result, f"{S001}:35")
    assert normgrad["paper_id"] == "arXiv:1910.08823"
    assert normgrad["title"] == "NormGrad: Finding the Pixels that Matter for Training"
    assert normgrad["arxiv_id"] == "1910.08823"
    assert (normgrad["date"], normgrad["date_precision"], normgrad["year"]) == (
        "2019-10-19",
        "day",
        2019,
    )
    assert normgrad["authors"] == "Sylvestre-Alvise Rebuffi; Ruth Fong; Xu Ji"
    assert normgrad["category"] == "CV"
    assert normgrad["sources"] == f"{S000}:152;{S001}:35"
    nevis = paper_of(seed_result, f"{S002}:177")
    assert nevis["date"] == "2022-11-15"  # from the dated profile listing, not the undated page
    parametrization = paper_of(seed_result, f"{S003}:1")
    assert parametrization["venue"] == "IEEE Conference on Computer Vision and Pattern Recognition"
    assert parametrization["date"] == "2018-03-27"  # both dated to the day: the first read wins


def test_dedupe_seeds_counts_and_order(
    seed_records: list[Record], seed_result: DedupeResult
) -> None:
    papers = seed_result.papers
    assert list(papers.columns) == list(PAPER_COLUMNS)
    assert list(seed_result.merges.columns) == list(MERGE_COLUMNS)
    assert len(papers) == len(seed_records) - len(SEED_GROUPS)
    assert papers["n_records"].sum() == len(seed_records)
    assert papers["paper_id"].is_unique
    assert str(papers["year"].dtype) == "Int64"
    first_records = [ids.split(";")[0] for ids in papers["record_ids"]]
    order = {r.id: i for i, r in enumerate(seed_records)}
    assert [order[i] for i in first_records] == sorted(order[i] for i in first_records)


def test_dedupe_seeds_are_deterministic(seed_records: list[Record]) -> None:
    first, second = dedupe(seed_records), dedupe(list(seed_records))
    pd.testing.assert_frame_equal(first.papers, second.papers)
    pd.testing.assert_frame_equal(first.merges, second.merges)


def test_dedupe_seed_paper_ids_do_not_depend_on_reading_order(seed_records: list[Record]) -> None:
    forward = dedupe(seed_records).papers
    backward = dedupe(seed_records[::-1]).papers
    assert set(forward["paper_id"]) == set(backward["paper_id"])
    assert paper_of(dedupe(seed_records[::-1]), f"{S001}:35")["paper_id"] == "arXiv:1910.08823"


@pytest.mark.parametrize(
    ("config", "expected_rules"),
    [
        # Without titles, the near-identical abstracts still find every group.
        (DedupeConfig(by_title=False), {"abstract"}),
        (DedupeConfig(by_abstract=False), {"title"}),
        (DedupeConfig(by_title=False, by_abstract=False), set()),
    ],
)
def test_dedupe_seed_rules_switch_off(
    seed_records: list[Record], config: DedupeConfig, expected_rules: set[str]
) -> None:
    result = dedupe(seed_records, config)
    assert set(result.merges["rule"]) == expected_rules
    expected = {g for g, rule in SEED_GROUPS.items() if config.by_abstract or rule == "title"}
    if not expected_rules:
        expected = set()
    assert groups_of(result) == expected


def test_dedupe_seed_threshold_one_keeps_only_identical_abstracts(
    seed_records: list[Record],
) -> None:
    # 000:166 and 003:1 differ by one word ("universal, fixed"): Jaccard 0.97 < 1.
    result = dedupe(seed_records, DedupeConfig(by_title=False, abstract_threshold=1.0))
    assert groups_of(result) == set(SEED_GROUPS) - {frozenset({f"{S000}:166", f"{S003}:1"})}
    assert (result.merges["similarity"] == 1.0).all()


# --------------------------------------------------------------------------- identities


def test_dedupe_never_merges_different_arxiv_ids_in_the_archive(archive_dir: Path) -> None:
    # cs.GL lists "The equations of the ideal latches" twice, as cs/0411009 and
    # 0804.0879: same title, same abstract, two arXiv submissions.
    path = archive_dir / "cs.GL.20200101dump.tsv.xz"
    mapping = {"abstract": "abstract", "title": "title", "arxiv_id": "arxiv_id", "date": "created"}
    records = read_source(
        path, "auto", ReadOptions(display_path=path.name, mapping=mapping)
    ).records
    latches = [r for r in records if r.title == "The equations of the ideal latches"]
    assert {r.arxiv_id for r in latches} == {"cs/0411009", "0804.0879"}
    assert latches[0].abstract == latches[1].abstract
    result = dedupe(records)
    assert len(result.papers) == len(records)
    assert result.merges.empty


def test_dedupe_open_record_joins_only_one_of_two_arxiv_ids(seed_records: list[Record]) -> None:
    # 000:152 (no id) matches 001:35 (1910.08823); a third copy claiming another id
    # must stay apart even though all three abstracts are identical.
    listed, profile = by_id(seed_records, f"{S001}:35"), by_id(seed_records, f"{S000}:152")
    impostor = replace(
        listed,
        id="other.txt:1",
        arxiv_id="1910.99999",
        provenance=Provenance("other.txt", 1, 1, "test"),
    )
    result = dedupe([listed, profile, impostor])
    assert len(result.papers) == 2
    assert set(result.papers["arxiv_id"]) == {"1910.08823", "1910.99999"}
    assert paper_of(result, f"{S000}:152")["arxiv_id"] == "1910.08823"


def test_dedupe_never_merges_different_dois(seed_records: list[Record]) -> None:
    # Same title and near-identical abstract (000:166 vs 003:1), but two DOIs.
    profile, portal = by_id(seed_records, f"{S000}:166"), by_id(seed_records, f"{S003}:1")
    result = dedupe(
        [replace(profile, doi="10.1109/CVPR.2018.00847"), replace(portal, doi="10.5555/other")]
    )
    assert len(result.papers) == 2
    assert set(result.papers["paper_id"]) == {"doi:10.1109/cvpr.2018.00847", "doi:10.5555/other"}


def test_dedupe_merges_on_doi_written_differently(seed_records: list[Record]) -> None:
    portal = by_id(seed_records, f"{S003}:1")
    untitled = record(
        "refs.bib:12", seed_line(S000, 171), doi="https://doi.org/10.1109/CVPR.2018.00847"
    )
    result = dedupe([replace(portal, doi="10.1109/cvpr.2018.00847"), untitled])
    assert len(result.papers) == 1
    assert result.merges["rule"].tolist() == ["doi"]
    assert result.papers["paper_id"].tolist() == ["doi:10.1109/cvpr.2018.00847"]


def test_dedupe_reads_arxiv_datacite_doi_as_arxiv_id(seed_records: list[Record]) -> None:
    listed = by_id(seed_records, f"{S001}:35")
    cited = record(
        "refs.bib:3", "A different text for the same work.", doi="10.48550/arXiv.1910.08823"
    )
    result = dedupe([cited, listed])
    assert result.papers["paper_id"].tolist() == ["arXiv:1910.08823"]
    assert result.merges["rule"].tolist() == ["arxiv_id"]


def test_dedupe_same_arxiv_id_is_kept_as_two_papers_when_the_rule_is_off(
    seed_records: list[Record],
) -> None:
    listed = by_id(seed_records, f"{S001}:35")
    again = replace(listed, id="again.txt:1", provenance=Provenance("again.txt", 1, 1, "test"))
    config = DedupeConfig(by_arxiv_id=False, by_title=False)
    result = dedupe([listed, again], config)
    assert result.papers["paper_id"].tolist() == ["arXiv:1910.08823", "arXiv:1910.08823-2"]


# --------------------------------------------------------------------------- richest metadata


def test_dedupe_prefers_full_abstract_full_author_list_and_precise_date(
    seed_records: list[Record],
) -> None:
    full = seed_line(S000, 157)  # NormGrad's abstract in the profile listing
    preview = record(
        "feed.txt:4",
        full[:300].rsplit(" ", 1)[0] + " …",
        arxiv_id="1910.08823",
        date="2019-10",
        date_precision="month",
        year=2019,
        date_resolution="from arXiv id",
        authors=("Sylvestre-Alvise Rebuffi", "Ruth Fong", "Xu Ji", "Andrea Vedaldi"),
        extra={"truncated": "true"},
    )
    listed, profile = by_id(seed_records, f"{S001}:35"), by_id(seed_records, f"{S000}:152")
    records = [preview, listed, profile]
    texts = clean_texts([r.abstract for r in records])
    papers = dedupe_records(records, texts).papers
    assert len(papers) == 1
    paper = papers.iloc[0]
    assert paper["title"] == profile.title
    assert paper["abstract"] == listed.abstract  # full, and read before the equal profile copy
    assert paper["text"] == texts[1]
    assert (paper["date"], paper["date_precision"], paper["date_resolution"]) == (
        "2019-10-19",
        "day",
        "explicit",
    )
    assert paper["authors"] == "Sylvestre-Alvise Rebuffi; Ruth Fong; Xu Ji; Andrea Vedaldi"
    assert paper["n_records"] == 3


def test_dedupe_prefers_a_stated_date_over_an_inferred_one(seed_records: list[Record]) -> None:
    # 000:54 is printed "Jan 22" without a year; the year was inferred.
    inferred = by_id(seed_records, f"{S000}:54")
    assert inferred.date_resolution != "explicit"
    stated = replace(
        inferred,
        id="portal.txt:1",
        provenance=Provenance("portal.txt", 1, 1, "test"),
        date="2026-01-21",
        year=2026,
        date_resolution="explicit",
    )
    year_only = replace(stated, id="bib.txt:1", date="2025", date_precision="year", year=2025)
    papers = dedupe([year_only, inferred, stated]).papers
    assert len(papers) == 1
    assert (papers["date"].iloc[0], papers["year"].iloc[0]) == ("2026-01-21", 2026)


@pytest.mark.parametrize("ending", ["...", " …", ""])
def test_dedupe_truncated_preview_joins_its_full_abstract(
    seed_records: list[Record], ending: str
) -> None:
    # A preview cut with an ellipsis, or simply much shorter than the full text.
    trending = by_id(seed_records, f"{S002}:177")  # NEVIS'22, full abstract
    preview = record("feed.txt:9", seed_line(S000, 24)[:420] + ending)
    result = dedupe([preview, trending])
    assert len(result.papers) == 1
    merge = result.merges.iloc[0]
    assert merge["rule"] == "abstract"
    assert merge["similarity"] >= 0.95
    assert result.papers["abstract"].iloc[0] == trending.abstract


def test_dedupe_lsh_finds_copies_edited_at_both_ends(seed_records: list[Record]) -> None:
    # No shared first or last words, so only MinHash LSH can pair these two.
    trending = by_id(seed_records, f"{S002}:177")
    words = trending.abstract.split()
    edited = record("copy.txt:1", " ".join(["Overall,", "a", *words[1:-3], "and", "speed."]))
    result = dedupe([edited, trending])
    assert len(result.papers) == 1
    assert result.merges["rule"].tolist() == ["abstract"]
    assert 0.9 < result.merges["similarity"].iloc[0] < 1


def test_dedupe_short_preview_is_not_enough_to_merge(seed_records: list[Record]) -> None:
    # Ten words are shared by many abstracts ("Adversarial training suffers from robust
    # overfitting, a phenomenon where..." opens two different 000 papers).
    trending = by_id(seed_records, f"{S002}:177")
    preview = record("feed.txt:9", " ".join(trending.abstract.split()[:12]) + " …")
    assert len(dedupe([preview, trending]).papers) == 2


# --------------------------------------------------------------------------- paper ids


def test_dedupe_paper_id_hashes_the_normalised_title(seed_records: list[Record]) -> None:
    imagen = by_id(seed_records, f"{S000}:61")
    assert imagen.title == "Imagen 3"
    # A second, different paper with the same short title: never merged, id disambiguated.
    other = replace(
        by_id(seed_records, f"{S000}:68"),
        id="other.txt:2",
        title="Imagen 3",
        provenance=Provenance("other.txt", 2, 2, "test"),
    )
    papers = dedupe([imagen, other]).papers
    expected = "p-" + hashlib.sha1(b"imagen 3").hexdigest()[:12]
    assert papers["paper_id"].tolist() == [expected, f"{expected}-2"]


def test_dedupe_paper_id_of_untitled_record_hashes_the_text() -> None:
    text = "We study robust overfitting in adversarial training on CIFAR-10 and SVHN."
    papers = dedupe_records([record("a.txt:1", text)], [text]).papers
    expected = "p-" + hashlib.sha1(text.casefold().encode()).hexdigest()[:12]
    assert papers["paper_id"].tolist() == [expected]


# --------------------------------------------------------------------------- edges


def test_dedupe_rejects_texts_not_aligned_with_records(seed_records: list[Record]) -> None:
    with pytest.raises(ValueError, match="aligned"):
        dedupe_records(seed_records[:3], ["only one text"])


def test_dedupe_empty_input() -> None:
    result = dedupe_records([], [])
    assert list(result.papers.columns) == list(PAPER_COLUMNS)
    assert result.papers.empty
    assert list(result.merges.columns) == list(MERGE_COLUMNS)
    assert result.merges.empty


def test_dedupe_does_not_change_its_inputs(seed_records: list[Record]) -> None:
    records = list(seed_records[:40])
    texts = clean_texts([r.abstract for r in records])
    before = (list(records), list(texts))
    dedupe_records(records, texts)
    assert (records, texts) == before
