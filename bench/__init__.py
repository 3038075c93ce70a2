"""Benchmarks: search and update handling, measured in one run with their baselines."""
