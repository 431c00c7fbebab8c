"""Topic labels through a whole run on the seeds: phrases, user labels, thin years.

The fast runs use the torch-free ``tfidf-svd`` embedder (labels are embedded
with the run's own embedder, whatever it is) and NMF; the determinism check
fits BERTopic twice, as a user's two runs would.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from markupsafe import escape

from topics.config.loader import load_config
from topics.pipeline import run

FAST = ("embedding.backend=tfidf-svd", "model.kind=nmf", "model.nr_topics=6")
JUNK_TOKENS = {"pre", "non", "semi", "multi", "monte", "carlo", "fine", "new", "novel", "based"}
USER_LABEL = 'Robustness <& "attacks">'


def seeds_run(repo: Path, out: Path, *extra: str) -> Path:
    config = load_config(repo / "configs" / "default.yaml", [f"output_dir={out}", *extra])
    return run(config).run_dir


@pytest.fixture(scope="module")
def labelled_run(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    rules = json.dumps(
        [{"topic": 0, "label": USER_LABEL}, {"match": "continual", "label": "Continual learning"}]
    )
    return seeds_run(repo, tmp_path_factory.mktemp("labels"), *FAST, f"model.labels={rules}")


def test_user_labels_win_in_topics_csv_papers_csv_the_model_and_the_report(
    labelled_run: Path,
) -> None:
    topics = pd.read_csv(labelled_run / "data" / "topics.csv", keep_default_na=False)
    by_id = topics.set_index("topic")
    assert by_id.loc[0, "label"] == USER_LABEL
    assert by_id.loc[0, "label_source"] == "user"
    continual = topics[topics["label"].str.startswith("Continual learning")]
    assert len(continual) >= 1
    assert set(continual["label_source"]) == {"user"}
    # The automatic phrases stay visible beside the user's label.
    assert by_id.loc[0, "phrases"]
    papers = pd.read_csv(labelled_run / "data" / "papers.csv")
    assert set(papers.loc[papers["topic"] == 0, "topic_label"]) == {USER_LABEL}
    import topics as topics_package

    model = topics_package.load(labelled_run / "model")
    assert model.topics.set_index("topic").loc[0, "label"] == USER_LABEL
    page = (labelled_run / "topics" / "0.html").read_text("utf-8")
    index = (labelled_run / "index.html").read_text("utf-8")
    escaped = str(escape(USER_LABEL))  # as the report's templates escape it
    assert escaped in page
    assert escaped in index
    assert USER_LABEL not in page, "corpus and config text is escaped in HTML"


def test_phrase_labels_of_a_run_have_no_junk_and_keep_the_keywords(labelled_run: Path) -> None:
    topics = pd.read_csv(labelled_run / "data" / "topics.csv", keep_default_na=False)
    auto = topics[topics["label_source"] == "phrases"]
    assert len(auto) >= 3
    for label, keywords in zip(auto["label"], auto["keywords"], strict=True):
        words = {w for part in label.split(" · ") for w in part.lower().split()}
        assert not words & JUNK_TOKENS, label
        assert keywords, "the keyword list is kept beside the label"
    every_phrase = ";".join(topics["phrases"]).lower()
    assert any(p in every_phrase for p in ("pre-trained", "self-supervised", "fine-tuning"))


def test_years_with_too_few_papers_show_no_keywords(labelled_run: Path) -> None:
    table = pd.read_csv(labelled_run / "data" / "topic_keywords_by_year.csv")
    thin = table[table["count"] < 5]
    assert len(thin)
    assert thin["keywords"].isna().all()
    assert table.loc[table["count"] >= 5, "keywords"].notna().all()
    page = (labelled_run / "index.html").read_text("utf-8")
    assert "too few papers for keywords (fewer than 5; trends.keyword_min_papers)" in page


@pytest.mark.slow
def test_labels_are_identical_across_two_fits_with_the_same_seed(
    repo: Path, tmp_path: Path
) -> None:
    backend = "embedding.backend=tfidf-svd"
    first = seeds_run(repo, tmp_path / "a", backend)
    second = seeds_run(repo, tmp_path / "b", backend)
    columns = ["topic", "label", "phrases", "keywords", "size"]
    a = pd.read_csv(first / "data" / "topics.csv")[columns]
    b = pd.read_csv(second / "data" / "topics.csv")[columns]
    assert a.equals(b)
    assert (pd.read_csv(first / "data" / "topics.csv")["label_source"] == "phrases").any()
