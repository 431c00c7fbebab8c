"""Time cleaning and dedupe on the whole 2019 arXiv archive (about 247k records).

Reads every ``*.tsv.xz`` file of the shared archive with the tabular reader,
then times :func:`topics.clean.clean_texts` and
:func:`topics.dedupe.dedupe_records` separately, printing wall and CPU seconds
(CPU time is the steadier figure on a shared machine) and the peak RSS.

``--with-seeds`` adds the five bundled seeds: their records have no arXiv id,
so the near-duplicate abstract step runs against the whole archive, which is
the expensive case. ``--files N`` reads only the first N files.

Usage::

    .venv/bin/python benchmarks/bench_dedupe.py [--files N] [--with-seeds]
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from topics.clean import clean_texts
from topics.dedupe import dedupe_records
from topics.ingest import ReadOptions, read_source
from topics.records import Record

REPO = Path(__file__).resolve().parents[1]
ARCHIVE = REPO / ".." / "shared" / "corpora" / "arxiv-archive-2019"
SEEDS = REPO / "seeds"
MAPPING = {
    "abstract": "abstract",
    "title": "title",
    "arxiv_id": "arxiv_id",
    "date": "created",
    "authors": "author_text",
    "category": "primary_cat",
    "doi": "doi",
    "comments": "comments",
}

T = TypeVar("T")


def timed(label: str, function: Callable[[], T]) -> T:
    """Run ``function`` and print its wall and CPU time."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label:<28} wall {wall:7.2f} s   cpu {cpu:7.2f} s")
    return result


def read_archive(n_files: int | None) -> list[Record]:
    files = sorted(ARCHIVE.glob("*.tsv.xz"))[:n_files]
    records: list[Record] = []
    for path in files:
        result = read_source(path, "auto", ReadOptions(display_path=path.name, mapping=MAPPING))
        records.extend(result.records)
        for issue in result.issues:
            if issue.severity == "error":
                print(f"  {issue}")
    print(f"read {len(files)} files: {len(records)} records")
    return records


def read_seeds() -> list[Record]:
    records: list[Record] = []
    for path in sorted(SEEDS.glob("*.txt")):
        records.extend(read_source(path, "auto", ReadOptions(display_path=path.name)).records)
    print(f"read the seeds: {len(records)} records")
    return records


def peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=None, help="read only the first N files")
    parser.add_argument("--with-seeds", action="store_true", help="add the seeds (no arXiv ids)")
    args = parser.parse_args(argv)
    if not ARCHIVE.is_dir():
        raise SystemExit(f"shared arXiv archive not found at {ARCHIVE}")

    records = timed("read", lambda: read_archive(args.files))
    if args.with_seeds:
        records = read_seeds() + records
    print(f"peak RSS after reading: {peak_rss_mb():.0f} MB")
    texts = timed("clean_texts", lambda: clean_texts([r.abstract for r in records]))
    result = timed("dedupe_records", lambda: dedupe_records(records, texts))
    print(f"{len(records)} records -> {len(result.papers)} papers, {len(result.merges)} merges")
    print(result.merges["rule"].value_counts().to_string())
    print(f"peak RSS: {peak_rss_mb():.0f} MB")
    return {"records": len(records), "papers": len(result.papers)}


if __name__ == "__main__":
    main()
