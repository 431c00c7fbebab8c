"""Wiring the stages together: the only package that knows the whole flow.

``sources → records → cleaned texts → deduplicated corpus → vectors → topics →
themes → trends → report``

:mod:`._corpus` and :mod:`._model` compute the stages; :mod:`._run` runs them
in order, each from the stage cache (:mod:`._cache`) when its inputs are
unchanged, inside a staging directory that replaces the run directory whole
at the end (:mod:`._lock` keeps two runs of one experiment apart).
"""

from topics.pipeline._compare import compare
from topics.pipeline._corpus import build_corpus, ingest, list_inputs
from topics.pipeline._model import newest_date
from topics.pipeline._run import STAGES, run
from topics.pipeline._update import update
from topics.results import CorpusResult, IngestResult, RunResult

__all__ = [
    "STAGES",
    "CorpusResult",
    "IngestResult",
    "RunResult",
    "build_corpus",
    "compare",
    "ingest",
    "list_inputs",
    "newest_date",
    "run",
    "update",
]
