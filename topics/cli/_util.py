"""What every command shares: logging, config loading, and the exit-code policy.

Exit codes are a contract with scripts: 0 success, 1 the run failed (a source
could not be read, a stage raised), 2 the config or the command line is wrong.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from topics._io import is_disk_full
from topics.config.loader import load_config, parse_override
from topics.config.schema import Config
from topics.errors import ConfigError, DiskFullError, TopicsError

__all__ = [
    "EXIT_CONFIG_ERROR",
    "EXIT_OK",
    "EXIT_RUN_ERROR",
    "add_common_arguments",
    "add_config_arguments",
    "add_section_overrides",
    "config_from_args",
    "guarded",
    "print_table",
    "report_options_from_args",
    "section_overrides",
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
    _add_set_option(parser, "override a config key, e.g. --set model.hdbscan.min_cluster_size=5")


def add_section_overrides(parser: argparse.ArgumentParser, section: str, example: str) -> None:
    """``--set`` for a command that reads a saved run or model, not a config.

    Such a command can change only what it applies itself (the report's
    options, the theme threshold); :func:`section_overrides` checks the keys.
    """
    _add_set_option(parser, f"override a {section}.* key of the saved run, e.g. --set {example}")


def _add_set_option(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=help_text,
    )


def section_overrides(
    overrides: Sequence[str],
    schema: type[BaseModel],
    *,
    section: str,
    command: str,
    allowed: Collection[str] | None = None,
    base: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``--set section.key=value`` values, validated by the section's schema.

    ``allowed`` narrows the section's keys to those the command applies.
    A key elsewhere in the config would silently do nothing here, so it is a
    :class:`ConfigError` that says which command changes it. ``base`` holds
    the saved values the overrides go on top of, so that the schema checks
    the combination.
    """
    keys = sorted(allowed if allowed is not None else schema.model_fields)
    values: dict[str, Any] = {}
    for text in overrides:
        path, value = parse_override(text)
        if len(path) != 2 or path[0] != section or path[1] not in keys:
            raise ConfigError(
                f"--set {text}: {command} can change only "
                f"{', '.join(f'{section}.{k}' for k in keys)}; other keys shape the run "
                f"itself, so change them with `topics run CONFIG --set {text}`"
            )
        values[path[1]] = value
    saved = {k: v for k, v in (base or {}).items() if k in schema.model_fields}
    try:
        schema.model_validate({**saved, **values})
    except ValidationError as exc:
        problems = "; ".join(
            f"{section}.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"--set: {problems}") from None
    return values


def report_options_from_args(args: argparse.Namespace, run_dir: Path | None = None) -> Any:
    """The run's own report options, with the command's ``--set report.*`` on top.

    ``run_dir`` is the run whose options apply (default ``args.run_dir``).
    """
    from dataclasses import asdict, replace

    from topics.config.schema import ReportConfig
    from topics.report import ReportOptions

    options = ReportOptions.from_run(run_dir if run_dir is not None else args.run_dir)
    values = section_overrides(
        args.overrides,
        ReportConfig,
        section="report",
        command=f"topics {args.command}",
        base=asdict(options),
    )
    return replace(options, **values)


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
