"""Options of the trends stage.

Kept as a frozen pydantic model with ``extra="forbid"``, like every config
section, so that it can move into :mod:`topics.config.schema` unchanged.
"""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["TrendOptions"]


class TrendOptions(BaseModel):
    """How yearly statistics are computed and how a trend is classified.

    Parameters
    ----------
    min_year_total : int, default=20
        A year with fewer dated papers in the whole corpus is flagged
        ``"too few papers"`` and left out of the slope, the test and the peak:
        its shares are too noisy to say anything about a direction.
    alpha : float, default=0.05
        Significance level of the trend test; the slope interval has
        confidence ``1 - alpha``.
    exclude_incomplete_last_year : bool, default=True
        Leave a year that the data does not cover to its end out of the slope
        and the test. Its share is still shown, with a flag: a partial year
        over-represents whatever is published early in the year.
    min_year, max_year : int or None, default=None
        Analyse only papers dated in this range (inclusive); ``None`` means the
        corpus range.
    min_usable_years : int, default=4
        A group with fewer usable years is classified ``"insufficient data"``.
        Four points is the least from which a slope and a test mean anything.
    emerging_years : int, default=3
        A group whose first paper falls within this many final years, and whose
        share rises significantly, is ``"emerging"``.
    fading_recent_years : int, default=2
        Number of final usable years compared with the peak for ``"fading"``.
    fading_ratio : float, default=0.25
        ``"fading"`` needs the pooled share of the recent years to be below
        this fraction of the peak share (and a significant decline since it).
    burst_s : float, default=2.0
        Kleinberg's ``s``: the burst state expects ``s`` times the base share.
    burst_gamma : float, default=1.0
        Kleinberg's ``gamma``: the cost of entering the burst state is
        ``gamma * ln(number of years)``; higher values report fewer bursts.
    keyword_top_n : int, default=8
        Keywords listed per (topic, year) by ``compute_trends``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_year_total: int = Field(default=20, ge=1)
    alpha: float = Field(default=0.05, gt=0, lt=1)
    exclude_incomplete_last_year: bool = True
    min_year: int | None = None
    max_year: int | None = None
    min_usable_years: int = Field(default=4, ge=3)
    emerging_years: int = Field(default=3, ge=1)
    fading_recent_years: int = Field(default=2, ge=1)
    fading_ratio: float = Field(default=0.25, gt=0, lt=1)
    burst_s: float = Field(default=2.0, gt=1)
    burst_gamma: float = Field(default=1.0, gt=0)
    keyword_top_n: int = Field(default=8, ge=1)

    @model_validator(mode="after")
    def _check_year_range(self) -> Self:
        if (
            self.min_year is not None
            and self.max_year is not None
            and self.min_year > self.max_year
        ):
            raise ValueError(
                f"min_year must not be after max_year; got {self.min_year} > {self.max_year}"
            )
        return self
