"""`topics cache CONFIG [--prune --max-size SIZE]`: see and cap the stage cache.

Every changed config stores new stage entries and nothing removes old ones,
so the cache of a busy output directory only grows. ``--prune`` deletes the
least recently used entries until the cache fits ``--max-size``, keeping the
entries that each experiment's latest run used, and the half-written entries
of killed runs. It holds the cache lock exclusively (runs hold it shared), so
it never deletes an entry a run is reading or writing.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from topics.cli._util import (
    EXIT_OK,
    add_config_arguments,
    config_from_args,
    guarded,
    print_table,
)
from topics.errors import ConfigError

_UNITS = {"": 1, "b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "cache",
        help="list the stage cache of a config's output_dir; --prune caps its size",
    )
    add_config_arguments(parser)
    parser.add_argument(
        "--prune",
        action="store_true",
        help="delete least recently used entries until the cache fits --max-size",
    )
    parser.add_argument(
        "--max-size",
        type=parse_size,
        default=0,
        metavar="SIZE",
        help="size to prune down to, e.g. 500M or 2G (default 0: keep only what the "
        "latest run of each experiment used)",
    )
    parser.add_argument(
        "--wait",
        action="store_true",
        help="with --prune: wait for runs that use the cache instead of failing",
    )
    parser.set_defaults(func=guarded(cache_cli))


def parse_size(text: str) -> int:
    """``500M`` -> bytes; binary units (K, M, G, T), an optional trailing ``B``."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*", text, re.IGNORECASE)
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size such as 500M or 2G")
    return int(float(match[1]) * _UNITS[match[2].lower()])


def cache_cli(args: argparse.Namespace) -> int:
    from topics.pipeline._cache import prune_cache, remove_leftovers, stored_entries
    from topics.pipeline._lock import cache_lock

    config = config_from_args(args)
    root = config.output_dir / ".cache" / "stages"
    if args.prune:
        # Never while a run reads entries it may be about to lose.
        with cache_lock(config.output_dir, exclusive=True, wait=args.wait) as alone:
            removed = prune_cache(root, args.max_size, latest_run_keys(config.output_dir))
            # Half-written entries are a killed run's only while no run is writing.
            leftovers = remove_leftovers(root) if alone else 0
        freed = sum(e.size for e in removed)
        print(f"pruned {len(removed)} entries, {_human(freed)} freed")
        if leftovers:
            print(f"removed {leftovers} half-written entries left by interrupted runs")
    entries = stored_entries(root)
    by_stage: dict[str, list[int]] = {}
    for entry in entries:
        by_stage.setdefault(entry.stage, []).append(entry.size)
    rows = [(stage, len(sizes), _human(sum(sizes))) for stage, sizes in sorted(by_stage.items())]
    print_table(rows, ("stage", "entries", "size"))
    print(f"{root}: {len(entries)} entries, {_human(sum(e.size for e in entries))}")
    return EXIT_OK


def latest_run_keys(output_dir: Path) -> set[tuple[str, str]]:
    """``(stage, key)`` of every stage the latest run of each experiment used."""
    keys = set()
    for manifest in output_dir.glob("*/manifest.json"):
        try:
            stages = json.loads(manifest.read_text(encoding="utf-8")).get("cache", {})
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"{manifest}: cannot read the run manifest ({exc})") from exc
        keys.update((stage, d["key"]) for stage, d in stages.items() if "key" in d)
    return keys


def _human(size: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} B"
