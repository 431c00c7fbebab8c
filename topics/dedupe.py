"""Merging the records of all sources into one row per paper.

The same paper reaches the corpus several times: an author profile lists it
with a date, an arXiv listing with an id but no title, a portal with its DOI,
and an archive once per category it is filed under. Counting it once per
source would inflate every trend, so records are grouped and each group
becomes one paper with the richest metadata its records offer.

Records are grouped by union-find over four keys, in this order: arXiv id,
DOI, normalised title, near-duplicate abstract. Two rules keep distinct works
apart whatever their similarity: records with different arXiv ids, or with
different DOIs, never end up in one group (a later version of a paper with a
new title and a new id is a new work). An arXiv id is the stronger identity:
records that share one are merged even if their DOIs differ (a journal DOI
and arXiv's own DataCite DOI name the same work).

Near-duplicate abstracts are found with MinHash LSH over word 3-grams
(datasketch), confirmed by the exact Jaccard similarity; a truncated preview
is matched to the full abstract it starts (rapidfuzz). Two records that both
carry an arXiv id can never merge on their abstracts, so this step starts
from the records whose group has none: they are compared with each other,
and with any record that shares the first or last words of their abstract.
On an arXiv dump, where every record has an id, it costs nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from datasketch import MinHash, MinHashLSH
from rapidfuzz import fuzz

from topics.clean import strip_latex
from topics.config import DedupeConfig
from topics.ingest.arxiv_ids import normalize_arxiv_id
from topics.records import Record

__all__ = [
    "MERGE_COLUMNS",
    "PAPER_COLUMNS",
    "DedupeResult",
    "dedupe_records",
    "record_keys",
    "record_paper_ids",
]

#: Columns of :attr:`DedupeResult.papers`, in export order (a fixed contract).
PAPER_COLUMNS = (
    "paper_id",
    "title",
    "abstract",
    "text",
    "year",
    "date",
    "date_precision",
    "date_resolution",
    "authors",
    "organisations",
    "category",
    "venue",
    "arxiv_id",
    "doi",
    "comments",
    "keywords",
    "sources",
    "record_ids",
    "n_records",
)
#: Columns of :attr:`DedupeResult.merges`.
MERGE_COLUMNS = (
    "paper_id",
    "record_id",
    "source",
    "rule",
    "matched_record_id",
    "matched_source",
    "similarity",
)

# A title shorter than this is too generic to identify a paper ("Imagen 3").
_TITLE_MIN_WORDS = 3
_TITLE_MIN_CHARS = 20
# Abstract comparison: word 3-grams, and abstracts long enough to judge.
_SHINGLE = 3
_MIN_ABSTRACT_WORDS = 10
_NUM_PERM = 128
_MAX_LSH_THRESHOLD = 0.9
# Blocking keys: the first and last words of an abstract. A block that holds
# more records than this is a generic opening, not a duplicate.
_BLOCK_WORDS = 10
_EDGE_CHARS = 400
_MAX_BLOCK = 50
# A preview matches the full abstract it starts if it is this similar to it.
_PREFIX_MIN_RATIO = 0.95
_PREFIX_MIN_WORDS = 25
_PREVIEW_MAX_SHARE = 0.8
_PRECISION_RANK = {"day": 3, "month": 2, "year": 1}
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_CANONICAL_ARXIV = r"^(?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})$"


@dataclass(frozen=True)
class DedupeResult:
    """Papers after dedupe, and how each record was merged.

    Attributes
    ----------
    papers : pandas.DataFrame
        One row per unique paper, columns :data:`PAPER_COLUMNS`, in order of
        first appearance in the input.
    merges : pandas.DataFrame
        One row per record merged into a paper whose first record is another,
        columns :data:`MERGE_COLUMNS`: which rule joined it, to which record,
        and the similarity for abstract matches (NaN otherwise).
    """

    papers: pd.DataFrame
    merges: pd.DataFrame


def record_keys(records: Sequence[Record]) -> pd.DataFrame:
    """The merge keys of each record: canonical arXiv id, DOI, normalised title, title key.

    Each record's keys depend on that record alone, so a distributed run
    computes them per partition (:mod:`topics.engine`) and concatenates them
    for :func:`dedupe_records`; the grouping itself needs every record at once.
    """
    arxiv, doi = _identifier_keys(records)
    titles = pd.Series([r.title.strip() for r in records], dtype=object)
    title_norm = _normalize_titles(titles)
    return pd.DataFrame(
        {
            # Object columns keep None for "missing"; a string dtype would turn it into NaN.
            "arxiv_key": pd.Series(arxiv, dtype=object),
            "doi_key": pd.Series(doi, dtype=object),
            "title_norm": title_norm,
            "title_key": _title_keys(title_norm),
        }
    )


def dedupe_records(
    records: Sequence[Record],
    texts: Sequence[str],
    config: DedupeConfig = DedupeConfig(),  # noqa: B008
    *,
    keys: pd.DataFrame | None = None,
) -> DedupeResult:
    """Group records that describe the same paper and merge each group.

    Parameters
    ----------
    records : sequence of Record
        Records of every source, in reading order (it fixes the paper order).
    texts : sequence of str
        Cleaned abstracts aligned with ``records``; they are compared for
        near-duplicates and become the papers' ``text``.
    config : DedupeConfig, default=DedupeConfig()
        Which keys merge records, and the abstract similarity threshold.
    keys : DataFrame, optional
        :func:`record_keys` of ``records``, when computed elsewhere (per
        partition); computed here otherwise.

    Returns
    -------
    DedupeResult
        ``papers`` (one row per paper) and ``merges`` (one row per merged record).

    Raises
    ------
    ValueError
        If ``texts`` is not aligned with ``records``.
    """
    if len(records) != len(texts):
        raise ValueError(
            f"texts must be aligned with records: got {len(texts)} texts for {len(records)} records"
        )
    if keys is None:
        keys = record_keys(records)
    elif len(keys) != len(records):
        raise ValueError(f"keys must be aligned with records: got {len(keys)} for {len(records)}")
    table = _record_table(records, texts)
    for column in ("arxiv_key", "doi_key", "title_norm", "title_key"):
        # Object columns keep None for "missing"; an inferred dtype would turn it into NaN.
        table[column] = pd.Series(keys[column].tolist(), index=table.index, dtype=object)
    groups = _UnionFind(table["arxiv_key"].tolist(), table["doi_key"].tolist())
    if config.by_arxiv_id:
        _merge_on_key(groups, table["arxiv_key"], "arxiv_id", check_doi=False)
    if config.by_doi:
        _merge_on_key(groups, table["doi_key"], "doi")
    if config.by_title:
        _merge_on_key(groups, table["title_key"], "title")
    if config.by_abstract:
        _merge_near_duplicate_abstracts(groups, table, config.abstract_threshold)
    table["paper"] = groups.labels()
    papers = _assemble_papers(table)
    merges = _merge_table(table, papers["paper_id"].to_numpy(), groups.edges)
    return DedupeResult(papers=papers, merges=merges)


# --------------------------------------------------------------------------- records


def _record_table(records: Sequence[Record], texts: Sequence[str]) -> pd.DataFrame:
    """One row per record with the fields dedupe reads, keys normalised."""
    table = pd.DataFrame(
        {
            "record_id": [r.id for r in records],
            "source": [r.provenance.location for r in records],
            "title": [r.title.strip() for r in records],
            "abstract": [r.abstract for r in records],
            "text": list(texts),
            "authors": ["; ".join(r.authors) for r in records],
            "n_authors": [len(r.authors) for r in records],
            "et_al": [r.extra.get("et_al") == "true" for r in records],
            "truncated": [_is_truncated(r) for r in records],
            "date": [r.date for r in records],
            "date_precision": [r.date_precision for r in records],
            "date_resolution": [r.date_resolution for r in records],
            "year": pd.array([_year_of(r) for r in records], dtype="Int64"),
            "category": [r.category or None for r in records],
            "venue": [r.venue or None for r in records],
            "comments": [r.comments or None for r in records],
        },
        dtype=object,
    )
    table["year"] = table["year"].astype("Int64")
    table["organisations"] = pd.Series([r.organisations for r in records], dtype=object)
    table["keywords"] = pd.Series([r.keywords for r in records], dtype=object)
    return table


def _is_truncated(record: Record) -> bool:
    """A preview cut short by the site: flagged by the reader, or ending in an ellipsis."""
    return record.extra.get("truncated") == "true" or record.abstract.rstrip().endswith(
        ("...", "…")
    )


def _year_of(record: Record) -> int | None:
    if record.year is not None:
        return record.year
    if record.date and record.date[:4].isdigit():
        return int(record.date[:4])
    return None


def _identifier_keys(records: Sequence[Record]) -> tuple[list[str | None], list[str | None]]:
    """Canonical arXiv ids and DOIs; arXiv's DataCite DOI counts as its arXiv id."""
    dois = [_normalize_doi(r.doi) for r in records]
    raw_ids = [r.arxiv_id for r in records]
    for i, doi in enumerate(dois):
        found = _ARXIV_DOI.match(doi) if doi else None
        if found and not raw_ids[i]:
            raw_ids[i] = found.group(1)
    return _normalize_arxiv_ids(raw_ids), dois


def _normalize_doi(doi: str | None) -> str | None:
    if not doi:
        return None
    doi = _DOI_PREFIX.sub("", doi.strip()).rstrip(".").casefold()
    return doi or None


def _normalize_arxiv_ids(raw_ids: list[str | None]) -> list[str | None]:
    """Repair ids only where needed: readers already give canonical ids at scale."""
    ids = pd.Series(raw_ids, dtype=object)
    present = ids.notna() & (ids != "")
    if not present.any():
        return [None] * len(raw_ids)
    canonical = pc.match_substring_regex(pa.array(ids[present].astype(str)), _CANONICAL_ARXIV)
    needs_repair = ids[present][~canonical.to_numpy(zero_copy_only=False)]
    repaired = {raw: normalize_arxiv_id(raw) for raw in needs_repair.unique()}
    out = ids.where(present, None)
    out[needs_repair.index] = needs_repair.map(repaired)
    return [value if isinstance(value, str) else None for value in out]


def _normalize_titles(titles: pd.Series) -> pd.Series:
    """Casefolded titles without accents, LaTeX or punctuation.

    ``"Poincar\\'e ResNet"`` and ``"Poincaré ResNet"`` both become
    ``"poincare resnet"``. Computed with Arrow kernels for all titles at once.
    """
    plain = [strip_latex(t) if "\\" in t or "$" in t else t for t in titles]
    array = pc.utf8_normalize(pa.array(plain, pa.large_string()), "NFKD")
    array = pc.replace_substring_regex(array, r"\p{M}+", "")
    array = pc.replace_substring_regex(pc.utf8_lower(array), r"[^\p{L}\p{N}]+", " ")
    return pd.Series(pc.utf8_trim_whitespace(array).to_pylist(), index=titles.index, dtype=object)


def _title_keys(normalized: pd.Series) -> pd.Series:
    """Normalised titles usable as merge keys: None when too short to identify a paper.

    "Imagen 3" is not a key: two different papers can bear so short a title.
    """
    array = pa.array(normalized.tolist(), pa.large_string())
    words = pc.add(pc.count_substring(array, " "), 1)
    long_enough = pc.or_(
        pc.greater_equal(words, _TITLE_MIN_WORDS),
        pc.greater_equal(pc.utf8_length(array), _TITLE_MIN_CHARS),
    )
    keys = pc.if_else(pc.and_(long_enough, pc.not_equal(array, "")), array, None)
    return pd.Series(keys.to_pylist(), index=normalized.index, dtype=object)


# --------------------------------------------------------------------------- grouping


class _UnionFind:
    """Groups of records, refusing any union that would join distinct works.

    Each root knows its group's arXiv id (at most one, by construction) and
    DOIs; ``edges`` keeps every accepted union for the merges table.
    """

    def __init__(self, arxiv: list[str | None], dois: list[str | None]) -> None:
        self.parent = list(range(len(arxiv)))
        self.arxiv = list(arxiv)
        # One DOI per record; a set only once groups with several DOIs merge.
        self.dois: list[str | frozenset[str] | None] = list(dois)
        self.edges: list[tuple[int, int, str, float]] = []

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def conflict(self, a: int, b: int, *, check_doi: bool = True) -> bool:
        """True if the groups of roots ``a`` and ``b`` are provably different works."""
        if self.arxiv[a] and self.arxiv[b] and self.arxiv[a] != self.arxiv[b]:
            return True
        return (
            check_doi
            and bool(self.dois[a] and self.dois[b])
            and _as_set(self.dois[a]).isdisjoint(_as_set(self.dois[b]))
        )

    def union(
        self, i: int, j: int, rule: str, similarity: float = np.nan, *, check_doi: bool = True
    ) -> bool:
        a, b = self.find(i), self.find(j)
        if a == b or self.conflict(a, b, check_doi=check_doi):
            return False
        root, child = min(a, b), max(a, b)
        self.parent[child] = root
        self.arxiv[root] = self.arxiv[root] or self.arxiv[child]
        if self.dois[child]:
            self.dois[root] = _as_set(self.dois[root]) | _as_set(self.dois[child])
        self.edges.append((i, j, rule, similarity))
        return True

    def roots(self) -> np.ndarray:
        """Root of every record, by pointer jumping over the whole parent array at once."""
        roots = np.asarray(self.parent, dtype=np.int64)
        while True:
            jumped = roots[roots]
            if np.array_equal(jumped, roots):
                return roots
            roots = jumped

    def labels(self) -> np.ndarray:
        """Paper number of each record, numbered in order of first appearance."""
        return pd.factorize(self.roots())[0]


def _as_set(dois: str | frozenset[str] | None) -> frozenset[str]:
    if dois is None:
        return frozenset()
    return frozenset((dois,)) if isinstance(dois, str) else dois


def _merge_on_key(
    groups: _UnionFind, keys: pd.Series, rule: str, *, check_doi: bool = True
) -> None:
    """Join every record to the first record that shares its key."""
    keys = keys[keys.notna()]
    shared = keys[keys.duplicated(keep=False)]
    if shared.empty:
        return
    firsts = shared.index.to_series().groupby(shared.to_numpy()).transform("first")
    for i, first in zip(shared.index.tolist(), firsts.tolist(), strict=True):
        if i != first:
            groups.union(first, i, rule, check_doi=check_doi)


# --------------------------------------------------------------------------- abstracts


def _merge_near_duplicate_abstracts(
    groups: _UnionFind, table: pd.DataFrame, threshold: float
) -> None:
    """Merge records whose abstracts are near-duplicates, one side lacking an arXiv id.

    Records of groups without an arXiv id ("open") are compared with each
    other through MinHash LSH, and with any record that shares the first or
    last words of their abstract. Records that both have an arXiv id are
    never compared: they could not be merged anyway.
    """
    is_open = pd.isna(np.asarray(groups.arxiv, dtype=object)[groups.roots()])
    if not is_open.any():
        return
    texts = pa.array(table["text"].tolist(), pa.large_string())
    blocks = _edge_blocks(texts, is_open)
    open_rows = np.flatnonzero(is_open).tolist()
    involved = sorted({i for block in blocks for i in block}.union(open_rows))
    words = dict(zip(involved, _normalized_words(texts.take(involved)), strict=True))
    candidates = _lsh_candidates(open_rows, words, threshold)
    for block in blocks:
        candidates.update((i, j) for i, j in combinations(block, 2) if is_open[i] or is_open[j])
    truncated = table["truncated"].to_numpy(dtype=bool)
    matches = []
    for i, j in candidates:
        similarity = _abstract_similarity(
            words[i], words[j], truncated[i] or truncated[j], threshold
        )
        if similarity is not None:
            matches.append((-similarity, i, j))
    for negative_similarity, i, j in sorted(matches):
        groups.union(i, j, "abstract", round(-negative_similarity, 4))


def _normalized_words(texts: pa.Array) -> list[str]:
    """Lower-case words joined by single spaces, computed with RE2 for all texts at once."""
    array = pc.replace_substring_regex(pc.utf8_lower(texts), r"[^\p{L}\p{N}]+", " ")
    return pc.utf8_trim_whitespace(array).to_pylist()


def _shingles(text: str) -> set[str]:
    tokens = text.split()
    return {" ".join(tokens[k : k + _SHINGLE]) for k in range(len(tokens) - _SHINGLE + 1)}


def _lsh_candidates(
    open_records: list[int], words: dict[int, str], threshold: float
) -> set[tuple[int, int]]:
    """Pairs of open records whose MinHash signatures collide."""
    usable = [i for i in open_records if words[i].count(" ") + 1 >= _MIN_ABSTRACT_WORDS]
    if len(usable) < 2:
        return set()
    shingle_sets = [[s.encode() for s in _shingles(words[i])] for i in usable]
    signatures = MinHash.bulk(shingle_sets, num_perm=_NUM_PERM)
    # LSH only proposes pairs, which the exact Jaccard then confirms; datasketch
    # cannot band signatures for thresholds near 1, so it is asked for less.
    lsh = MinHashLSH(threshold=min(threshold, _MAX_LSH_THRESHOLD), num_perm=_NUM_PERM)
    with lsh.insertion_session() as session:
        for i, signature in zip(usable, signatures, strict=True):
            session.insert(i, signature)
    pairs = set()
    for i, signature in zip(usable, signatures, strict=True):
        pairs.update((min(i, j), max(i, j)) for j in lsh.query(signature) if j != i)
    return pairs


def _edge_blocks(texts: pa.Array, is_open: np.ndarray) -> list[list[int]]:
    """Records sharing the first or last words of their abstract with an open record.

    This is how an open record meets a record with an arXiv id (which gets no
    MinHash, to keep large arXiv dumps cheap) and how a truncated preview
    meets the full abstract it starts. Keys are computed with Arrow kernels
    on the first and last few hundred characters only.
    """
    blocks = []
    open_rows = pa.array(np.flatnonzero(is_open))
    for keys in _edge_word_keys(texts):
        open_keys = pc.unique(pc.drop_null(keys.take(open_rows)))
        sharing = np.flatnonzero(pc.is_in(keys, value_set=open_keys).to_numpy(zero_copy_only=False))
        by_key: dict[str, list[int]] = defaultdict(list)
        for i, key in zip(sharing.tolist(), keys.take(pa.array(sharing)).to_pylist(), strict=True):
            by_key[key].append(i)
        blocks.extend(b for b in by_key.values() if 2 <= len(b) <= _MAX_BLOCK)
    return blocks


def _edge_word_keys(texts: pa.Array) -> Iterable[pa.Array]:
    """The first and the last ``_BLOCK_WORDS`` words of each text (null if shorter).

    The last words come reversed, which is as good for equality. Words are
    extracted first and normalised after: regex replacement over whole
    abstracts would cost seconds on a large archive.
    """
    pattern = rf"^\W*(?P<key>\w+(?:\W+\w+){{{_BLOCK_WORDS - 1}}})"
    head = pc.utf8_slice_codeunits(texts, 0, _EDGE_CHARS)
    tail = pc.utf8_reverse(pc.utf8_slice_codeunits(texts, -_EDGE_CHARS))
    for side in (head, tail):
        found = pc.extract_regex(side, pattern)
        keys = pc.if_else(found.is_valid(), pc.struct_field(found, [0]), None)
        yield pc.replace_substring_regex(pc.utf8_lower(keys), r"\W+", " ")


def _abstract_similarity(a: str, b: str, truncated: bool, threshold: float) -> float | None:
    """Jaccard similarity of word 3-grams, or the preview match score; None if neither holds."""
    shingles_a, shingles_b = _shingles(a), _shingles(b)
    if shingles_a and shingles_b:
        jaccard = len(shingles_a & shingles_b) / len(shingles_a | shingles_b)
        if jaccard >= threshold:
            return jaccard
    return _preview_similarity(a, b, truncated, threshold)


def _preview_similarity(a: str, b: str, flagged: bool, threshold: float) -> float | None:
    """Score of the shorter text as the start of the longer one, if it is a preview.

    A preview is flagged as truncated, or clearly shorter than the full text;
    it must be long enough to be specific. An abstract cut at an ellipsis
    loses its last, partial word first. The score must reach the abstract
    threshold too, so that a threshold of 1 accepts only exact previews.
    """
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if flagged:
        short = short.rsplit(" ", 1)[0]
    elif len(short) > _PREVIEW_MAX_SHARE * len(long):
        return None
    if short.count(" ") + 1 < _PREFIX_MIN_WORDS:
        return None
    ratio = fuzz.ratio(short, long[: len(short)]) / 100
    return ratio if ratio >= max(_PREFIX_MIN_RATIO, threshold) else None


# --------------------------------------------------------------------------- papers


def _assemble_papers(table: pd.DataFrame) -> pd.DataFrame:
    """One row per paper, each field taken from the record that has it best.

    Choices are made with NumPy sorts over small key arrays, never with a
    Python function per group: the 2019 archive has 196k papers.
    """
    paper = table["paper"].to_numpy()
    n_papers = int(paper.max()) + 1 if len(paper) else 0
    papers: dict[str, Any] = {}

    def first_with(column: str) -> np.ndarray:
        return _best_rows(paper, n_papers, table[column].notna().to_numpy())

    def take(column: str, rows: np.ndarray, default: object = None) -> np.ndarray:
        return _take(table[column].to_numpy(), rows, default)

    titled = _best_rows(paper, n_papers, table["title"].to_numpy() != "")
    papers["title"] = take("title", titled, "")
    papers["title_norm"] = take("title_norm", titled)
    fullest = _best_rows(
        paper,
        n_papers,
        None,
        table["truncated"].to_numpy(dtype=bool),
        -table["abstract"].str.len().to_numpy(dtype=np.int64),
    )
    papers["abstract"] = take("abstract", fullest)
    papers["text"] = take("text", fullest)
    _take_dates(papers, table, paper, n_papers)
    n_authors = table["n_authors"].to_numpy(dtype=np.int64)
    listed = _best_rows(
        paper, n_papers, n_authors > 0, table["et_al"].to_numpy(dtype=bool), -n_authors
    )
    papers["authors"] = take("authors", listed, "")
    papers["organisations"] = _union_per_paper(paper, table["organisations"].tolist(), n_papers)
    for column in ("category", "venue", "comments"):
        papers[column] = take(column, first_with(column))
    papers["arxiv_id"] = take("arxiv_key", first_with("arxiv_key"))
    papers["doi"] = take("doi_key", first_with("doi_key"))
    papers["keywords"] = _union_per_paper(paper, table["keywords"].tolist(), n_papers)
    papers["sources"] = _join_per_paper(paper, table["source"].tolist(), n_papers)
    papers["record_ids"] = _join_per_paper(paper, table["record_id"].tolist(), n_papers)
    papers["paper_id"] = _paper_ids(papers)
    # Object columns: converting 200k strings to pandas' Arrow-backed dtype
    # costs seconds and buys nothing for export.
    frame = pd.DataFrame({column: papers.get(column) for column in PAPER_COLUMNS}, dtype=object)
    frame["year"] = pd.array(papers["year"], dtype="Int64")
    frame["n_records"] = np.bincount(paper, minlength=n_papers).astype(np.int64)
    return frame


def _best_rows(
    paper: np.ndarray, n_papers: int, eligible: np.ndarray | None, *keys: np.ndarray
) -> np.ndarray:
    """Row of the preferred eligible record of each paper, -1 where none is eligible.

    ``keys`` rank records, smaller first, the first key deciding; ties go to
    the record read first, so the choice depends on nothing but the input.
    """
    rows = np.arange(len(paper)) if eligible is None else np.flatnonzero(eligible)
    if keys:
        rows = rows[np.lexsort([rows, *(key[rows] for key in reversed(keys)), paper[rows]])]
    present, first = np.unique(paper[rows], return_index=True)
    best = np.full(n_papers, -1, dtype=np.int64)
    best[present] = rows[first]
    return best


def _take(values: np.ndarray, rows: np.ndarray, default: object = None) -> np.ndarray:
    out = np.full(len(rows), default, dtype=object)
    found = rows >= 0
    out[found] = values[rows[found]]
    return out


def _take_dates(
    papers: dict[str, Any], table: pd.DataFrame, paper: np.ndarray, n_papers: int
) -> None:
    """The most precise date (day > month > year), a stated date over an inferred one.

    The year comes with the chosen date; a paper with no date anywhere keeps
    the first year any of its records gives.
    """
    rank = table["date_precision"].map(_PRECISION_RANK).fillna(0).to_numpy(dtype=np.int64)
    resolution = table["date_resolution"]
    inferred = (resolution.notna() & (resolution != "explicit")).to_numpy(dtype=bool)
    dated = _best_rows(paper, n_papers, table["date"].notna().to_numpy(), -rank, inferred)
    for column in ("date", "date_precision", "date_resolution"):
        papers[column] = _take(table[column].to_numpy(), dated)
    has_year = table["year"].notna().to_numpy()
    first_year = _best_rows(paper, n_papers, has_year)
    chosen = np.where(dated >= 0, dated, first_year)
    years = table["year"].to_numpy(dtype=object, na_value=None)
    papers["year"] = _take(years, chosen)


def _join_per_paper(paper: np.ndarray, values: list[str], n_papers: int) -> list[str]:
    """Values of each paper's records, in reading order, ``;``-joined."""
    joined: list[str | None] = [None] * n_papers
    for p, value in zip(paper.tolist(), values, strict=True):
        current = joined[p]
        joined[p] = value if current is None else f"{current};{value}"
    return [value or "" for value in joined]


def _union_per_paper(paper: np.ndarray, values: list[tuple[str, ...]], n_papers: int) -> list[str]:
    """Distinct values over each paper's records, in reading order, ``"; "``-joined."""
    union: dict[int, list[str]] = {}
    for p, items in zip(paper.tolist(), values, strict=True):
        if items:
            seen = union.setdefault(p, [])
            seen.extend(item for item in items if item not in seen)
    return ["; ".join(union[p]) if p in union else "" for p in range(n_papers)]


def _paper_ids(papers: dict[str, Any]) -> list[str]:
    """``arXiv:<id>``, else ``doi:<doi>``, else ``p-`` and a hash of the title or text.

    Ids must stay the same from run to run so that reports can link to
    papers; a collision (two papers without ids and with equal titles, which
    dedupe kept apart) gets ``-2``, ``-3``... in order of appearance.
    """
    ids = [
        _paper_id(arxiv, doi, title, text)
        for arxiv, doi, title, text in zip(
            papers["arxiv_id"], papers["doi"], papers["title_norm"], papers["text"], strict=True
        )
    ]
    seen: dict[str, int] = {}
    unique = []
    for paper_id in ids:
        seen[paper_id] = count = seen.get(paper_id, 0) + 1
        unique.append(paper_id if count == 1 else f"{paper_id}-{count}")
    return unique


def record_paper_ids(records: Sequence[Record], texts: Sequence[str]) -> list[str]:
    """The ``paper_id`` that ``papers.csv`` gives the paper of each record, merging none.

    ``topics assign`` names the papers it reads with this, so its output joins
    a run's ``papers.csv`` on ``paper_id`` when the records are the run's:
    the same arXiv id, DOI, normalised title or cleaned abstract (``texts``,
    cleaned with the run's rules) gives the same id. Two records of one
    paper get the same id here, where a run would have merged them; the
    ``-2`` suffix a run gives the second of two id-less papers with equal
    titles is not added.
    """
    keys = record_keys(records)
    return [
        _paper_id(arxiv, doi, title, text)
        for arxiv, doi, title, text in zip(
            keys["arxiv_key"], keys["doi_key"], keys["title_norm"], texts, strict=True
        )
    ]


def _paper_id(arxiv: object, doi: object, title_norm: object, text: str) -> str:
    if isinstance(arxiv, str):
        return f"arXiv:{arxiv}"
    if isinstance(doi, str):
        return f"doi:{doi}"
    basis = (
        title_norm
        if isinstance(title_norm, str) and title_norm
        else " ".join(text.casefold().split())
    )
    return "p-" + hashlib.sha1(basis.encode("utf-8")).hexdigest()[:12]


# --------------------------------------------------------------------------- merges


def _merge_table(
    table: pd.DataFrame, paper_ids: np.ndarray, edges: list[tuple[int, int, str, float]]
) -> pd.DataFrame:
    """Each merged record with the rule and the record that brought it into its paper.

    Accepted unions form a tree per paper; walking it from the paper's first
    record gives every other record exactly one parent.
    """
    neighbours: dict[int, list[tuple[int, str, float]]] = defaultdict(list)
    for i, j, rule, similarity in edges:
        neighbours[i].append((j, rule, similarity))
        neighbours[j].append((i, rule, similarity))
    paper_of = table["paper"].to_numpy()
    _, anchors = np.unique(paper_of, return_index=True)
    rows = []
    for anchor in sorted(set(anchors.tolist()) & neighbours.keys()):
        seen, queue = {anchor}, deque([anchor])
        while queue:
            parent = queue.popleft()
            for child, rule, similarity in sorted(neighbours[parent]):
                if child not in seen:
                    seen.add(child)
                    queue.append(child)
                    rows.append((child, parent, rule, similarity))
    rows.sort()
    child = np.array([row[0] for row in rows], dtype=np.int64)
    parent = np.array([row[1] for row in rows], dtype=np.int64)
    ids, sources = table["record_id"].to_numpy(), table["source"].to_numpy()
    merges = pd.DataFrame(
        {
            "paper_id": paper_ids[paper_of[child]],
            "record_id": ids[child],
            "source": sources[child],
            "rule": [row[2] for row in rows],
            "matched_record_id": ids[parent],
            "matched_source": sources[parent],
        },
        columns=list(MERGE_COLUMNS[:-1]),
        dtype=object,
    )
    merges["similarity"] = np.array([row[3] for row in rows], dtype=np.float64)
    return merges
