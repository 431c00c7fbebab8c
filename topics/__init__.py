"""topics: topic modelling and research-trend analysis of paper abstracts."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
