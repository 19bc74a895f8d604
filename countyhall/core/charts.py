"""Charts drawn on the server as SVG: no JavaScript library, nothing fetched from outside."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ["#a4161a", "#1d5c96", "#2f855a", "#b7791f", "#6b46c1", "#2c7a7b"]


def bar_chart(
    *,
    labels: Sequence[str],
    series: dict[str, Sequence[int | Decimal]],
    title: str,
    width: int = 720,
    height: int = 260,
    stacked: bool = False,
) -> SafeString:
    """A grouped (or stacked) bar chart with a legend; values are drawn to scale from zero."""
    margin_left, margin_bottom, margin_top = 56, 36, 28
    plot_w, plot_h = width - margin_left - 12, height - margin_bottom - margin_top
    names = list(series)
    count = max(len(labels), 1)
    if stacked:
        peak = max([sum(Decimal(series[n][i]) for n in names) for i in range(len(labels))] or [0])
    else:
        peak = max([Decimal(v) for n in names for v in series[n]] or [0])
    peak = peak or Decimal(1)
    slot = plot_w / count
    bar = slot * 0.8 / (1 if stacked else max(len(names), 1))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" class="chart">',
        f'<text x="{margin_left}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    for step in range(5):
        value = peak * step / 4
        y = margin_top + plot_h - plot_h * step / 4
        parts.append(
            f'<line x1="{margin_left}" x2="{width - 12}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e2e6ea"/>'
        )
        parts.append(
            f'<text x="{margin_left - 6}" y="{y + 4:.1f}" font-size="10" text-anchor="end">'
            f"{_short(value)}</text>"
        )
    for i, label in enumerate(labels):
        x0 = margin_left + slot * i + slot * 0.1
        base = Decimal(0)
        for k, name in enumerate(names):
            value = Decimal(series[name][i])
            h = float(value / peak) * plot_h
            if stacked:
                y = margin_top + plot_h - float(base / peak) * plot_h - h
                x = x0
                base += value
            else:
                y = margin_top + plot_h - h
                x = x0 + bar * k
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[k % len(PALETTE)]}"><title>{escape(label)} {escape(name)}：{value}</title></rect>'
            )
        parts.append(
            f'<text x="{x0 + slot * 0.4:.1f}" y="{height - margin_bottom + 14}" font-size="10" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    for k, name in enumerate(names):
        x = margin_left + k * 110
        parts.append(
            f'<rect x="{x}" y="{height - 14}" width="10" height="10" fill="{PALETTE[k % len(PALETTE)]}"/>'
            f'<text x="{x + 14}" y="{height - 5}" font-size="10">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label is escaped above


def _short(value: Decimal) -> str:
    value = Decimal(value)
    if value >= 10000:
        return f"{value / 10000:.1f}万"
    return f"{value:.0f}"
