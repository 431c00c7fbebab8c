"""`topics update` on the shared arXiv archive: a quarter of new papers without a refit.

The archive's TSV files are split by the ``created`` date into the papers up
to ``--split`` (exclusive; default 2019-10-01) and those after it, written as
two temporary TSV files with the original columns. Then, with the fast config
(configs/arxiv_archive_fast.yaml) in fresh processes, as a user runs them:

1. ``topics run`` on the old papers (cold: it builds the model to update);
2. ``topics update`` with old + new: the number this benchmark is about;
3. ``topics run`` with old + new in the same output folder (warm: ingest
   pieces and embeddings come from the cache, the model is refitted);
4. ``topics run`` with old + new in a fresh folder (cold);
5. ``topics update --refit`` of the run of step 1 with old + new, in a third
   folder that has the embedding cache and the corpus stages of steps 1-2 but
   no fitted model (so it refits, as a user's first refit would): its time, and
   how many old topics a new topic continues (and so keeps the label of).

It prints the times and ratios, and how many of the new papers the update
put in the same topic (after pairing the two fits' topics one to one by the
papers they share, :func:`topics.changes.match_topics`) and on the same themes
as the full refit of step 4; the old papers are shown for reference.
``--since`` keeps only papers created on or after a date (a subset, for a busy
machine); ``--no-refit`` leaves out step 5.

    nice -n 5 .venv/bin/python benchmarks/bench_update.py [--since 2019-01-01]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
ARCHIVE = REPO.parent / "shared" / "corpora" / "arxiv-archive-2019"
RESULTS = REPO / "benchmarks" / "results"
EXPERIMENT = "update-bench"


def split_archive(folder: Path, since: str | None, split: str) -> dict[str, int]:
    """``old.tsv`` and ``new.tsv`` in ``folder``: every archive row, by its created date."""
    frames = []
    for path in sorted(ARCHIVE.glob("*.tsv.xz")):
        frames.append(pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False))
    rows = pd.concat(frames, ignore_index=True)
    created = pd.to_datetime(rows["created"], errors="coerce", format="%Y-%m-%d")
    keep = created.notna() & (created >= pd.Timestamp(since) if since else created.notna())
    old = rows.loc[keep & (created < pd.Timestamp(split))]
    new = rows.loc[keep & (created >= pd.Timestamp(split))]
    old.to_csv(folder / "old.tsv", sep="\t", index=False)
    new.to_csv(folder / "new.tsv", sep="\t", index=False)
    return {"old_rows": len(old), "new_rows": len(new)}


def write_configs(folder: Path) -> tuple[Path, Path]:
    """The archive's fast config, reading the old file, or both (JSON is YAML)."""
    base = REPO / "configs" / "arxiv_archive_fast.yaml"
    mapping = {
        "abstract": "abstract",
        "title": "title",
        "arxiv_id": "arxiv_id",
        "date": "created",
        "authors": "author_text",
        "category": "primary_cat",
        "doi": "doi",
        "comments": "comments",
    }
    paths = []
    for name, files in (("old", ["old.tsv"]), ("full", ["old.tsv", "new.tsv"])):
        config = {
            "extends": str(base),
            "experiment": EXPERIMENT,
            "sources": [
                {"path": str(folder / f), "format": "tsv", "mapping": mapping} for f in files
            ],
        }
        path = folder / f"{name}.yaml"
        path.write_text(json.dumps(config, indent=2), encoding="utf-8")
        paths.append(path)
    return paths[0], paths[1]


LOAD: list[dict[str, object]] = []
# CPU seconds (user + system) of each step's process and the processes it waited for:
# what the other users of a shared machine change much less than the wall time.
CPU: dict[str, float] = {}


def timed(command: str, config: Path, out: Path, *extra: str) -> tuple[float, dict[str, float]]:
    """Run ``topics COMMAND CONFIG`` in a fresh process (as a user would); wall time and stages.

    The machine is shared: the 1-minute load average before and after each
    step is kept with the results.
    """
    argv = [sys.executable, "-m", "topics", command, str(config), *extra, "-q"]
    argv += ["--set", f"output_dir={out}"]
    before = os.getloadavg()[0]
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    step = " ".join([command, *extra, config.stem, f"({out.name})"])
    LOAD.append({"step": step, "before": round(before, 2), "after": round(os.getloadavg()[0], 2)})
    CPU[step] = round(
        (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime), 1
    )
    manifest = json.loads((out / EXPERIMENT / "manifest.json").read_text(encoding="utf-8"))
    print(f"  {step}: {wall:.1f} s  {manifest['timings_s']}", flush=True)
    return round(wall, 1), manifest["timings_s"]


def prepare_refit_folder(incremental: Path, target: Path) -> None:
    """The base run and the caches a refit would find, without any fitted model.

    Hard links, not copies (the archive's run is a few GB): every file a run
    writes is written under a new name and renamed, so neither side changes
    the other's files.
    """
    target.mkdir()
    subprocess.run(["cp", "-al", str(incremental / ".cache"), str(target / ".cache")], check=True)
    for stage in ("fit", "assign", "trends", "report"):
        shutil.rmtree(target / ".cache" / "stages" / stage, ignore_errors=True)
    subprocess.run(
        ["cp", "-al", str(incremental / f"{EXPERIMENT}.base"), str(target / EXPERIMENT)],
        check=True,
    )


def refit_mapping(run_dir: Path) -> dict[str, object]:
    """How many topics of the base run a topic of the refit continues (and keeps the label of)."""
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    pairs = manifest["update"]["topic_mapping"]
    changes = json.loads((run_dir / "data" / "changes.json").read_text(encoding="utf-8"))
    overlaps = [p["overlap"] for p in pairs if p["matched"]]
    return {
        "old_topics": len(pairs),
        "continued_with_label": sum(p["matched"] for p in pairs),
        "new_topics": changes["totals"]["topics_after"],
        "min_overlap": manifest["update"]["min_overlap"],
        "median_overlap_of_continued": round(float(np.median(overlaps)), 4) if overlaps else None,
        "moved_papers": changes["totals"]["moved"],
        "moved_topic": changes["totals"]["moved_topic"],
    }


def agreement(updated: Path, refit: Path) -> dict[str, object]:
    """Same topic (after matching topics) and same themes, for new and for old papers."""
    from topics.changes import match_topics

    a = pd.read_parquet(updated / "data" / "papers.parquet")
    b = pd.read_parquet(refit / "data" / "papers.parquet")
    old_ids = set(
        pd.read_parquet(updated.with_name(f"{EXPERIMENT}.base") / "data" / "papers.parquet")[
            "paper_id"
        ]
    )
    both = a.merge(b, on="paper_id", suffixes=("_u", "_r"))
    mapping = match_topics(both["topic_u"].to_numpy(), both["topic_r"].to_numpy())
    to_refit = dict(zip(mapping["old_topic"], mapping["new_topic"], strict=True))
    same_topic = both["topic_u"].map(to_refit).fillna(-2).to_numpy() == both["topic_r"].to_numpy()
    same_themes = (both["themes_u"] == both["themes_r"]).to_numpy()
    is_new = ~both["paper_id"].isin(old_ids).to_numpy()
    result: dict[str, object] = {
        "papers_compared": len(both),
        "topics_matched_well": int(mapping["matched"].sum()),
        "topics": len(mapping),
    }
    for name, rows in (("new", is_new), ("old", ~is_new)):
        n = int(rows.sum())
        result[name] = {
            "papers": n,
            "same_topic": int(same_topic[rows].sum()),
            "same_topic_share": round(float(same_topic[rows].mean()), 4) if n else None,
            "same_themes": int(same_themes[rows].sum()),
            "same_themes_share": round(float(same_themes[rows].mean()), 4) if n else None,
            "same_topic_and_themes_share": round(float((same_topic & same_themes)[rows].mean()), 4)
            if n
            else None,
        }
    return result


def code_version() -> str | None:
    """The commit measured: a checkout's HEAD, or ``.commit`` of an exported tree."""
    exported = REPO / ".commit"
    if exported.is_file():
        return exported.read_text(encoding="utf-8").strip()
    done = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() or None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--since", help="keep papers created on or after this date (a subset)")
    parser.add_argument("--split", default="2019-10-01", help="new papers: created on or after")
    parser.add_argument("--out", type=Path, default=RESULTS / "update_archive.json")
    parser.add_argument("--no-refit", action="store_true", help="leave out update --refit")
    parser.add_argument("--tmp", type=Path, help="work folder (default: a temporary one)")
    args = parser.parse_args()
    result: dict[str, object] = {
        "command": " ".join(sys.argv),
        "commit": code_version(),
        "subset": f"papers created on or after {args.since}" if args.since else "the whole archive",
        "split": args.split,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "load_average_1min_per_step": LOAD,
        "wall_s": {},
        "cpu_s": CPU,
        "stage_s": {},
    }
    wall: dict[str, float] = result["wall_s"]  # type: ignore[assignment]
    stages: dict[str, object] = result["stage_s"]  # type: ignore[assignment]

    def save() -> None:
        """After every step: a step that fails late must not lose the ones before it."""
        if "cold_run" in wall and "update" in wall:
            result["speedup_vs_cold_run"] = round(wall["cold_run"] / wall["update"], 1)
        if "warm_run" in wall and "update" in wall:
            result["speedup_vs_warm_run"] = round(wall["warm_run"] / wall["update"], 1)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")

    with tempfile.TemporaryDirectory(prefix="bench-update-", dir=args.tmp) as tmp:
        folder = Path(tmp)
        result.update(split_archive(folder, args.since, args.split))
        print(f"split: {result['old_rows']} old rows, {result['new_rows']} new", flush=True)
        old_config, full_config = write_configs(folder)
        incremental, fresh = folder / "incremental", folder / "fresh"
        wall["base_cold_run"], stages["base"] = timed("run", old_config, incremental)
        save()
        wall["update"], stages["update"] = timed("update", full_config, incremental)
        updated = incremental / EXPERIMENT
        drift = json.loads((updated / "data" / "drift.json").read_text(encoding="utf-8"))
        manifest = json.loads((updated / "manifest.json").read_text(encoding="utf-8"))
        result["drift"] = {
            k: drift[k] for k in ("new_papers", "low_fit", "low_fit_share", "drifted")
        }
        result["update_manifest"] = {
            "update": manifest["update"],
            "changes": manifest["changes"],
            "embed": manifest["cache"]["embed"],
        }
        save()
        # Keep the base and the update apart from the warm run that replaces them.
        (incremental / f"{EXPERIMENT}.previous").rename(incremental / f"{EXPERIMENT}.base")
        updated_copy = incremental / f"{EXPERIMENT}.updated"
        updated.rename(updated_copy)
        wall["warm_run"], stages["warm"] = timed("run", full_config, incremental)
        save()
        # The static model is distilled once per machine, not per run: the cold run
        # starts with it, as the update did, so the ratio is not inflated by it.
        shutil.copytree(
            incremental / ".cache" / "static-models", fresh / ".cache" / "static-models"
        )
        wall["cold_run"], stages["cold"] = timed("run", full_config, fresh)
        result["papers_after_update"] = len(
            pd.read_parquet(fresh / EXPERIMENT / "data" / "papers.parquet", columns=["paper_id"])
        )
        result["agreement_with_full_refit"] = agreement(updated_copy, fresh / EXPERIMENT)
        save()
        if not args.no_refit:
            shutil.rmtree(fresh)  # room on the disk
            refit_folder = folder / "refit"
            prepare_refit_folder(incremental, refit_folder)
            refit_wall, refit_t = timed("update", full_config, refit_folder, "--refit")
            result["update_refit"] = {
                "wall_s": round(refit_wall, 1),
                "stage_s": refit_t,
                **refit_mapping(refit_folder / EXPERIMENT),
            }
            save()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
