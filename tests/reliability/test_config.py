"""Config abuse: each hostile or mistaken config fails fast with the key or line named."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from topics.config.loader import load_config
from topics.errors import ConfigError


def write(tmp_path: Path, text: str, name: str = "c.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def alias_bomb(levels: int = 9) -> str:
    """The "billion laughs": nine levels of nine aliases expand to 9**9 leaves."""
    lines = ["experiment: e", "sources:", "  - path: a.csv", "a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    lines.append(f"labels: *a{levels - 1}")
    return "\n".join(lines) + "\n"


def test_config_alias_bomb_fails_fast_in_bounded_memory(tmp_path: Path) -> None:
    path = write(tmp_path, alias_bomb())
    # In a child with a 1 GiB address-space cap: a loader that expanded the
    # aliases would run out of memory (or hang) instead of raising ConfigError.
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
        "from topics.config.loader import load_config\n"
        "from topics.errors import ConfigError\n"
        "try:\n"
        f"    load_config({str(path)!r})\n"
        "except ConfigError as exc:\n"
        "    print(exc); sys.exit(2)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert f"{path}:" in done.stdout
    assert "alias" in done.stdout


def test_config_aliases_of_normal_size_still_work(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "experiment: e\nsources:\n  - &src {path: a.csv}\n  - path: b.csv\n",
    )
    assert [Path(s.path).name for s in load_config(path).sources] == ["a.csv", "b.csv"]


@pytest.mark.parametrize("name", ["../escape", "a/b", "/abs", "..", ".hidden", ""])
def test_config_experiment_name_with_path_parts_is_refused(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, f"experiment: {name!r}\nsources:\n  - path: a.csv\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "experiment" in str(info.value)
    assert f"{path}:1" in str(info.value)


def test_config_set_on_a_key_that_does_not_exist_names_the_override(tmp_path: Path) -> None:
    path = write(tmp_path, "experiment: e\nsources:\n  - path: a.csv\n")
    with pytest.raises(ConfigError) as info:
        load_config(path, ["model.hdbscan.min_clustr_size=5"])
    assert "--set model.hdbscan.min_clustr_size=5" in str(info.value)
    assert "min_cluster_size" in str(info.value)  # the suggestion


def test_config_set_into_a_value_that_is_not_a_section_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "experiment: e\nsources:\n  - path: a.csv\n")
    with pytest.raises(
        ConfigError, match=r"--set experiment\.x\.y: experiment is a value, not a section"
    ):
        load_config(path, ["experiment.x.y=1"])


def test_config_set_paths_resolve_against_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sub = tmp_path / "cfg"
    sub.mkdir()
    path = write(sub, "experiment: e\nsources:\n  - path: a.csv\n")
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    config = load_config(
        path,
        ["sources.0.path=data/b.csv", "output_dir=out", "embedding.cache_dir=../cache"],
    )
    assert config.sources[0].path == str(sub / "data" / "b.csv")
    assert config.output_dir == sub / "out"
    assert config.embedding.cache_dir == tmp_path / "cache"


def test_config_set_absolute_path_is_kept(tmp_path: Path) -> None:
    path = write(tmp_path, "experiment: e\nsources:\n  - path: a.csv\n")
    config = load_config(path, [f"output_dir={tmp_path / 'abs'}"])
    assert config.output_dir == tmp_path / "abs"


@pytest.mark.parametrize("root", ["/", "/..", "../" * 40])
def test_config_output_dir_at_the_root_of_the_file_system_is_refused(
    tmp_path: Path, root: str
) -> None:
    path = write(tmp_path, f"experiment: e\noutput_dir: {root!r}\nsources:\n  - path: a.csv\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "output_dir: must not be the root of the file system" in str(info.value)
    assert f"[{path}:2]" in str(info.value)


def users_files(folder: Path, sentinels: dict[str, bytes]) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in sentinels}


def test_config_output_dir_in_a_users_folder_touches_none_of_their_files(
    baseline: Path, sentinels: dict[str, bytes]
) -> None:
    """A whole run into a folder of the user's (see conftest.py): it adds, never replaces."""
    assert users_files(baseline, sentinels) == sentinels
    added = {p.name for p in baseline.iterdir()} - {Path(n).parts[0] for n in sentinels}
    assert added == {"default", ".locks"}  # and .cache/, which held the user's mine.txt
    assert {p.name for p in (baseline / ".cache").iterdir()} == {"mine.txt", "stages", "embeddings"}
    assert (baseline / "default" / "index.html").is_file()


FOREIGN_ENTRIES = {
    "folder": ("e", {"e/index.html": b"<p>my own</p>", "e/data/papers.csv": b"mine\n"}),
    "file": ("e", {"e": b"a file named like the experiment\n"}),
    # Where a run moves the run it replaces (and deletes the one kept there before).
    "previous": ("e.previous", {"e.previous/index.html": b"<p>my own</p>"}),
}


@pytest.mark.parametrize("kind", sorted(FOREIGN_ENTRIES))
def test_config_output_dir_with_a_foreign_entry_named_like_the_experiment_is_refused(
    tmp_path: Path, sentinels: dict[str, bytes], kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run replaces its run directory whole: one it did not make is never replaced."""
    from topics.cli import main

    folder = tmp_path / "mine"
    entry, files = FOREIGN_ENTRIES[kind]
    planted = {**sentinels, **files}
    for name, data in planted.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    (tmp_path / "a.csv").write_text("title,abstract\nT,An abstract long enough.\n", "utf-8")
    config = write(tmp_path, f"experiment: e\noutput_dir: {folder}\nsources:\n  - path: a.csv\n")
    assert main(["run", str(config), "-q"]) == 2
    err = capsys.readouterr().err
    what = "file" if kind == "file" else "folder"
    assert (
        f"output_dir / experiment: {folder / entry} is a {what} that no run of topics made" in err
    )
    assert users_files(folder, planted) == planted
    assert not any(p.name.startswith(".e.") for p in folder.iterdir())  # no staging left


def test_report_on_a_folder_that_is_not_a_run_leaves_its_index_html(
    tmp_path: Path, sentinels: dict[str, bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    """``topics report DIR`` swaps in index.html and its folders: only in a finished run."""
    from topics.cli import main

    for name, data in {**sentinels, "manifest.json": b"{}"}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    assert main(["report", str(tmp_path)]) == 1
    assert "Is this the output directory of a completed run?" in capsys.readouterr().err
    assert users_files(tmp_path, sentinels) == sentinels
    assert not any(p.name.startswith(".report-") for p in tmp_path.iterdir())


def test_sweep_into_a_users_folder_named_like_its_comparison_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The sweep's comparison replaces index.html in ``<experiment>--sweep``: only its own."""
    from topics.cli import main

    mine = tmp_path / "default--sweep" / "index.html"
    mine.parent.mkdir()
    mine.write_bytes(b"<p>my own page</p>")
    config = str(Path(__file__).resolve().parents[2] / "configs" / "default.yaml")
    args = ["sweep", config, f"--set=output_dir={tmp_path}", "--grid", "model.nr_topics=5,6"]
    assert main([*args, "--set=embedding.backend=tfidf-svd", "--set=model.kind=nmf"]) == 2
    assert f"{mine.parent} exists and no sweep wrote it" in capsys.readouterr().err
    assert mine.read_bytes() == b"<p>my own page</p>"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["default--sweep"]  # nothing ran


def theme_config(tmp_path: Path, *names: str) -> Path:
    themes = "".join(
        f"  - name: {json.dumps(name)}\n    description: d\n    phrases: [p]\n" for name in names
    )
    return write(tmp_path, f"experiment: e\nsources:\n  - path: a.csv\nthemes:\n{themes}")


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("watermarking; provenance", "must not contain ';'"),
        ("two\nlines", "line breaks or control characters"),
        ("tab\there", "line breaks or control characters"),
        ("unassigned", "papers without a theme"),
        ("   ", "must not be blank"),
    ],
)
def test_config_theme_name_that_would_break_the_exports_is_refused(
    tmp_path: Path, name: str, reason: str
) -> None:
    """';' joins a paper's themes in papers.csv: such a name would split into two themes.

    Refused when the config is read (``topics validate``), not after the fit.
    """
    path = theme_config(tmp_path, "fine", name)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert "themes.1.name" in message
    assert reason in message
    assert f"{path}:8]" in message  # the line of the second name


def test_config_duplicate_theme_names_are_refused(tmp_path: Path) -> None:
    path = theme_config(tmp_path, "robustness", "robustness")
    with pytest.raises(ConfigError, match=r"theme name 'robustness' is used twice") as info:
        load_config(path)
    assert f"{path}:" in str(info.value)


def test_config_theme_name_with_html_or_path_characters_is_accepted(tmp_path: Path) -> None:
    """Pages escape it and name its file by a slug (``test_render_report_theme_named_...``)."""
    name = '<img src=x onerror=alert(1)> "graphs" </script> ../../x \\ y'
    assert [t.name for t in load_config(theme_config(tmp_path, name)).themes] == [name]
