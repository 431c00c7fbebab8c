"""Hostile and damaged model folders: load refuses clearly, reads nothing outside, runs nothing.

Two real saved models, from runs the rest of the suite makes anyway: the
seeds with tfidf-svd and NMF (``baseline``: a fitted embedder with its own
safetensors, an LDA/NMF topic model, themes) and the default config with
MiniLM and BERTopic (``seeds_run_a``: a sentence-transformers embedder bundle,
a BERTopic model). A static (model2vec) bundle is distilled from the tiny BERT
of ``tiny_base``. Every test damages its own copy.

A file that would be unpickled creates :data:`MARKER` (``__reduce__`` calls
``open(MARKER, "w")``), so "never unpickled" is checked by the marker's absence.

The policy the tests hold the loaders to (``topics/_model_files.py``): only
files the format names, only inside the folder given to ``topics.load``
(symbolic links resolved), never a format that can carry a pickle; a file the
format does not name is never opened, and ``topics.load`` lists it in a
warning; damage is one ``ModelError`` naming the file.
"""

from __future__ import annotations

import builtins
import json
import pickle
import shutil
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest

import topics
from topics.cli import main
from topics.embed import StaticEmbedder, load_embedder, save_embedder
from topics.embed import _sentence_transformers as st_module
from topics.errors import IncompatibleModelError, ModelError
from topics.fitted import FittedPipeline
from topics.models import load_topic_model

TFIDF_NMF = "tfidf-nmf"
MINILM_BERTOPIC = "minilm-bertopic"
SAFETENSORS = {
    "topic_model/arrays.safetensors": (TFIDF_NMF, MINILM_BERTOPIC),
    "themes/theme_vectors.safetensors": (TFIDF_NMF, MINILM_BERTOPIC),
    "embedder/svd_components.safetensors": (TFIDF_NMF,),
}
SAFETENSORS_CASES = [(kind, name) for name, kinds in SAFETENSORS.items() for kind in kinds]


class _Unpickled:
    """Unpickling this creates the marker file: proof that a loader ran a pickle."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Callable[..., object], tuple[str, str]]:
        return (builtins.open, (str(self.marker), "w"))


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    return tmp_path / "UNPICKLED"


def hostile_pickle(marker: Path) -> bytes:
    return pickle.dumps({"weights": _Unpickled(marker)}, protocol=2)


@pytest.fixture
def models(baseline: Path, seeds_run_a: Path) -> dict[str, Path]:
    """The saved model folder of each real run, by kind (read-only: copy before damaging)."""
    return {TFIDF_NMF: baseline / "default" / "model", MINILM_BERTOPIC: seeds_run_a / "model"}


def copy_model(models: dict[str, Path], kind: str, tmp_path: Path) -> Path:
    target = tmp_path / "sent" / "model"
    shutil.copytree(models[kind], target, symlinks=True)
    return target


def edit_json(path: Path, change: Callable[[dict], None]) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")


def load_quietly(folder: Path, **kwargs: object) -> FittedPipeline:
    """Load, failing on any warning other than package-version drift."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = topics.load(folder, **kwargs)
    unexpected = [str(w.message) for w in caught if "other package versions" not in str(w.message)]
    assert unexpected == []
    return model


@pytest.mark.parametrize("kind", [TFIDF_NMF, MINILM_BERTOPIC])
def test_model_untouched_copy_loads_without_warnings_and_assigns(
    models: dict[str, Path], tmp_path: Path, kind: str
) -> None:
    """The baseline for every case below: a pristine copy (elsewhere) loads and works."""
    model = load_quietly(copy_model(models, kind, tmp_path))
    assigned = model.assign(["We embed a watermark into images made by diffusion models."])
    assert len(assigned) == 1
    assert assigned["topic"].notna().all()


# -- a bumped major format version -----------------------------------------


BUMPS = {
    "pipeline.json": ("format_version", 2, r"version 2\b"),
    "topic_model/model.json": ("format_version", "2.0", r"format version 2\.0"),
    "embedder/embedder.json": ("format_version", 2, r"version 2\b"),
    "themes/themes.json": ("format", "topics.themes.v2", r"'topics\.themes\.v2'"),
}


@pytest.mark.parametrize("name", list(BUMPS))
def test_model_bumped_major_format_version_is_refused_naming_file_and_version(
    models: dict[str, Path], tmp_path: Path, name: str
) -> None:
    folder = copy_model(models, TFIDF_NMF, tmp_path)
    key, value, version = BUMPS[name]
    edit_json(folder / name, lambda data: data.__setitem__(key, value))
    with pytest.raises(IncompatibleModelError, match=version) as info:
        topics.load(folder)
    assert str(folder / name) in str(info.value)
    assert "Refit" in str(info.value)


def test_model_new_minor_format_version_still_loads(
    models: dict[str, Path], tmp_path: Path
) -> None:
    folder = copy_model(models, TFIDF_NMF, tmp_path)
    edit_json(
        folder / "topic_model" / "model.json",
        lambda data: data.__setitem__("format_version", "1.9"),
    )
    load_quietly(folder)


# -- truncated, header-only or garbled safetensors ---------------------------

DAMAGE = {
    "cut in half": lambda data: data[: len(data) // 2],
    "header only": lambda data: data[: 8 + int.from_bytes(data[:8], "little")],
    "length word only": lambda data: data[:8],
    "garbled": lambda data: bytes(b ^ 0x5A for b in data[:4096]) + data[4096:],
    "empty": lambda data: b"",
}


@pytest.mark.parametrize("damage", list(DAMAGE))
@pytest.mark.parametrize(("kind", "name"), SAFETENSORS_CASES)
def test_model_truncated_or_garbled_safetensors_is_a_model_error_naming_the_file(
    models: dict[str, Path], tmp_path: Path, kind: str, name: str, damage: str
) -> None:
    folder = copy_model(models, kind, tmp_path)
    path = folder / name
    path.write_bytes(DAMAGE[damage](path.read_bytes()))
    with pytest.raises(ModelError) as info:
        topics.load(folder)
    message = str(info.value)
    assert message.startswith(str(path)), message
    assert "truncated or damaged" in message or "arrays" in message, message
    assert info.value.__cause__ is None  # one error, not a safetensors traceback


@pytest.mark.parametrize(
    "name",
    [
        "pipeline.json",
        "topic_model/model.json",
        "topic_model/vocabulary.json",
        "embedder/embedder.json",
        "embedder/tfidf_vocabulary.json",
        "themes/themes.json",
    ],
)
def test_model_truncated_json_is_a_model_error_naming_file_and_line(
    models: dict[str, Path], tmp_path: Path, name: str
) -> None:
    folder = copy_model(models, TFIDF_NMF, tmp_path)
    path = folder / name
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(ModelError, match=r"invalid JSON .*truncated or damaged") as info:
        topics.load(folder)
    assert str(info.value).startswith(f"{path}:")


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("pipeline.json", "has_themes"),
        ("topic_model/model.json", "state"),
        ("topic_model/model.json", "topic_table"),
        ("embedder/embedder.json", "settings"),
        ("themes/themes.json", "weights"),
    ],
)
def test_model_json_missing_a_key_is_a_model_error_not_a_key_error(
    models: dict[str, Path], tmp_path: Path, name: str, key: str
) -> None:
    folder = copy_model(models, TFIDF_NMF, tmp_path)
    edit_json(folder / name, lambda data: data.pop(key))
    with pytest.raises(ModelError, match="damaged or inconsistent") as info:
        topics.load(folder)
    assert str(folder / name) in str(info.value)
    assert repr(key) in str(info.value)


# -- pickles ---------------------------------------------------------------


@pytest.mark.parametrize(("kind", "name"), SAFETENSORS_CASES)
def test_model_pickle_in_place_of_a_weight_file_is_never_unpickled(
    models: dict[str, Path], tmp_path: Path, marker: Path, kind: str, name: str
) -> None:
    folder = copy_model(models, kind, tmp_path)
    (folder / name).write_bytes(hostile_pickle(marker))
    with pytest.raises(ModelError, match=r"not a readable safetensors file"):
        topics.load(folder)
    assert not marker.exists()


@pytest.mark.parametrize("kind", [TFIDF_NMF, MINILM_BERTOPIC])
def test_model_extra_pickle_files_are_never_opened_and_named_in_a_warning(
    models: dict[str, Path], tmp_path: Path, marker: Path, kind: str
) -> None:
    """Files the format does not name are ignored, whatever their name: never opened."""
    folder = copy_model(models, kind, tmp_path)
    extras = ["evil.pkl", "topic_model/model.pt", "embedder/pytorch_model.bin", "themes/x.joblib"]
    for name in extras:
        (folder / name).write_bytes(hostile_pickle(marker))
    with pytest.warns(UserWarning, match=r"ignored 4 file\(s\) .*never opened") as caught:
        model = topics.load(folder)
    message = next(str(w.message) for w in caught if "never opened" in str(w.message))
    for name in extras:
        assert name in message
    model.assign(["Continual learning without catastrophic forgetting."])
    assert not marker.exists()


# -- paths outside the folder ----------------------------------------------


def test_model_link_to_a_valid_file_outside_the_folder_is_refused(
    models: dict[str, Path], tmp_path: Path
) -> None:
    """A link to a real, loadable file elsewhere: loading it would succeed, so refusal is proof."""
    folder = copy_model(models, TFIDF_NMF, tmp_path)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    for name in ("topic_model/arrays.safetensors", "themes/themes.json", "pipeline.json"):
        shutil.copy2(folder / name, outside / Path(name).name)
        (folder / name).unlink()
        (folder / name).symlink_to(outside / Path(name).name)
        with pytest.raises(ModelError, match="leads outside the model folder") as info:
            topics.load(folder)
        assert str(folder / name) in str(info.value)
        (folder / name).unlink()
        shutil.copy2(outside / Path(name).name, folder / name)
    load_quietly(folder)


def test_model_subfolder_linked_outside_the_folder_is_refused(
    models: dict[str, Path], tmp_path: Path
) -> None:
    folder = copy_model(models, TFIDF_NMF, tmp_path)
    outside = tmp_path / "elsewhere-embedder"
    shutil.move(folder / "embedder", outside)
    (folder / "embedder").symlink_to(outside)
    with pytest.raises(ModelError, match=r"embedder leads outside the model folder"):
        topics.load(folder)


def test_model_links_inside_the_folder_are_followed(
    models: dict[str, Path], tmp_path: Path
) -> None:
    """Confinement is about where a path leads, not about links as such."""
    folder = copy_model(models, TFIDF_NMF, tmp_path)
    shutil.move(folder / "themes", folder / "themes-v1")
    (folder / "themes").symlink_to("themes-v1")
    load_quietly(folder)


@pytest.mark.parametrize("named", ["/etc", "../../../../etc", "relative/minilm", "~/models/x"])
def test_model_sentence_transformer_json_naming_a_model_outside_is_refused(
    models: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, named: str
) -> None:
    """settings.model may only be a packaged name: nothing outside is even looked at."""
    folder = copy_model(models, MINILM_BERTOPIC, tmp_path)
    edit_json(
        folder / "embedder" / "embedder.json",
        lambda data: data["settings"].__setitem__("model", named),
    )
    looked_at: list[str] = []
    original = st_module.resolve_model_dir
    monkeypatch.setattr(
        st_module, "resolve_model_dir", lambda m: looked_at.append(m) or original(m)
    )
    with pytest.raises(ModelError) as info:
        topics.load(folder)
    message = str(info.value)
    assert message.startswith(f"{folder / 'embedder' / 'embedder.json'}: settings.model names")
    assert "embedding_model=" in message
    assert "--embedding-model" in message
    assert looked_at == []


def test_model_embedding_model_argument_loads_a_trusted_local_model(
    models: dict[str, Path], tmp_path: Path
) -> None:
    """A model fitted on a local directory loads when the caller names that directory."""
    from topics.embed import SentenceTransformerEmbedder

    local = tmp_path / "my-minilm"
    shutil.copytree(st_module.resolve_model_dir("packaged:all-MiniLM-L6-v2"), local)
    identity = SentenceTransformerEmbedder(str(local)).identity
    folder = copy_model(models, MINILM_BERTOPIC, tmp_path)
    original = topics.load(models[MINILM_BERTOPIC])
    # What a run with embedding.model: <local> saves: its path and identity.
    edit_json(folder / "embedder" / "embedder.json", lambda data: data.update(identity=identity))
    edit_json(
        folder / "embedder" / "embedder.json",
        lambda data: data["settings"].__setitem__("model", str(local)),
    )
    edit_json(folder / "pipeline.json", lambda data: data.update(embedder_identity=identity))
    edit_json(
        folder / "themes" / "themes.json", lambda data: data.update(encoder_identity=identity)
    )
    with pytest.raises(ModelError, match=r"settings\.model names"):
        topics.load(folder)
    model = load_quietly(folder, embedding_model=local)
    text = ["We embed a watermark into images made by diffusion models."]
    assert (
        model.assign(text)
        .drop(columns="paper_id")
        .equals(original.assign(text).drop(columns="paper_id"))
    )
    with pytest.raises(IncompatibleModelError, match="Restore that model"):
        topics.load(folder, embedding_model="packaged:all-MiniLM-L6-v2")


def test_model_local_sentence_transformer_with_pickled_weights_is_never_unpickled(
    tmp_path: Path, marker: Path
) -> None:
    """Even a trusted local model loads only safetensors: a .bin in their place is refused."""
    from topics.embed import SentenceTransformerEmbedder

    local = tmp_path / "pickled-minilm"
    shutil.copytree(st_module.resolve_model_dir("packaged:all-MiniLM-L6-v2"), local)
    (local / "model.safetensors").unlink()
    (local / "pytorch_model.bin").write_bytes(hostile_pickle(marker))
    embedder = SentenceTransformerEmbedder(str(local))
    with pytest.raises(ModelError, match=r"pytorch_model\.bin: .*unpickled.*safetensors"):
        embedder.encode(["a text"])
    dense = local / "2_Dense"
    dense.mkdir()
    (dense / "pytorch_model.bin").write_bytes(hostile_pickle(marker))
    shutil.copy2(st_module.resolve_model_dir("packaged:all-MiniLM-L6-v2") / "model.safetensors",
                 local / "model.safetensors")  # fmt: skip
    with pytest.raises(ModelError, match=r"2_Dense/pytorch_model\.bin"):
        SentenceTransformerEmbedder(str(local)).encode(["a text"])
    assert not marker.exists()


# -- the static (model2vec) bundle -------------------------------------------


@pytest.fixture(scope="module")
def static_bundle(tiny_base: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An embedder bundle with its own distilled copy (model2vec, from the tiny BERT)."""
    root = tmp_path_factory.mktemp("static-bundle")
    embedder = StaticEmbedder(str(tiny_base), cache_dir=root / "cache")
    save_embedder(embedder, root / "bundle")
    return root / "bundle"


@pytest.fixture
def static_copy(static_bundle: Path, tmp_path: Path) -> Path:
    target = tmp_path / "embedder"
    shutil.copytree(static_bundle, target)
    return target


def test_model_static_bundle_loads_without_its_base_model(
    static_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bundle carries its distilled model: the base it came from is never resolved."""
    edit_json(
        static_copy / "embedder.json",
        lambda data: data["settings"].__setitem__("model", str(tmp_path / "gone")),
    )
    monkeypatch.setattr(
        "topics.embed._static.resolve_model_dir",
        lambda m: pytest.fail(f"resolved the base model {m!r}"),
    )
    assert load_embedder(static_copy).encode(["graph neural networks"]).shape[0] == 1


@pytest.mark.parametrize("named", ["../../../../etc/passwd", "/etc/passwd", "sub/../x.json"])
def test_model_static_manifest_naming_a_file_outside_is_refused(
    static_copy: Path, named: str
) -> None:
    manifest = static_copy / "static_model" / "manifest.json"
    edit_json(manifest, lambda data: data["files"].__setitem__(named, "0" * 64))
    with pytest.raises(ModelError, match="not a plain file name") as info:
        load_embedder(static_copy)
    assert str(manifest) in str(info.value)
    assert repr(named) in str(info.value)


def test_model_static_file_linked_outside_is_refused(static_copy: Path, tmp_path: Path) -> None:
    tokenizer = static_copy / "static_model" / "tokenizer.json"
    outside = tmp_path / "tokenizer.json"
    shutil.move(tokenizer, outside)
    tokenizer.symlink_to(outside)
    with pytest.raises(ModelError, match="leads outside the model folder") as info:
        load_embedder(static_copy)
    assert "manifest.json: files" in str(info.value)


@pytest.mark.parametrize("name", ["model.pt", "model.safetensors"])
def test_model_static_pickle_named_or_added_is_refused_and_never_unpickled(
    static_copy: Path, marker: Path, name: str
) -> None:
    """model2vec reads its folder as a whole: a pickle there, named or not, is refused."""
    folder = static_copy / "static_model"
    if name == "model.pt":  # an extra file the manifest does not list
        (folder / name).write_bytes(hostile_pickle(marker))
        match = r"holds \['model\.pt'\], which its manifest\.json does not list"
    else:  # the manifest names a pickle as the weights
        (folder / "model.safetensors").rename(folder / "weights.pt")
        (folder / "weights.pt").write_bytes(hostile_pickle(marker))
        edit_json(
            folder / "manifest.json",
            lambda data: data["files"].__setitem__("weights.pt", data["files"].pop(name)),
        )
        match = r"weights\.pt .*can carry a pickle"
    with pytest.raises(ModelError, match=match):
        load_embedder(static_copy)
    assert not marker.exists()


# -- every loader, and the command line ------------------------------------


def test_model_standalone_loaders_are_confined_to_their_folder(
    models: dict[str, Path], tmp_path: Path, marker: Path
) -> None:
    """load_topic_model and load_embedder alone hold the same rules as topics.load."""
    folder = copy_model(models, TFIDF_NMF, tmp_path)
    outside = tmp_path / "components.safetensors"
    components = folder / "embedder" / "svd_components.safetensors"
    shutil.move(components, outside)
    components.symlink_to(outside)
    with pytest.raises(ModelError, match="leads outside the model folder"):
        load_embedder(folder / "embedder")
    (folder / "topic_model" / "arrays.safetensors").write_bytes(hostile_pickle(marker))
    with pytest.raises(ModelError, match="not a readable safetensors file"):
        load_topic_model(folder / "topic_model")
    assert not marker.exists()


def _bump(folder: Path) -> str:
    edit_json(folder / "pipeline.json", lambda data: data.__setitem__("format_version", 2))
    return "pipeline.json"


def _truncate(folder: Path) -> str:
    path = folder / "topic_model" / "arrays.safetensors"
    path.write_bytes(path.read_bytes()[:1000])
    return "arrays.safetensors"


def _link_out(folder: Path) -> str:
    path = folder / "themes" / "theme_vectors.safetensors"
    outside = folder.parent / "vectors.safetensors"
    shutil.move(path, outside)
    path.symlink_to(outside)
    return "theme_vectors.safetensors"


def _pickle_in_place(folder: Path) -> str:
    (folder / "embedder" / "svd_components.safetensors").write_bytes(
        hostile_pickle(folder.parent / "UNPICKLED")
    )
    return "svd_components.safetensors"


@pytest.mark.parametrize("damage", [_bump, _truncate, _link_out, _pickle_in_place])
def test_model_assign_cli_on_a_damaged_model_exits_1_with_one_line(
    models: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    damage: Callable[[Path], str],
) -> None:
    folder = copy_model(models, TFIDF_NMF, tmp_path)
    named = damage(folder)
    papers = tmp_path / "new.csv"
    papers.write_text(
        "title,abstract,year\nA paper,We study watermarks in images.,2019\n", encoding="utf-8"
    )
    out = tmp_path / "assigned.csv"
    code = main(["assign", str(folder), str(papers), "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert len(err.splitlines()) == 1, err
    assert err.startswith("error: ")
    assert named in err
    assert not out.exists()
    assert not (folder.parent / "UNPICKLED").exists()
