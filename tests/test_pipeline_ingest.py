"""Bad input end to end: every case is reported with file and line, nothing vanishes."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from topics.cli import main
from topics.config.loader import load_config
from topics.errors import IngestError
from topics.pipeline import ingest

GOOD_CSV = (
    "title,abstract,year\n"
    '"Deep Residual Learning for Image Recognition","Deeper neural networks are more difficult '
    "to train. We present a residual learning framework to ease the training of networks that "
    'are substantially deeper than those used previously.",2015\n'
)


def make_config(tmp_path: Path, sources: str, extra: str = "") -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(
        f"experiment: bad-input\noutput_dir: out\nsources:\n{sources}{extra}", encoding="utf-8"
    )
    return path


def errors_for(result, name: str) -> list[str]:
    return [
        str(i)
        for s in result.sources
        if s.path.endswith(name)
        for i in s.issues
        if i.severity == "error"
    ]


@pytest.fixture
def bad_inputs(tmp_path: Path) -> Path:
    (tmp_path / "good.csv").write_text(GOOD_CSV, encoding="utf-8")
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    (tmp_path / "binary.csv").write_bytes(gzip.compress(b"not really a csv") + b"\x00\x01")
    (tmp_path / "latin1.csv").write_bytes(
        "title,abstract\nCaf\u00e9,Une \u00e9tude des r\u00e9seaux\n".encode("latin-1")
    )
    (tmp_path / "notes.txt").write_text(
        "Shopping list\nmilk\neggs\nThis is not a paper listing at all.\n", encoding="utf-8"
    )
    (tmp_path / "wrong_columns.csv").write_text("name,summary_text\nA,B\n", encoding="utf-8")
    return tmp_path


def test_ingest_bad_files_are_reported_and_good_file_survives(bad_inputs: Path) -> None:
    sources = (
        "".join(
            f"  - path: {name}\n"
            for name in (
                "good.csv",
                "missing.csv",
                "empty.csv",
                "binary.csv",
                "latin1.csv",
                "notes.txt",
            )
        )
        + "  - path: wrong_columns.csv\n    mapping:\n      abstract: abstract_text\n"
    )
    result = ingest(load_config(make_config(bad_inputs, sources)))

    good = next(s for s in result.sources if s.path.endswith("good.csv"))
    assert [r.title for r in good.records] == ["Deep Residual Learning for Image Recognition"]
    assert "file not found" in errors_for(result, "missing.csv")[0]
    assert "empty" in errors_for(result, "empty.csv")[0]
    assert "binary" in errors_for(result, "binary.csv")[0]
    latin = errors_for(result, "latin1.csv")[0]
    assert "UTF-8" in latin
    assert "latin1.csv:2" in latin
    assert "format" in errors_for(result, "notes.txt")[0]
    wrong = errors_for(result, "wrong_columns.csv")[0]
    assert "abstract_text" in wrong
    assert "summary_text" in wrong
    failed = sorted(Path(s.path).name for s in result.failed_sources)
    assert failed == [
        "binary.csv",
        "empty.csv",
        "latin1.csv",
        "missing.csv",
        "notes.txt",
        "wrong_columns.csv",
    ]


def test_ingest_strict_stops_at_first_failing_source(bad_inputs: Path) -> None:
    config = load_config(
        make_config(
            bad_inputs, "  - path: good.csv\n  - path: empty.csv\n", "ingest:\n  strict: true\n"
        )
    )
    with pytest.raises(IngestError, match=r"empty\.csv.*strict"):
        ingest(config)


def test_ingest_record_without_abstract_is_reported_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "papers.csv").write_text(
        GOOD_CSV + '"A paper that lost its abstract","",2020\n', encoding="utf-8"
    )
    result = ingest(load_config(make_config(tmp_path, "  - path: papers.csv\n")))
    assert len(result.records) == 1
    problems = [i for i in result.issues if i.line == 3]
    assert problems, result.issues
    assert "abstract" in problems[0].reason


def test_cli_run_exit_code_is_1_when_a_source_fails_and_outputs_are_written(
    bad_inputs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_config(bad_inputs, "  - path: good.csv\n  - path: empty.csv\n")
    assert main(["ingest", str(config), "-q"]) == 1
    papers = pd.read_csv(bad_inputs / "out" / "bad-input" / "data" / "papers.csv")
    assert papers["title"].tolist() == ["Deep Residual Learning for Image Recognition"]
    issues = pd.read_csv(bad_inputs / "out" / "bad-input" / "data" / "ingest_issues.csv")
    assert issues["file"].str.endswith("empty.csv").any()
    assert "FAILED" in capsys.readouterr().out


def test_cli_config_error_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = make_config(tmp_path, "  - path: good.csv\n", "modle:\n  kind: lda\n")
    assert main(["run", str(config)]) == 2
    assert "did you mean 'model'" in capsys.readouterr().err
