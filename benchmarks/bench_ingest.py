"""Ingest, clean and dedupe the whole shared arXiv archive; print time and memory.

Target (issue 2): under 60 s and under 3 GB peak on 2 cores.

    .venv/bin/python benchmarks/bench_ingest.py [--config configs/arxiv_archive.yaml]
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from topics.clean import clean_texts
from topics.config.loader import load_config
from topics.dedupe import dedupe_records
from topics.pipeline import ingest

REPO = Path(__file__).resolve().parents[1]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default=str(REPO / "configs" / "arxiv_archive.yaml"))
    args = parser.parse_args()
    config = load_config(args.config)

    t0 = time.perf_counter()
    ingested = ingest(config)
    t1 = time.perf_counter()
    records = ingested.records
    texts = clean_texts((r.abstract for r in records), config.clean)
    t2 = time.perf_counter()
    result = dedupe_records(records, texts, config.dedupe)
    t3 = time.perf_counter()

    issues = ingested.issues
    print(f"files            {len(ingested.sources)}")
    print(f"records          {len(records)}")
    print(f"issues           {len(issues)} ({sum(i.severity == 'error' for i in issues)} errors)")
    print(f"unique papers    {len(result.papers)}")
    print(f"ingest           {t1 - t0:7.1f} s  ({len(records) / (t1 - t0):,.0f} records/s)")
    print(f"clean            {t2 - t1:7.1f} s")
    print(f"dedupe           {t3 - t2:7.1f} s")
    print(f"total            {t3 - t0:7.1f} s")
    print(f"peak RSS         {peak_rss_mb():7.0f} MB")


if __name__ == "__main__":
    main()
