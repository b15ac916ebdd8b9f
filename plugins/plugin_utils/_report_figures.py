# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This file is private to the patguard.github collection; its API may change at any time.
"""Figures as data: the geometry of the inline SVG charts, KPI tiles and chart cards.

Each function returns a plain dict (numbers already formatted) that a macro of
``report_assets/figures.html.j2`` draws. Any page built with ``_report_html.render_page``
can use them: the token report, and a roll-up of many organizations.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.patguard.github.plugins.plugin_utils._report_text import fmt

COLORS = {
    "bad": "#c62828",
    "warn": "#ef6c00",
    "caution": "#f9a825",
    "ok": "#2e7d32",
    "neutral": "#607d8b",
    "read": "#90caf9",
    "write": "#1e88e5",
    "admin": "#c62828",
    "other": "#8e24aa",
    "compliant": "#66bb6a",
    "violating": "#e53935",
    "open": "#e53935",
    "resolved": "#9e9e9e",
}


def _f(value):
    return "%.1f" % value


def vbar(
    chart_id: str, rows: list[tuple[str, int]], colors: dict[str, str], note: str, width: int = 440, height: int = 220
) -> dict[str, Any]:
    """Vertical bars. ``rows``: [(label, count)]; ``colors``: {label: color}."""
    top, bottom, left = 22, 40, 8
    peak = max([c for _l, c in rows] + [1])
    slot = (width - left * 2) / float(max(len(rows), 1))
    bar_width = slot * 0.66
    bars = []
    for index, (label, count) in enumerate(rows):
        h = (height - top - bottom) * count / float(peak)
        x = left + index * slot + (slot - bar_width) / 2
        y = height - bottom - h
        bars.append(
            {
                "label": label,
                "count": fmt(count),
                "x": _f(x),
                "y": _f(y),
                "w": _f(bar_width),
                "h": _f(max(h, 0.5)),
                "fill": colors.get(label, COLORS["neutral"]),
                "cx": _f(x + bar_width / 2),
                "vy": _f(y - 5),
                "ly": height - bottom + 16,
            }
        )
    return {
        "kind": "vbar",
        "id": chart_id,
        "width": width,
        "height": height,
        "note": note,
        "bars": bars,
        "axis": {"x1": left, "x2": width - left, "y": height - bottom},
    }


def hbar(
    chart_id: str,
    rows: list[tuple[str, dict[str, Any]]],
    series: list[tuple[str, str]],
    note: str,
    label_width: int = 150,
    width: int = 440,
) -> dict[str, Any]:
    """Horizontal stacked bars. ``rows``: [(label, {series name: count})];
    ``series``: [(name, color)] in stacking order."""
    row_h, gap, top = 16, 5, 4
    height = top + len(rows) * (row_h + gap) + 4
    peak = max([sum(v.get(name, 0) for name, _c in series) for _l, v in rows] + [1])
    plot = width - label_width - 48
    room = int((label_width - 10) / 6.6)  # characters that fit left of the bars
    out = []
    for index, (label, values) in enumerate(rows):
        y = top + index * (row_h + gap)
        x, total, parts = float(label_width), 0, []
        for name, color in series:
            count = values.get(name, 0)
            if count:
                w = plot * count / float(peak)
                parts.append({"x": _f(x), "w": _f(max(w, 0.5)), "fill": color})
                x += w
                total += count
        out.append(
            {
                "label": label,
                "shown": label if len(label) <= room else label[: room - 1] + "\u2026",
                "title": ", ".join(
                    "%s %s" % (name, fmt(values.get(name, 0))) for name, _c in series if values.get(name)
                ),
                "y": y,
                "ty": _f(y + row_h - 4),
                "parts": parts,
                "total": fmt(total),
                "nx": _f(x + 4),
            }
        )
    return {
        "kind": "hbar",
        "id": chart_id,
        "width": width,
        "height": max(height, 30),
        "note": note,
        "rows": out,
        "row_h": row_h,
        "label_x": label_width - 6,
        "empty_x": width // 2,
    }


def legend(series: list[tuple[str, str]]) -> list[dict[str, str]]:
    """Legend entries for a stacked chart: [(name, color)]."""
    return [{"name": name, "color": color} for name, color in series]


def card(
    card_id: str,
    title: str,
    note: str,
    figure: dict[str, Any],
    span: str = "span2",
    legend_series: list[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """A chart card of a ``charts.html.j2`` section."""
    return {
        "id": card_id,
        "title": title,
        "note": note,
        "figure": figure,
        "span": span,
        "legend": legend(legend_series) if legend_series else None,
    }


def kpi(label: str, value: Any, level: str, sub: str) -> dict[str, Any]:
    """A headline figure tile; ``level`` is ok, warn, bad or neutral."""
    return {"label": label, "value": fmt(value), "level": level, "sub": sub}


def share_level(count: int, present: int, bad_share: float = 0.0) -> str:
    """ok when zero, bad above ``bad_share`` of ``present``, else warn."""
    if not count:
        return "ok"
    return "bad" if count / float(present or 1) > bad_share else "warn"
