"""Author-profile listings: seeds 000 (blank-line layout) and 004 (title glued to authors)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from topics.ingest import ReadOptions, read_source
from topics.ingest.profile import (
    AuthorList,
    parse_author_list,
    parse_header,
    read_profile_listing,
    sniff,
    split_title_authors,
)
from topics.records import IngestIssue, Provenance, Record

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"
EDGE = REPO / "tests" / "fixtures" / "seeds_edge"
SEED_000 = SEEDS / "000_8617d9ae6e1c7cf9.txt"
SEED_004 = SEEDS / "004_3dc17ef68f22e90a.txt"
PROFILE_000 = "Sylvestre-Alvise Rebuffi"


def read(path: Path, reference_date: date | None = None) -> tuple[list[Record], list[IngestIssue]]:
    options = ReadOptions(display_path=path.name, reference_date=reference_date)
    items = list(read_profile_listing(path, options))
    records = [item for item in items if isinstance(item, Record)]
    issues = [item for item in items if isinstance(item, IngestIssue)]
    assert len(records) + len(issues) == len(items)
    return records, issues


def by_line(records: list[Record], line: int) -> Record:
    return next(record for record in records if record.provenance.line_start == line)


def raw_line(path: Path, number: int) -> str:
    return path.read_text(encoding="utf-8").split("\n")[number - 1]


# --- seed 000 ---------------------------------------------------------------------------


def test_profile_seed_000_record_count() -> None:
    # 25 header lines (grep of "<CAT><Mon> <d>"), and the page announces "25 Papers".
    records, _ = read(SEED_000)
    assert len(records) == 25


def test_profile_seed_000_only_the_reference_date_issue() -> None:
    _, issues = read(SEED_000)
    assert len(issues) == 1
    assert issues[0].severity == "info"
    assert "2025-12-18 (newest dated entry in file)" in issues[0].reason
    assert "2 date(s) printed without a year" in issues[0].reason


def test_profile_seed_000_first_record_complete() -> None:
    record = by_line(read(SEED_000)[0], 12)
    assert record.id == "000_8617d9ae6e1c7cf9.txt:12"
    assert record.provenance == Provenance("000_8617d9ae6e1c7cf9.txt", 12, 17, "profile_listing")
    assert record.title == (
        "Generative models improve fairness of medical classifiers under distribution shifts"
    )
    assert record.authors == ("Ira Ktena", "Olivia Wiles", "Isabela Albuquerque")
    assert record.organisations == ("deepmind",)
    assert record.category == "CV"
    assert (record.date, record.date_precision, record.year) == ("2023-04-18", "day", 2023)
    assert record.date_resolution == "explicit"
    assert record.abstract == raw_line(SEED_000, 17)
    assert record.abstract.startswith("A ubiquitous challenge in machine learning")
    assert record.arxiv_id is None
    assert record.venue is None
    assert record.extra == {"date_text": "Apr 18, 2023", "et_al": "true", "profile": PROFILE_000}


def test_profile_seed_000_yearless_date_is_inferred_after_newest_entry() -> None:
    # "CVJan 22" is DistSeal, arXiv 2601.16140, first posted 2026-01-22.
    record = by_line(read(SEED_000)[0], 54)
    assert record.title == "Learning to Watermark in the Latent Space of Generative Models"
    assert record.authors == ("Sylvestre-Alvise Rebuffi", "Tuan Tran", "Valeriu Lacatusu")
    assert record.organisations == ()
    assert record.category == "CV"
    assert (record.date, record.date_precision, record.year) == ("2026-01-22", "day", 2026)
    assert record.date_resolution == (
        "year inferred: next after reference date 2025-12-18 (newest dated entry in file)"
    )
    assert record.provenance == Provenance("000_8617d9ae6e1c7cf9.txt", 54, 59, "profile_listing")
    assert record.extra["date_text"] == "Jan 22"


def test_profile_seed_000_score_prefix_and_yearless_date() -> None:
    record = by_line(read(SEED_000)[0], 68)
    assert record.title == (
        "TextSeal: A Localized LLM Watermark for Provenance & Distillation Protection"
    )
    assert record.authors == ("Tom Sander", "Hongyan Chang", "Tomáš Souček")
    assert record.organisations == ()
    assert record.category == "CR"
    assert (record.date, record.date_precision, record.year) == ("2026-05-12", "day", 2026)
    assert record.provenance == Provenance("000_8617d9ae6e1c7cf9.txt", 68, 73, "profile_listing")
    assert record.extra == {
        "date_text": "May 12",
        "score": "97.0",
        "et_al": "true",
        "profile": PROFILE_000,
    }


def test_profile_seed_000_code_suffix() -> None:
    record = by_line(read(SEED_000)[0], 75)
    assert record.title == (
        "Transferable Black-Box One-Shot Forging of Watermarks via Image Preference Models"
    )
    assert record.authors == ("Tomáš Souček", "Sylvestre-Alvise Rebuffi", "Pierre Fernandez")
    assert record.category == "LG"
    assert (record.date, record.date_precision, record.year) == ("2025-10-23", "day", 2025)
    assert record.date_resolution == "explicit"
    assert record.extra["code"] == "true"
    assert "score" not in record.extra


def test_profile_seed_000_team_author_and_short_title() -> None:
    record = by_line(read(SEED_000)[0], 61)
    assert record.title == "Imagen 3"
    assert record.authors == ("Imagen-Team-Google", "Jason Baldridge", "Jakob Bauer")
    assert (record.date, record.category) == ("2024-08-13", "CV")
    assert record.provenance.line_end == 66


def test_profile_seed_000_last_record_without_final_newline() -> None:
    record = by_line(read(SEED_000)[0], 180)
    assert record.title == "iCaRL: Incremental Classifier and Representation Learning"
    assert record.authors == ("Sylvestre-Alvise Rebuffi", "Alexander Kolesnikov", "Georg Sperl")
    assert (record.date, record.date_precision, record.year) == ("2016-11-23", "day", 2016)
    assert record.provenance == Provenance("000_8617d9ae6e1c7cf9.txt", 180, 185, "profile_listing")
    assert record.abstract.endswith("where other strategies quickly fail.")


def test_profile_seed_000_full_author_list_without_et_al() -> None:
    record = by_line(read(SEED_000)[0], 166)
    assert record.title == "Efficient parametrization of multi-domain deep neural networks"
    assert record.authors == ("Sylvestre-Alvise Rebuffi", "Hakan Bilen", "Andrea Vedaldi")
    assert "et_al" not in record.extra
    assert (record.date, record.category) == ("2018-03-27", "CV")


def test_profile_seed_000_every_abstract_is_its_source_line() -> None:
    records, _ = read(SEED_000)
    for record in records:
        assert record.abstract == raw_line(SEED_000, record.provenance.line_end)
        assert raw_line(SEED_000, record.provenance.line_start + 1) == record.title
        assert "truncated" not in record.extra  # every 000 abstract ends with a full sentence


def test_profile_seed_000_reference_date_from_options() -> None:
    records, issues = read(SEED_000, reference_date=date(2026, 1, 31))
    jan, may = by_line(records, 54), by_line(records, 68)
    assert (jan.date, jan.year) == ("2026-01-22", 2026)
    assert (may.date, may.year) == ("2025-05-12", 2025)
    assert jan.date_resolution == "year from config reference date 2026-01-31"
    assert by_line(records, 12).date_resolution == "explicit"
    assert [i.reason for i in issues if i.severity == "info"] == [
        "reference date 2026-01-31 (reference_date from the config); 2 date(s) printed without "
        "a year resolved to the latest year not after it"
    ]


def test_profile_announced_count_mismatch_warns(tmp_path: Path) -> None:
    doctored = tmp_path / "000_doctored.txt"
    lines = SEED_000.read_text(encoding="utf-8").split("\n")
    assert lines[9] == "25 Papers"
    del lines[172:179]  # drop "Learning multiple visual domains with residual adapters"
    doctored.write_text("\n".join(lines), encoding="utf-8")
    records, issues = read(doctored)
    assert len(records) == 24
    warnings = [i for i in issues if i.severity == "warning"]
    assert len(warnings) == 1  # "25papers" and "25 Papers" announce the same number
    assert warnings[0].line == 5
    assert "announces 25 papers but 24 were parsed" in warnings[0].reason


def test_profile_announced_count_change_alone_warns(tmp_path: Path) -> None:
    doctored = tmp_path / "000_doctored.txt"
    doctored.write_text(
        SEED_000.read_text(encoding="utf-8").replace("\n25 Papers\n", "\n26 Papers\n"),
        encoding="utf-8",
    )
    _, issues = read(doctored)
    warnings = [(i.line, i.reason) for i in issues if i.severity == "warning"]
    assert warnings == [
        (
            10,
            "the page announces 26 papers but 25 were parsed from 25 paper headers; "
            "the scrape may be incomplete",
        )
    ]


# --- seed 004 ---------------------------------------------------------------------------

SEED_004_RECORDS = [
    (
        1,
        "Sigmoid Loss for Language Image Pre-Training",
        ["Xiaohua Zhai", "Basil Mustafa", "Alexander Kolesnikov"],
        ["deepmind"],
    ),
    (
        4,
        "FlexiViT: One Model for All Patch Sizes",
        ["Lucas Beyer", "Pavel Izmailov", "Alexander Kolesnikov"],
        ["deepmind", "openai"],
    ),
    (
        7,
        "PaLI: A Jointly-Scaled Multilingual Language-Image Model",
        ["Xi Chen", "Xiao Wang", "Soravit Changpinyo"],
        ["deepmind"],
    ),
    (
        10,
        "Scaling Vision Transformers to 22 Billion Parameters",
        ["Mostafa Dehghani", "Josip Djolonga", "Basil Mustafa"],
        ["deepmind"],
    ),
    (
        13,
        "PaliGemma: A versatile 3B VLM for transfer",
        ["Lucas Beyer", "Andreas Steiner", "André Susano Pinto"],
        ["deepmind", "oxford"],
    ),
    (
        16,
        "UViM: A Unified Modeling Approach for Vision with Learned Guiding Codes",
        ["Alexander Kolesnikov", "André Susano Pinto", "Lucas Beyer"],
        ["deepmind"],
    ),
    (
        19,
        "Better plain ViT baselines for ImageNet-1k",
        ["Lucas Beyer", "Xiaohua Zhai", "Alexander Kolesnikov"],
        ["deepmind"],
    ),
    (
        22,
        "PaLI-3 Vision Language Models: Smaller, Faster, Stronger",
        ["Xi Chen", "Xiao Wang", "Lucas Beyer"],
        ["deepmind"],
    ),
    (
        25,
        "Tuning computer vision models with task rewards",
        ["André Susano Pinto", "Alexander Kolesnikov", "Yuge Shi"],
        ["deepmind"],
    ),
    (
        28,
        "A Study of Autoregressive Decoders for Multi-Tasking in Computer Vision",
        ["Lucas Beyer", "Bo Wan", "Gagan Madan"],
        ["deepmind"],
    ),
    (
        31,
        "Capturing dynamical correlations using implicit neural representations",
        ["Sathya Chitturi", "Zhurun Ji", "Alexander Petsch"],
        [],
    ),
    (
        34,
        "Gemma 3 Technical Report",
        ["Gemma Team", "Aishwarya Kamath", "Johan Ferret"],
        ["deepmind", "mit"],
    ),
    (
        37,
        "JetFormer: An Autoregressive Generative Model of Raw Images and Text",
        ["Michael Tschannen", "André Susano Pinto", "Alexander Kolesnikov"],
        [],
    ),
    (
        40,
        "Jet: A Modern Transformer-Based Normalizing Flow",
        ["Alexander Kolesnikov", "André Susano Pinto", "Michael Tschannen"],
        [],
    ),
    (
        43,
        "Toward a Diffusion-Based Generalist for Dense Vision Tasks",
        ["Yue Fan", "Yongqin Xian", "Xiaohua Zhai"],
        [],
    ),
    (
        46,
        "PaLI-X: On Scaling up a Multilingual Vision and Language Model",
        ["Xi Chen", "Josip Djolonga", "Piotr Padlewski"],
        [],
    ),
    (
        49,
        "Getting ViT in Shape: Scaling Laws for Compute-Optimal Model Design",
        ["Ibrahim Alabdulmohsin", "Xiaohua Zhai", "Alexander Kolesnikov"],
        [],
    ),
    (
        52,
        "LiT: Zero-Shot Transfer with Locked-image text Tuning",
        ["Xiaohua Zhai", "Xiao Wang", "Basil Mustafa"],
        [],
    ),
    (
        55,
        "How to train your ViT? Data, Augmentation, and Regularization in Vision Transformers",
        ["Andreas Steiner", "Alexander Kolesnikov", "Xiaohua Zhai"],
        [],
    ),
    (
        58,
        "Knowledge distillation: A good teacher is patient and consistent",
        ["Lucas Beyer", "Xiaohua Zhai", "Amélie Royer"],
        [],
    ),
    (
        61,
        "Scaling Vision Transformers",
        ["Xiaohua Zhai", "Alexander Kolesnikov", "Neil Houlsby"],
        [],
    ),
    (
        64,
        "MLP-Mixer: An all-MLP Architecture for Vision",
        ["Ilya Tolstikhin", "Neil Houlsby", "Alexander Kolesnikov"],
        [],
    ),
    (
        67,
        "SI-Score: An image dataset for fine-grained analysis of robustness to object location, "
        "rotation and size",
        ["Jessica Yung", "Rob Romijnders", "Alexander Kolesnikov"],
        [],
    ),
    (
        70,
        "An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale",
        ["Alexey Dosovitskiy", "Lucas Beyer", "Alexander Kolesnikov"],
        [],
    ),
    (
        73,
        "On Robustness and Transferability of Convolutional Neural Networks",
        ["Josip Djolonga", "Jessica Yung", "Michael Tschannen"],
        [],
    ),
    (
        76,
        "Are we done with ImageNet?",
        ["Lucas Beyer", "Olivier J. Hénaff", "Alexander Kolesnikov"],
        [],
    ),
    (
        79,
        "Big Transfer (BiT): General Visual Representation Learning",
        ["Alexander Kolesnikov", "Lucas Beyer", "Xiaohua Zhai"],
        [],
    ),
    (
        82,
        "A Large-scale Study of Representation Learning with the Visual Task Adaptation Benchmark",
        ["Xiaohua Zhai", "Joan Puigcerver", "Alexander Kolesnikov"],
        [],
    ),
    (
        85,
        "S4L: Self-Supervised Semi-Supervised Learning",
        ["Xiaohua Zhai", "Avital Oliver", "Alexander Kolesnikov"],
        [],
    ),
    (
        88,
        "Revisiting Self-Supervised Visual Representation Learning",
        ["Alexander Kolesnikov", "Xiaohua Zhai", "Lucas Beyer"],
        [],
    ),
    (
        91,
        "The Open Images Dataset V4: Unified image classification, object detection, and visual "
        "relationship detection at scale",
        ["Alina Kuznetsova", "Hassan Rom", "Neil Alldrin"],
        [],
    ),
    (
        94,
        "Detecting Visual Relationships Using Box Attention",
        ["Alexander Kolesnikov", "Alina Kuznetsova", "Christoph H. Lampert"],
        [],
    ),
    (
        97,
        "Probabilistic Image Colorization",
        ["Amelie Royer", "Alexander Kolesnikov", "Christoph H. Lampert"],
        [],
    ),
    (
        100,
        "PixelCNN Models with Auxiliary Variables for Natural Image Modeling",
        ["Alexander Kolesnikov", "Christoph H. Lampert"],
        [],
    ),
    (
        103,
        "iCaRL: Incremental Classifier and Representation Learning",
        ["Sylvestre-Alvise Rebuffi", "Alexander Kolesnikov", "Georg Sperl"],
        [],
    ),
    (
        106,
        "Improving Weakly-Supervised Object Localization By Micro-Annotation",
        ["Alexander Kolesnikov", "Christoph H. Lampert"],
        [],
    ),
    (
        109,
        "Seed, Expand and Constrain: Three Principles for Weakly-Supervised Image Segmentation",
        ["Alexander Kolesnikov", "Christoph H. Lampert"],
        [],
    ),
    (
        112,
        "Identifying Reliable Annotations for Large Scale Image Segmentation",
        ["Alexander Kolesnikov", "Christoph H. Lampert"],
        [],
    ),
    (
        115,
        "Closed-Form Training of Conditional Random Fields for Large Scale Image Segmentation",
        ["Alexander Kolesnikov", "Matthieu Guillaumin", "Vittorio Ferrari"],
        [],
    ),
]


def test_profile_seed_004_record_count() -> None:
    # 117 lines = 39 blocks of header / title+authors / abstract; 39 header lines by grep.
    records, issues = read(SEED_004)
    assert len(records) == 39
    assert [i.severity for i in issues] == ["info"]


@pytest.mark.parametrize(("line", "title", "authors", "organisations"), SEED_004_RECORDS)
def test_profile_seed_004_glued_title_and_authors_split(
    line: int, title: str, authors: list[str], organisations: list[str]
) -> None:
    record = by_line(read(SEED_004)[0], line)
    assert record.title == title
    assert record.authors == tuple(authors)
    assert record.organisations == tuple(organisations)
    assert record.provenance == Provenance(
        "004_3dc17ef68f22e90a.txt", line, line + 2, "profile_listing"
    )
    assert record.abstract == raw_line(SEED_004, line + 2)


def test_profile_seed_004_split_round_trips_to_the_raw_line() -> None:
    for record in read(SEED_004)[0]:
        rebuilt = record.title + ", ".join(record.authors)
        rebuilt += " et al." if record.extra.get("et_al") else ""
        rebuilt += " · " + ", ".join(record.organisations) if record.organisations else ""
        assert rebuilt == raw_line(SEED_004, record.provenance.line_start + 1)


def test_profile_seed_004_first_record_complete() -> None:
    record = by_line(read(SEED_004)[0], 1)
    assert record.id == "004_3dc17ef68f22e90a.txt:1"
    assert record.title == "Sigmoid Loss for Language Image Pre-Training"
    assert record.authors == ("Xiaohua Zhai", "Basil Mustafa", "Alexander Kolesnikov")
    assert record.organisations == ("deepmind",)
    assert record.category == "CV"
    assert (record.date, record.date_precision, record.year) == ("2023-03-27", "day", 2023)
    assert record.date_resolution == "explicit"
    assert record.extra == {"date_text": "Mar 27, 2023", "code": "true", "et_al": "true"}


def test_profile_seed_004_compound_category() -> None:
    record = by_line(read(SEED_004)[0], 31)
    assert record.category == "STR-EL"
    assert record.title == "Capturing dynamical correlations using implicit neural representations"
    assert record.authors == ("Sathya Chitturi", "Zhurun Ji", "Alexander Petsch")
    assert (record.date, record.date_precision, record.year) == ("2023-04-08", "day", 2023)
    assert record.extra == {"date_text": "Apr 8, 2023", "et_al": "true"}


def test_profile_seed_004_categories() -> None:
    categories = [record.category for record in read(SEED_004)[0]]
    assert categories.count("CV") == 35
    assert [c for c in categories if c != "CV"] == ["STR-EL", "CL", "LG", "LG"]


# --- edge cases -------------------------------------------------------------------------


def test_profile_edge_fixture_issues_and_records() -> None:
    records, issues = read(EDGE / "profile_edge.txt")
    assert [r.provenance.line_start for r in records] == [13, 20, 30, 37]
    found = {(i.line, i.severity) for i in issues}
    assert (9, "info") in found  # "Followers": unknown page-header line
    assert (27, "error") in found  # title without abstract
    assert (30, "warning") in found  # odd author line
    assert (37, "warning") in found  # no author line at all
    assert (5, "warning") in found  # 5 papers announced, 4 parsed


def test_profile_edge_truncated_preview_is_flagged() -> None:
    record = by_line(read(EDGE / "profile_edge.txt")[0], 13)
    assert record.extra["truncated"] == "true"
    assert record.abstract.endswith("and then…")
    assert record.organisations == ("example-lab",)
    assert record.extra["profile"] == "Ada Example"


def test_profile_edge_odd_author_line_split_at_commas() -> None:
    record = by_line(read(EDGE / "profile_edge.txt")[0], 30)
    assert record.authors == ("the example consortium (2023)", "Ada Example")
    assert record.title == "Odd Author Line Survives"


def test_profile_edge_missing_author_line_keeps_title_and_abstract() -> None:
    record = by_line(read(EDGE / "profile_edge.txt")[0], 37)
    assert record.title == "Only Title And Abstract"
    assert record.authors == ()
    assert record.abstract.startswith("Here the author line is missing")
    assert record.provenance.line_end == 39


def test_profile_edge_leap_day_without_year() -> None:
    record = by_line(read(EDGE / "profile_edge.txt")[0], 20)
    assert (record.date, record.year) == ("2028-02-29", 2028)


def test_profile_yearless_only_file_stays_undated_with_warnings() -> None:
    records, issues = read(EDGE / "profile_yearless.txt")
    assert [(r.date, r.year, r.date_resolution) for r in records] == [(None, None, None)] * 2
    assert [(i.line, i.severity) for i in issues] == [
        (None, "warning"),
        (1, "warning"),
        (8, "warning"),
    ]
    second = records[1]
    assert second.extra == {"date_text": "May 12", "score": "99.5", "code": "true"}
    assert second.organisations == ("example-lab",)


def test_profile_yearless_only_file_uses_reference_from_options() -> None:
    records, issues = read(EDGE / "profile_yearless.txt", reference_date=date(2026, 3, 1))
    assert [r.date for r in records] == ["2026-01-22", "2025-05-12"]
    assert [i.severity for i in issues] == ["info"]


def test_profile_glued_fixture_tricky_splits() -> None:
    records, issues = read(EDGE / "profile_glued.txt")
    assert [i.severity for i in issues] == ["info"]
    assert [(r.title, r.authors, r.organisations) for r in records] == [
        (
            "Towards Versatile 3B VLM",
            ("Xiaohua Zhai", "Ann McDonald", "Laurens van der Maaten"),
            ("deepmind", "mit"),
        ),
        ("Do We Need Bigger Models?", ("Ann O'Neil", "J. R. Smith"), ()),
        ("Imagen 3", ("Imagen-Team-Google", "Jason Baldridge"), ()),
        (
            "Vision, Language, and Robots: A Survey of DeepMind-Style Agents",
            ("Maria Rossi", "Jean-Luc Picard"),
            ("cern",),
        ),
    ]
    assert records[3].category == "STR-EL"


def test_profile_file_without_headers_is_an_error() -> None:
    records, issues = read(EDGE / "unknown_notes.txt")
    assert records == []
    assert [i.severity for i in issues] == ["error"]


# --- helpers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "score", "category", "printed", "code"),
    [
        ("CVApr 18, 2023", None, "CV", "Apr 18, 2023", None),
        ("CVJan 22", None, "CV", "Jan 22", None),
        ("97.0CRMay 12", "97.0", "CR", "May 12", None),
        ("LGOct 23, 2025Code", None, "LG", "Oct 23, 2025", "Code"),
        ("STR-ELApr 8, 2023", None, "STR-EL", "Apr 8, 2023", None),
    ],
)
def test_profile_parse_header_groups(
    line: str, score: str | None, category: str, printed: str, code: str | None
) -> None:
    match = parse_header(line)
    assert match is not None
    assert (match["score"], match["category"], match["date"], match["code"]) == (
        score,
        category,
        printed,
        code,
    )


@pytest.mark.parametrize("line", ["CV", "25 Papers", "Imagen 3", "h-index117", "CV Apr 18, 2023"])
def test_profile_parse_header_rejects_other_lines(line: str) -> None:
    assert parse_header(line) is None


def test_profile_parse_author_list() -> None:
    assert parse_author_list("Sylvestre-Alvise Rebuffi, Hakan Bilen, Andrea Vedaldi") == AuthorList(
        ("Sylvestre-Alvise Rebuffi", "Hakan Bilen", "Andrea Vedaldi")
    )
    assert parse_author_list("Lucas Beyer et al. · deepmind, openai") == AuthorList(
        ("Lucas Beyer",), ("deepmind", "openai"), True
    )
    assert parse_author_list("AJ Piergiovanni, Wei Li") == AuthorList(("AJ Piergiovanni", "Wei Li"))
    assert parse_author_list("We propose a simple pairwise Sigmoid loss") is None
    assert parse_author_list("TrainingXiaohua Zhai, Basil Mustafa") is None


@pytest.mark.parametrize(
    "text",
    [
        "A title without any authors",
        "lowercase start xiaohua zhai, basil mustafa",
        "Title Ending With SpaceAnd then prose, which is not a name list.",
    ],
)
def test_profile_split_title_authors_refuses_non_author_tails(text: str) -> None:
    assert split_title_authors(text) is None


def test_profile_sniff_recognises_profile_seeds_only() -> None:
    assert sniff(SEED_000.read_text(encoding="utf-8"))
    assert sniff(SEED_004.read_text(encoding="utf-8"))
    for other in (
        "001_d7cf43068f0acc59.txt",
        "002_b62f7189c5c51910.txt",
        "003_9f958b264ee6ecba.txt",
    ):
        assert not sniff((SEEDS / other).read_text(encoding="utf-8"))


@pytest.mark.parametrize(("path", "count"), [(SEED_000, 25), (SEED_004, 39)])
def test_profile_read_source_end_to_end(path: Path, count: int) -> None:
    result = read_source(path, "auto", ReadOptions(display_path=f"seeds/{path.name}"))
    assert result.format == "profile_listing"
    assert len(result.records) == count
    assert not result.failed
    assert all(r.provenance.file == f"seeds/{path.name}" for r in result.records)
    assert all(r.id == f"seeds/{path.name}:{r.provenance.line_start}" for r in result.records)
    assert all(r.date and r.year and r.date_precision == "day" for r in result.records)
