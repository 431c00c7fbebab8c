"""`topics report` and `topics evaluate` take `--set report.KEY=VALUE`, as README promises.

Issue 15: README said "Every command takes --set", yet the commands that read a
saved run instead of a config had none. They change only what they apply (the
report's options); any other key is refused with the command that changes it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from topics.cli import main


def test_report_set_changes_the_report_options_for_this_rendering(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = json.loads((run_dir / "manifest.json").read_text())
    manifest["config"]["report"] = {"max_papers": 5}
    (run_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert main(["report", str(run_dir), "--set", "report.max_papers=3"]) == 0
    assert "Showing the 3 best-scoring of 11 papers" in (
        run_dir / "themes" / "adversarial-robustness.html"
    ).read_text(encoding="utf-8")
    # Without --set the run's own options (here max_papers: 5) apply again.
    assert main(["report", str(run_dir)]) == 0
    assert "Showing the 5 best-scoring of 11 papers" in (
        run_dir / "themes" / "adversarial-robustness.html"
    ).read_text(encoding="utf-8")
    capsys.readouterr()


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("model.nr_topics=5", "topics report can change only report."),
        ("report.no_such_key=1", "topics report can change only report."),
        ("report.max_papers=0", "report.max_papers: Input should be greater than or equal to 1"),
        ("report.max_papers", "expected KEY.PATH=VALUE"),
    ],
)
def test_report_set_outside_the_report_section_or_invalid_is_a_config_error(
    run_dir: Path, capsys: pytest.CaptureFixture[str], override: str, message: str
) -> None:
    assert main(["report", str(run_dir), "--set", override]) == 2
    err = capsys.readouterr().err
    assert message in err
    if override.startswith("model."):
        assert "topics run CONFIG --set model.nr_topics=5" in err
    assert not (run_dir / "index.html").exists()  # nothing rendered


def test_evaluate_set_is_checked_before_any_refit(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = (run_dir / "data" / "evaluation.json").read_bytes()
    code = main(["evaluate", str(run_dir), "--seeds", "3", "--set", "model.seed=1"])
    assert code == 2
    assert "topics evaluate can change only report." in capsys.readouterr().err
    assert (run_dir / "data" / "evaluation.json").read_bytes() == saved
