"""The ``ksef`` command line.

Each group of sub-commands lives in its own module with a ``register(subparsers)`` function;
this module only assembles them, parses the global options and turns errors into one clear line.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from ksef.errors import KsefError

# Modules that contribute sub-commands; a module that is missing is simply skipped, so that the
# library stays usable while parts are being built.
_COMMAND_MODULES = (
    "ksef.cli.api_commands",
    "ksef.cli.invoice_commands",
    "ksef.cli.qr_commands",
    "ksef.cli.print_commands",
)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every registered sub-command."""
    parser = argparse.ArgumentParser(prog="ksef", description="KSeF 2.0 from the command line.")
    parser.add_argument("--base-url", default=os.environ.get("KSEF_BASE_URL"),
                        help="API base URL (…/v2), or use --env")
    parser.add_argument("--env", default=os.environ.get("KSEF_ENV", "test"), help="test, demo or prod")
    parser.add_argument("--nip", default=os.environ.get("KSEF_NIP"), help="context NIP")
    parser.add_argument("--token", default=os.environ.get("KSEF_TOKEN"),
                        help="KSeF token (or set KSEF_TOKEN; safer than the command line)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    import importlib

    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ksef`` script; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], Any] = args.handler
    try:
        result = handler(args)
        if inspect.isawaitable(result):
            result = asyncio.run(_await(result))
    except KsefError as exc:
        print(f"ksef: error: {exc}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as exc:
        print(f"ksef: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return int(result or 0)


async def _await(awaitable: Any) -> Any:
    return await awaitable


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
