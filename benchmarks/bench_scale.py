"""The whole arXiv archive end to end: time and memory per stage, and what the fast tier costs.

Four measurements:

``run CONFIG``
    Runs ``python -m topics run CONFIG -v`` in a child process, as a user
    would, and samples the resident memory of the child and its descendants
    every 0.25 s from ``/proc``. The child's log says when each stage starts,
    so every sample is attributed to a stage: the result has the peak memory
    per stage next to the stage times of the run's ``manifest.json``, and the
    size of what the run wrote. ``--kill-after-shards N --cache-root DIR``
    kills the run (SIGKILL, no chance to flush) once the embedding cache has
    N new shards, and reports how many vectors the cache kept: run it again
    without the kill to check that an interrupted run resumes from the cache.

``watch PID LOG``
    The peak memory per stage of a run started elsewhere with
    ``topics run -v 2> LOG`` (e.g. under ``/usr/bin/time -v``).

``themes``
    Theme assignments of the fast tier (tfidf-svd fitted on the corpus)
    against MiniLM (the reference) on the 10k archive sample of
    ``bench_compare.py``, and both against the 270 hand-labelled seed papers
    (``tests/fixtures/themes/labels.csv``): precision, recall and F1 per theme.
    Topic affinity is left out on both sides, so only the embeddings differ.

``minilm``
    Throughput of the packaged MiniLM on archive abstracts (title + cleaned
    abstract, as a run embeds them) and the projected time of the whole archive.

Usage::

    .venv/bin/python benchmarks/bench_scale.py run configs/arxiv_archive_fast.yaml
    .venv/bin/python benchmarks/bench_scale.py themes
    .venv/bin/python benchmarks/bench_scale.py minilm --n 2000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
for entry in (REPO, REPO / "benchmarks"):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

from bench_compare import DEFAULT_CACHE, RESULTS, environment, load_archive, load_sample  # noqa: E402

POLL_SECONDS = 0.25
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- run: memory poller


def tree_usage(root: int) -> tuple[float, float]:
    """Resident memory (MB) and CPU time (s) of ``root`` and all its descendants, from /proc.

    CPU time is what makes runs on a shared machine comparable: wall time
    grows with the other users' load, CPU seconds do not (much).
    """
    children: dict[int, list[int]] = {}
    usage: dict[int, tuple[int, int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            resident = int((entry / "statm").read_text().split()[1])
        except OSError:  # the process ended while we looked
            continue
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)
        usage[pid] = (resident * PAGE_KB, int(fields[11]) + int(fields[12]))
    rss_kb, ticks, stack = 0, 0, [root]
    while stack:
        pid = stack.pop()
        rss, cpu = usage.get(pid, (0, 0))
        rss_kb, ticks = rss_kb + rss, ticks + cpu
        stack.extend(children.get(pid, []))
    return rss_kb / 1024, ticks / CLOCK_TICKS


class StageWatcher:
    """Reads the child's log lines, remembers the current stage, samples memory."""

    def __init__(self, process: subprocess.Popen[str], log_path: Path) -> None:
        self.process = process
        self.log_path = log_path
        self.stage = "startup"
        self.peak_mb: dict[str, float] = {}
        self.cpu_seconds: dict[str, float] = {}
        self.samples: list[tuple[float, str, float]] = []
        self.started = time.perf_counter()

    def read_log(self) -> None:
        assert self.process.stderr is not None
        with self.log_path.open("w", encoding="utf-8", buffering=1) as log:
            for line in self.process.stderr:
                log.write(line)
                self.stage = _stage_started(line) or self.stage

    def poll(self) -> None:
        """Sample until the child exits; a stage's CPU time is the growth while it ran."""
        last_cpu = 0.0
        while self.process.poll() is None:
            stage = self.stage
            mb, cpu = tree_usage(self.process.pid)
            self.peak_mb[stage] = max(self.peak_mb.get(stage, 0.0), mb)
            # A worker process that ends takes its CPU time out of the tree's sum.
            self.cpu_seconds[stage] = self.cpu_seconds.get(stage, 0.0) + max(0.0, cpu - last_cpu)
            last_cpu = cpu
            self.samples.append((time.perf_counter() - self.started, stage, mb))
            time.sleep(POLL_SECONDS)


def _stage_started(line: str) -> str | None:
    """The stage a ``-v`` log line says is starting (``DEBUG stage fit: running``), if any."""
    words = line.split()
    if len(words) == 4 and words[1] == "stage" and words[3] == "running":
        return words[2].rstrip(":")
    return None


def run_pipeline(args: argparse.Namespace) -> dict[str, Any]:
    """One ``topics run`` in a child process, watched; returns the measurements."""
    cwd = args.cwd.resolve()
    command = [sys.executable, "-m", "topics", "run", str(args.config), "-v"]
    for override in args.set or []:
        command += ["--set", override]
    log_path = RESULTS / f"scale_{args.name}.log"
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    stdout_path = RESULTS / f"scale_{args.name}.stdout"
    with stdout_path.open("w", encoding="utf-8") as stdout_file:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            stdout=stdout_file,  # a file: the log thread must be stderr's only reader
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    watcher = StageWatcher(process, log_path)
    reader = threading.Thread(target=watcher.read_log, daemon=True)
    reader.start()
    poller = threading.Thread(target=watcher.poll, daemon=True)
    poller.start()
    killed = None
    if args.kill_after_shards is not None:
        killed = _kill_after_shards(process, args.cache_root, args.kill_after_shards)
    process.wait()
    reader.join(timeout=5)
    stdout = stdout_path.read_text(encoding="utf-8")
    poller.join(timeout=5)
    wall = time.perf_counter() - started
    result: dict[str, Any] = {
        "command": " ".join(command),
        "cwd": str(cwd),
        "exit_code": process.returncode,
        "wall_seconds": wall,
        "peak_rss_mb_by_stage": watcher.peak_mb,
        "peak_rss_mb": max(watcher.peak_mb.values(), default=0.0),
        "cpu_seconds_by_stage": watcher.cpu_seconds,
        "cpu_seconds": _children_cpu_seconds(),
        "max_single_process_rss_mb": _children_maxrss_mb(),
        "summary_stdout": stdout.strip().splitlines()[-12:],
        "killed": killed,
    }
    run_dir = _run_dir(stdout)
    if run_dir is not None and (run_dir / "manifest.json").exists():
        manifest = json.loads((run_dir / "manifest.json").read_text())
        result["timings_s"] = manifest.get("timings_s")
        result["run_dir"] = str(run_dir)
        result["output_mb"] = output_sizes(run_dir)
        result.update(_model_summary(run_dir))
    return result


def watch_running(pid: int, log_path: Path) -> dict[str, Any]:
    """Watch a run started elsewhere (``topics run -v 2> LOG``): peak memory per stage.

    The stage is read from the log as it grows; sampling stops when ``pid`` exits.
    """
    peak: dict[str, float] = {}
    stage, offset = "startup", 0
    while Path(f"/proc/{pid}").exists():
        with log_path.open(encoding="utf-8", errors="replace") as log:
            log.seek(offset)
            for line in log:
                stage = _stage_started(line) or stage
            offset = log.tell()
        peak[stage] = max(peak.get(stage, 0.0), tree_usage(pid)[0])
        time.sleep(POLL_SECONDS)
    return {"watched_pid": pid, "log": str(log_path), "peak_rss_mb_by_stage": peak}


def _kill_after_shards(
    process: subprocess.Popen[str], cache_root: Path, shards: int
) -> dict[str, Any] | None:
    """SIGKILL the run once the embedding cache holds ``shards`` new shards.

    SIGKILL gives the run no chance to flush: whatever it encoded since its
    last shard is lost, which is the worst case a resume has to cope with.
    """
    before = set(cache_root.glob("*/shard-*.safetensors"))
    while process.poll() is None:
        new = set(cache_root.glob("*/shard-*.safetensors")) - before
        if len(new) >= shards:
            os.kill(process.pid, signal.SIGKILL)
            return {"signal": "SIGKILL", "new_shards_at_kill": len(new)}
        time.sleep(0.5)
    return None


def _children_maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run_dir(stdout: str) -> Path | None:
    for line in stdout.splitlines():
        if line.startswith("output: "):
            return Path(line.removeprefix("output: ").strip())
    return None


def _cell(value: float | None, width: int) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:>{width}.1f}"


def output_sizes(run_dir: Path) -> dict[str, float]:
    """MB per top-level entry of the run directory (data files one by one)."""
    sizes: dict[str, float] = {}
    for entry in sorted(run_dir.iterdir()):
        if entry.name == "data":
            for file in sorted(entry.iterdir()):
                sizes[f"data/{file.name}"] = file.stat().st_size / 1e6
            continue
        files = [entry] if entry.is_file() else [p for p in entry.rglob("*") if p.is_file()]
        sizes[entry.name] = sum(p.stat().st_size for p in files) / 1e6
    return sizes


def _model_summary(run_dir: Path) -> dict[str, Any]:
    path = run_dir / "data" / "model_summary.json"
    return {"model_summary": json.loads(path.read_text())} if path.exists() else {}


def cache_vectors(cache_root: Path) -> dict[str, int]:
    """Vectors stored per embedder identity in an embedding cache (keys only are read)."""
    from safetensors import safe_open

    counts: dict[str, int] = {}
    for directory in sorted(p for p in cache_root.glob("*") if p.is_dir()):
        identity = json.loads((directory / "identity.json").read_text())["identity"]
        total = 0
        for shard in directory.glob("shard-*.safetensors"):
            with safe_open(shard, framework="numpy") as handle:
                total += handle.get_slice("keys").get_shape()[0]
        counts[identity.split("|")[0] + "|" + directory.name] = total
    return counts


def print_run(result: dict[str, Any]) -> None:
    timings = result.get("timings_s") or {}
    print(f"exit {result['exit_code']}, wall {result['wall_seconds']:.0f} s")
    print(f"{'stage':<10}{'wall s':>10}{'CPU s':>10}{'peak RSS MB':>13}")
    for stage in dict.fromkeys([*timings, *result["peak_rss_mb_by_stage"]]):
        cells = (
            timings.get(stage),
            result["cpu_seconds_by_stage"].get(stage),
            result["peak_rss_mb_by_stage"].get(stage),
        )
        widths = (10, 10, 13)
        print(f"{stage:<10}" + "".join(_cell(v, w) for v, w in zip(cells, widths, strict=True)))
    print(f"CPU time of the run: {result['cpu_seconds']:.0f} s")
    print(f"peak RSS of the process tree: {result['peak_rss_mb']:.0f} MB")
    for name, mb in (result.get("output_mb") or {}).items():
        print(f"  {name:<36}{mb:>10.1f} MB")


# ---------------------------------------------------------------- themes: fast tier vs MiniLM


def theme_predictions(
    texts: list[str], titles: list[str], vectors: np.ndarray, embedder: Any
) -> pd.DataFrame:
    """Boolean paper × theme table of the default themes, without the topic signal."""
    from topics.config.loader import load_config
    from topics.themes import ThemeAssigner, weights_for_backend

    config = load_config(REPO / "configs" / "default.yaml")
    assigner = ThemeAssigner(
        config.themes,
        threshold=config.assign.threshold,
        weights=weights_for_backend(embedder.backend),
    )
    assigner.fit(embedder.encode, encoder_identity=embedder.identity)
    ids = [str(i) for i in range(len(texts))]
    scores = assigner.score(texts, vectors, titles=titles, paper_ids=ids)
    return scores.long.pivot(index="paper_id", columns="theme", values="assigned").loc[
        ids, scores.themes
    ]


def agreement(reference: pd.DataFrame, other: pd.DataFrame) -> pd.DataFrame:
    """Precision, recall and F1 of ``other`` per theme, with ``reference`` as the truth."""
    truth, pred = reference.to_numpy(bool), other.to_numpy(bool)
    tp = (truth & pred).sum(0)
    precision = tp / np.maximum(pred.sum(0), 1)
    recall = tp / np.maximum(truth.sum(0), 1)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    return pd.DataFrame(
        {
            "reference": truth.sum(0),
            "assigned": pred.sum(0),
            "P": precision,
            "R": recall,
            "F1": f1,
        },
        index=reference.columns,
    )


def compare_themes(cache_dir: Path) -> dict[str, Any]:
    """Fast tier vs MiniLM on the 10k sample, and both against the hand labels."""
    from topics.clean import clean_texts
    from topics.embed import SentenceTransformerEmbedder, TfidfSvdEmbedder

    sample = load_sample("10k", cache_dir)
    raw = sample["abstract"].tolist()
    texts = clean_texts(raw, _clean_config())
    minilm = SentenceTransformerEmbedder()
    minilm_vectors = np.load(sorted(cache_dir.glob("minilm-10000-*.npy"))[0])
    tfidf = TfidfSvdEmbedder(random_state=42).fit(raw)
    tfidf_vectors = tfidf.encode(raw, batch_size=4096)
    titles = [""] * len(texts)  # the 10k sample has no titles; both sides alike
    reference = theme_predictions(texts, titles, minilm_vectors, minilm)
    fast = theme_predictions(texts, titles, tfidf_vectors, tfidf)
    archive = agreement(reference, fast)
    labelled = hand_label_agreement(minilm)
    return {"archive_10k_tfidf_vs_minilm": archive, **labelled}


def hand_label_agreement(minilm: Any) -> dict[str, pd.DataFrame]:
    """Both backends against the 270 hand labels; tfidf-svd fitted on the seed corpus.

    That is what ``topics run configs/default.yaml --set embedding.backend=tfidf-svd``
    does: the LSA space is learnt from the ~300 seed papers alone.
    """
    import eval_themes

    from topics.embed import TfidfSvdEmbedder

    papers = eval_themes.load_seed_papers(REPO / "seeds")
    names = [t.name for t in _themes()]
    labels = eval_themes.load_labels(
        REPO / "tests" / "fixtures" / "themes" / "labels.csv", papers["key"], names
    )
    truth = labels[names]
    pairs = zip(papers["title"], papers["abstract"], strict=True)
    docs = [f"{title}. {abstract}" if title else abstract for title, abstract in pairs]
    tfidf = TfidfSvdEmbedder(random_state=42).fit(docs)
    results = {}
    for name, embedder in (("minilm", minilm), ("tfidf-svd", tfidf)):
        vectors = embedder.encode(docs)
        predicted = theme_predictions(
            papers["abstract"].tolist(), papers["title"].tolist(), vectors, embedder
        )
        predicted.index = papers["key"].to_numpy()
        results[f"hand_labels_{name}"] = agreement(truth, predicted.loc[truth.index, names])
    return results


def _themes() -> list[Any]:
    from topics.config.loader import load_config

    return load_config(REPO / "configs" / "default.yaml").themes


def _clean_config() -> Any:
    from topics.config.schema import CleanConfig

    return CleanConfig()


# ---------------------------------------------------------------- MiniLM throughput


def minilm_throughput(n_docs: int, cache_dir: Path) -> dict[str, Any]:
    """Docs/s of MiniLM on ``n_docs`` archive papers as a run embeds them (no cache)."""
    from topics.clean import clean_texts
    from topics.embed import SentenceTransformerEmbedder
    from topics.fitted import document_texts

    papers = load_archive(cache_dir).sample(n=n_docs, random_state=7)
    docs = document_texts(papers["title"].tolist(), clean_texts(papers["abstract"].tolist()))
    embedder = SentenceTransformerEmbedder()
    embedder.encode(docs[:64])  # load the model and warm up outside the timing
    started, cpu_started = time.perf_counter(), time.process_time()
    embedder.encode(docs)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    archive_size = len(load_archive(cache_dir))
    rate = n_docs / seconds
    # On a shared machine wall time depends on the other users; with every
    # torch thread on its own free core, wall time would be CPU time / threads.
    threads = _torch_threads()
    free_rate = n_docs / (cpu_seconds / threads)
    return {
        "n_docs": n_docs,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "docs_per_s": rate,
        "docs_per_s_on_free_cores": free_rate,
        "archive_papers": archive_size,
        "projected_archive_minutes": archive_size / rate / 60,
        "projected_archive_minutes_on_free_cores": archive_size / free_rate / 60,
        "torch_threads": threads,
    }


def _torch_threads() -> int:
    import torch

    return int(torch.get_num_threads())


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="a watched `topics run`")
    run.add_argument("config", type=Path)
    run.add_argument("--name", default="fast", help="results/scale_<name>.json")
    run.add_argument("--cwd", type=Path, default=REPO, help="import topics from here")
    run.add_argument("--set", action="append", help="config override, repeatable")
    run.add_argument(
        "--kill-after-shards", type=int, help="SIGKILL once the cache has this many new shards"
    )
    run.add_argument("--cache-root", type=Path, help="embedding cache to count vectors in")
    watch = commands.add_parser("watch", help="peak memory per stage of a running run")
    watch.add_argument("pid", type=int)
    watch.add_argument("log", type=Path, help="the run's stderr with -v")
    watch.add_argument("--name", default="watched")
    themes = commands.add_parser("themes", help="fast tier vs MiniLM theme agreement")
    themes.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    minilm = commands.add_parser("minilm", help="MiniLM docs/s and projected archive time")
    minilm.add_argument("--n", type=int, default=2000)
    minilm.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args(argv)

    result: dict[str, Any] = {"command": args.command, **environment()}
    if args.command == "run":
        if args.cache_root is not None:
            result["cache_vectors_before"] = cache_vectors(args.cache_root)
        result.update(run_pipeline(args))
        if args.cache_root is not None:
            result["cache_vectors_after"] = cache_vectors(args.cache_root)
            print("embedding cache:", result["cache_vectors_before"], "->", end=" ")
            print(result["cache_vectors_after"])
        print_run(result)
        out = RESULTS / f"scale_{args.name}.json"
    elif args.command == "watch":
        result.update(watch_running(args.pid, args.log))
        print(json.dumps(result["peak_rss_mb_by_stage"], indent=1))
        out = RESULTS / f"scale_{args.name}_memory.json"
    elif args.command == "themes":
        tables = compare_themes(args.cache_dir)
        for name, table in tables.items():
            print(f"\n{name}\n{table.to_string(float_format='%.2f')}")
            print(f"macro F1 {table['F1'].mean():.3f}")
            result[name] = {
                "per_theme": table.reset_index(names="theme").to_dict(orient="records"),
                "macro_f1": float(table["F1"].mean()),
            }
        out = RESULTS / "scale_themes.json"
    else:
        result.update(minilm_throughput(args.n, args.cache_dir))
        print(json.dumps({k: v for k, v in result.items() if k not in ("packages",)}, indent=1))
        out = RESULTS / "scale_minilm.json"
    RESULTS.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=_jsonable) + "\n")
    print(f"wrote {out}")
    return 0


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


if __name__ == "__main__":
    raise SystemExit(main())
