"""Tests for topics.embed: offline backends, bundles and the on-disk cache.

MiniLM tests use a handful of real abstracts from ``seeds/`` (the model loads
once per module); cache-mechanics tests use the torch-free tfidf-svd backend,
which is as real an embedder but encodes in milliseconds.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

import topics.embed
from topics.config.schema import EmbeddingConfig
from topics.embed import (
    EmbeddingCache,
    SentenceTransformerEmbedder,
    TfidfSvdEmbedder,
    adaptive_min_df,
    build_embedder,
    embed_texts,
    load_embedder,
    save_embedder,
    text_key,
)
from topics.errors import ConfigError, IncompatibleModelError, ModelError, NotFittedError

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
PACKAGED_DIR = SentenceTransformerEmbedder().model_dir

# A paraphrase, written for this test, of the first abstract in seeds/000_*.txt
# (Ktena et al., "Generative models improve fairness of medical classifiers").
PARAPHRASE_OF_FIRST = (
    "Generalising across domains is a pervasive difficulty in machine learning, and it can "
    "amplify bias against groups or labels that are rare in the training data, causing harm in "
    "safety-critical fields such as medicine. Labelled data are expensive, so we use generative "
    "models trained on plentiful unlabelled images to learn realistic augmentations, which make "
    "medical image classifiers more robust and statistically fairer both in and out of "
    "distribution."
)


def _seed_abstracts() -> list[str]:
    """Every distinct paragraph of 300+ characters in the seed pages: the abstracts."""
    paragraphs: dict[str, None] = {}
    for path in sorted(SEEDS.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if len(line.strip()) >= 300:
                paragraphs[line.strip()] = None
    return list(paragraphs)


@pytest.fixture(scope="module")
def abstracts() -> list[str]:
    found = _seed_abstracts()
    assert len(found) >= 200, "the seed pages should hold a few hundred abstracts"
    return found


@pytest.fixture(scope="module")
def minilm() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()


@pytest.fixture(scope="module")
def tfidf(abstracts: list[str]) -> TfidfSvdEmbedder:
    return TfidfSvdEmbedder(n_components=32, random_state=0).fit(abstracts)


class InterruptingEmbedder:
    """Delegates to a real embedder, but raises on the ``fail_on_call``-th encode call."""

    def __init__(self, inner: TfidfSvdEmbedder, fail_on_call: int, cache_dir: Path) -> None:
        self.inner = inner
        self.fail_on_call = fail_on_call
        self.cache_dir = cache_dir
        self.calls = 0
        self.encoded = 0
        self.shards_at_failure = -1

    backend = "tfidf-svd"

    @property
    def identity(self) -> str:
        return self.inner.identity

    @property
    def dim(self) -> int:
        return self.inner.dim

    def fit(self, texts: Sequence[str]) -> InterruptingEmbedder:
        return self

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool = False
    ) -> np.ndarray:
        self.calls += 1
        if self.calls == self.fail_on_call:
            self.shards_at_failure = len(list(self.cache_dir.rglob("shard-*.safetensors")))
            raise KeyboardInterrupt("simulated interrupt")
        self.encoded += len(texts)
        return self.inner.encode(texts)

    def plan_batches(self, texts: Sequence[str], batch_size: int) -> list[list[int]]:
        return self.inner.plan_batches(texts, batch_size)


def test_embed_all_is_sorted_and_complete() -> None:
    public = {
        name
        for name, value in vars(topics.embed).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("topics.embed")
    }
    assert topics.embed.__all__ == sorted(topics.embed.__all__)
    assert public == set(topics.embed.__all__)


def test_embed_packaged_model_gives_unit_384_dim_float32_vectors(
    minilm: SentenceTransformerEmbedder, abstracts: list[str]
) -> None:
    vectors = minilm.encode(abstracts[:3])
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_embed_packaged_model_puts_paraphrase_nearest(
    minilm: SentenceTransformerEmbedder, abstracts: list[str]
) -> None:
    original, others = abstracts[0], abstracts[1:16]
    vectors = minilm.encode([original, PARAPHRASE_OF_FIRST, *others])
    similarity = vectors[1:] @ vectors[0]
    assert similarity.argmax() == 0, "the paraphrase must be the nearest of 16 abstracts"
    assert similarity[0] > similarity[1:].max() + 0.05


def test_embed_minilm_vector_does_not_depend_on_batch(
    minilm: SentenceTransformerEmbedder, abstracts: list[str]
) -> None:
    texts = [abstracts[2][:200], abstracts[3], abstracts[4][:600], abstracts[5]]
    together = minilm.encode(texts, batch_size=4)
    alone = np.vstack([minilm.encode([text]) for text in texts])
    reversed_order = minilm.encode(texts[::-1], batch_size=3)[::-1]
    assert np.array_equal(together, alone)
    assert np.array_equal(together, reversed_order)


def test_embed_minilm_plan_batches_cover_every_text_once_with_one_length(
    minilm: SentenceTransformerEmbedder, abstracts: list[str]
) -> None:
    texts = [text[: 150 + 40 * i] for i, text in enumerate(abstracts[:30])]
    plan = minilm.plan_batches(texts, 4)
    padded = minilm.padded_lengths(texts)
    assert sorted(index for batch in plan for index in batch) == list(range(30))
    assert all(1 <= len(batch) <= 4 for batch in plan)
    assert all(len({int(padded[index]) for index in batch}) == 1 for batch in plan)
    assert len({int(length) for length in padded}) > 1, "the texts must span several lengths"


def test_embed_packaged_model_loads_offline_and_quietly(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import socket
        attempts = []
        def refuse(*args, **kwargs):
            attempts.append(args)
            raise OSError("network disabled by the test")
        socket.socket.connect = refuse
        socket.create_connection = refuse
        socket.getaddrinfo = refuse
        from topics.embed import SentenceTransformerEmbedder
        vectors = SentenceTransformerEmbedder().encode(["an offline sentence"])
        print(vectors.shape, len(attempts))
        """
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"}
    }
    env["HF_HOME"] = str(tmp_path / "hf-home")  # an empty hub cache: nothing to fall back on
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(1, 384) 0"
    assert result.stderr == "", "loading must not print warnings, logs or progress bars"


@pytest.mark.parametrize(
    "model",
    [
        "sentence-transformers/all-MiniLM-L6-v2",
        "all-MiniLM-L6-v2",
        "{tmp}/missing-model",
        "{tmp}",
        "packaged:all-mpnet-base-v2",
    ],
)
def test_embed_bad_model_raises_config_error_naming_key(model: str, tmp_path: Path) -> None:
    config = EmbeddingConfig(model=model.format(tmp=tmp_path))
    with pytest.raises(ConfigError, match=r"^embedding\.model: "):
        build_embedder(config)


def test_embed_hub_name_error_says_runs_are_offline() -> None:
    with pytest.raises(ConfigError, match="hub names are not allowed because runs are offline"):
        build_embedder(EmbeddingConfig(model="sentence-transformers/all-MiniLM-L6-v2"))


def _copy_model_with_links(destination: Path) -> Path:
    """A local copy of the packaged model: symlinks, except the pooling config."""
    for source in PACKAGED_DIR.rglob("*"):
        if source.is_file():
            target = destination / source.relative_to(PACKAGED_DIR)
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.name == "config.json" and source.parent.name == "1_Pooling":
                shutil.copyfile(source, target)
            else:
                target.symlink_to(source)
    return destination


def test_embed_identity_changes_when_model_files_or_settings_change(tmp_path: Path) -> None:
    model_dir = _copy_model_with_links(tmp_path / "minilm-copy")
    packaged = SentenceTransformerEmbedder()
    copy = SentenceTransformerEmbedder(str(model_dir))
    assert copy.identity.split("|")[2] == packaged.identity.split("|")[2], "same files"

    pooling = model_dir / "1_Pooling" / "config.json"
    settings = json.loads(pooling.read_text())
    settings.update(pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    pooling.write_text(json.dumps(settings))
    changed = SentenceTransformerEmbedder(str(model_dir))
    shorter = SentenceTransformerEmbedder(max_seq_length=128)

    assert len({packaged.identity, copy.identity, changed.identity, shorter.identity}) == 4
    assert packaged.identity == SentenceTransformerEmbedder().identity


def test_embed_saved_sentence_transformer_refuses_changed_model(tmp_path: Path) -> None:
    model_dir = _copy_model_with_links(tmp_path / "minilm-copy")
    save_embedder(SentenceTransformerEmbedder(str(model_dir)), tmp_path / "bundle")
    # The bundle names a directory outside itself: loaded only when the caller names it.
    with pytest.raises(ModelError, match=r"settings\.model names .*minilm-copy.*outside"):
        load_embedder(tmp_path / "bundle")
    loaded = load_embedder(tmp_path / "bundle", local_model=model_dir)
    assert loaded.identity.startswith("sentence-transformers|")

    pooling = model_dir / "1_Pooling" / "config.json"
    pooling.write_text(
        pooling.read_text().replace(
            '"pooling_mode_max_tokens": false', '"pooling_mode_max_tokens": true'
        )
    )
    with pytest.raises(IncompatibleModelError, match="Restore that model"):
        load_embedder(tmp_path / "bundle", local_model=model_dir)


def test_embed_cache_rerun_computes_nothing_and_returns_identical_vectors(
    minilm: SentenceTransformerEmbedder, abstracts: list[str], tmp_path: Path
) -> None:
    texts = abstracts[20:26]
    first, first_stats = embed_texts(texts, minilm, tmp_path, batch_size=4, show_progress=False)
    again, again_stats = embed_texts(texts, minilm, tmp_path, batch_size=4, show_progress=False)

    assert (first_stats.n_computed, first_stats.n_cached) == (6, 0)
    assert (again_stats.n_computed, again_stats.n_cached) == (0, 6)
    assert np.array_equal(first, again)
    assert np.array_equal(first, minilm.encode(texts[::-1])[::-1]), "cache equals a fresh encode"

    (tmp_path / "texts.json").write_text(json.dumps(texts), encoding="utf-8")
    script = textwrap.dedent(
        f"""
        import json, sys
        from pathlib import Path
        from topics.embed import SentenceTransformerEmbedder, embed_texts
        texts = json.loads(Path({str(tmp_path / "texts.json")!r}).read_text(encoding="utf-8"))
        _, stats = embed_texts(texts, SentenceTransformerEmbedder(), Path({str(tmp_path)!r}))
        print(stats.n_cached, "torch" in sys.modules)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["6", "False"], "a warm run never loads the model"


def test_embed_cache_overlapping_corpus_computes_only_new_texts(
    tfidf: TfidfSvdEmbedder, abstracts: list[str], tmp_path: Path
) -> None:
    old, new = abstracts[:60], abstracts[40:100]
    embed_texts(old, tfidf, tmp_path, show_progress=False)
    vectors, stats = embed_texts([*new, new[0]], tfidf, tmp_path, show_progress=False)

    assert stats.n_total == 61
    assert stats.n_unique == 60
    assert (stats.n_cached, stats.n_computed) == (20, 40)
    assert np.array_equal(vectors, tfidf.encode([*new, new[0]]))


def test_embed_cache_resumes_an_interrupted_run(
    tfidf: TfidfSvdEmbedder, abstracts: list[str], tmp_path: Path
) -> None:
    texts = abstracts[:100]
    interrupting = InterruptingEmbedder(tfidf, fail_on_call=5, cache_dir=tmp_path)
    with pytest.raises(KeyboardInterrupt):
        embed_texts(texts, interrupting, tmp_path, batch_size=8, flush_every=16)
    assert interrupting.shards_at_failure == 2, "flushed every 16 texts before the interrupt"
    assert interrupting.encoded == 32

    vectors, stats = embed_texts(texts, tfidf, tmp_path, batch_size=8, show_progress=False)
    assert (stats.n_cached, stats.n_computed) == (32, 68)
    assert np.array_equal(vectors, tfidf.encode(texts))


def test_embed_cache_without_directory_stores_nothing(
    tfidf: TfidfSvdEmbedder, abstracts: list[str], tmp_path: Path
) -> None:
    vectors, stats = embed_texts(abstracts[:10], tfidf, None, show_progress=False)
    assert stats.n_computed == 10
    assert vectors.shape == (10, tfidf.dim)
    empty, empty_stats = embed_texts([], tfidf, tmp_path, show_progress=False)
    assert empty.shape == (0, tfidf.dim)
    assert empty_stats.n_total == 0
    assert list(tmp_path.iterdir()) == []


def test_embed_cache_shards_from_two_writers_are_both_read(
    tfidf: TfidfSvdEmbedder, abstracts: list[str], tmp_path: Path
) -> None:
    texts = abstracts[:20]
    vectors = tfidf.encode(texts)
    keys = [text_key(text) for text in texts]
    EmbeddingCache(tmp_path, tfidf.identity).put(keys[:10], vectors[:10])
    EmbeddingCache(tmp_path, tfidf.identity).put(keys[10:], vectors[10:])

    reader = EmbeddingCache(tmp_path, tfidf.identity)
    found = reader.get(keys)
    assert len(reader) == 20
    assert np.array_equal(np.stack([found[key] for key in keys]), vectors)
    assert EmbeddingCache(tmp_path, "another-model").get(keys) == {}


def test_embed_cache_skips_temporary_and_corrupt_files(
    tfidf: TfidfSvdEmbedder, abstracts: list[str], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    texts = abstracts[:5]
    cache = EmbeddingCache(tmp_path, tfidf.identity)
    shard = cache.put([text_key(text) for text in texts], tfidf.encode(texts))
    (cache.directory / f".{shard.name}.1234.tmp").write_bytes(shard.read_bytes()[:100])
    (cache.directory / "shard-0-0-corrupt.safetensors").write_bytes(b"not a safetensors file")

    with caplog.at_level(logging.WARNING, logger="topics.embed"):
        _, stats = embed_texts(texts, tfidf, tmp_path, show_progress=False)
    assert stats.n_cached == 5
    assert "shard-0-0-corrupt.safetensors" in caplog.text


def test_embed_tfidf_svd_round_trip_is_identical_in_fresh_process(
    tfidf: TfidfSvdEmbedder, abstracts: list[str], tmp_path: Path
) -> None:
    bundle = tmp_path / "bundle"
    save_embedder(tfidf, bundle)
    texts = abstracts[200:230]
    (tmp_path / "texts.json").write_text(json.dumps(texts), encoding="utf-8")
    script = textwrap.dedent(
        f"""
        import json, sys
        import numpy as np
        from topics.embed import load_embedder
        embedder = load_embedder({str(bundle)!r})
        texts = json.loads(open({str(tmp_path / "texts.json")!r}, encoding="utf-8").read())
        np.save({str(tmp_path / "loaded.npy")!r}, embedder.encode(texts))
        print(embedder.identity, "torch" in sys.modules)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [tfidf.identity, "False"], "same identity, torch-free"
    assert np.array_equal(np.load(tmp_path / "loaded.npy"), tfidf.encode(texts))


def test_embed_tfidf_svd_vectors_are_unit_and_batch_independent(
    tfidf: TfidfSvdEmbedder, abstracts: list[str]
) -> None:
    texts = abstracts[100:140]
    vectors = tfidf.encode(texts)
    assert vectors.shape == (40, 32)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(vectors[:5], tfidf.encode(texts[:5]))
    assert not tfidf.encode(["zzzz qqqq"]).any(), "a text with no known term is all zeros"


@pytest.mark.parametrize(
    ("n_documents", "expected"), [(20, 1), (99, 1), (100, 2), (1999, 2), (5000, 3), (200_000, 5)]
)
def test_embed_adaptive_min_df_grows_with_corpus(n_documents: int, expected: int) -> None:
    assert adaptive_min_df(n_documents) == expected


def test_embed_tfidf_svd_identity_follows_fitted_state(abstracts: list[str]) -> None:
    unfitted = build_embedder(EmbeddingConfig(backend="tfidf-svd", svd_components=16), seed=1)
    with pytest.raises(NotFittedError, match="call fit"):
        _ = unfitted.identity
    first = TfidfSvdEmbedder(n_components=16, random_state=1).fit(abstracts[:80])
    same = TfidfSvdEmbedder(n_components=16, random_state=1).fit(abstracts[:80])
    other = TfidfSvdEmbedder(n_components=16, random_state=1).fit(abstracts[80:160])
    assert first.identity == same.identity
    assert first.identity != other.identity


def test_embed_tfidf_svd_load_refuses_tampered_bundle(
    tfidf: TfidfSvdEmbedder, tmp_path: Path
) -> None:
    save_embedder(tfidf, tmp_path)
    vocabulary_file = tmp_path / "tfidf_vocabulary.json"
    vocabulary = json.loads(vocabulary_file.read_text(encoding="utf-8"))
    vocabulary["idf"][0] += 1.0
    vocabulary_file.write_text(json.dumps(vocabulary), encoding="utf-8")
    with pytest.raises(IncompatibleModelError, match=r"do not match embedder\.json"):
        load_embedder(tmp_path)


def test_embed_tfidf_svd_learns_from_a_seeded_sample_and_encodes_everything(
    abstracts: list[str],
) -> None:
    sampled = TfidfSvdEmbedder(n_components=16, max_fit_samples=60).fit(abstracts)
    again = TfidfSvdEmbedder(n_components=16, max_fit_samples=60).fit(abstracts)
    full = TfidfSvdEmbedder(n_components=16, max_fit_samples=None).fit(abstracts)
    assert sampled.identity == again.identity  # same seed, same sample
    assert sampled.identity != full.identity
    chosen = np.sort(np.random.default_rng(42).choice(len(abstracts), 60, replace=False))
    on_sample = TfidfSvdEmbedder(n_components=16, max_fit_samples=None).fit(
        [abstracts[i] for i in chosen]
    )
    assert sampled.terms_ == on_sample.terms_  # learnt from those 60 texts alone
    vectors = sampled.encode(abstracts)
    assert vectors.shape == (len(abstracts), 16)
    assert np.count_nonzero(np.linalg.norm(vectors, axis=1)) >= 0.95 * len(abstracts)
