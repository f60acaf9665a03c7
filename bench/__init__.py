"""Reproducible benchmarks; run one with ``uv run python -m bench.<name> --help``."""
