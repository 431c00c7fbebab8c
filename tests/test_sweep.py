"""`topics sweep`: every combination runs, shares the stage cache, and is compared."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from topics.cli import main
from topics.errors import ConfigError
from topics.sweep import (
    COLUMNS,
    SweepResult,
    parse_grid,
    plan_variants,
    run_sweep,
    variant_experiment,
    write_comparison,
)

FAST = ["embedding.backend=tfidf-svd", "model.kind=nmf"]


def fast_overrides(output_dir: Path) -> list[str]:
    return [f"output_dir={output_dir}", *FAST]


def test_sweep_parse_grid_reads_values_as_yaml() -> None:
    assert parse_grid("model.nr_topics=10,20") == ("model.nr_topics", [10, 20])
    assert parse_grid("model.kind=bertopic, lda") == ("model.kind", ["bertopic", "lda"])
    assert parse_grid("model.vectorizer.ngram_range=[1,1],[1,2]") == (
        "model.vectorizer.ngram_range",
        [[1, 1], [1, 2]],
    )


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        ("model.nr_topics", "expected KEY.PATH=VALUE1,VALUE2"),
        ("model.nr_topics=", "expected KEY.PATH=VALUE1,VALUE2"),
        ("model.nr_topics=5,5", "repeated"),
        ("not a key=1,2", "not a dotted key path"),
    ],
)
def test_sweep_parse_grid_rejects_malformed_grids(grid: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_grid(grid)


def test_sweep_variant_names_are_valid_experiment_names() -> None:
    name = variant_experiment("default", [("model.kind", "lda"), ("model.nr_topics", 10)])
    assert name == "default--kind-lda--nr_topics-10"
    odd = variant_experiment("default", [("model.vectorizer.ngram_range", [1, 2])])
    assert odd == "default--ngram_range-_1_2_"


def test_sweep_invalid_variant_is_reported_before_anything_runs(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        plan_variants(
            repo / "configs" / "default.yaml",
            ["model.kind=nmf,lad"],
            fast_overrides(tmp_path),
        )
    assert "sweep variant model.kind=lad" in str(caught.value)
    assert "model.kind" in str(caught.value)
    assert not (tmp_path / "default--kind-nmf").exists()


def test_sweep_runs_every_variant_sharing_the_cache(repo: Path, tmp_path: Path) -> None:
    plan = plan_variants(
        repo / "configs" / "default.yaml",
        ["model.nr_topics=4,6"],
        fast_overrides(tmp_path),
    )
    result = run_sweep(plan, labels=repo / "tests" / "fixtures" / "themes" / "labels.csv")
    assert [row["n_topics"] for row in result.rows] == [4, 6]
    assert all(row["status"] == "ok" for row in result.rows)
    assert all(-1 <= row["coherence_npmi"] <= 1 for row in result.rows)
    assert all(0 < row["diversity"] <= 1 for row in result.rows)
    assert all(0 < row["theme_macro_f1"] <= 1 for row in result.rows)
    second = json.loads((tmp_path / "default--nr_topics-6" / "manifest.json").read_text())
    assert [second["stages"][s] for s in ("dedupe", "embed", "fit")] == ["cached", "cached", "ran"]
    table = pd.read_csv(tmp_path / "default--sweep" / "comparison.csv")
    assert list(table.columns) == list(COLUMNS)
    assert table["experiment"].tolist() == ["default--nr_topics-4", "default--nr_topics-6"]
    page = (tmp_path / "default--sweep" / "index.html").read_text()
    assert 'href="../default--nr_topics-4/index.html"' in page


def test_sweep_comparison_page_escapes_variant_text(repo: Path, tmp_path: Path) -> None:
    plan = plan_variants(repo / "configs" / "default.yaml", ["seed=1,2"], fast_overrides(tmp_path))
    hostile = dict.fromkeys(COLUMNS)
    hostile.update(variant="<script>alert(1)</script>", experiment="x", status="failed: <b>")
    write_comparison(SweepResult(plan, [hostile]))
    page = (plan.out_dir / "index.html").read_text()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "failed: &lt;b&gt;" in page


def test_cli_sweep_exit_code_2_on_a_bad_grid(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(repo / "configs" / "default.yaml")
    code = main(["sweep", config, f"--set=output_dir={tmp_path}", "--grid", "model.kindd=lda,nmf"])
    assert code == 2
    assert "model.kindd" in capsys.readouterr().err
