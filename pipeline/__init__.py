"""Synthetic function-calling data pipeline: plan -> generate -> check -> write."""

__version__ = "0.1.0"
