"""Benchmarks: not tests. Each measures against a baseline taken in the same run."""
