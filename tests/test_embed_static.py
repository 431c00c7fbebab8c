"""Tests for the ``static`` embedding backend (model2vec distilled from a local model).

Cache and bundle mechanics use a tiny BERT written by a session fixture
(``tiny_base`` in ``tests/conftest.py``: the packaged MiniLM's tokenizer with
one 32-wide layer of seeded random weights):
it distils in seconds through exactly the same code. One test distils the
packaged MiniLM itself, once per session, and checks that the vectors keep
its semantics.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from topics.config.schema import EmbeddingConfig
from topics.embed import (
    StaticEmbedder,
    build_embedder,
    distilled_model_dir,
    embed_texts,
    load_embedder,
    save_embedder,
)
from topics.embed import _static as static_module
from topics.errors import IncompatibleModelError, ModelError

REPO = Path(__file__).resolve().parents[1]
TEXTS = [
    "Graph neural networks for molecular property prediction.",
    "We study adversarial examples against image classifiers and defences.",
    "Protein folding with deep learning.",
    "",
    "Continual learning without catastrophic forgetting.",
]


@pytest.fixture(scope="session")
def tiny_cache(tiny_base: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A distilled-model cache root holding the tiny model, distilled once per session."""
    root = tmp_path_factory.mktemp("static-models")
    StaticEmbedder(str(tiny_base), cache_dir=root).static_dir  # noqa: B018 (distils)
    return root


@pytest.fixture(scope="session")
def minilm_static(tmp_path_factory: pytest.TempPathFactory) -> StaticEmbedder:
    """The packaged MiniLM distilled once per session (about 30 s on 2 cores)."""
    return StaticEmbedder(cache_dir=tmp_path_factory.mktemp("minilm-static"))


def _fresh_copy(tiny_cache: Path, tmp_path: Path) -> Path:
    root = tmp_path / "static-models"
    shutil.copytree(tiny_cache, root)
    return root


def _no_distilling(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("distilled although a valid cached model was there")

    monkeypatch.setattr(static_module, "_distill_in_child", refuse)


def test_static_rows_are_unit_length_and_independent_of_the_batch(
    tiny_base: Path, tiny_cache: Path
) -> None:
    embedder = StaticEmbedder(str(tiny_base), cache_dir=tiny_cache)
    together = embedder.encode(TEXTS)
    assert together.dtype == np.float32
    assert together.shape == (len(TEXTS), embedder.dim)
    norms = np.linalg.norm(together, axis=1)
    np.testing.assert_allclose(norms[[0, 1, 2, 4]], 1.0, rtol=1e-5)
    assert norms[3] == 0.0  # no token at all: the only row that is not unit length
    for i, text in enumerate(TEXTS):
        np.testing.assert_array_equal(embedder.encode([text])[0], together[i])


def test_static_reuses_the_cached_model_without_distilling(
    tiny_base: Path, tiny_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = StaticEmbedder(str(tiny_base), cache_dir=tiny_cache)
    _no_distilling(monkeypatch)
    again = StaticEmbedder(str(tiny_base), cache_dir=tiny_cache)
    assert again.static_dir == distilled_model_dir(tiny_cache, str(tiny_base))
    assert again.identity == first.identity
    np.testing.assert_array_equal(again.encode(TEXTS), first.encode(TEXTS))


@pytest.mark.parametrize("damage", ["flip weights", "drop manifest", "garble manifest"])
def test_static_rebuilds_a_corrupt_or_incomplete_cache(
    tiny_base: Path, tiny_cache: Path, tmp_path: Path, damage: str
) -> None:
    root = _fresh_copy(tiny_cache, tmp_path)
    reference = StaticEmbedder(str(tiny_base), cache_dir=tiny_cache)
    target = distilled_model_dir(root, str(tiny_base))
    weights = target / "model.safetensors"
    if damage == "flip weights":
        data = bytearray(weights.read_bytes())
        data[-8:] = bytes(8)
        weights.write_bytes(bytes(data))
    elif damage == "drop manifest":
        (target / "manifest.json").unlink()
    else:
        (target / "manifest.json").write_text("{not json", encoding="utf-8")
    rebuilt = StaticEmbedder(str(tiny_base), cache_dir=root)
    assert rebuilt.static_dir == target
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["files"]) >= {"model.safetensors", "tokenizer.json"}
    # Distillation is deterministic: the rebuilt model gives the same vectors.
    assert rebuilt.identity == reference.identity
    np.testing.assert_array_equal(rebuilt.encode(TEXTS), reference.encode(TEXTS))
    assert not [p for p in root.iterdir() if p.name.startswith(".")]  # no leftovers


def test_static_cache_key_changes_with_the_base_model(
    tiny_base: Path, tiny_cache: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other-base"
    shutil.copytree(tiny_base, other)
    config = json.loads((other / "config.json").read_text(encoding="utf-8"))
    config["layer_norm_eps"] = 1e-6
    (other / "config.json").write_text(json.dumps(config), encoding="utf-8")
    assert distilled_model_dir(tiny_cache, str(other)) != distilled_model_dir(
        tiny_cache, str(tiny_base)
    )


def test_static_without_model2vec_names_the_backend_and_the_extra(
    tiny_base: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "model2vec", None)  # import now raises ImportError
    with pytest.raises(ModelError, match=r"'static'.*model2vec.*topics\[static\]"):
        build_embedder(EmbeddingConfig(backend="static", model=str(tiny_base)))


def test_static_bundle_round_trip_and_tampering(
    tiny_base: Path, tiny_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    embedder = build_embedder(
        EmbeddingConfig(backend="static", model=str(tiny_base)), model_cache_dir=tiny_cache
    )
    save_embedder(embedder, tmp_path / "bundle")
    _no_distilling(monkeypatch)
    loaded = load_embedder(tmp_path / "bundle")
    assert isinstance(loaded, StaticEmbedder)
    assert loaded.identity == embedder.identity
    np.testing.assert_array_equal(loaded.encode(TEXTS), embedder.encode(TEXTS))
    (tmp_path / "bundle" / "static_model" / "tokenizer.json").write_text("{}", encoding="utf-8")
    with pytest.raises(IncompatibleModelError, match=r"does not match its manifest\.json"):
        load_embedder(tmp_path / "bundle")


def test_static_vectors_fill_the_embedding_cache(
    tiny_base: Path, tiny_cache: Path, tmp_path: Path
) -> None:
    embedder = StaticEmbedder(str(tiny_base), cache_dir=tiny_cache)
    first, stats = embed_texts(TEXTS, embedder, tmp_path / "vectors", show_progress=False)
    again, stats_again = embed_texts(TEXTS, embedder, tmp_path / "vectors", show_progress=False)
    assert (stats.n_computed, stats_again.n_computed) == (len(TEXTS), 0)
    np.testing.assert_array_equal(again, first)


def _seed_abstracts() -> list[str]:
    """Every distinct paragraph of 300+ characters in the seed pages: the abstracts."""
    paragraphs: dict[str, None] = {}
    for path in sorted((REPO / "seeds").glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if len(line.strip()) >= 300:
                paragraphs[line.strip()] = None
    return list(paragraphs)


# Written for this test: a paraphrase of the third abstract of seeds/000_*.txt
# (adversarially-robust model soups).
PARAPHRASE_OF_THIRD = (
    "Training a classifier against one kind of adversary, such as perturbations bounded in "
    "one lp norm, leaves it exposed to others. We interpolate the weights of models trained "
    "against different norm-bounded attacks and show that these parameter mixtures let us "
    "choose how robust the network is to each adversary, without training on all attacks at "
    "once, and help it adapt to distribution shift from a handful of samples."
)


def test_static_minilm_keeps_the_semantics(minilm_static: StaticEmbedder) -> None:
    """A paraphrase is closest to its original among 40 real seed abstracts."""
    abstracts = _seed_abstracts()[:40]
    vectors = minilm_static.encode(abstracts)
    query = minilm_static.encode([PARAPHRASE_OF_THIRD])[0]
    assert vectors.shape[1] == 256
    similarity = vectors @ query
    assert int(np.argmax(similarity)) == 2
    assert minilm_static.identity.startswith("static|packaged:all-MiniLM-L6-v2|model2vec=0.10.0")
