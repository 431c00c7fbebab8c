"""Options of the trends stage: the ``trends`` section of the config.

Defined in :mod:`topics.config.schema` with every other section, so that
validating a config never imports the statistics stack.
"""

from topics.config.schema import TrendOptions

__all__ = ["TrendOptions"]
