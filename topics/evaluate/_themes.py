"""Theme assignment against hand labels: precision, recall and F1 per theme.

The labels are a CSV with a theme column (``themes`` or ``theme``) and at
least one way to find the paper: ``paper_id``, ``arxiv_id`` or ``title``.
A paper may carry several themes in one row (``robustness;privacy``) or one
theme per row over several rows; an empty theme cell means "on no theme",
which is a label too (every theme it gets is a false positive).

A label row is looked up by ``paper_id``, then by arXiv id (normalised, so
``arXiv:1706.06083v4`` finds ``1706.06083``), then by normalised title (case,
accents, punctuation and spacing ignored). A row that finds no paper, has no
key, or names a theme the run does not have is reported with its line
number: a label never disappears silently.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from topics.errors import TopicsError
from topics.ingest.arxiv_ids import normalize_arxiv_id

__all__ = [
    "LabelIssue",
    "ThemeLabels",
    "match_theme_labels",
    "normalize_title",
    "read_theme_labels",
    "theme_scores",
]

_KEY_COLUMNS = ("paper_id", "arxiv_id", "title")
_THEME_COLUMNS = ("themes", "theme")
_NO_THEME = {"", "unassigned", "none"}
_NOT_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True, slots=True)
class LabelIssue:
    """A label row that could not be used (in full or in part), and why."""

    line: int
    reason: str
    excerpt: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "reason": self.reason, "excerpt": self.excerpt}


@dataclass(frozen=True, slots=True)
class _LabelRow:
    line: int
    paper_id: str
    arxiv_id: str
    title: str
    themes: frozenset[str]


@dataclass(frozen=True, slots=True)
class ThemeLabels:
    """Labelled themes per paper of the run, and the rows that did not match.

    Attributes
    ----------
    themes : dict of str to set of str
        Paper id → the themes it is labelled with (empty: no theme).
    issues : list of LabelIssue
        Rows (or parts of rows) left out, with their line numbers.
    n_rows : int
        Data rows read from the file.
    """

    themes: dict[str, set[str]]
    issues: list[LabelIssue] = field(default_factory=list)
    n_rows: int = 0


def normalize_title(title: str) -> str:
    """Case, accents, punctuation and spacing removed: the form titles are matched in."""
    text = unicodedata.normalize("NFKD", title)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(_NOT_WORD.sub(" ", text.casefold()).split())


def read_theme_labels(path: Path) -> tuple[list[_LabelRow], list[LabelIssue]]:
    """Read a labels CSV: every data row with its line number, and the rows without a key.

    Raises
    ------
    TopicsError
        If the file cannot be read, or has no theme column or no key column.
    """
    try:
        with Path(path).open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            columns = [c.strip().lower() for c in reader.fieldnames or []]
            theme_column = next((c for c in _THEME_COLUMNS if c in columns), None)
            if theme_column is None or not set(_KEY_COLUMNS) & set(columns):
                raise TopicsError(
                    f"{path}: a labels file needs a 'themes' (or 'theme') column and at least "
                    f"one of {', '.join(_KEY_COLUMNS)}; got columns {', '.join(columns) or 'none'}"
                )
            reader.fieldnames = columns
            rows, issues = [], []
            line = 2  # the header is line 1
            for record in reader:
                row = _label_row(record, theme_column, line)
                if row.paper_id or row.arxiv_id or row.title:
                    rows.append(row)
                else:
                    issues.append(LabelIssue(line, "no paper_id, arxiv_id or title"))
                line = reader.line_num + 1
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise TopicsError(f"cannot read the labels file {path}: {exc}") from exc
    return rows, issues


def _label_row(record: Mapping[str, Any], theme_column: str, line: int) -> _LabelRow:
    def cell(name: str) -> str:
        value = record.get(name)
        return value.strip() if isinstance(value, str) else ""

    themes = frozenset(
        t.strip() for t in cell(theme_column).split(";") if t.strip().lower() not in _NO_THEME
    )
    return _LabelRow(line, cell("paper_id"), cell("arxiv_id"), cell("title"), themes)


def match_theme_labels(path: Path, papers: pd.DataFrame, run_themes: Sequence[str]) -> ThemeLabels:
    """Find the run's paper of every label row and collect its labelled themes.

    Parameters
    ----------
    path : Path
        The labels CSV.
    papers : DataFrame
        The run's papers: ``paper_id``, ``title`` and optionally ``arxiv_id``.
    run_themes : sequence of str
        The run's theme names; a label naming another theme is reported.

    Returns
    -------
    ThemeLabels
    """
    rows, issues = read_theme_labels(path)
    n_rows = len(rows) + len(issues)
    lookup = _PaperLookup(papers)
    known = set(run_themes)
    labelled: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        paper_id, how = lookup.find(row)
        if paper_id is None:
            issues.append(LabelIssue(row.line, how, row.title or row.arxiv_id or row.paper_id))
            continue
        unknown = sorted(row.themes - known)
        if unknown:
            issues.append(
                LabelIssue(
                    row.line,
                    f"theme(s) {', '.join(unknown)} not in this run; ignored for this row",
                    row.title or row.arxiv_id or row.paper_id,
                )
            )
        labelled[paper_id] |= row.themes & known
    issues.sort(key=lambda issue: issue.line)
    return ThemeLabels(dict(labelled), issues, n_rows)


class _PaperLookup:
    """The run's paper ids by id, by normalised arXiv id and by normalised title."""

    def __init__(self, papers: pd.DataFrame) -> None:
        ids = papers["paper_id"].astype(str).tolist()
        self.ids = set(ids)
        self.by_arxiv = _first_by(ids, _column(papers, "arxiv_id"), normalize_arxiv_id)
        self.by_title = _first_by(ids, _column(papers, "title"), normalize_title)

    def find(self, row: _LabelRow) -> tuple[str | None, str]:
        """The paper id, or None and the reason it was not found."""
        if row.paper_id:
            if row.paper_id in self.ids:
                return row.paper_id, "paper_id"
            if not (row.arxiv_id or row.title):
                return None, f"paper_id {row.paper_id!r} is not a paper of this run"
        if row.arxiv_id:
            normalized = normalize_arxiv_id(row.arxiv_id)
            if normalized and normalized in self.by_arxiv:
                return self.by_arxiv[normalized], "arxiv_id"
        if row.title:
            title = normalize_title(row.title)
            if title in self.by_title:
                return self.by_title[title], "title"
        tried = [name for name in _KEY_COLUMNS if getattr(row, name)]
        return None, f"no paper of this run has this {' or '.join(tried)}"


def _column(papers: pd.DataFrame, name: str) -> list[str]:
    if name not in papers.columns:
        return [""] * len(papers)
    return ["" if pd.isna(v) else str(v) for v in papers[name]]


def _first_by(ids: Sequence[str], values: Sequence[str], normalize: Any) -> dict[str, str]:
    """Normalised value → the first paper id that has it (empty values skipped)."""
    index: dict[str, str] = {}
    for paper_id, value in zip(ids, values, strict=True):
        key = normalize(value) if value else None
        if key:
            index.setdefault(key, paper_id)
    return index


def theme_scores(
    truth: Mapping[str, Iterable[str]],
    predicted: Mapping[str, Iterable[str]],
    themes: Sequence[str],
) -> dict[str, Any]:
    """Precision, recall and F1 per theme, micro- and macro-averaged, over labelled papers.

    Parameters
    ----------
    truth : mapping of str to iterable of str
        Labelled paper id → its themes; only these papers are scored.
    predicted : mapping of str to iterable of str
        Paper id → the themes the run assigned (a missing paper has none).
    themes : sequence of str
        Themes to score, in display order.

    Returns
    -------
    dict
        ``per_theme``: one row per theme (``theme, tp, fp, fn, support,
        predicted, precision, recall, f1``; ``None`` where undefined, e.g.
        precision of a theme predicted for no labelled paper). ``micro``:
        from the summed counts. ``macro``: the mean over the themes that are
        labelled or predicted at least once (undefined values count as 0, as
        in scikit-learn's ``zero_division=0``), listed in ``macro_themes``.

    Examples
    --------
    >>> scores = theme_scores({"a": {"x"}, "b": set()}, {"a": {"x"}, "b": {"x"}}, ["x"])
    >>> scores["per_theme"][0]["precision"], scores["per_theme"][0]["recall"]
    (0.5, 1.0)
    """
    rows = []
    for theme in themes:
        tp = fp = fn = 0
        for paper_id, labelled in truth.items():
            is_true = theme in set(labelled)
            is_predicted = theme in set(predicted.get(paper_id, ()))
            tp += is_true and is_predicted
            fp += is_predicted and not is_true
            fn += is_true and not is_predicted
        rows.append({"theme": theme, **_prf(tp, fp, fn)})
    total = _prf(*(sum(r[k] for r in rows) for k in ("tp", "fp", "fn")))
    active = [r for r in rows if r["support"] or r["predicted"]]
    macro = {
        k: (sum(r[k] or 0.0 for r in active) / len(active) if active else None)
        for k in ("precision", "recall", "f1")
    }
    return {
        "n_papers": len(truth),
        "per_theme": rows,
        "micro": {k: total[k] for k in ("precision", "recall", "f1", "tp", "fp", "fn")},
        "macro": macro,
        "macro_themes": [r["theme"] for r in active],
    }


def _prf(tp: int, fp: int, fn: int) -> dict[str, Any]:
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    if precision is None or recall is None:
        f1 = None if precision is None and recall is None else 0.0
    else:
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "support": tp + fn,
        "predicted": tp + fp,
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }
