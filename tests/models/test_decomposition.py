"""LDA and NMF baselines: fit, topic table, transform, save and load."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from topics.errors import IncompatibleModelError, ModelError, NotFittedError
from topics.models import TOPIC_TABLE_COLUMNS, LDATopicModel, NMFTopicModel, load_topic_model

BACKENDS = [
    pytest.param(LDATopicModel, id="lda"),
    pytest.param(NMFTopicModel, id="nmf"),
]
N_TOPICS = 4


@pytest.fixture(scope="module", params=BACKENDS)
def fitted(request: pytest.FixtureRequest, abstracts: list[str]) -> LDATopicModel | NMFTopicModel:
    return request.param(nr_topics=N_TOPICS, random_state=0).fit(abstracts)


def test_decomposition_topic_table_has_the_contract_columns_and_types(fitted, abstracts) -> None:
    table = fitted.topic_table_
    assert tuple(table.columns) == TOPIC_TABLE_COLUMNS
    assert table["topic"].tolist() == list(range(N_TOPICS))
    assert table["size"].dtype == np.int64
    assert table["size"].sum() == len(abstracts)
    for row in table.itertuples():
        assert len(row.keywords) == fitted.top_n_words
        assert all(isinstance(word, str) and word for word in row.keywords)
        assert len(row.keyword_weights) == len(row.keywords)
        assert all(fitted.labels_[i] == row.topic for i in row.representative_docs)


def test_decomposition_keywords_are_never_stop_words(fitted) -> None:
    words = {w for keywords in fitted.topic_table_["keywords"] for t in keywords for w in t.split()}
    assert not words & ENGLISH_STOP_WORDS


def test_decomposition_labels_are_distinct_and_made_of_keywords(fitted) -> None:
    labels = fitted.topic_table_["label"].tolist()
    assert len(set(labels)) == len(labels)
    for label, keywords in zip(labels, fitted.topic_table_["keywords"], strict=True):
        assert all(term in keywords for term in label.split(" · "))


def test_decomposition_nmf_topics_follow_the_categories(corpus: pd.DataFrame) -> None:
    """Four unrelated arXiv categories: most topics should be dominated by one of them.

    Only NMF: LDA needs far more documents and passes than a unit test affords
    before its topics separate (about 0.6 purity after 50 passes on these 400).
    """
    model = NMFTopicModel(nr_topics=N_TOPICS, random_state=0).fit(corpus["abstract"])
    crosstab = pd.crosstab(model.labels_, corpus["category"])
    purity = crosstab.max(axis=1).sum() / crosstab.to_numpy().sum()
    assert purity >= 0.75


def test_decomposition_transform_of_training_docs_matches_labels(fitted, abstracts) -> None:
    result = fitted.transform(abstracts)
    np.testing.assert_array_equal(result.topics, fitted.labels_)
    np.testing.assert_allclose(result.scores.sum(axis=1), 1.0)
    np.testing.assert_array_equal(result.confidence, result.scores.max(axis=1))
    assert fitted.outlier_share_ == fitted.final_outlier_share_ == 0.0


def test_decomposition_doc_without_known_words_has_no_topic(fitted) -> None:
    result = fitted.transform(["", "the of and with", "zzxqv qqvzx"])
    assert result.topics.tolist() == [-1, -1, -1]
    assert result.confidence.tolist() == [0.0, 0.0, 0.0]


def test_decomposition_same_seed_gives_identical_fits(fitted, abstracts) -> None:
    again = type(fitted)(nr_topics=N_TOPICS, random_state=0).fit(abstracts)
    np.testing.assert_array_equal(again.labels_, fitted.labels_)
    pd.testing.assert_frame_equal(again.topic_table_, fitted.topic_table_)


def test_decomposition_loaded_in_subprocess_transforms_identically(
    fitted, abstracts, tmp_path: Path, transform_in_subprocess
) -> None:
    model_dir = fitted.save(tmp_path / "model")
    expected = fitted.transform(abstracts)
    loaded = transform_in_subprocess(model_dir, abstracts, None)
    np.testing.assert_array_equal(loaded["topics"], expected.topics)
    np.testing.assert_array_equal(loaded["scores"], expected.scores)


def test_decomposition_load_restores_table_and_kind(fitted, tmp_path: Path) -> None:
    fitted.save(tmp_path / "model")
    loaded = load_topic_model(tmp_path / "model")
    assert type(loaded) is type(fitted)
    pd.testing.assert_frame_equal(loaded.topic_table_, fitted.topic_table_)
    np.testing.assert_array_equal(loaded.labels_, fitted.labels_)
    assert loaded.get_params() == fitted.get_params()


def test_decomposition_other_major_format_version_is_refused(fitted, tmp_path: Path) -> None:
    model_dir = fitted.save(tmp_path / "model")
    meta_path = model_dir / "model.json"
    meta = json.loads(meta_path.read_text())
    meta["format_version"] = "2.0"
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(IncompatibleModelError, match=r"format version 2\.0"):
        load_topic_model(model_dir)


def test_decomposition_load_of_other_kind_is_refused(fitted, tmp_path: Path) -> None:
    model_dir = fitted.save(tmp_path / "model")
    other = NMFTopicModel if isinstance(fitted, LDATopicModel) else LDATopicModel
    with pytest.raises(IncompatibleModelError, match="of kind"):
        other.load(model_dir)


def test_decomposition_transform_before_fit_raises() -> None:
    with pytest.raises(NotFittedError, match="not fitted"):
        NMFTopicModel().transform(["a document"])


def test_decomposition_more_topics_than_documents_is_refused(abstracts) -> None:
    with pytest.raises(ModelError, match="nr_topics=50"):
        LDATopicModel(nr_topics=50).fit(abstracts[:20])
