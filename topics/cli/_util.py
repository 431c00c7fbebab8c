"""What every command shares: logging, config loading, and the exit-code policy.

Exit codes are a contract with scripts: 0 success, 1 the run failed (a source
could not be read, a stage raised), 2 the config or the command line is wrong.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from topics._io import is_disk_full
from topics.config.loader import load_config
from topics.config.schema import Config
from topics.errors import ConfigError, DiskFullError, TopicsError

__all__ = [
    "EXIT_CONFIG_ERROR",
    "EXIT_OK",
    "EXIT_RUN_ERROR",
    "add_common_arguments",
    "add_config_arguments",
    "config_from_args",
    "guarded",
    "print_table",
    "setup_logging",
]

EXIT_OK = 0
EXIT_RUN_ERROR = 1
EXIT_CONFIG_ERROR = 2

log = logging.getLogger("topics")


def setup_logging(verbosity: int) -> None:
    """Default: stage progress and problems; -q: warnings; -qq: errors; -v: debug."""
    level = {-2: logging.ERROR, -1: logging.WARNING, 0: logging.INFO}.get(
        max(-2, min(verbosity, 1)), logging.DEBUG
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    root = logging.getLogger("topics")
    root.handlers[:] = [handler]
    root.setLevel(level)


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more output")
    parser.add_argument("-q", "--quiet", action="count", default=0, help="errors only")


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)
    parser.add_argument("config", type=Path, help="YAML config file")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config key, e.g. --set model.hdbscan.min_cluster_size=5",
    )


def config_from_args(args: argparse.Namespace) -> Config:
    return load_config(args.config, args.overrides)


def guarded(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn our errors into one clear line and the right exit code.

    A traceback helps only the developers of ``topics``; users get it with -vv.
    """

    def wrapper(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except ConfigError as exc:
            _report(exc, args)
            return EXIT_CONFIG_ERROR
        except TopicsError as exc:
            _report(exc, args)
            return EXIT_RUN_ERROR
        except OSError as exc:
            if not is_disk_full(exc):
                raise
            # Outside a run (a report re-render, an export): still one clear line.
            _report(DiskFullError(exc.filename or "output", exc), args)
            return EXIT_RUN_ERROR
        except KeyboardInterrupt:
            print("interrupted; no partial output was left in place", file=sys.stderr)
            return 130

    return wrapper


def _report(exc: Exception, args: argparse.Namespace) -> None:
    if getattr(args, "verbose", 0) >= 2:
        log.exception("error")
    print(f"error: {exc}", file=sys.stderr)


def print_table(rows: Sequence[Sequence[object]], header: Sequence[str]) -> None:
    cells = [[str(c) for c in header], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    for row in cells:
        print("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
