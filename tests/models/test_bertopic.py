"""BERTopic backend: clustering, outliers, keywords, determinism, save and load.

Fitting runs UMAP (numba) and HDBSCAN on MiniLM embeddings of 160 abstracts,
so every test that fits is marked slow; a module-scoped fixture fits the
default model once for the read-only checks.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from topics.config.schema import HdbscanConfig, OutlierConfig
from topics.errors import IncompatibleModelError, ModelError
from topics.models import (
    TOPIC_TABLE_COLUMNS,
    BERTopicModel,
    auto_min_cluster_size,
    load_topic_model,
    resolve_hdbscan_params,
)

SEED = 7


@pytest.fixture(scope="module")
def fitted(abstracts: list[str], minilm_embeddings: np.ndarray) -> BERTopicModel:
    return BERTopicModel(random_state=SEED).fit(abstracts, embeddings=minilm_embeddings)


@pytest.mark.parametrize(
    ("n_docs", "expected"), [(40, 5), (300, 9), (2000, 22), (10_000, 50), (197_000, 100)]
)
def test_bertopic_auto_min_cluster_size_follows_corpus_size(n_docs: int, expected: int) -> None:
    assert auto_min_cluster_size(n_docs) == expected


def test_bertopic_hdbscan_defaults_follow_the_corpus() -> None:
    assert resolve_hdbscan_params(HdbscanConfig(), 10_000) == {
        "min_cluster_size": 50,
        "min_samples": 5,
        "cluster_selection_method": "leaf",
        "cluster_selection_epsilon": 0.0,
    }
    assert resolve_hdbscan_params(HdbscanConfig(), 40)["min_samples"] == 5


def test_bertopic_hdbscan_keys_set_in_the_config_win() -> None:
    config = HdbscanConfig(min_cluster_size=12, min_samples=None, cluster_selection_method="eom")
    params = resolve_hdbscan_params(config, 10_000)
    assert (params["min_cluster_size"], params["min_samples"]) == (12, None)
    assert params["cluster_selection_method"] == "eom"


def test_bertopic_auto_survives_a_config_round_trip() -> None:
    """'auto' is a value, not an absent key, so a saved and reloaded config still adapts."""
    reloaded = HdbscanConfig.model_validate(HdbscanConfig().model_dump(mode="json"))
    assert reloaded.min_cluster_size == "auto"
    assert resolve_hdbscan_params(reloaded, 300)["min_cluster_size"] == 9


@pytest.mark.slow
def test_bertopic_topic_table_has_the_contract_columns_and_types(
    fitted, abstracts, minilm_embeddings
) -> None:
    table = fitted.topic_table_
    final = fitted.transform(abstracts, embeddings=minilm_embeddings)
    assert tuple(table.columns) == TOPIC_TABLE_COLUMNS
    assert fitted.n_topics_ >= 2
    assert table.loc[table["topic"] >= 0, "topic"].tolist() == list(range(fitted.n_topics_))
    assert table["size"].sum() == len(abstracts)
    assert table.query("topic >= 0")["size"].is_monotonic_decreasing, "ids follow topic size"
    for row in table.query("topic >= 0").itertuples():
        assert 0 < len(row.keywords) <= fitted.top_n_words
        assert len(row.keyword_weights) == len(row.keywords)
        assert 1 <= len(row.representative_docs) <= 3
        assert all(final.topics[i] == row.topic for i in row.representative_docs)


@pytest.mark.slow
def test_bertopic_topic_sizes_are_the_final_assignment(fitted, abstracts, minilm_embeddings):
    """A topic's size counts the papers transform gives it, as papers.csv does.

    The clusters the centroids come from differ from the nearest-centroid
    assignment for a few papers; the size must not be the cluster's.
    """
    final = fitted.transform(abstracts, embeddings=minilm_embeddings).topics
    assert not np.array_equal(final, fitted.labels_), "no paper moved: the test proves nothing"
    ids, counts = np.unique(final, return_counts=True)
    sizes = fitted.topic_table_.set_index("topic")["size"]
    assert dict(zip(ids.tolist(), counts.tolist(), strict=True)) == sizes[sizes > 0].to_dict()


@pytest.mark.slow
def test_bertopic_keywords_are_never_stop_words(fitted) -> None:
    words = {w for keywords in fitted.topic_table_["keywords"] for t in keywords for w in t.split()}
    assert words
    assert not words & ENGLISH_STOP_WORDS


@pytest.mark.slow
def test_bertopic_labels_are_readable_and_distinct(fitted) -> None:
    labels = fitted.topic_table_.query("topic >= 0")["label"].tolist()
    assert len(set(labels)) == len(labels)
    for label in labels:
        terms = label.split(" · ")
        assert 1 <= len(terms) <= 4
        words = [w for term in terms for w in term.split()]
        assert len(words) == len(set(words)), f"label repeats a word: {label!r}"


@pytest.mark.slow
def test_bertopic_topics_follow_the_categories(fitted, small_corpus: pd.DataFrame) -> None:
    """Four unrelated arXiv categories: each topic should be dominated by one of them."""
    crosstab = pd.crosstab(fitted.labels_, small_corpus["category"])
    purity = crosstab.max(axis=1).sum() / crosstab.to_numpy().sum()
    assert purity >= 0.75


@pytest.mark.slow
def test_bertopic_outlier_reduction_empties_topic_minus_one(fitted) -> None:
    assert fitted.outlier_share_ > 0, "HDBSCAN left no outliers: the test corpus changed?"
    assert fitted.final_outlier_share_ == 0.0
    assert -1 not in fitted.labels_
    assert -1 not in fitted.topic_table_["topic"].tolist()


@pytest.mark.slow
def test_bertopic_no_outlier_strategy_keeps_outliers(abstracts, minilm_embeddings, fitted) -> None:
    model = BERTopicModel(random_state=SEED, outliers=OutlierConfig(strategy="none"))
    model.fit(abstracts, embeddings=minilm_embeddings)
    assert model.final_outlier_share_ == model.outlier_share_ == fitted.outlier_share_
    assert np.sum(model.labels_ == -1) > 0
    # transform gives every paper its nearest topic, so no paper is counted in -1.
    assert model.topic_table_["size"].sum() == len(abstracts)
    assert -1 not in model.topic_table_["topic"].tolist()


@pytest.mark.slow
def test_bertopic_same_seed_gives_identical_fits(fitted, abstracts, minilm_embeddings) -> None:
    again = BERTopicModel(random_state=SEED).fit(abstracts, embeddings=minilm_embeddings)
    np.testing.assert_array_equal(again.labels_, fitted.labels_)
    pd.testing.assert_frame_equal(again.topic_table_, fitted.topic_table_)


@pytest.mark.slow
def test_bertopic_transform_assigns_to_the_nearest_centroid(fitted, minilm_embeddings) -> None:
    result = fitted.transform([""] * len(minilm_embeddings), embeddings=minilm_embeddings)
    assert result.scores.shape == (len(minilm_embeddings), fitted.n_topics_)
    np.testing.assert_array_equal(result.topic_ids, fitted.topic_ids_)
    np.testing.assert_allclose(result.confidence, result.scores.max(axis=1))
    assert np.mean(result.topics == fitted.labels_) >= 0.8


@pytest.mark.slow
def test_bertopic_loaded_in_subprocess_transforms_identically(
    fitted, abstracts, minilm_embeddings, tmp_path: Path, transform_in_subprocess
) -> None:
    model_dir = fitted.save(tmp_path / "model")
    expected = fitted.transform(abstracts, embeddings=minilm_embeddings)
    loaded = transform_in_subprocess(model_dir, abstracts, minilm_embeddings)
    np.testing.assert_array_equal(loaded["topics"], expected.topics)
    np.testing.assert_array_equal(loaded["scores"], expected.scores)


@pytest.mark.slow
def test_bertopic_load_restores_the_fitted_state(fitted, tmp_path: Path) -> None:
    loaded = load_topic_model(fitted.save(tmp_path / "model"))
    assert isinstance(loaded, BERTopicModel)
    pd.testing.assert_frame_equal(loaded.topic_table_, fitted.topic_table_)
    np.testing.assert_array_equal(loaded.labels_, fitted.labels_)
    np.testing.assert_array_equal(loaded.topic_embeddings_, fitted.topic_embeddings_)
    assert (loaded.c_tf_idf_ != fitted.c_tf_idf_).nnz == 0
    assert loaded.vocabulary_ == fitted.vocabulary_
    assert (loaded.outlier_share_, loaded.final_outlier_share_) == (
        fitted.outlier_share_,
        fitted.final_outlier_share_,
    )
    assert loaded.get_params() == fitted.get_params()


@pytest.mark.slow
def test_bertopic_tampered_format_version_is_refused(fitted, tmp_path: Path) -> None:
    model_dir = fitted.save(tmp_path / "model")
    meta = json.loads((model_dir / "model.json").read_text())
    meta["format_version"] = "0.9"
    (model_dir / "model.json").write_text(json.dumps(meta))
    with pytest.raises(IncompatibleModelError, match=r"format version 0\.9"):
        BERTopicModel.load(model_dir)


@pytest.mark.slow
def test_bertopic_nr_topics_merges_down_to_that_many_real_topics(
    abstracts, minilm_embeddings, fitted
) -> None:
    model = BERTopicModel(nr_topics=2, random_state=SEED).fit(
        abstracts, embeddings=minilm_embeddings
    )
    assert fitted.n_topics_ > 2
    assert fitted.outlier_share_ > 0, "outliers must not count as one of the 2 topics"
    assert model.n_topics_ == 2
    assert model.topic_table_["size"].sum() == len(abstracts)


@pytest.mark.slow
def test_bertopic_auto_topic_reduction_never_adds_topics(
    abstracts, minilm_embeddings, fitted
) -> None:
    model = BERTopicModel(nr_topics="auto", random_state=SEED).fit(
        abstracts, embeddings=minilm_embeddings
    )
    assert 1 <= model.n_topics_ <= fitted.n_topics_


@pytest.mark.slow
@pytest.mark.parametrize("representation", ["c-tf-idf", "keybert"])
def test_bertopic_other_representations_give_keywords(abstracts, minilm_embeddings, representation):
    model = BERTopicModel(representation=representation, random_state=SEED)
    model.fit(abstracts, embeddings=minilm_embeddings)
    keywords = model.topic_table_.query("topic >= 0")["keywords"]
    assert all(len(words) == model.top_n_words for words in keywords)


@pytest.mark.slow
def test_bertopic_word_embedder_is_used_for_keywords(abstracts, minilm_embeddings) -> None:
    asked: list[str] = []

    def embed_words(words: list[str]) -> np.ndarray:
        asked.extend(words)
        rng = np.random.default_rng(len(words))
        return rng.normal(size=(len(words), minilm_embeddings.shape[1]))

    BERTopicModel(random_state=SEED, word_embedder=embed_words).fit(
        abstracts, embeddings=minilm_embeddings
    )
    assert asked, "MMR should have asked the word embedder for keyword vectors"


def test_bertopic_requires_embeddings(abstracts) -> None:
    with pytest.raises(ValueError, match="needs precomputed embeddings"):
        BERTopicModel().fit(abstracts)


def test_bertopic_rejects_embeddings_of_the_wrong_shape(abstracts, embeddings) -> None:
    with pytest.raises(ValueError, match=r"shape \(n_docs, dim\)"):
        BERTopicModel().fit(abstracts, embeddings=embeddings[:10])


@pytest.mark.slow
def test_bertopic_transform_rejects_other_embedding_dimension(fitted) -> None:
    other_dim = fitted.topic_embeddings_.shape[1] + 1
    with pytest.raises(ValueError, match="dimensions but the model was fitted on"):
        fitted.transform(["a"], embeddings=np.ones((1, other_dim)))


def test_bertopic_tiny_corpus_is_refused_with_advice(abstracts, embeddings) -> None:
    with pytest.raises(ModelError, match="needs at least 10 documents"):
        BERTopicModel().fit(abstracts[:6], embeddings=embeddings[:6])
