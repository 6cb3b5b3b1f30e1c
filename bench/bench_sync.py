"""Benchmark of purchase-invoice polling: the ``sync`` part of ``bench_inbox.py`` alone.

Kept as a short entry point. It used to run the simulator in-process, so its CPU counted as ours; the
figures now come from ``bench_inbox.py`` with the simulator out of process (see its docstring).

    .venv/bin/python bench/bench_sync.py [--companies 1000] [--concurrency 8] [--rounds 3]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_inbox  # a sibling script, found through the path above


def main(argv: list[str] | None = None) -> int:
    """``bench_inbox.py --skip latency,throughput`` with the given arguments."""
    args = list(sys.argv[1:] if argv is None else argv)
    return bench_inbox.main([*args, "--skip", "latency,throughput"])


if __name__ == "__main__":
    raise SystemExit(main())
