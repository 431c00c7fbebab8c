"""Building models from the config, loading any saved model, and the package exports."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

import topics.models as models
from topics.config.schema import ModelConfig, VectorizerConfig
from topics.errors import ConfigError, IncompatibleModelError, ModelError
from topics.models import (
    BERTopicModel,
    LDATopicModel,
    NMFTopicModel,
    build_topic_model,
    load_topic_model,
)


def test_factory_all_is_sorted_and_complete() -> None:
    public = {
        name
        for name, value in vars(models).items()
        if not name.startswith("_") and not inspect.ismodule(value) and name != "annotations"
    }

    # ruff's RUF022 order: CONSTANTS, then Classes, then functions, each alphabetical.
    def isort_key(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert models.__all__ == sorted(models.__all__, key=isort_key)
    assert set(models.__all__) == public


@pytest.mark.parametrize(
    ("kind", "cls"), [("bertopic", BERTopicModel), ("lda", LDATopicModel), ("nmf", NMFTopicModel)]
)
def test_factory_builds_the_configured_kind_with_the_seed(kind: str, cls: type) -> None:
    config = ModelConfig(kind=kind, nr_topics=12, top_n_words=7)
    model = build_topic_model(config, seed=3)
    assert type(model) is cls
    params = model.get_params()
    assert (params["nr_topics"], params["top_n_words"], params["random_state"]) == (12, 7, 3)
    assert params["vectorizer"] == config.vectorizer


def test_factory_passes_every_bertopic_section() -> None:
    config = ModelConfig(representation="keybert")
    model = build_topic_model(config, seed=0)
    for section in ("umap", "hdbscan", "vectorizer", "outliers"):
        assert model.get_params()[section] == getattr(config, section)
    assert model.get_params()["representation"] == "keybert"


@pytest.mark.parametrize("kind", ["lda", "nmf"])
def test_factory_refuses_auto_topic_count_for_baselines(kind: str) -> None:
    with pytest.raises(ConfigError, match="only supported by kind 'bertopic'"):
        build_topic_model(ModelConfig(kind=kind, nr_topics="auto"), seed=0)


def test_factory_refuses_fewer_than_two_topics() -> None:
    with pytest.raises(ValidationError, match="greater than or equal to 2"):
        ModelConfig(kind="nmf", nr_topics=1)
    with pytest.raises(ConfigError, match="nr_topics  must be >= 2"):
        build_topic_model(ModelConfig.model_construct(kind="nmf", nr_topics=1), seed=0)


@pytest.fixture(scope="module")
def saved_nmf(tmp_path_factory: pytest.TempPathFactory, abstracts: list[str]) -> Path:
    model = NMFTopicModel(nr_topics=3, vectorizer=VectorizerConfig(ngram_range=(1, 1)))
    return model.fit(abstracts[:60]).save(tmp_path_factory.mktemp("nmf") / "model")


def test_factory_saved_model_is_safetensors_and_json_only(saved_nmf: Path) -> None:
    assert sorted(p.name for p in saved_nmf.iterdir()) == [
        "arrays.safetensors",
        "model.json",
        "vocabulary.json",
    ]
    meta = json.loads((saved_nmf / "model.json").read_text())
    assert meta["format_version"] == models.FORMAT_VERSION
    assert meta["kind"] == "nmf"
    assert meta["packages"]["scikit-learn"]
    assert meta["params"]["vectorizer"] == {"ngram_range": [1, 1]}


def test_factory_save_replaces_an_existing_model_whole(saved_nmf: Path, abstracts) -> None:
    other = LDATopicModel(nr_topics=2, max_iter=2).fit(abstracts[:30])
    other.save(saved_nmf.parent / "other")
    (saved_nmf.parent / "other" / "stray.txt").write_text("left from an older model")
    other.save(saved_nmf.parent / "other")
    assert not (saved_nmf.parent / "other" / "stray.txt").exists()
    assert isinstance(load_topic_model(saved_nmf.parent / "other"), LDATopicModel)


def test_factory_unknown_kind_is_incompatible(saved_nmf: Path, tmp_path: Path) -> None:
    meta = json.loads((saved_nmf / "model.json").read_text())
    meta["kind"] = "top2vec"
    copy = tmp_path / "model"
    copy.mkdir()
    for name in ("arrays.safetensors", "vocabulary.json"):
        (copy / name).write_bytes((saved_nmf / name).read_bytes())
    (copy / "model.json").write_text(json.dumps(meta))
    with pytest.raises(IncompatibleModelError, match="unknown model kind 'top2vec'"):
        load_topic_model(copy)


def test_factory_missing_model_directory_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"model\.json: file missing"):
        load_topic_model(tmp_path / "nowhere")


def test_factory_foreign_json_is_not_a_model(tmp_path: Path) -> None:
    (tmp_path / "model.json").write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(ModelError, match="not a topics model"):
        load_topic_model(tmp_path)


# scikit-learn's full `parametrize_with_checks` feeds numeric arrays, which a
# model of documents cannot take; these are the checks about the estimator
# contract itself (``__init__`` only stores its arguments, params round-trip).
ESTIMATOR_CONTRACT_CHECKS = [
    "check_no_attributes_set_in_init",
    "check_estimator_cloneable",
    "check_estimator_repr",
    "check_parameters_default_constructible",
    "check_get_params_invariance",
    "check_set_params",
    "check_do_not_raise_errors_in_init_or_set_params",
]


@pytest.mark.parametrize("check_name", ESTIMATOR_CONTRACT_CHECKS)
@pytest.mark.parametrize("cls", [BERTopicModel, LDATopicModel, NMFTopicModel])
def test_factory_backends_follow_the_estimator_contract(cls: type, check_name: str) -> None:
    from sklearn.utils import estimator_checks

    getattr(estimator_checks, check_name)(cls.__name__, cls())


def test_factory_topic_model_umap_uses_auto_epochs_unless_configured() -> None:
    default = build_topic_model(ModelConfig(), seed=0)._umap_model(20_000)
    assert default.get_params()["n_epochs"] == "auto"
    config = ModelConfig.model_validate({"umap": {"n_epochs": 300}})
    assert build_topic_model(config, seed=0)._umap_model(20_000).get_params()["n_epochs"] == 300
