"""`topics update`: new papers assigned with the saved model, old ones kept as they were.

The last run reads three of the five seed pages; the update reads all five
plus a CSV record that repeats an old paper under a differently written
title. The runs use the torch-free embedder and NMF, as the stage tests do.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from topics.cli import main
from topics.config.loader import load_config
from topics.errors import UpdateRefusedError
from topics.pipeline import update
from topics.pipeline._update import positions_among_topic

FAST = ("embedding.backend=tfidf-svd", "model.kind=nmf", "model.nr_topics=6")


def config_for(repo: Path, out: Path, sources: str, *extra: str):
    overrides = [f"output_dir={out}", f"sources={sources}", *FAST, *extra]
    return load_config(repo / "configs" / "default.yaml", overrides)


def papers_of(run_dir: Path) -> pd.DataFrame:
    return pd.read_parquet(run_dir / "data" / "papers.parquet")


@pytest.fixture(scope="module")
def base(update_base: Path) -> Path:
    """A finished run over three seed pages; the other two and a duplicate wait beside it.

    The shared ``update_base`` (tests/conftest.py); tests copy it before they update.
    """
    return update_base


@pytest.fixture
def updated(repo: Path, base: Path, tmp_path: Path) -> Path:
    """A copy of the base output with the update applied; returns the copy's root."""
    root = tmp_path / "case"
    shutil.copytree(base, root, symlinks=True)
    update(full_config(repo, root))
    return root


def full_config(repo: Path, root: Path, *extra: str):
    sources = (
        f"[{{path: '{root}/src/*.txt'}}, {{path: '{root}/later/*.txt'}}, "
        f"{{path: '{root}/later/duplicate.csv', format: csv}}]"
    )
    return config_for(repo, root / "out", sources, *extra)


def test_update_embeds_only_the_new_papers(updated: Path) -> None:
    run_dir = updated / "out" / "default"
    old = papers_of(updated / "out" / "default.previous")
    new = papers_of(run_dir)
    n_new = int((~new["paper_id"].isin(old["paper_id"])).sum())
    assert 0 < n_new < len(new)
    embed = json.loads((run_dir / "manifest.json").read_text())["cache"]["embed"]
    assert embed["texts"] == len(new)
    assert embed["computed"] == embed["new_papers"] == n_new


def test_update_keeps_the_old_papers_topics_themes_and_scores(updated: Path) -> None:
    before = updated / "out" / "default.previous"
    after = updated / "out" / "default"
    old, new = papers_of(before), papers_of(after)
    both = old.merge(new, on="paper_id", suffixes=("_old", "_new"))
    assert len(both) == len(old)
    for column in ("topic", "topic_label", "topic_confidence", "themes"):
        assert both[f"{column}_old"].tolist() == both[f"{column}_new"].tolist(), column
    scores_old = pd.read_csv(before / "data" / "assignments.csv")
    scores_new = pd.read_csv(after / "data" / "assignments.csv")
    kept = scores_new.loc[scores_new["paper_id"].isin(old["paper_id"])]
    merged = scores_old.merge(kept, on=["paper_id", "theme"], suffixes=("_old", "_new"))
    assert len(merged) == len(scores_old)
    assert (merged["score_old"] == merged["score_new"]).all()
    assert set(scores_new["paper_id"]) == set(new["paper_id"])
    topics = pd.read_csv(after / "data" / "topics.csv")
    assert topics["size"].sum() == len(new)
    assert len(pd.read_csv(after / "data" / "map_2d.csv")) == len(new)


def test_update_keeps_the_old_papers_map_positions(updated: Path) -> None:
    before = updated / "out" / "default.previous"
    after = updated / "out" / "default"
    map_old = pd.read_csv(before / "data" / "map_2d.csv", dtype={"paper_id": str})
    map_new = pd.read_csv(after / "data" / "map_2d.csv", dtype={"paper_id": str})
    kept = map_old.merge(map_new, on="paper_id", suffixes=("_old", "_new"))
    assert len(kept) == len(papers_of(before))
    assert (kept["x_old"] == kept["x_new"]).all()
    assert (kept["y_old"] == kept["y_new"]).all()


def test_update_places_a_new_paper_among_its_own_topics_nearest_old_papers() -> None:
    """Row 6 is closest to topic 1's papers but in topic 0: it joins topic 0 on the map."""
    vectors = np.array(
        [
            [1.0, 0.0, 0.0],  # topic 0, old
            [0.9, 0.1, 0.0],  # topic 0, old
            [0.8, 0.0, 0.2],  # topic 0, old
            [0.0, 1.0, 0.0],  # topic 1, old
            [0.1, 0.9, 0.0],  # topic 1, old
            [0.0, 0.0, 1.0],  # topic 2, new: no old paper in its topic
            [0.2, 1.0, 0.0],  # topic 0, new
            [0.0, 0.9, 0.1],  # topic 1, new
        ]
    )
    topics = np.array([0, 0, 0, 1, 1, 2, 0, 1])
    positions = np.zeros((8, 2))
    positions[:5] = [[0, 0], [2, 0], [4, 6], [10, 10], [12, 10]]
    placed, new_rows = np.arange(5), np.array([5, 6, 7])
    result = positions_among_topic(vectors, topics, positions, placed, new_rows)
    np.testing.assert_allclose(result[1], [2, 2])  # the mean of topic 0's three old papers
    np.testing.assert_allclose(result[2], [11, 10])  # the mean of topic 1's two
    np.testing.assert_allclose(result[0], positions[:5].mean(axis=0))  # all five


def test_update_merges_a_duplicate_record_into_the_old_paper(updated: Path) -> None:
    old = papers_of(updated / "out" / "default.previous")
    new = papers_of(updated / "out" / "default")
    from_csv = new.loc[new["sources"].str.contains("duplicate.csv")]
    assert len(from_csv) == 1
    paper = from_csv.iloc[0]
    assert paper["paper_id"] in set(old["paper_id"])
    before = old.set_index("paper_id").loc[paper["paper_id"]]
    assert paper["n_records"] == before["n_records"] + 1
    assert paper["topic"] == before["topic"]
    assert paper["themes"] == before["themes"]


def test_update_writes_drift_and_names_the_clusters_when_asked(
    repo: Path, base: Path, tmp_path: Path
) -> None:
    root = tmp_path / "case"
    shutil.copytree(base, root)
    update(full_config(repo, root, "update.drift_threshold=0.0", "update.low_fit_quantile=0.5"))
    drift = json.loads((root / "out" / "default" / "data" / "drift.json").read_text())
    assert set(drift) == {
        "threshold",
        "new_papers",
        "low_fit",
        "low_fit_share",
        "drifted",
        "clusters",
    }
    assert drift["threshold"] == 0.0
    assert drift["drifted"] is True
    assert 0 < drift["low_fit"] <= drift["new_papers"]
    assert drift["low_fit_share"] == pytest.approx(drift["low_fit"] / drift["new_papers"], abs=1e-6)
    assert sum(c["size"] for c in drift["clusters"]) == drift["low_fit"]
    new = papers_of(root / "out" / "default")
    titles = set(new["title"])
    for cluster in drift["clusters"]:
        assert cluster["keywords"]
        assert all(isinstance(k, str) for k in cluster["keywords"])
        assert cluster["example_titles"]
        assert set(cluster["example_titles"]) <= titles


def test_update_drift_json_by_default_is_below_the_threshold_shape(updated: Path) -> None:
    drift = json.loads((updated / "out" / "default" / "data" / "drift.json").read_text())
    assert isinstance(drift["new_papers"], int)
    assert isinstance(drift["low_fit_share"], float)
    assert drift["drifted"] == (drift["low_fit_share"] > drift["threshold"])


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ("embedding.svd_components=64", "embedding.svd_components"),
        ("themes.0.phrases=[adversarial]", "themes.0.phrases"),
        ("assign.threshold=0.9", "assign.threshold"),
    ],
)
def test_cli_update_refuses_a_changed_embedding_or_themes(
    repo: Path,
    base: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    override: str,
    named: str,
) -> None:
    root = tmp_path / "case"
    shutil.copytree(base, root)
    before = (root / "out" / "default" / "manifest.json").read_bytes()
    args = ["update", str(repo / "configs" / "default.yaml"), f"--set=output_dir={root / 'out'}"]
    args += [f"--set=sources=[{{path: '{root}/src/*.txt'}}]", *(f"--set={o}" for o in FAST)]
    assert main([*args, f"--set={override}", "-q"]) == 2
    err = capsys.readouterr().err
    assert named in err
    assert "topics run" in err
    assert (root / "out" / "default" / "manifest.json").read_bytes() == before


def test_update_without_a_previous_run_is_refused(repo: Path, tmp_path: Path) -> None:
    config = config_for(repo, tmp_path / "out", f"[{{path: '{repo}/seeds/*.txt'}}]")
    with pytest.raises(UpdateRefusedError, match=r"no previous run.*topics run"):
        update(config)


def test_update_interrupted_leaves_the_last_run_intact(
    repo: Path, base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "case"
    shutil.copytree(base, root)
    run_dir = root / "out" / "default"
    files = ("manifest.json", "data/papers.csv", "data/assignments.csv", "index.html")
    before = {name: (run_dir / name).read_bytes() for name in files}

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("topics.pipeline._run.write_trend_outputs", interrupted)
    with pytest.raises(KeyboardInterrupt):
        update(full_config(repo, root))
    assert {name: (run_dir / name).read_bytes() for name in files} == before
    assert not (root / "out" / "default.previous").exists()
    assert [p.name for p in (root / "out").iterdir() if p.name.startswith(".default")] == []


def test_update_keeps_the_replaced_run_as_previous(base: Path, updated: Path) -> None:
    kept = (updated / "out" / "default.previous" / "manifest.json").read_bytes()
    assert kept == (base / "out" / "default" / "manifest.json").read_bytes()
