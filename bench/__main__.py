"""`python -m bench`: the benchmarks, from a checkout (`make bench` pins it to one core)."""

import sys

from bench.cli import run

sys.exit(run())
