from __future__ import annotations

from pathlib import Path

import pytest

from topics.config.loader import load_config, parse_override
from topics.errors import ConfigError


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_loader_default_config_is_valid_and_names_the_seeds(repo: Path) -> None:
    config = load_config(repo / "configs" / "default.yaml")
    assert config.experiment == "default"
    assert Path(config.sources[0].path) == repo / "seeds" / "*.txt"
    assert config.run_dir == repo / "reports" / "default"


def test_loader_relative_paths_resolve_against_the_config_file(tmp_path: Path) -> None:
    sub = tmp_path / "cfg"
    sub.mkdir()
    path = write(sub, "c.yaml", "experiment: e\nsources:\n  - path: data/papers.csv\n")
    config = load_config(path)
    assert config.sources[0].path == str(sub / "data" / "papers.csv")


def test_loader_default_output_dir_is_reports_beside_the_config_from_any_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15: the default output folder followed the working directory, not the config."""
    configs = tmp_path / "project" / "configs"
    configs.mkdir(parents=True)
    path = write(configs, "c.yaml", "experiment: e\nsources:\n  - path: a.csv\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert load_config(path).run_dir == configs / "reports" / "e"
    monkeypatch.chdir(configs)
    assert load_config("c.yaml").run_dir == configs / "reports" / "e"


def test_loader_unknown_key_names_path_line_and_suggestion(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "c.yaml",
        "experiment: e\nsources:\n  - path: a.csv\nmodel:\n  hdbscan:\n    min_clustr_size: 3\n",
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert "model.hdbscan.min_clustr_size: unknown key" in message
    assert "did you mean 'min_cluster_size'?" in message
    assert f"{path}:6" in message


def test_loader_wrong_type_names_key_and_value(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yaml", "experiment: e\nseed: lots\nsources:\n  - path: a.csv\n")
    with pytest.raises(ConfigError, match=r"seed: .*integer.*'lots'.*c\.yaml:2"):
        load_config(path)


def test_loader_missing_required_key_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yaml", "experiment: e\n")
    with pytest.raises(ConfigError, match="sources: required key is missing"):
        load_config(path)


def test_loader_extends_deep_merges_and_child_wins(tmp_path: Path) -> None:
    write(
        tmp_path,
        "base.yaml",
        "experiment: base\nsources:\n  - path: a.csv\nmodel:\n  kind: lda\n"
        "  hdbscan:\n    min_cluster_size: 7\n",
    )
    child = write(
        tmp_path, "child.yaml", "extends: base.yaml\nexperiment: child\nmodel:\n  nr_topics: 12\n"
    )
    config = load_config(child)
    assert config.experiment == "child"
    assert config.model.kind == "lda"
    assert config.model.nr_topics == 12
    assert config.model.hdbscan.min_cluster_size == 7


def test_loader_extends_cycle_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "extends: b.yaml\n")
    b = write(tmp_path, "b.yaml", "extends: a.yaml\n")
    with pytest.raises(ConfigError, match="cycle"):
        load_config(b)


def test_loader_set_overrides_parse_yaml_values(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yaml", "experiment: e\nsources:\n  - path: a.csv\n")
    config = load_config(
        path,
        ["model.hdbscan.min_cluster_size=5", "model.vectorizer.ngram_range=[1, 3]", "seed=7"],
    )
    assert config.model.hdbscan.min_cluster_size == 5
    assert config.model.vectorizer.ngram_range == (1, 3)
    assert config.seed == 7


def test_loader_bad_override_value_is_attributed_to_the_override(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yaml", "experiment: e\nsources:\n  - path: a.csv\n")
    with pytest.raises(ConfigError, match=r"\[--set model.kind=lad\]"):
        load_config(path, ["model.kind=lad"])


@pytest.mark.parametrize("text", ["novalue", "=3", "a..b=1"])
def test_loader_malformed_override_is_rejected(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_override(text)


def test_loader_paths_expand_environment_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOPICS_TEST_DATA", str(tmp_path / "corpus"))
    path = write(tmp_path, "c.yaml", "experiment: e\nsources:\n  - path: $TOPICS_TEST_DATA/x.csv\n")
    assert load_config(path).sources[0].path == str(tmp_path / "corpus" / "x.csv")


def test_loader_unset_environment_variable_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yaml", "experiment: e\nsources:\n  - path: ${NOPE_NOT_SET_X}/x\n")
    with pytest.raises(ConfigError, match="NOPE_NOT_SET_X"):
        load_config(path)


def test_loader_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yaml", "experiment: [unclosed\n")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_config(path)


def test_loader_unknown_mapping_field_names_the_key_and_line(tmp_path: Path) -> None:
    """`mapping: {publication_year: ...}` would be ignored and every paper left undated."""
    path = write(
        tmp_path,
        "c.yaml",
        "experiment: e\nsources:\n  - path: a.csv\n    mapping:\n"
        "      abstract: Abstract\n      publication_year: Publication Year\n",
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert "sources.0.mapping: unknown record field 'publication_year'" in message
    assert "year: Publication Year" in message
    assert f"{path}:4" in message


def test_loader_umap_epochs_must_be_positive_auto_or_null(tmp_path: Path) -> None:
    text = "experiment: e\nsources:\n  - path: a.csv\nmodel:\n  umap:\n    n_epochs: 0\n"
    with pytest.raises(ConfigError, match=r"model\.umap\.n_epochs.*c\.yaml:6"):
        load_config(write(tmp_path, "c.yaml", text))
    for value, expected in (("auto", "auto"), ("null", None), ("150", 150)):
        path = write(tmp_path, "c.yaml", text.replace("n_epochs: 0", f"n_epochs: {value}"))
        assert load_config(path).model.umap.n_epochs == expected
