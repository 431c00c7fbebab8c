"""``evaluate_run`` on a run directory holding a real fitted model of the seed abstracts.

The run is built here (NMF and a small tfidf-svd embedder on 160 seed papers)
rather than with the pipeline, so that these tests take seconds; the CLI test
evaluates a run of the real pipeline.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from topics.clean import clean_texts
from topics.config.schema import CleanConfig, EmbeddingConfig, ModelConfig
from topics.embed import build_embedder, embed_texts, save_embedder
from topics.errors import TopicsError
from topics.evaluate import EVALUATION_FILE, evaluate_run
from topics.fitted import document_texts
from topics.ingest import ReadOptions, read_source
from topics.models import build_topic_model

REPO = Path(__file__).resolve().parents[2]
LABELS = REPO / "tests" / "fixtures" / "themes" / "labels.csv"
N_PAPERS = 160
SEED = 7


def seed_papers() -> pd.DataFrame:
    rows, seen = [], set()
    for path in sorted((REPO / "seeds").glob("*.txt")):
        for record in read_source(path, "auto", ReadOptions(display_path=path.name)).records:
            if record.title and record.title not in seen and len(record.abstract) > 200:
                seen.add(record.title)
                rows.append((record.title, record.abstract, record.arxiv_id or ""))
    frame = pd.DataFrame(rows[:N_PAPERS], columns=["title", "abstract", "arxiv_id"])
    frame.insert(0, "paper_id", [f"p{i:03d}" for i in range(len(frame))])
    frame["text"] = clean_texts(frame["abstract"].tolist(), CleanConfig())
    return frame


@pytest.fixture(scope="module")
def built_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """model/, data/papers.parquet and manifest.json, as ``topics run`` leaves them."""
    root = tmp_path_factory.mktemp("evaluate")
    run_dir, cache = root / "run", root / "cache"
    papers = seed_papers()
    docs = document_texts(papers["title"].tolist(), papers["text"].tolist())
    embedding = EmbeddingConfig(backend="tfidf-svd", svd_components=32, cache_dir=cache)
    embedder = build_embedder(embedding, seed=SEED).fit(docs)
    vectors, _ = embed_texts(docs, embedder, cache, show_progress=False)
    model_config = ModelConfig(kind="nmf", nr_topics=6)
    model = build_topic_model(model_config, seed=SEED).fit(docs, embeddings=vectors)
    save_embedder(embedder, run_dir / "model" / "embedder")
    model.save(run_dir / "model" / "topic_model")
    papers["topic"] = model.labels_
    papers["themes"] = np.where(papers.index % 3 == 0, "watermarking;robustness", "unassigned")
    (run_dir / "data").mkdir(parents=True)
    papers.to_parquet(run_dir / "data" / "papers.parquet")
    config = {
        "experiment": "eval-test",
        "seed": SEED,
        "embedding": embedding.model_dump(mode="json"),
        "model": model_config.model_dump(mode="json"),
        "themes": [{"name": n} for n in ("robustness", "watermarking", "continual-learning")],
    }
    manifest = {"experiment": "eval-test", "seed": SEED, "config": config}
    (run_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return run_dir


def read_strict_json(path: Path) -> dict:
    """JSON as the standard defines it: NaN or Infinity would raise."""
    return json.loads(path.read_text(encoding="utf-8"), parse_constant=_refuse)


def _refuse(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def test_evaluate_run_writes_what_it_returns(built_run: Path) -> None:
    result = evaluate_run(built_run)
    assert read_strict_json(built_run / EVALUATION_FILE) == result
    assert result["model_kind"] == "nmf"
    assert result["n_papers"] == N_PAPERS
    assert result["n_topics"] == 6
    assert result["stability"] is None
    assert result["themes"] is None


def test_evaluate_run_scores_every_topic(built_run: Path) -> None:
    result = evaluate_run(built_run)
    coherence = result["coherence"]
    assert [t["topic"] for t in coherence["per_topic"]] == list(range(6))
    values = [t["npmi"] for t in coherence["per_topic"]]
    assert all(-1 <= v <= 1 for v in values)
    assert coherence["mean"] == pytest.approx(float(np.mean(values)))
    assert coherence["top_n"] == 10
    for topic in coherence["per_topic"]:
        assert 2 <= len(topic["words"]) <= 10
    assert 0 < result["diversity"]["value"] <= 1
    assert result["diversity"]["top_n"] == 10  # the model lists 10 words per topic
    assert result["outliers"] == {"before_reduction": 0.0, "after_reduction": 0.0, "assigned": 0.0}


def test_evaluate_run_matches_labels_and_reports_the_rest(built_run: Path) -> None:
    themes = evaluate_run(built_run, labels=LABELS)["themes"]
    assert themes["n_label_rows"] == 270
    # Every row either found one of the 160 papers or is listed with its line.
    unmatched = [i for i in themes["issues"] if i["reason"].startswith("no paper")]
    assert 0 < themes["n_matched_papers"] < 160
    assert len(unmatched) + themes["n_matched_papers"] >= 270 - 1  # one paper has two rows
    assert all(2 <= i["line"] <= 271 for i in themes["issues"])
    assert [r["theme"] for r in themes["per_theme"]] == [
        "robustness",
        "watermarking",
        "continual-learning",
    ]
    continual = themes["per_theme"][2]
    assert continual["predicted"] == 0
    assert continual["recall"] == 0.0
    assert continual["precision"] is None


def test_evaluate_run_stability_refits_on_cached_embeddings(built_run: Path) -> None:
    cache = Path(json.loads((built_run / "manifest.json").read_text())["config"]["embedding"]
                 ["cache_dir"])  # fmt: skip
    shards_before = sorted(cache.rglob("shard-*.safetensors"))
    seen: list[int] = []

    def progress(seeds):
        for seed in seeds:
            seen.append(seed)
            yield seed

    stability = evaluate_run(built_run, stability_seeds=2, progress=progress)["stability"]
    assert sorted(cache.rglob("shard-*.safetensors")) == shards_before  # nothing re-embedded
    assert seen == [SEED + 1, SEED + 2]
    assert stability["seeds"] == [SEED, SEED + 1, SEED + 2]
    assert stability["n_topics"] == [6, 6, 6]
    pairs = stability["ari"]["pairs"]
    assert [(p["seed_a"], p["seed_b"]) for p in pairs] == [(7, 8), (7, 9), (8, 9)]
    assert all(-1 <= p["ari"] <= 1 for p in pairs)
    assert stability["ari"]["min"] <= stability["ari"]["mean"] <= 1
    for measure in ("centroid", "words"):
        match = stability["topic_match"][measure]
        assert len(match["pairs"]) == 3
        assert all(len(p["matches"]) == 6 for p in match["pairs"])
        assert 0 <= match["share_matched"] <= 1
        assert not math.isnan(match["mean_similarity"])


def test_evaluate_run_same_seed_refit_is_identical(built_run: Path, tmp_path: Path) -> None:
    """A refit with the seed the model was fitted with reproduces it: ARI 1, all topics matched."""
    run_dir = Path(shutil.copytree(built_run, tmp_path / "run"))
    manifest = json.loads((run_dir / "manifest.json").read_text())
    manifest["config"]["seed"] = SEED - 1  # the first refit uses seed + 1
    (run_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    stability = evaluate_run(run_dir, stability_seeds=1)["stability"]
    assert stability["ari"]["mean"] == pytest.approx(1.0)
    assert stability["topic_match"]["words"]["share_matched"] == pytest.approx(1.0)
    assert stability["topic_match"]["centroid"]["mean_similarity"] == pytest.approx(1.0)


def test_evaluate_run_needs_a_fitted_model(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "manifest.json").write_text("{}", encoding="utf-8")
    pd.DataFrame(
        {"paper_id": ["a"], "title": ["t"], "text": ["x"], "topic": [0], "themes": [""]}
    ).to_parquet(tmp_path / "data" / "papers.parquet")
    with pytest.raises(TopicsError, match="model/topic_model is missing"):
        evaluate_run(tmp_path)
    assert not (tmp_path / EVALUATION_FILE).exists()
