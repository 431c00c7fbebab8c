"""What every command line shares: `--set`, `-v`/`-q`, and the README's command table.

Issue 15: README said every command takes `--set`, but `assign` and `report`
took none, and `assign --format/--evidence` and `topics --version` were not
documented. These tests keep the parser and the README in step.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from topics import __version__
from topics.cli import build_parser, main


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("name", sorted(subcommands()))
def test_every_command_takes_set_verbose_and_quiet(name: str) -> None:
    options = {s for a in subcommands()[name]._actions for s in a.option_strings}
    assert {"--set", "-v", "-q"} <= options, name


def test_readme_documents_every_command_and_option(repo: Path) -> None:
    readme = (repo / "README.md").read_text(encoding="utf-8")
    assert "topics --version" in readme
    for name, parser in subcommands().items():
        assert f"`topics {name}" in readme, name
        for action in parser._actions:
            for option in action.option_strings:
                if option.startswith("--") and option not in {"--help", "--verbose", "--quiet"}:
                    assert re.search(rf"topics {name}\b[^\n]*{option}\b", readme) or (
                        option == "--set"
                    ), f"README does not show `topics {name} ... {option}`"


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"topics {__version__}"


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("model.nr_topics=5", "topics assign can change only assign.threshold"),
        ("assign.evidence_near_misses=3", "topics assign can change only assign.threshold"),
        ("assign.threshold=1.5", "assign.threshold: Input should be less than or equal to 1"),
    ],
)
def test_assign_set_other_keys_are_refused_before_the_model_loads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], override: str, message: str
) -> None:
    papers = tmp_path / "new.csv"
    papers.write_text("title,abstract\nA,We study things at length here.\n", encoding="utf-8")
    missing_model = tmp_path / "no-model"
    argv = ["assign", str(missing_model), str(papers), "--out", str(tmp_path / "o.csv")]
    assert main([*argv, "--set", override]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "o.csv").exists()
