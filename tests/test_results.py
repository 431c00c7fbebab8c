"""The run's vocabulary sits below the pipeline, the exports and the report.

Data flows one way (pipeline → exports → files → report): the report reads
only what a run saved, so importing it must not load the pipeline, the
writers or any stage; the exports must not load the pipeline or the report.
Each check runs in a fresh interpreter, because this one has imported
everything already.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from topics import results


def _loaded_after_import(module: str) -> set[str]:
    code = (
        "import sys, importlib\n"
        f"importlib.import_module({module!r})\n"
        "print('\\n'.join(m for m in sys.modules if m.startswith('topics')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    return set(out.split())


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("topics.results", ("topics.pipeline", "topics.exports", "topics.report")),
        ("topics.exports", ("topics.pipeline", "topics.report")),
        # What changed between two runs: read from their files, below the pipeline.
        ("topics.changes", ("topics.pipeline", "topics.report", "topics.exports")),
        (
            "topics.report",
            (
                "topics.pipeline",
                "topics.exports",
                "topics.changes",
                "topics.themes",
                "topics.models",
                "topics.embed",
                "topics.fitted",
            ),
        ),
    ],
)
def test_results_data_flows_one_way(module: str, forbidden: tuple[str, ...]) -> None:
    loaded = _loaded_after_import(module)
    assert not {m for m in loaded if m.startswith(forbidden)}


def test_results_by_year_export_round_trips() -> None:
    import pandas as pd

    table = pd.DataFrame(
        {"kind": ["theme", "theme"], "name": ["a", "b"], "year": [2019, 2019], "count": [1, 2]}
    )
    exported = results.by_year_for_export(table, "theme")
    assert list(exported.columns) == ["theme", "year", "count"]
    pd.testing.assert_frame_equal(results.by_year_from_export(exported, "theme"), table)


def test_results_pipeline_reexports_the_same_types() -> None:
    from topics import pipeline

    assert pipeline.RunResult is results.RunResult
    assert pipeline.CorpusResult is results.CorpusResult
    assert pipeline.IngestResult is results.IngestResult
