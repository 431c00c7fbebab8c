"""Theme precision, recall and F1 against hand labels, and how label rows find papers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from topics.errors import TopicsError
from topics.evaluate import match_theme_labels, normalize_title, read_theme_labels, theme_scores

LABELS = Path(__file__).resolve().parents[1] / "fixtures" / "themes" / "labels.csv"
RUN_THEMES = [
    "robustness", "watermarking", "continual-learning", "architectures", "transfer-learning",
    "representation-learning", "vision-language", "generative-models", "explainability",
    "privacy", "efficiency",
]  # fmt: skip


def fixture_papers() -> pd.DataFrame:
    """One paper per labelled row of the fixture, found by its title or else its arXiv id."""
    labels = pd.read_csv(LABELS, dtype=str, keep_default_na=False)
    titled = labels["title"] != ""
    return pd.DataFrame(
        {
            "paper_id": [f"p{i}" for i in range(len(labels))],
            "title": labels["title"].str.upper().where(titled, ""),  # matching ignores case
            "arxiv_id": labels["arxiv_id"].where(~titled, ""),
        }
    )


def test_theme_scores_on_the_labels_fixture_with_a_hand_made_assignment() -> None:
    papers = fixture_papers()
    labelled = match_theme_labels(LABELS, papers, RUN_THEMES)
    assert labelled.issues == []
    assert labelled.n_rows == 270
    # The assignment agrees with the labels, except that every watermarking paper
    # (7 of them, none labelled robustness) is also put in robustness (14 papers).
    predicted = {pid: set(themes) for pid, themes in labelled.themes.items()}
    for themes in predicted.values():
        if "watermarking" in themes:
            themes.add("robustness")
    scores = theme_scores(labelled.themes, predicted, RUN_THEMES)
    rows = {r["theme"]: r for r in scores["per_theme"]}
    assert rows["robustness"]["support"] == 14
    assert rows["robustness"]["fp"] == 7
    assert rows["robustness"]["precision"] == pytest.approx(14 / 21)
    assert rows["robustness"]["recall"] == 1.0
    assert rows["robustness"]["f1"] == pytest.approx(2 * (2 / 3) / (2 / 3 + 1))
    assert all(rows[t]["f1"] == 1.0 for t in RUN_THEMES if t != "robustness")
    micro = scores["micro"]
    assert micro["fp"] == 7
    assert micro["fn"] == 0
    assert micro["precision"] == pytest.approx(micro["tp"] / (micro["tp"] + 7))
    assert scores["macro"]["precision"] == pytest.approx((10 + 2 / 3) / 11)


def test_match_theme_labels_merges_two_rows_of_the_same_paper() -> None:
    # Line 22 names NormGrad by title, line 33 by its arXiv id: one paper, one theme.
    papers = pd.DataFrame(
        {
            "paper_id": ["x1"],
            "title": ["NormGrad: Finding the Pixels That Matter for Training"],
            "arxiv_id": ["1910.08823"],
        }
    )
    labelled = match_theme_labels(LABELS, papers, RUN_THEMES)
    assert labelled.themes == {"x1": {"explainability"}}
    assert len(labelled.issues) == 268  # every other row is reported, none dropped
    assert [i.line for i in labelled.issues][:3] == [2, 3, 4]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


RUN = pd.DataFrame(
    {
        "paper_id": ["p1", "p2", "p3"],
        "title": ["Adversarial Examples — a Survey", "Élan: continual learning", "Other"],
        "arxiv_id": ["1412.6572", "", ""],
    }
)


def test_match_theme_labels_one_theme_per_row_is_unioned(tmp_path: Path) -> None:
    path = write(tmp_path / "l.csv", "paper_id,theme\np1,robustness\np1,privacy\np3,\n")
    labelled = match_theme_labels(path, RUN, ["robustness", "privacy"])
    assert labelled.themes == {"p1": {"robustness", "privacy"}, "p3": set()}
    assert labelled.issues == []


def test_match_theme_labels_reports_unmatched_rows_by_line(tmp_path: Path) -> None:
    text = (
        "title,arxiv_id,themes,note\n"
        "adversarial examples a survey,,robustness,title with other punctuation\n"
        '"A paper\nwhose title spans two lines",,robustness,\n'
        ",arXiv:1412.6572v3,robustness;fairness,\n"
        ",,robustness,no key\n"
        "ELAN: Continual Learning,,continual-learning,accents and case\n"
    )
    themes = ["robustness", "continual-learning"]
    labelled = match_theme_labels(write(tmp_path / "l.csv", text), RUN, themes)
    assert labelled.themes == {"p1": {"robustness"}, "p2": {"continual-learning"}}
    assert [(i.line, i.reason) for i in labelled.issues] == [
        (3, "no paper of this run has this title"),
        (5, "theme(s) fairness not in this run; ignored for this row"),
        (6, "no paper_id, arxiv_id or title"),
    ]
    assert labelled.issues[0].excerpt.startswith("A paper")
    assert labelled.n_rows == 5


def test_match_theme_labels_reports_an_unknown_paper_id(tmp_path: Path) -> None:
    path = write(tmp_path / "l.csv", "paper_id,themes\np9,robustness\n")
    labelled = match_theme_labels(path, RUN, ["robustness"])
    assert labelled.themes == {}
    assert labelled.issues[0].line == 2
    assert "paper_id 'p9' is not a paper of this run" in labelled.issues[0].reason


@pytest.mark.parametrize(
    "header", ["title,note\n", "paper,themes\n", ""], ids=["no theme", "no key", "empty"]
)
def test_read_theme_labels_needs_a_theme_and_a_key_column(tmp_path: Path, header: str) -> None:
    with pytest.raises(TopicsError, match="needs a 'themes'"):
        read_theme_labels(write(tmp_path / "l.csv", header))


def test_normalize_title_ignores_case_accents_and_punctuation() -> None:
    assert normalize_title("  Élan:  Continual--Learning! ") == "elan continual learning"


def test_theme_scores_undefined_values_are_none_and_left_out_of_macro() -> None:
    truth = {"a": {"x"}, "b": set(), "c": {"y"}}
    predicted = {"a": {"x"}, "b": {"x"}}
    scores = theme_scores(truth, predicted, ["x", "y", "z"])
    rows = {r["theme"]: r for r in scores["per_theme"]}
    assert (rows["x"]["precision"], rows["x"]["recall"]) == (0.5, 1.0)
    assert (rows["y"]["precision"], rows["y"]["recall"], rows["y"]["f1"]) == (None, 0.0, 0.0)
    assert (rows["z"]["precision"], rows["z"]["recall"], rows["z"]["f1"]) == (None, None, None)
    assert scores["macro_themes"] == ["x", "y"]
    assert scores["macro"]["precision"] == pytest.approx(0.25)  # (0.5 + 0) / 2
    assert scores["micro"]["precision"] == pytest.approx(0.5)
    assert scores["micro"]["recall"] == pytest.approx(0.5)
