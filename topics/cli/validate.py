"""`topics validate CONFIG`: check a config without running anything."""

from __future__ import annotations

import argparse

from topics.cli._util import EXIT_OK, add_config_arguments, config_from_args, guarded


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("validate", help="check a config without running it")
    add_config_arguments(parser)
    parser.add_argument(
        "--print",
        dest="print_config",
        action="store_true",
        help="print the resolved config: every key, with defaults, extends and --set applied",
    )
    parser.set_defaults(func=guarded(validate_cli))


def validate_cli(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    if args.print_config:
        import yaml

        print(yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False), end="")
        return EXIT_OK
    print(f"{args.config}: valid (experiment {config.experiment!r}, output {config.run_dir})")
    return EXIT_OK
