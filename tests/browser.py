"""Headless Chromium for the page tests: Debian's chromium (.ci/run installs it) driven by
Playwright. Skipped where no Chromium is installed, except in CI, where it must run."""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager

import pytest

FLAGS = [  # this machine's network is closed: no background connections, no GPU
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """The Chromium executable; skips the test (fails it in CI) when there is none."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        message = "no chromium on PATH (Debian: apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@contextmanager
def browser_page(width: int = 1200, height: int = 900):
    """A Playwright page in a fresh headless Chromium."""
    try:
        from playwright import sync_api
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("playwright is not installed (the dev extra has it)")
        pytest.skip("playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            yield page
        finally:
            browser.close()


def is_blank(png: bytes) -> bool:
    """Whether a screenshot is (nearly) one colour: under 1% of its pixels differ from the commonest."""
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("L")
    counts = image.histogram()
    return 1 - max(counts) / sum(counts) < 0.01
