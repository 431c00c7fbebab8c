"""A full `topics run` on the bundled seeds: cold (empty cache) and warm.

Prints the time of every stage for both runs, the speed-up of the warm run
(embeddings from the cache), and the report's size.

    .venv/bin/python benchmarks/bench_run.py [--config configs/default.yaml]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def timed_run(config: Path, out: Path, experiment: str) -> tuple[float, dict[str, float]]:
    """Run the CLI in a fresh process, as a user would: imports and model load included."""
    command = [
        sys.executable, "-m", "topics", "run", str(config), "-q",
        "--set", f"output_dir={out}", "--set", f"experiment={experiment}",
    ]  # fmt: skip
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    manifest = json.loads((out / experiment / "manifest.json").read_text())
    return wall, manifest["timings_s"]


def report_size(run_dir: Path) -> float:
    entries = [run_dir / "index.html", run_dir / "assets", run_dir / "themes", run_dir / "topics"]
    files = [p for e in entries for p in ([e] if e.is_file() else e.rglob("*")) if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", type=Path, default=REPO / "configs" / "default.yaml")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "reports"  # both runs share out/.cache, as re-runs do
        cold_wall, cold = timed_run(args.config, out, "cold")
        warm_wall, warm = timed_run(args.config, out, "warm")
        size = report_size(out / "warm")
    print(f"{'stage':<10}{'cold s':>10}{'warm s':>10}")
    for stage in cold:
        print(f"{stage:<10}{cold[stage]:>10.1f}{warm.get(stage, float('nan')):>10.1f}")
    print(f"{'wall':<10}{cold_wall:>10.1f}{warm_wall:>10.1f}")
    print(f"embed stage speed-up: {cold['embed'] / max(warm['embed'], 1e-3):.0f}x")
    print(f"fit stage speed-up:   {cold['fit'] / max(warm['fit'], 1e-3):.0f}x")
    print(f"whole run speed-up:   {cold_wall / warm_wall:.1f}x")
    print(f"report size:          {size:.1f} MB")


if __name__ == "__main__":
    main()
