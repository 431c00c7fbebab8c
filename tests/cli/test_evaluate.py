"""`topics evaluate RUN_DIR`: exit codes, printed tables, saved file and re-rendered report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from topics.cli import main

REPO = Path(__file__).resolve().parents[2]
LABELS = REPO / "tests" / "fixtures" / "themes" / "labels.csv"


def test_evaluate_cli_missing_run_dir_is_a_usage_error(tmp_path: Path, capsys) -> None:
    assert main(["evaluate", str(tmp_path / "nope")]) == 2
    assert "is not a directory" in capsys.readouterr().err


def test_evaluate_cli_missing_labels_file_is_a_usage_error(tmp_path: Path, capsys) -> None:
    assert main(["evaluate", str(tmp_path), "--labels", str(tmp_path / "labels.csv")]) == 2
    assert "labels file" in capsys.readouterr().err


@pytest.mark.parametrize("seeds", ["-1", "two"])
def test_evaluate_cli_bad_seed_count_is_a_usage_error(tmp_path: Path, seeds: str, capsys) -> None:
    assert main(["evaluate", str(tmp_path), "--seeds", seeds]) == 2
    assert "--seeds" in capsys.readouterr().err


def test_evaluate_cli_directory_that_is_not_a_run_fails(tmp_path: Path, capsys) -> None:
    assert main(["evaluate", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "manifest.json is missing" in err
    assert "Traceback" not in err


@pytest.fixture(scope="module")
def seeds_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled seeds through the real pipeline, with the fast tfidf-svd + NMF models."""
    out = tmp_path_factory.mktemp("runs")
    code = main(
        [
            "run",
            str(REPO / "configs" / "default.yaml"),
            "--set",
            f"output_dir={out}",
            "--set",
            f"embedding.cache_dir={out / 'cache'}",
            "--set",
            "embedding.backend=tfidf-svd",
            "--set",
            "model.kind=nmf",
            "--set",
            "model.nr_topics=6",
        ]
    )
    assert code == 0
    return out / "default"


@pytest.mark.slow
def test_evaluate_cli_on_a_real_run(seeds_run: Path, capsys) -> None:
    capsys.readouterr()
    assert main(["evaluate", str(seeds_run), "--labels", str(LABELS), "--seeds", "1"]) == 0
    out = capsys.readouterr().out
    assert "coherence (NPMI, top 10)" in out
    assert "ARI mean (min)" in out
    assert "(micro)" in out
    assert "labelled papers matched from 270 rows" in out
    evaluation = json.loads((seeds_run / "data" / "evaluation.json").read_text())
    assert evaluation["n_topics"] == 6
    assert evaluation["stability"]["seeds"] == [42, 43]
    assert evaluation["themes"]["n_matched_papers"] == 269  # one paper is labelled twice
    assert evaluation["themes"]["issues"] == []
    index = (seeds_run / "index.html").read_text()
    assert 'id="evaluation"' in index
    assert 'href="index.html#evaluation"' in index
    assert index.count('<tr><td class="num">') >= 6  # the coherence rows
    first = evaluation["coherence"]["per_topic"][0]
    topic_page = (seeds_run / "topics" / f"{first['topic']}.html").read_text()
    assert "<dt>Coherence</dt><dd>" + f"{first['npmi']:.2f}" in topic_page
