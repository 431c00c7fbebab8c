"""Safe embedding of data in HTML, and the number formats the templates use.

Data reaches a page in two ways. Text goes through Jinja2 with autoescape on.
Chart data goes into ``<script type="application/json">`` blocks, where HTML
escaping does not apply: there, a title containing ``</script>`` would end the
block early and run whatever follows. :func:`script_json` therefore writes
``<``, ``>`` and ``&`` as JSON unicode escapes (which ``JSON.parse`` turns back
into the same characters), and U+2028/U+2029, which some parsers treat as line
ends inside strings.
"""

from __future__ import annotations

import math
from typing import Any

from markupsafe import Markup
from plotly.io.json import to_json_plotly

__all__ = ["fmt_bytes", "fmt_num", "fmt_p", "fmt_pct", "fmt_pp", "script_json"]

_SCRIPT_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_ESCAPE_TABLE = str.maketrans(_SCRIPT_ESCAPES)


def script_json(value: Any) -> Markup:
    """JSON for a ``<script type="application/json">`` block that no data can break out of.

    Numpy arrays and NaN (as ``null``) are handled as plotly does for figures.
    """
    return Markup(to_json_plotly(value).translate(_ESCAPE_TABLE))


def fmt_pct(value: float | None, digits: int = 1) -> str:
    """A fraction as a percentage ("12.3%"); "–" when unknown."""
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value * 100:.{digits}f}%"


def fmt_pp(value: float | None) -> str:
    """A yearly change of a share, in signed percentage points per year."""
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value * 100:+.2f} pp/yr"


def fmt_p(value: float | None) -> str:
    """A p-value as a reader expects it: "<0.001" rather than "3.2e-07"."""
    if value is None or not math.isfinite(value):
        return "–"
    if value < 0.001:
        return "<0.001"
    return f"{value:.3f}"


def fmt_num(value: float | None, digits: int = 2) -> str:
    """A number with a fixed number of decimals; "–" when unknown."""
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:.{digits}f}"


def fmt_bytes(value: float | None) -> str:
    """A file size in B, kB, MB or GB (powers of 1000)."""
    if value is None or not math.isfinite(value):
        return "–"
    for unit in ("B", "kB", "MB"):
        if abs(value) < 1000:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"
