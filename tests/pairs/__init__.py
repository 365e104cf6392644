"""Tests of pipeline/pairs/."""
