"""The report's plots: matplotlib (the `report` extra) drawn off-screen to PNG and inlined as a
data URL, so the report is one file that opens offline. Without matplotlib every plot is None
and the report shows its table alone."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence

try:
    import matplotlib

    matplotlib.use("Agg")  # no display: draw to memory
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator
except ImportError:  # the report extra is not installed
    plt = None

MISSING = "plots need matplotlib: pip install 'fc-datagen[report]'"


def available() -> bool:
    """Whether plots can be drawn (matplotlib is installed)."""
    return plt is not None


def _data_url(figure) -> str:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def bars(
    labels: Sequence[str], values: Sequence[float], title: str, xlabel: str = "", horizontal: bool = True
) -> str | None:
    """A bar chart as a PNG data URL (None without matplotlib or data)."""
    if plt is None or not labels:
        return None
    height = max(2.2, 0.28 * len(labels) + 1) if horizontal else 3.2
    figure, axes = plt.subplots(figsize=(7, height))
    if horizontal:
        axes.barh(list(labels)[::-1], list(values)[::-1], color="#4c72b0")
        axes.set_xlabel(xlabel)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        axes.bar(list(labels), list(values), color="#4c72b0")
        axes.set_ylabel(xlabel)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(title, fontsize=10)
    return _data_url(figure)


def stacked(labels: Sequence[str], series: dict[str, Sequence[float]], title: str, xlabel: str = "") -> str | None:
    """Horizontal stacked bars, one row per label and one colour per series (None without matplotlib)."""
    if plt is None or not labels:
        return None
    figure, axes = plt.subplots(figsize=(7, max(2.2, 0.35 * len(labels) + 1.2)))
    left = [0.0] * len(labels)
    for name, values in series.items():
        axes.barh(list(labels), list(values), left=left, label=name)
        left = [a + b for a, b in zip(left, values)]
    axes.invert_yaxis()
    axes.set_xlabel(xlabel)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(title, fontsize=10, pad=30)
    axes.legend(fontsize=7, ncol=5, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    return _data_url(figure)


def line(xs: Sequence[float], ys: Sequence[float], title: str, xlabel: str, ylabel: str) -> str | None:
    """A line with markers (yield by temperature) as a PNG data URL (None without matplotlib)."""
    if plt is None or not xs:
        return None
    figure, axes = plt.subplots(figsize=(5, 3))
    axes.plot(list(xs), list(ys), marker="o", color="#4c72b0")
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_ylim(bottom=0)
    axes.set_title(title, fontsize=10)
    return _data_url(figure)


def histogram(values: Sequence[float], title: str, xlabel: str, bins: int = 20) -> str | None:
    """A histogram as a PNG data URL (None without matplotlib or data)."""
    if plt is None or not values:
        return None
    figure, axes = plt.subplots(figsize=(5, 3))
    axes.hist(list(values), bins=min(bins, max(1, len(set(values)))), color="#4c72b0", edgecolor="white")
    if all(isinstance(value, int) for value in values):
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel(xlabel)
    axes.set_ylabel("count")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(title, fontsize=10)
    return _data_url(figure)
