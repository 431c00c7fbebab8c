"""`topics validate`: a config that would fail or lose data at run time is not "valid"."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from topics.cli import main
from topics.config.loader import load_config
from topics.pipeline import ingest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "formats"
# 60 real cs.DL abstracts, 10 a year 2014-2019, in a Scopus/Web of Science-like layout.
SCOPUS = FIXTURES / "scopus_style_60.csv"


def config(tmp_path: Path, sources: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(f"experiment: v\noutput_dir: out\nsources:\n{sources}", encoding="utf-8")
    return path


def renamed_year_column(tmp_path: Path, header: str) -> Path:
    text = SCOPUS.read_text(encoding="utf-8").replace("Publication Year", header, 1)
    path = tmp_path / "papers.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_validate_passes_the_bundled_default_config(repo: Path, capsys) -> None:
    assert main(["validate", str(repo / "configs" / "default.yaml")]) == 0
    assert "valid" in capsys.readouterr().out


def test_validate_refuses_a_source_that_matches_no_file(tmp_path: Path, capsys) -> None:
    path = config(tmp_path, "  - path: nothere.csv\n")
    assert main(["validate", str(path)]) == 2
    captured = capsys.readouterr()
    assert "valid" not in captured.out
    assert f"sources[0].path: no file matches {tmp_path / 'nothere.csv'}" in captured.err


def test_validate_refuses_an_unknown_mapping_field(tmp_path: Path, capsys) -> None:
    shutil.copy(SCOPUS, tmp_path / "papers.csv")
    path = config(
        tmp_path, "  - path: papers.csv\n    mapping:\n      published: Publication Year\n"
    )
    assert main(["validate", str(path)]) == 2
    assert "unknown record field 'published'" in capsys.readouterr().err


def test_validate_refuses_a_mapping_to_a_column_the_file_lacks(tmp_path: Path, capsys) -> None:
    shutil.copy(SCOPUS, tmp_path / "papers.csv")
    path = config(tmp_path, "  - path: papers.csv\n    mapping:\n      year: PY\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "'PY' (sources[].mapping.year)" in err
    assert "'Publication Year'" in err


def test_publication_year_column_dates_the_papers(tmp_path: Path) -> None:
    shutil.copy(SCOPUS, tmp_path / "papers.csv")
    result = ingest(load_config(config(tmp_path, "  - path: papers.csv\n")))
    assert len(result.records) == 60
    assert sorted({r.year for r in result.records}) == list(range(2014, 2020))
    assert not result.issues


def test_no_date_column_warns_with_the_columns_and_the_mapping_fix(tmp_path: Path, capsys) -> None:
    renamed_year_column(tmp_path, "Year of publication")
    path = config(tmp_path, "  - path: papers.csv\n")
    assert main(["validate", str(path)]) == 0, "a warning, not an error: undated papers are kept"
    err = capsys.readouterr().err
    assert "no date or year column" in err
    assert "'Year of publication', 'Title'" in err, "date-like columns are listed first"
    assert "`mapping: {year: Year of publication}`" in err

    result = ingest(load_config(path))
    warnings = [i for i in result.issues if i.severity == "warning"]
    assert len(warnings) == 1
    assert warnings[0].file.endswith("papers.csv")
    assert "every paper is undated" in warnings[0].reason
    assert all(r.year is None for r in result.records)


@pytest.mark.parametrize("header", ["year", "Date", "Publication Year"])
def test_no_warning_when_a_known_date_column_exists(tmp_path: Path, header: str, capsys) -> None:
    renamed_year_column(tmp_path, header)
    assert main(["validate", str(config(tmp_path, "  - path: papers.csv\n"))]) == 0
    assert "warning" not in capsys.readouterr().err
