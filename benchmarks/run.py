"""Runs the benchmarks: `python benchmarks/run.py [NAME ...]` (all when no name is given).

Each benchmark is a module `benchmarks/bench_NAME.py` with a `main()` that prints, last, one line per
target: `BENCH <target> ratio=<measured> limit=<allowed> PASS|FAIL`, and returns True when all pass.
"""

import importlib
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def main(names: list[str]) -> int:
    available = sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    chosen = names or available
    unknown = [n for n in chosen if n not in available]
    if unknown:
        print(f"unknown benchmark(s): {unknown}; available: {available}", file=sys.stderr)
        return 2
    if not chosen:
        print("no benchmarks yet")
        return 0
    results = [importlib.import_module(f"benchmarks.bench_{name}").main() for name in chosen]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
