"""The month's chart: net sales against net purchases for the last months, a PNG readable on a phone.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no GUI, no display): a figure is built,
printed to PNG bytes and dropped. Big fonts for a picture shown about 360 points wide: 1 200 × 900 pixels
with 15-point text. The texts (title, legend, month abbreviations, unit) come from the caller in the
user's language. CPU-bound (a few hundred milliseconds): call :func:`render_chart` in a worker thread.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

# The Agg canvas is attached to each figure directly: pyplot (and with it any GUI backend) is never loaded.
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from bot.services.month import MonthPoint

# matplotlib keeps process-wide caches (fonts, text layout) that are not documented as thread-safe:
# one chart at a time.
_LOCK = threading.Lock()
SALES_COLOUR = "#2e7d32"
PURCHASES_COLOUR = "#ef6c00"


@dataclass(frozen=True)
class ChartTexts:
    """What the chart says, in the reader's language."""

    title: str
    sales: str
    purchases: str
    months: tuple[str, ...]  # twelve abbreviations, January first
    unit: str  # the axis unit for amounts in złoty, e.g. "zł"
    unit_thousands: str  # for amounts in thousands, e.g. "tys. zł"
    decimal_comma: bool = True


def render_chart(points: Sequence[MonthPoint], texts: ChartTexts) -> bytes:
    """Grouped bars per month (sales, purchases), the newest month last; a PNG."""
    top = max((abs(v) for p in points for v in (p.sales, p.purchases)), default=Decimal(0))
    scale = 1000 if top >= 10_000 else 1
    unit = texts.unit_thousands if scale == 1000 else texts.unit
    with _LOCK:
        figure = Figure(figsize=(6, 4.5), dpi=200)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        positions = list(range(len(points)))
        width = 0.4
        axes.bar([x - width / 2 for x in positions], [float(p.sales) / scale for p in points], width,
                 label=texts.sales, color=SALES_COLOUR)
        axes.bar([x + width / 2 for x in positions], [float(p.purchases) / scale for p in points], width,
                 label=texts.purchases, color=PURCHASES_COLOUR)
        axes.set_xticks(positions, [texts.months[p.month - 1] for p in points], fontsize=13)
        axes.tick_params(axis="y", labelsize=15)
        axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: _tick(value, texts.decimal_comma)))
        axes.set_ylabel(unit, fontsize=15)
        axes.set_title(texts.title, fontsize=16)
        axes.grid(axis="y", alpha=0.3)
        axes.axhline(0, color="#444444", linewidth=0.8)
        axes.spines[["top", "right"]].set_visible(False)
        axes.legend(fontsize=14, frameon=False, loc="upper left")
        figure.tight_layout()
        out = io.BytesIO()
        figure.savefig(out, format="png")
        return out.getvalue()


def _tick(value: float, decimal_comma: bool) -> str:
    text = f"{value:,.0f}" if abs(value) >= 10 or value == int(value) else f"{value:,.1f}"
    text = text.replace(",", "\u202f")  # a thin space between thousands
    return text.replace(".", ",") if decimal_comma else text
