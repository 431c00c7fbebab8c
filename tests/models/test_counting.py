"""Counting terms in a second process: the same counts, errors kept, failures survived."""

from __future__ import annotations

import logging
import sys

import pytest

from topics.config.schema import VectorizerConfig
from topics.errors import ModelError
from topics.models._counting import count_terms_alongside
from topics.models._text import fit_vocabulary, resolve_stop_words

CONFIG = VectorizerConfig()
STOP_WORDS = resolve_stop_words(CONFIG)


def test_counts_from_the_second_process_equal_counts_made_here(abstracts: list[str]) -> None:
    expected_vocabulary, expected = fit_vocabulary(abstracts, CONFIG, stop_words=STOP_WORDS)
    with count_terms_alongside(abstracts, CONFIG, STOP_WORDS, background=True) as counting:
        vocabulary, counts = counting.result()
    assert counting.background
    assert counting.seconds > 0
    assert vocabulary == expected_vocabulary
    assert counts.shape == expected.shape
    assert (counts != expected).nnz == 0


def test_an_error_in_the_second_process_reaches_the_caller(abstracts: list[str]) -> None:
    too_strict = VectorizerConfig(min_df=len(abstracts) + 1)
    with (
        count_terms_alongside(abstracts, too_strict, STOP_WORDS, background=True) as counting,
        pytest.raises(ModelError, match=f"min_df={len(abstracts) + 1}"),
    ):
        counting.result()


def test_a_second_process_that_dies_is_replaced_by_counting_here(
    abstracts: list[str], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # An interpreter that exits at once: no result ever comes back.
    monkeypatch.setattr(sys, "executable", "/bin/false")
    with (
        caplog.at_level(logging.WARNING, logger="topics.models._counting"),
        count_terms_alongside(abstracts, CONFIG, STOP_WORDS, background=True) as counting,
    ):
        vocabulary, counts = counting.result()
    assert not counting.background
    assert "ended without a result" in caplog.text
    assert vocabulary == fit_vocabulary(abstracts, CONFIG, stop_words=STOP_WORDS)[0]
    assert counts.shape[0] == len(abstracts)


def test_small_corpora_count_in_this_process(abstracts: list[str]) -> None:
    with count_terms_alongside(abstracts, CONFIG, STOP_WORDS) as counting:
        counting.result()
    assert not counting.background
