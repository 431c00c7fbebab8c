"""The local engine against the Dask engine on a 2-worker LocalCluster, and a projection.

For each engine, runs ``python -m topics run CONFIG`` in a child process, as a
user would, with a fresh output directory (no cache), and samples the
resident memory of the client and of every worker process (the child's
descendants) every 0.5 s. Reports the wall time, the peak RSS of each process
and of all of them together, and the stage times of the run's manifest.

From the Dask run's manifest it takes the per-partition timings of the
partitioned stages (rows per second of one worker) and projects the time of
a corpus of ``--project-rows`` papers (default 2.9M, the full arXiv metadata
snapshot) on N workers:

    partitioned stages:  sum of partition seconds / rows * project_rows / N
    client stages:       dedupe grouping, trends and report scale with the rows;
                         the fit sees engine.fit_sample papers whatever the corpus,
                         and tfidf-svd learns from embedding.svd_fit_samples texts

A projection, not a measurement: it assumes workers like this machine's cores,
throughput that stays linear in the rows, and a client with the memory for
the corpus's records and vectors. The fit stage also places every paper on
the 2-D map (UMAP transform, linear in the rows) in the client, which the
projection counts as part of the fit: it underestimates that share.

Usage (whole archive, tfidf-svd; about 25 minutes on 2 cores)::

    flock /work/heavy.lock nice .venv/bin/python benchmarks/bench_dask.py \\
        --config configs/arxiv_archive_fast.yaml --out benchmarks/results/dask_archive.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parents[1]
PARTITIONED = ("ingest", "clean", "dedupe/keys", "embed", "assign/topics", "assign/themes")


def sample_memory(proc: psutil.Process, peaks: dict[str, Any], stop: threading.Event) -> None:
    """Peak RSS of the client and of each descendant (a worker or its nanny)."""
    while not stop.is_set():
        try:
            procs = [proc, *proc.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        total = 0
        for p in procs:
            try:
                rss = p.memory_info().rss
                name = "client" if p.pid == proc.pid else _role(p)
            except psutil.Error:
                continue
            total += rss
            peaks["per_process"][name] = max(peaks["per_process"].get(name, 0), rss)
        peaks["total"] = max(peaks["total"], total)
        stop.wait(0.5)


def _role(p: psutil.Process) -> str:
    """A LocalCluster's worker processes are multiprocessing spawns of the client."""
    cmdline = " ".join(p.cmdline())
    role = "worker" if "spawn_main" in cmdline else "helper"
    return f"{role} pid {p.pid}"


def run_engine(config: Path, out: Path, engine: list[str]) -> dict[str, Any]:
    sets = [f"output_dir={out}", *engine]
    cmd = [sys.executable, "-m", "topics", "run", str(config), "-q"]
    for s in sets:
        cmd += ["--set", s]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    started = time.perf_counter()
    child = subprocess.Popen(cmd, env=env, cwd=REPO)
    peaks: dict[str, Any] = {"total": 0, "per_process": {}}
    stop = threading.Event()
    sampler = threading.Thread(target=sample_memory, args=(psutil.Process(child.pid), peaks, stop))
    sampler.start()
    code = child.wait()
    wall = time.perf_counter() - started
    stop.set()
    sampler.join()
    if code != 0:
        raise SystemExit(f"{' '.join(cmd)} exited with {code}")
    run_dir = next(p for p in out.iterdir() if (p / "manifest.json").is_file())
    manifest = json.loads((run_dir / "manifest.json").read_text())
    return {
        "command": " ".join(cmd),
        "wall_s": round(wall, 1),
        "peak_rss_total_gb": round(peaks["total"] / 2**30, 2),
        "peak_rss_gb": {k: round(v / 2**30, 2) for k, v in sorted(peaks["per_process"].items())},
        "stages_s": manifest["timings_s"],
        "papers": int(manifest["cache"]["embed"].get("texts", 0)),
        "svd_fit_samples": manifest["config"]["embedding"]["svd_fit_samples"],
        "engine": manifest["engine"],
    }


def project(dask_run: dict[str, Any], rows: int, workers: list[int]) -> dict[str, Any]:
    """Time of ``rows`` papers on N workers, from per-partition throughput."""
    papers = dask_run["papers"]
    partitions = dask_run["engine"]["partitions"]
    stages = dask_run["stages_s"]
    fit_sample = dask_run["engine"]["fit_sample"]
    svd_fit_samples = dask_run["svd_fit_samples"] or rows
    worker_s = {name: sum(p["seconds"] for p in partitions.get(name, [])) for name in PARTITIONED}
    # Wall time of each stage not spent in partitions: the client's share.
    partition_wall = {
        "ingest": worker_s["ingest"] / 2,
        "clean": worker_s["clean"] / 2,
        "dedupe": worker_s["dedupe/keys"] / 2,
        "embed": worker_s["embed"] / 2,
        "assign": (worker_s["assign/topics"] + worker_s["assign/themes"]) / 2,
    }
    client_s = {
        name: max(stages.get(name, 0.0) - partition_wall.get(name, 0.0), 0.0) for name in stages
    }
    scale = rows / papers
    # The topic model sees at most engine.fit_sample papers and tfidf-svd learns
    # from at most embedding.svd_fit_samples texts; the rest is linear in the rows.
    fit_scale = min(rows, fit_sample or rows) / min(papers, fit_sample or papers)
    svd_scale = min(rows, svd_fit_samples) / min(papers, svd_fit_samples)
    factor = {"fit": fit_scale, "embed": svd_scale}
    client_projected = sum(s * factor.get(name, scale) for name, s in client_s.items())
    out = {
        "rows": rows,
        "measured_papers": papers,
        "worker_seconds_per_1k_papers": {
            name: round(s / papers * 1000, 3) for name, s in worker_s.items()
        },
        "client_seconds_measured": {k: round(v, 1) for k, v in client_s.items()},
        "client_seconds_projected": round(client_projected, 0),
        "by_workers": {},
    }
    for n in workers:
        partitioned = sum(worker_s.values()) * scale / n
        out["by_workers"][n] = {
            "partitioned_stages_min": round(partitioned / 60, 1),
            "total_min": round((partitioned + client_projected) / 60, 1),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=REPO / "configs/arxiv_archive_fast.yaml")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks/results/dask_archive.json")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--partition-size", type=int, default=20_000)
    parser.add_argument("--project-rows", type=int, default=2_900_000)
    parser.add_argument("--engines", default="local,dask")
    args = parser.parse_args()
    result: dict[str, Any] = {
        "config": str(args.config),
        "machine": {
            "cpus": os.cpu_count(),
            "memory_gb": round(psutil.virtual_memory().total / 2**30),
        },
        "note": "shared machine: other helpers' jobs may have run at the same time",
    }
    with tempfile.TemporaryDirectory(prefix="bench-dask-") as tmp:
        for kind in args.engines.split(","):
            engine = (
                []
                if kind == "local"
                else [
                    "engine.kind=dask",
                    f"engine.workers={args.workers}",
                    f"engine.partition_size={args.partition_size}",
                ]
            )
            print(f"running the {kind} engine ...", file=sys.stderr, flush=True)
            result[kind] = run_engine(args.config, Path(tmp) / kind, engine)
            print(json.dumps({k: v for k, v in result[kind].items() if k != "engine"}, indent=1))
    if "dask" in result:
        result["projection"] = project(result["dask"], args.project_rows, [2, 8, 32, 128])
        print(json.dumps(result["projection"], indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
