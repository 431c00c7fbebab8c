"""`topics run` on the bundled seeds, and reuse of the saved model in users' code.

These fit real models on the real seed corpus, so they take minutes; they share
one run per backend through session fixtures and the embedding cache.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

import topics
from topics.cli import main
from topics.config.loader import load_config
from topics.errors import IncompatibleModelError, ModelError
from topics.pipeline import STAGES, run
from topics.themes import weights_for_backend

pytestmark = pytest.mark.slow

WATERMARK_ABSTRACT = (
    "We propose a method to embed an invisible watermark into images produced by latent "
    "diffusion models, so that generated content can be traced back to its source. The "
    "watermark survives cropping, JPEG compression and other common edits, and we show how "
    "an adversary could try to remove or forge it."
)
CONTINUAL_ABSTRACT = (
    "Neural networks forget previously learned tasks when trained on a sequence of new "
    "tasks. We study class-incremental continual learning and propose a rehearsal method "
    "that mitigates catastrophic forgetting with a small memory buffer."
)
PROTEIN_ABSTRACT = (
    "We measure the thermal stability of membrane proteins in mouse liver cells using "
    "calorimetry and report melting temperatures for 40 proteins."
)


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("embedding-cache")


def seeds_run(repo: Path, out: Path, cache: Path, *extra: str):
    overrides = [f"output_dir={out}", f"embedding.cache_dir={cache}", *extra]
    return run(load_config(repo / "configs" / "default.yaml", overrides))


@pytest.fixture(scope="session")
def default_run(repo: Path, tmp_path_factory: pytest.TempPathFactory, cache_dir: Path):
    return seeds_run(repo, tmp_path_factory.mktemp("run1"), cache_dir)


def test_end_to_end_run_writes_the_export_contract(default_run) -> None:
    data = default_run.run_dir / "data"
    papers = pd.read_csv(data / "papers.csv")
    assert list(papers.columns[:11]) == [
        "paper_id", "title", "abstract", "year", "date", "date_precision", "authors",
        "category", "venue", "arxiv_id", "sources",
    ]  # fmt: skip
    assert {"topic", "topic_label", "themes"} <= set(papers.columns)
    assert len(papers) == 308
    sizes = pd.read_csv(data / "topics.csv").set_index("topic")["size"]
    assert sizes.to_dict() == papers["topic"].value_counts().reindex(sizes.index).to_dict(), (
        "topics.csv size is the number of papers.csv rows with that topic"
    )
    assignments = pd.read_csv(data / "assignments.csv")
    assert list(assignments.columns[:5]) == ["paper_id", "theme", "score", "assigned", "evidence"]
    assert len(assignments) == 308 * 11
    assert assignments["score"].between(0, 1).all()
    for name in ("themes_by_year.csv", "topics_by_year.csv", "trends.csv", "topics.csv"):
        assert len(pd.read_csv(data / name)) > 0, name
    by_year = ["year", "count", "total", "share", "ci_low", "ci_high"]
    assert list(pd.read_csv(data / "themes_by_year.csv").columns[:7]) == ["theme", *by_year]
    assert list(pd.read_csv(data / "topics_by_year.csv").columns[:7]) == ["topic", *by_year]
    trends = pd.read_csv(data / "trends.csv")
    assert {"slope", "p_value", "status", "first_year", "peak_year", "bursts"} <= set(trends)
    manifest = json.loads((default_run.run_dir / "manifest.json").read_text())
    assert manifest["seed"] == 42
    assert {"embed", "fit", "assign", "trends", "report"} <= set(manifest["timings_s"])
    assert (default_run.run_dir / "index.html").is_file()


def test_end_to_end_known_seed_papers_land_in_their_themes(default_run) -> None:
    papers = pd.read_csv(default_run.run_dir / "data" / "papers.csv").set_index("title")
    themes = papers["themes"].str.split(";")
    assert (
        "watermarking"
        in themes[
            "Pixel Seal: Adversarial-only training for invisible image and video watermarking"
        ]
    )
    assert "robustness" in themes["Data Augmentation Can Improve Robustness"]
    assert "robustness" in themes["Revisiting adapters with adversarial training"]
    assert (
        "continual-learning" in themes["iCaRL: Incremental Classifier and Representation Learning"]
    )
    assert (
        "robustness"
        not in themes[
            "Pixel Seal: Adversarial-only training for invisible image and video watermarking"
        ]
    )
    by_arxiv = pd.read_csv(
        default_run.run_dir / "data" / "papers.csv", dtype={"arxiv_id": str}
    ).set_index("arxiv_id")
    # Dataset Condensation lists continual learning only as an application.
    assert "continual-learning" not in by_arxiv.loc["2006.05929", "themes"].split(";")


def test_end_to_end_outliers_are_reduced_and_reported(default_run) -> None:
    summary = json.loads((default_run.run_dir / "data" / "model_summary.json").read_text())
    assert summary["n_topics"] >= 3
    assert summary["outlier_share"] <= summary["outlier_share_before_reduction"]
    assert summary["outlier_share"] < 0.34


def test_end_to_end_loaded_model_assigns_new_papers(default_run) -> None:
    model = topics.load(default_run.run_dir / "model")
    assert {"topic", "label", "keywords", "size"} <= set(model.topics.columns)
    result = model.assign([WATERMARK_ABSTRACT, CONTINUAL_ABSTRACT, PROTEIN_ABSTRACT])
    assert result["themes"].tolist()[0].split(";").count("watermarking") == 1
    assert "continual-learning" in result["themes"].tolist()[1].split(";")
    assert result["themes"].tolist()[2] == "unassigned"
    assert result["score:watermarking"][0] > 0.5 > result["score:watermarking"][2]


def test_end_to_end_load_in_fresh_process_reproduces_run_assignments(default_run) -> None:
    """A new process with the network blocked gives the run's own topics and themes."""
    run_dir = default_run.run_dir
    script = textwrap.dedent(
        f"""
        import socket
        def refuse(*args, **kwargs):
            raise RuntimeError("network access attempted")
        socket.socket.connect = refuse
        import pandas as pd, topics
        papers = pd.read_csv({str(run_dir / "data" / "papers.csv")!r}, keep_default_na=False)
        model = topics.load({str(run_dir / "model")!r})
        out = model.assign(papers[["paper_id", "title", "abstract"]])
        out[["paper_id", "topic", "themes"]].to_csv({str(run_dir / "reassigned.csv")!r},
                                                    index=False)
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=600)
    again = pd.read_csv(run_dir / "reassigned.csv", keep_default_na=False)
    original = pd.read_csv(run_dir / "data" / "papers.csv", keep_default_na=False)
    assert again["topic"].tolist() == original["topic"].tolist()
    assert again["themes"].tolist() == original["themes"].tolist()


def test_end_to_end_same_seed_gives_identical_topics_and_themes(
    default_run, repo: Path, tmp_path: Path, cache_dir: Path
) -> None:
    second = seeds_run(repo, tmp_path, cache_dir)
    manifest = json.loads((second.run_dir / "manifest.json").read_text())
    assert manifest["stages"]["fit"] == "ran"  # a fresh output dir: refitted, not cached
    assert manifest["cache"]["embed"]["computed"] == 0  # the vectors come from the cache
    first_papers = pd.read_csv(default_run.run_dir / "data" / "papers.csv")
    second_papers = pd.read_csv(second.run_dir / "data" / "papers.csv")
    assert first_papers["topic"].tolist() == second_papers["topic"].tolist()
    assert first_papers["themes"].tolist() == second_papers["themes"].tolist()
    first_topics = pd.read_csv(default_run.run_dir / "data" / "topics.csv")
    second_topics = pd.read_csv(second.run_dir / "data" / "topics.csv")
    pd.testing.assert_frame_equal(first_topics, second_topics)


def test_end_to_end_cli_assign_reads_any_format(default_run, tmp_path: Path) -> None:
    source = tmp_path / "new.jsonl"
    rows = [
        {"title": "Invisible watermarks for diffusion models", "abstract": WATERMARK_ABSTRACT},
        {"title": "Rehearsal against forgetting", "abstract": CONTINUAL_ABSTRACT},
        {"title": "no abstract here", "abstract": ""},
    ]
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    out = tmp_path / "assigned.csv"
    code = main(["assign", str(default_run.run_dir / "model"), str(source), "--out", str(out)])
    assert code == 0
    assigned = pd.read_csv(out)
    assert len(assigned) == 2
    assert "watermarking" in assigned.loc[0, "themes"].split(";")


def test_end_to_end_cli_assign_ids_join_papers_csv(
    default_run, repo: Path, tmp_path: Path, capsys
) -> None:
    """Issue 15: `topics assign` named papers `file:line`, an id papers.csv never has.

    Assigning the run's own sources again must give rows that join papers.csv:
    on ``paper_id`` (the run's id scheme), or, for a record the run merged
    with one that carries an arXiv id, on ``source`` in ``sources``.
    """
    papers = pd.read_csv(default_run.run_dir / "data" / "papers.csv")
    paper_of_source = {
        source: paper_id
        for paper_id, cell in zip(papers["paper_id"], papers["sources"], strict=True)
        for source in cell.split(";")
    }
    rows = []
    for seed in sorted((repo / "seeds").glob("00*.txt")):
        out, evidence = tmp_path / f"{seed.stem}.csv", tmp_path / f"{seed.stem}-evidence.csv"
        argv = ["assign", str(default_run.run_dir / "model"), str(seed), "--out", str(out)]
        assert main([*argv, "--evidence", str(evidence)]) == 0
        assigned = pd.read_csv(out)
        assert list(assigned.columns[:2]) == ["paper_id", "source"]
        long = pd.read_csv(evidence)
        assert list(long.columns[:2]) == ["paper_id", "source"]
        assert set(long["source"]) == set(assigned["source"])
        rows.append(assigned)
    assigned = pd.concat(rows, ignore_index=True)
    assert len(assigned) == 315  # every record of the five seed files
    run_ids = assigned["source"].map(paper_of_source)
    assert run_ids.notna().all(), "every source is a papers.csv source"
    same = assigned["paper_id"] == run_ids
    assert same.mean() > 0.99
    # The rest are records merged with another record that has the arXiv id.
    assert run_ids[~same].str.startswith("arXiv:").all()
    joined = assigned.merge(papers[["paper_id", "topic"]], on="paper_id", suffixes=("", "_run"))
    assert (joined["topic"] == joined["topic_run"]).mean() > 0.95
    capsys.readouterr()


def test_end_to_end_cli_assign_threshold_override(default_run, tmp_path: Path) -> None:
    source = tmp_path / "new.csv"
    pd.DataFrame(
        {
            "title": ["Invisible watermarks", "Rehearsal"],
            "abstract": [WATERMARK_ABSTRACT, CONTINUAL_ABSTRACT],
        }
    ).to_csv(source, index=False)
    model = str(default_run.run_dir / "model")
    assert main(["assign", model, str(source), "--out", str(tmp_path / "a.csv")]) == 0
    assert (
        main(
            [
                "assign",
                model,
                str(source),
                "--out",
                str(tmp_path / "b.csv"),
                "--set",
                "assign.threshold=1.0",
            ]
        )
        == 0
    )
    loose, strict = pd.read_csv(tmp_path / "a.csv"), pd.read_csv(tmp_path / "b.csv")
    assert "watermarking" in loose.loc[0, "themes"].split(";")
    assert (strict["themes"] == "unassigned").all()
    score_columns = [c for c in loose if c.startswith("score:")]
    assert score_columns
    assert loose["paper_id"].tolist() == strict["paper_id"].tolist()


def test_end_to_end_incompatible_model_version_is_a_clear_error(
    default_run, tmp_path: Path
) -> None:
    import shutil

    copy = tmp_path / "model"
    shutil.copytree(default_run.run_dir / "model", copy)
    meta = json.loads((copy / "pipeline.json").read_text())
    meta["format_version"] = 99
    (copy / "pipeline.json").write_text(json.dumps(meta))
    with pytest.raises(IncompatibleModelError, match="version 99"):
        topics.load(copy)
    with pytest.raises(ModelError, match="not a saved topics model"):
        topics.load(tmp_path)


def test_end_to_end_torch_free_backend(repo: Path, tmp_path: Path) -> None:
    result = seeds_run(repo, tmp_path, tmp_path / "cache", "embedding.backend=tfidf-svd")
    papers = pd.read_csv(result.run_dir / "data" / "papers.csv")
    assert papers["topic"].nunique() >= 2
    model = topics.load(result.run_dir / "model")
    assert model.embedder.backend == "tfidf-svd"
    assert model.assigner.weights_ == weights_for_backend("tfidf-svd")  # its own theme weights
    again = model.assign(papers[["paper_id", "title", "abstract"]].fillna(""))
    assert again["topic"].tolist() == papers["topic"].tolist()


def test_end_to_end_lda_baseline(repo: Path, tmp_path: Path, cache_dir: Path) -> None:
    overrides = [f"output_dir={tmp_path}", f"embedding.cache_dir={cache_dir}"]
    result = run(load_config(repo / "configs" / "lda_baseline.yaml", overrides))
    table = pd.read_csv(result.run_dir / "data" / "topics.csv")
    assert sorted(table["topic"]) == list(range(12))
    assert all(" " not in word for words in table["keywords"] for word in words.split(";"))


def readme_python_blocks(repo: Path) -> list[str]:
    text = (repo / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def test_end_to_end_readme_example_runs(
    default_run, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "default").symlink_to(default_run.run_dir)
    monkeypatch.chdir(tmp_path)
    blocks = readme_python_blocks(repo)
    assert blocks, "README has no python example"
    namespace: dict[str, object] = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)
    new = namespace["new"]
    assert isinstance(new, pd.DataFrame)
    assert "watermarking" in new["themes"].iloc[0].split(";")
    assert new["themes"].iloc[1] == "unassigned"
    assert "label" in capsys.readouterr().out


def test_end_to_end_rerun_takes_every_stage_from_the_cache(
    default_run, repo: Path, cache_dir: Path
) -> None:
    output_dir = default_run.run_dir.parent
    before = pd.read_csv(default_run.run_dir / "data" / "papers.csv")
    again = seeds_run(repo, output_dir, cache_dir)
    manifest = json.loads((again.run_dir / "manifest.json").read_text())
    assert manifest["stages"] == dict.fromkeys(STAGES, "cached")
    after = pd.read_csv(again.run_dir / "data" / "papers.csv")
    pd.testing.assert_frame_equal(before, after)


def test_end_to_end_added_papers_embed_only_the_new_texts(
    default_run, repo: Path, cache_dir: Path, tmp_path: Path
) -> None:
    extra = tmp_path / "extra.jsonl"
    new_papers = [
        {"title": "Invisible watermarks for diffusion models", "abstract": WATERMARK_ABSTRACT},
        {"title": "Rehearsal against forgetting", "abstract": CONTINUAL_ABSTRACT},
    ]
    extra.write_text("\n".join(json.dumps(p) for p in new_papers) + "\n", encoding="utf-8")
    sources = f"sources=[{{path: '{repo}/seeds/*.txt'}}, {{path: '{extra}', format: jsonl}}]"
    result = seeds_run(repo, tmp_path / "out", cache_dir, sources)
    manifest = json.loads((result.run_dir / "manifest.json").read_text())
    assert manifest["cache"]["embed"]["texts"] == 310
    assert manifest["cache"]["embed"]["computed"] == 2
