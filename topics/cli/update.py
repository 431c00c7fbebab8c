"""`topics update CONFIG`: add the new papers to the last run."""

from __future__ import annotations

import argparse

from topics.cli._util import add_config_arguments, config_from_args, guarded
from topics.cli.run import _finish


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "update",
        help="add the papers the last run did not have, with its saved model (no refit)",
    )
    add_config_arguments(parser)
    parser.add_argument(
        "--refit",
        action="store_true",
        help="refit the topic model on every paper; new topics that continue old ones (by "
        "shared papers) keep their labels",
    )
    parser.add_argument(
        "--wait",
        action="store_true",
        help="if another run of this experiment is in progress, wait for it instead of failing",
    )
    parser.set_defaults(func=guarded(update_cli))


def update_cli(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    from topics.pipeline import update  # heavy imports only once the config is valid

    return _finish(update(config, wait=args.wait, refit=args.refit))
