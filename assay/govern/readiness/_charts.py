"""The report's charts: matplotlib (Agg, the CJK font) drawn from the figures, as PNG data URIs.

Each chart is a pure function of ``readiness.json`` data; the PNG is embedded in the HTML
(``data:image/png;base64,…``), so the report needs no file or network beside itself.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
CJK_FAMILY = "WenQuanYi Micro Hei"
COLOURS = ["#1f5f8b", "#e07b39", "#3a9d5d", "#b8433f", "#7a5aa6", "#8c6d46", "#4aa3b5"]
DPI = 150


@contextmanager
def _style() -> Iterator[None]:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager

    if CJK_FONT.is_file() and CJK_FAMILY not in {f.name for f in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(str(CJK_FONT))
    with matplotlib.rc_context(
        {
            "font.family": "sans-serif",
            "font.sans-serif": [CJK_FAMILY, "Noto Sans CJK SC", "DejaVu Sans"],
            "axes.unicode_minus": False,
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    ):
        yield


def _figure(width: float = 7.0, height: float = 2.8) -> tuple[Figure, Axes]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    return fig, fig.add_subplot()


def _png(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def charts(figures: dict[str, Any]) -> dict[str, str]:
    """Every chart of the report, by name, as a PNG data URI."""
    with _style():
        return {
            "volume": volume_chart(figures["volume"]),
            "coverage": coverage_chart(figures["coverage"]["devices"]),
            "dimensions": dimensions_chart(figures["quality"]["dimensions"]),
            "trend": trend_chart(figures["quality"]["trend"], figures["quality"]["dimensions"]),
            "quarantine": quarantine_chart(figures["quarantine"]["by_rule"]),
        }


def volume_chart(volume: list[dict[str, Any]]) -> str:
    """Rows per day, stacked by site."""
    fig, ax = _figure()
    days = [v["date"] for v in volume]
    sites = sorted({s for v in volume for s in v["sites"]})
    bottom = [0] * len(days)
    for i, site in enumerate(sites):
        heights = [v["sites"].get(site, 0) for v in volume]
        ax.bar(days, heights, bottom=bottom, label=site, color=COLOURS[i % len(COLOURS)])
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    ax.set_ylabel("行数 rows")
    ax.set_title("每日数据量 Rows per day")
    _legend(ax, sites)
    ax.tick_params(axis="x", labelrotation=30 if len(days) > 6 else 0)
    return _png(fig)


def coverage_chart(devices: list[dict[str, Any]]) -> str:
    """Rows per device, coloured by site."""
    height = max(2.0, 0.28 * len(devices) + 0.9)
    fig, ax = _figure(height=height)
    sites = sorted({d["site"] for d in devices})
    names = [f"{d['site']} / {d['device']}" for d in devices]
    colours = [COLOURS[sites.index(d["site"]) % len(COLOURS)] for d in devices]
    ax.barh(names, [d["rows"] for d in devices], color=colours)
    ax.invert_yaxis()
    ax.set_xlabel("行数 rows")
    ax.set_title("站点与设备覆盖 Coverage per site and device")
    return _png(fig)


def dimensions_chart(dimensions: list[dict[str, Any]]) -> str:
    """The six dimension scores (percent); dimensions nothing checked are marked."""
    fig, ax = _figure()
    names = [f"{d['label_zh']}\n{d['label_en']}" for d in dimensions]
    scores = [(d["score"] or 0) * 100 for d in dimensions]
    bars = ax.bar(names, scores, color=COLOURS[0])
    low = min([s for s, d in zip(scores, dimensions, strict=True) if d["score"] is not None] or [0])
    floor = max(0, int(low) - 5) if low > 50 else 0
    for bar, d in zip(bars, dimensions, strict=True):
        scored = d["score"] is not None
        text = f"{d['score'] * 100:.2f}%" if scored else "未检查\nnot checked"
        at = (bar.get_x() + bar.get_width() / 2, bar.get_height() if scored else floor)
        ax.annotate(text, at, ha="center", va="bottom", fontsize=8)
    ax.set_ylim(floor, 101)
    ax.set_ylabel("得分 score %")
    ax.set_title("GB/T 36344 质量维度得分 Quality dimension scores")
    return _png(fig)


def trend_chart(trend: list[dict[str, Any]], dimensions: list[dict[str, Any]]) -> str:
    """Each dimension's score per segment, segments in time order."""
    fig, ax = _figure()
    labels = [f"{t['first_date'][5:]}\n{t['label']}" for t in trend]
    plotted = []
    for i, d in enumerate(dimensions):
        values = [t["scores"].get(d["dimension"]) for t in trend]
        if all(v is None for v in values):
            continue
        points = [(x, v * 100) for x, v in enumerate(values) if v is not None]
        ax.plot(
            [p[0] for p in points],
            [p[1] for p in points],
            marker="o",
            markersize=3,
            color=COLOURS[i % len(COLOURS)],
            label=f"{d['label_zh']} {d['label_en']}",
        )
        plotted.append(d["dimension"])
    ax.set_xticks(range(len(labels)), labels, fontsize=7)
    ax.set_ylabel("得分 score %")
    ax.set_title("各分段质量趋势 Quality trend per segment")
    _legend(ax, plotted)
    return _png(fig)


def quarantine_chart(by_rule: list[dict[str, Any]]) -> str:
    """Quarantined rows per rule (the top rules)."""
    fig, ax = _figure(height=max(1.6, 0.32 * len(by_rule) + 0.9))
    if by_rule:
        ax.barh([r["rule"] for r in by_rule], [r["rows"] for r in by_rule], color=COLOURS[3])
        ax.invert_yaxis()
    else:
        ax.text(
            0.5,
            0.5,
            "窗口内无隔离行 no quarantined rows in the window",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
        ax.set_axis_off()
    ax.set_xlabel("隔离行数 quarantined rows")
    ax.set_title("主要隔离原因 Top quarantine reasons")
    return _png(fig)


def _legend(ax: Axes, entries: list[str]) -> None:
    if entries:
        ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
