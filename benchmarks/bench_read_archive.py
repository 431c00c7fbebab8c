"""Read the 44 files of the 2019 arXiv archive through ``read_source``; print speed and memory.

Reading is the first third of the ingest + clean + dedupe budget (60 s, 3 GB,
2 cores), so it should stay well under 25 s. CPU time is printed next to wall
time because a busy machine stretches the wall clock, not the work.

    .venv/bin/python benchmarks/bench_read_archive.py [--archive DIR] [--keep]

``--keep`` holds every record in memory, as the pipeline does, so the peak RSS
includes them; without it each file's records are dropped after counting.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from topics.ingest import ReadOptions, read_source
from topics.records import Record

REPO = Path(__file__).resolve().parents[1]
ARCHIVE = REPO.parent / "shared" / "corpora" / "arxiv-archive-2019"


def peak_rss_mb() -> float:
    """Peak resident memory of this process (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--archive", type=Path, default=ARCHIVE)
    parser.add_argument("--keep", action="store_true", help="keep all records in memory")
    args = parser.parse_args()
    files = sorted(args.archive.glob("*.tsv.xz"))
    if not files:
        raise SystemExit(f"no *.tsv.xz files in {args.archive}")

    kept: list[Record] = []
    ids: set[str] = set()
    rows = issues = errors = multi_line = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for path in files:
        result = read_source(path, "tsv", ReadOptions(display_path=path.name))
        rows += len(result.records)
        issues += len(result.issues)
        errors += sum(i.severity == "error" for i in result.issues)
        multi_line += sum(r.provenance.line_end > r.provenance.line_start for r in result.records)
        ids.update(r.arxiv_id for r in result.records if r.arxiv_id)
        if args.keep:
            kept.extend(result.records)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu

    print(f"files            {len(files)}")
    print(f"rows             {rows}")
    print(f"multi-line rows  {multi_line}")
    print(f"issues           {issues} ({errors} errors)")
    print(f"unique arXiv ids {len(ids)}")
    print(f"seconds          {wall:7.1f} wall, {cpu:.1f} CPU")
    print(f"records/s        {rows / wall:9,.0f}")
    print(f"peak RSS         {peak_rss_mb():7.0f} MB{' (records kept)' if args.keep else ''}")


if __name__ == "__main__":
    main()
