"""topics: topic modelling and research-trend analysis of paper abstracts.

>>> import topics
>>> config = topics.load_config("configs/default.yaml")
>>> result = topics.run(config)                 # what `topics run` does
>>> result = topics.update(config)              # later: add the new papers, no refit
>>> result = topics.update(config, refit=True)  # or refit; topics that continue keep their names
>>> topics.compare("reports/default.previous", "reports/default")  # "What changed" of any two
>>> model = topics.load("reports/default/model")
>>> model.assign(["An abstract of a new paper ..."])

Heavy dependencies (torch, BERTopic) load only when a function needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["__version__", "compare", "load", "load_config", "run", "update"]

if TYPE_CHECKING:
    from topics.api import load
    from topics.config.loader import load_config
    from topics.pipeline import compare, run, update

_LAZY = {
    "compare": "topics.pipeline",
    "load": "topics.api",
    "load_config": "topics.config.loader",
    "run": "topics.pipeline",
    "update": "topics.pipeline",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'topics' has no attribute {name!r}")
