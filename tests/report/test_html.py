"""Embedding data in pages and formatting numbers."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from topics.report._html import fmt_bytes, fmt_p, fmt_pct, fmt_pp, script_json


def test_html_script_json_cannot_close_its_script_block() -> None:
    value = {"t": "</script><script>alert(1)</script> & \u2028\u2029 <!--", "n": math.nan}
    text = str(script_json(value))
    assert not set(text) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(text) == {"t": value["t"], "n": None}


def test_html_script_json_encodes_arrays() -> None:
    text = str(script_json({"x": np.array([1.5, 2.0])}))
    assert "bdata" in text or "[1.5,2.0]" in text


@pytest.mark.parametrize(
    ("fmt", "value", "text"),
    [
        (fmt_pct, 0.1234, "12.3%"),
        (fmt_pct, None, "–"),
        (fmt_pp, 0.0123, "+1.23 pp/yr"),
        (fmt_pp, -0.004, "-0.40 pp/yr"),
        (fmt_p, 0.00002, "<0.001"),
        (fmt_p, 0.0412, "0.041"),
        (fmt_p, math.nan, "–"),
        (fmt_bytes, 512, "512 B"),
        (fmt_bytes, 48213, "48.2 kB"),
        (fmt_bytes, 4_815_814, "4.8 MB"),
    ],
)
def test_html_formats(fmt, value, text: str) -> None:
    assert fmt(value) == text
