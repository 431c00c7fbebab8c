"""Shared fixtures: paths to the bundled seeds and the shared corpora, a tiny local model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
SHARED = REPO.parent / "shared"
ARCHIVE = SHARED / "corpora" / "arxiv-archive-2019"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def archive_dir() -> Path:
    if not ARCHIVE.is_dir():
        pytest.skip(f"shared arXiv archive not found at {ARCHIVE}")
    return ARCHIVE


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sentence-transformers directory: MiniLM's tokenizer, a tiny seeded BERT."""
    import torch
    from transformers import BertConfig, BertModel

    from topics.embed import SentenceTransformerEmbedder

    packaged = SentenceTransformerEmbedder().model_dir
    directory = tmp_path_factory.mktemp("tiny-base")
    for path in packaged.iterdir():
        if path.is_file() and path.name not in {"model.safetensors", "config.json"}:
            shutil.copy2(path, directory / path.name)
    shutil.copytree(packaged / "1_Pooling", directory / "1_Pooling")
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=30522,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
    )
    BertModel(config).save_pretrained(directory)
    return directory
